package sqlgen

import (
	"strconv"
	"strings"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// filter is where. SQL allows no window function in WHERE (where
// prev(x) != x, where row_number() <= 10): a predicate that calls one is
// computed as a column, after the columns its window functions need, and
// the rows are filtered on that.
func (r *Renderer) filter(n *plan.Filter) string {
	in, sel := r.Node(n.Input), quotedNames(n.Columns())
	if !plan.HasWindow(n.Pred) {
		return selectFrom(sel, in, " WHERE "+r.Expr(n.Pred))
	}
	var pred string
	levels := r.windows(func() { pred = r.Expr(n.Pred) })
	return selectFrom(sel, hoisted(in, append(levels, []string{pred + " AS _where"})), " WHERE _where")
}

// project is project, extend, distinct of columns and serialize with
// columns, over the input with the columns the items' window functions
// need computed first.
func (r *Renderer) project(n *plan.Project) string {
	names := make([]string, len(n.Items))
	for _, s := range n.Slots {
		if s.From < 0 {
			names[s.Item] = s.Name
		}
	}
	entries := make([]string, len(n.Items))
	levels := r.windows(func() {
		for i, x := range n.Items {
			entries[i] = r.Expr(x) + " AS " + QuoteIdent(names[i])
		}
	})
	sel, in := slotSelect(n.Input.Columns(), n.Slots, entries), hoisted(r.Node(n.Input), levels)
	if n.Distinct {
		return "SELECT DISTINCT " + strings.Join(sel, ", ") + " FROM (" + in + ") AS _t"
	}
	return selectFrom(sel, in, "")
}

// windows renders, with f, the expressions of an operator that computes
// window functions over its input (extend, project, where) and returns
// the columns their spellings hoisted (Dialect.Window), in levels, each
// level's over the ones before.
func (r *Renderer) windows(f func()) [][]string {
	var levels [][]string
	n := 0
	defer func(saved Hoist) { r.hoist = saved }(r.hoist)
	r.hoist = func(lv int, sql string) string {
		for len(levels) <= lv {
			levels = append(levels, nil)
		}
		name := "_w" + strconv.Itoa(n)
		n++
		levels[lv] = append(levels[lv], sql+" AS "+name)
		return name
	}
	f()
	return levels
}

// hoisted is the rows of query with the columns of levels computed after
// its own, each level's over the ones before; an operator over it
// selects the input's columns by name and leaves these out.
func hoisted(query string, levels [][]string) string {
	for _, lv := range levels {
		query = "SELECT *, " + strings.Join(lv, ", ") + " FROM (" + query + ")"
	}
	return query
}

// element is a value among several one function gives (plan.Element).
func (r *Renderer) element(x *plan.Element) string {
	if x.Field == "" {
		return "json_extract(" + r.Expr(x.X) + ", '$[" + strconv.Itoa(x.Index) + "]')"
	}
	return r.D.Convert(Arg{SQL: "json_extract(" + r.Expr(x.X) + ", " + keyPath(x.Field) + ")", Type: schema.Dynamic}, x.T)
}
