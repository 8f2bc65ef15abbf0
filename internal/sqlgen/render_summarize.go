package sqlgen

import (
	"strings"

	"vigil/internal/plan"
)

// aggregate writes summarize: a SELECT of the keys and the aggregates
// over Input, grouped by the keys' expressions, themselves, not their
// names, which an input column of the same name would shadow. The
// input first gets the per-row keys as columns; expressions over
// aggregates are computed in a SELECT above the grouping, from the
// hidden columns of their aggregates.
func (r *Renderer) aggregate(n *plan.Aggregate) string {
	in := r.Node(n.Input)
	if len(n.RowKeys) > 0 {
		keys := make([]string, len(n.RowKeys))
		for i, k := range n.RowKeys {
			keys[i] = r.Expr(k.Expr) + " AS " + QuoteIdent(k.Name)
		}
		in = "SELECT *, " + strings.Join(keys, ", ") + " FROM (" + in + ")"
	}
	sel, groups := r.grouping(n.Keys)
	var post []string
	for _, k := range n.Keys {
		post = append(post, QuoteIdent(k.Name))
	}
	computed := false
	for _, it := range n.Items {
		if it.Call == nil {
			for _, o := range it.Over {
				sel = append(sel, r.aggColumns(o)...)
			}
			post = append(post, r.Expr(it.Expr)+" AS "+QuoteIdent(it.Names[0]))
			computed = true
			continue
		}
		sel = append(sel, r.aggColumns(it)...)
		for _, name := range it.Names {
			if name != "" {
				post = append(post, QuoteIdent(name))
			}
		}
	}
	grouped := selectFrom(sel, in, groupBy(groups))
	if !computed {
		return grouped
	}
	return selectFrom(post, grouped, "")
}

// grouping is the select list of the group keys, each "expr AS name",
// and the list to group by: the keys' expressions themselves, not their
// names, which an input column of the same name would shadow.
func (r *Renderer) grouping(keys []plan.Named) (sel, groups []string) {
	for _, k := range keys {
		x := r.Expr(k.Expr)
		sel = append(sel, x+" AS "+QuoteIdent(k.Name))
		groups = append(groups, x)
	}
	return sel, groups
}

// groupBy is the GROUP BY clause of groups; none is one group of all
// the rows, and no clause.
func groupBy(groups []string) string {
	if len(groups) == 0 {
		return ""
	}
	return " GROUP BY " + strings.Join(groups, ", ")
}

// aggColumns is the select list of an aggregate call's columns, each
// "aggregate AS name", leaving out the results that are no column.
func (r *Renderer) aggColumns(it plan.AggItem) []string {
	var sel []string
	for j, x := range r.aggCall(it.Call) {
		if it.Names[j] != "" {
			sel = append(sel, x+" AS "+QuoteIdent(it.Names[j]))
		}
	}
	return sel
}

// aggCall returns the SQL of the typed aggregate call a, one aggregate
// expression per column of a.Sig.Results, its arguments converted as
// a.Sig.Params say.
func (r *Renderer) aggCall(a *plan.AggCall) []string {
	args := make([]Arg, len(a.Args))
	for i, x := range a.Args {
		args[i] = r.arg(x, a.Sig.Params[i])
	}
	if len(args) > 0 {
		args[0].NotNull = a.NotNull
	}
	sqls, ok := r.D.Aggregate(a.Name, args, a.Sig.Results)
	if !ok {
		// The dialect spells every aggregate the plan types (a test of
		// each dialect checks it: TestEveryAggregateIsSpelled).
		panic("sqlgen: the dialect has no spelling of the aggregate " + a.Name)
	}
	return sqls
}
