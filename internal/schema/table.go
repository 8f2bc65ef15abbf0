package schema

import "strings"

// Column is one named, typed column of a table.
type Column struct {
	Name string
	Type Type
	// Hidden columns can be named in a query but are left out of `*`,
	// getschema and union's column set, like Log Analytics' _ResourceId.
	Hidden bool
	// Description is the column's meaning, from the public table reference.
	Description string
}

// Table is the definition of a table: its name and columns in order.
type Table struct {
	Name    string
	Columns []Column
	// Custom is true for *_CL tables, whose columns grow as fields arrive.
	Custom bool
}

// Column returns the column named name (case-sensitive, as KQL is) and its
// position, or -1 when the table has no such column.
func (t *Table) Column(name string) (Column, int) {
	for i, c := range t.Columns {
		if c.Name == name {
			return c, i
		}
	}
	return Column{}, -1
}

// IsCustomName reports whether name is a custom table's name (ends in _CL).
func IsCustomName(name string) bool {
	return strings.HasSuffix(name, "_CL")
}

// The columns every row of every table has (DESIGN.md, decision 6). The
// store fills them: TimeGenerated from the record or the time received,
// TenantId with the workspace id, Type with the table name, _ItemId with a
// GUID derived from the batch sequence number and row position, and
// _TimeReceived with the time the batch was accepted, _BatchSeq and
// _BatchRow with the row's origin.
const (
	ColTimeGenerated = "TimeGenerated"
	ColTenantID      = "TenantId"
	ColType          = "Type"
	ColItemID        = "_ItemId"
	ColTimeReceived  = "_TimeReceived"
	// ColBatchSeq and ColBatchRow say where a row came from: the sequence
	// number of its batch (its ledger leaf) and its position in the batch.
	ColBatchSeq = "_BatchSeq"
	ColBatchRow = "_BatchRow"
)

// StandardColumns returns the columns every table has, in the order they
// lead a table's definition.
func StandardColumns() []Column {
	return []Column{
		{Name: ColTenantID, Type: String, Description: "ID of the workspace that stores the record."},
		{Name: ColTimeGenerated, Type: DateTime, Description: "Time the record was generated (UTC)."},
		{Name: ColType, Type: String, Description: "Name of the table."},
		{Name: ColItemID, Type: String, Hidden: true, Description: "Unique ID of the record."},
		{Name: ColTimeReceived, Type: DateTime, Hidden: true, Description: "Time the record was received by Vigil (UTC)."},
		{Name: ColBatchSeq, Type: Long, Hidden: true, Description: "Sequence number of the batch the record came in (its ledger leaf)."},
		{Name: ColBatchRow, Type: Int, Hidden: true, Description: "Position of the record in its batch, from 0."},
	}
}
