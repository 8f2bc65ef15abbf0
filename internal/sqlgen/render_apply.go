package sqlgen

import (
	"strconv"
	"strings"

	"vigil/internal/plan"
)

// outer is the alias of the row a subquery of partition (_pk<depth>) or
// mv-apply (_o<depth>) runs for, the left side of their LATERAL join.
func outer(o plan.Outer) string {
	if o.Partition {
		return "_pk" + strconv.Itoa(o.Depth)
	}
	return "_o" + strconv.Itoa(o.Depth)
}

// outerValue writes a read of the column of the row a subquery runs for.
func outerValue(x *plan.OuterValue) string {
	return outer(x.Of) + "." + QuoteIdent(x.Column.Name)
}

// outerRow writes the row a subquery runs for as a SELECT without FROM
// of its columns.
func (r *Renderer) outerRow(n *plan.OuterRow) string {
	sel := make([]string, len(n.Cols))
	for i, cl := range n.Cols {
		sel[i] = outerValue(&plan.OuterValue{Of: n.Of, Column: cl}) + " AS " + QuoteIdent(cl.Name)
	}
	return "SELECT " + strings.Join(sel, ", ")
}

// partition writes partition: the distinct values of the key, each
// LATERAL joined to the subquery's rows, of which it keeps the columns.
func (r *Renderer) partition(n *plan.Partition) string {
	sel := qualified("_s", quotedNames(n.Sub.Columns()))
	return "SELECT " + strings.Join(sel, ", ") + " FROM (SELECT DISTINCT " + QuoteIdent(n.Key.Name) + " FROM (" + r.Node(n.Input) + ")) AS " +
		outer(plan.Outer{Partition: true, Depth: n.Depth}) + ", LATERAL (" + r.Node(n.Sub) + ") AS _s"
}

// partitionRows writes the rows of the partition the subquery runs for;
// IS NOT DISTINCT FROM makes the rows whose key is null a partition too.
func (r *Renderer) partitionRows(n *plan.PartitionRows) string {
	key := QuoteIdent(n.Key.Name)
	return "SELECT * FROM (" + r.Node(n.Input) + ") AS _pr WHERE _pr." + key + " IS NOT DISTINCT FROM " +
		outerValue(&plan.OuterValue{Of: plan.Outer{Partition: true, Depth: n.Depth}, Column: n.Key})
}

// apply writes mv-apply: each input row LATERAL joined to its
// subquery's rows, the input's columns read from the row, the
// subquery's from its rows.
func (r *Renderer) apply(n *plan.Apply) string {
	row := outer(plan.Outer{Depth: n.Depth})
	sel := make([]string, len(n.Slots))
	for i, s := range n.Slots {
		if s.From >= 0 {
			sel[i] = row + "." + QuoteIdent(s.Name)
		} else {
			sel[i] = "_s." + QuoteIdent(s.Name)
		}
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM (" + r.Node(n.Input) + ") AS " + row + ", LATERAL (" + r.Node(n.Sub) + ") AS _s"
}
