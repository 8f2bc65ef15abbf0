package sqlgen

import (
	"strings"

	"vigil/internal/plan"
)

// sort writes sort (order by): Input's columns, all of them, ordered.
func (r *Renderer) sort(n *plan.Sort) string {
	return selectFrom(quotedNames(n.Columns()), r.Node(n.Input), " ORDER BY "+r.orderBy(n.Keys))
}

// top writes top: Input's columns, ordered, under a LIMIT.
func (r *Renderer) top(n *plan.Top) string {
	return selectFrom(quotedNames(n.Columns()), r.Node(n.Input), " ORDER BY "+r.orderBy(n.Keys)+" LIMIT "+r.Expr(n.N))
}

// limit writes take: Input's columns under a LIMIT.
func (r *Renderer) limit(n *plan.Limit) string {
	return selectFrom(quotedNames(n.Columns()), r.Node(n.Input), " LIMIT "+r.Expr(n.N))
}

// orderBy is the list of an ORDER BY clause of keys, each with its
// direction and its nulls' place spelled out.
func (r *Renderer) orderBy(keys []plan.SortKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		dir, nulls := "ASC", "NULLS LAST"
		if k.Desc {
			dir = "DESC"
		}
		if k.NullsFirst {
			nulls = "NULLS FIRST"
		}
		parts[i] = r.Expr(k.Expr) + " " + dir + " " + nulls
	}
	return strings.Join(parts, ", ")
}
