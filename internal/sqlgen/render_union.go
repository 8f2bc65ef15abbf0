package sqlgen

import (
	"strings"

	"vigil/internal/plan"
)

// union writes union as a UNION ALL of a SELECT per input, each giving
// every result column what Union's feeds say: one of the input's
// columns, the input's name (withsource=) or a null of the column's type.
func (r *Renderer) union(n *plan.UnionNode) string {
	cols := n.Union.Columns
	parts := make([]string, len(n.Inputs))
	for i, in := range n.Inputs {
		inCols := in.Columns()
		sel := make([]string, len(cols))
		for j, cl := range cols {
			var v string
			switch k := n.Union.Feeds[i][j]; k {
			case plan.FeedSource:
				v = QuoteString(n.Sources[i])
			case plan.FeedNull:
				v = null(cl.Type)
			default:
				v = QuoteIdent(inCols[k].Name)
			}
			sel[j] = v + " AS " + QuoteIdent(cl.Name)
		}
		parts[i] = "SELECT " + strings.Join(sel, ", ") + " FROM (" + r.Node(in) + ")"
	}
	return strings.Join(parts, " UNION ALL ")
}
