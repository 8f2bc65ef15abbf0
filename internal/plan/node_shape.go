package plan

import "slices"

// The column-shaping operators: nodes whose rows are their input's, with
// columns left out, reordered or renamed (project-away, project-keep,
// project-reorder, project-rename), made distinct (distinct *), or
// replaced by a description of the input's columns (getschema).

// Pick passes on its input's rows with the input columns its slots say,
// in their order: project-away, project-keep and project-reorder, whose
// slots are ProjectAway's, ProjectKeep's and ProjectReorder's. Every
// slot passes an input column on (From >= 0) under its own name.
type Pick struct {
	Input Node
	Slots []Slot
}

// Columns are the slots' columns.
func (n *Pick) Columns() []Column { return slotColumns(n.Slots) }

// Reads is the input.
func (n *Pick) Reads() []Node { return []Node{n.Input} }

// Rename is project-rename: its input's rows with every input column
// passed on under the name its slot gives it, renamed or not. Slots are
// ProjectRename's: one for each input column, in order.
type Rename struct {
	Input Node
	Slots []Slot
}

// Columns are the slots' columns, under their new names.
func (n *Rename) Columns() []Column { return slotColumns(n.Slots) }

// Reads is the input.
func (n *Rename) Reads() []Node { return []Node{n.Input} }

// Distinct is distinct *: its input's rows without repeats, of the input
// columns its slots pass on. Slots are Visible's, since * leaves hidden
// columns out.
type Distinct struct {
	Input Node
	Slots []Slot
}

// Columns are the slots' columns.
func (n *Distinct) Columns() []Column { return slotColumns(n.Slots) }

// Reads is the input.
func (n *Distinct) Reads() []Node { return []Node{n.Input} }

// SchemaTable is getschema's result: a row describing each visible
// column of its input. getschema reads only the input's columns, never
// its rows, so the node holds the rows GetSchema gave and no input: the
// renderer writes them as constants.
type SchemaTable struct {
	Rows []SchemaRow
}

// Columns are GetSchemaColumns.
func (n *SchemaTable) Columns() []Column { return slices.Clone(GetSchemaColumns) }

// Reads is nothing: the node is a source.
func (n *SchemaTable) Reads() []Node { return nil }

// slotColumns are the columns of slots, in order.
func slotColumns(slots []Slot) []Column {
	out := make([]Column, len(slots))
	for i, s := range slots {
		out[i] = s.Column
	}
	return out
}
