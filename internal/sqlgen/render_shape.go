package sqlgen

import (
	"strconv"
	"strings"

	"vigil/internal/plan"
)

// pick selects the input columns n's slots pass on, by their names.
func (r *Renderer) pick(n *plan.Pick) string {
	return selectFrom(slotSelect(n.Input.Columns(), n.Slots, nil), r.Node(n.Input), "")
}

// rename selects every input column as "old AS new", renamed or not.
func (r *Renderer) rename(n *plan.Rename) string {
	in := n.Input.Columns()
	sel := make([]string, len(n.Slots))
	for i, s := range n.Slots {
		sel[i] = QuoteIdent(in[s.From].Name) + " AS " + QuoteIdent(s.Name)
	}
	return selectFrom(sel, r.Node(n.Input), "")
}

// distinct selects the input columns n's slots pass on, each row once.
func (r *Renderer) distinct(n *plan.Distinct) string {
	sel := slotSelect(n.Input.Columns(), n.Slots, nil)
	return "SELECT DISTINCT " + strings.Join(sel, ", ") + " FROM (" + r.Node(n.Input) + ")"
}

// schemaTable writes getschema's rows as a VALUES list whose columns are
// named as plan.GetSchemaColumns.
func (r *Renderer) schemaTable(n *plan.SchemaTable) string {
	rows := make([]string, len(n.Rows))
	for i, row := range n.Rows {
		rows[i] = "(" + QuoteString(row.ColumnName) + ", " + strconv.Itoa(row.ColumnOrdinal) + ", " + QuoteString(row.DataType) + ", " + QuoteString(row.ColumnType) + ")"
	}
	return "SELECT * FROM (VALUES " + strings.Join(rows, ", ") + ") AS _s(" + strings.Join(quotedNames(n.Columns()), ", ") + ")"
}
