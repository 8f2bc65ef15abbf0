package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

// Outer names the row a subquery of partition or mv-apply runs for:
// both join their input, row by row, to the subquery's rows, which read
// that row's values (a LATERAL join in SQL).
type Outer struct {
	// Partition says the row is a partition's (its value of the
	// partition column); otherwise it is an input row of mv-apply.
	Partition bool
	// Depth is how deep the join is among the partition and mv-apply
	// joins it is nested in, from 1 for the outermost, which tells apart
	// the rows of nested joins.
	Depth int
}

// OuterValue reads a column of the row a subquery runs for: partition's
// value where its subquery has a source of its own.
type OuterValue struct {
	// Of is the row read.
	Of Outer
	// Column is the column read, with its type.
	Column Column
}

// Type is the column's type.
func (x *OuterValue) Type() schema.Type { return x.Column.Type }

// OuterRow is the row a subquery runs for, as rows of their own, one:
// mv-apply's input row, which its items expand, and partition's value
// as a table of its name (the braces form's source).
type OuterRow struct {
	// Of is the row.
	Of Outer
	// Cols are its columns.
	Cols []Column
}

// Columns are the row's columns.
func (n *OuterRow) Columns() []Column { return n.Cols }

// Reads is nothing: the row is its join's, not rows of a node the
// subquery reads.
func (n *OuterRow) Reads() []Node { return nil }

// Partition is the partition operator: Sub, run once for each distinct
// value of Input's column Key, and the union of its results. Every
// strategy hint gives this result, so the node has none.
type Partition struct {
	// Input is the rows partitioned.
	Input Node
	// Key is the partition column.
	Key Column
	// Depth is the join's (Outer.Depth): Sub reads the partition's value
	// as Outer{Partition: true, Depth: Depth}.
	Depth int
	// Sub is the subquery, over the partition's rows (PartitionRows) or,
	// in the braces form, over a source of its own that reads the
	// partition's value (OuterValue, OuterRow).
	Sub Node
}

// Columns are the subquery's columns.
func (n *Partition) Columns() []Column { return n.Sub.Columns() }

// Reads are the input, whose partitions' values are joined, and the
// subquery.
func (n *Partition) Reads() []Node { return []Node{n.Input, n.Sub} }

// PartitionRows are the rows of one partition: those of Input whose Key
// is the value of the partition the subquery runs for, the source of a
// subquery of partition without one of its own (kql.ApplySource).
type PartitionRows struct {
	// Input is the partitioned rows, Partition's.
	Input Node
	// Key is the partition column.
	Key Column
	// Depth is the partition's (Partition.Depth).
	Depth int
}

// Columns are the input's columns.
func (n *PartitionRows) Columns() []Column { return n.Input.Columns() }

// Reads is the input.
func (n *PartitionRows) Reads() []Node { return []Node{n.Input} }

// Apply is mv-apply: Sub, run once for each row of Input over that row
// with its arrays expanded (an MvExpand of the OuterRow, the subquery's
// source), each of its rows joined to the input row; a row whose
// subquery returns nothing is dropped.
type Apply struct {
	// Input is the rows applied to.
	Input Node
	// Depth is the join's (Outer.Depth): the subquery reads the row as
	// Outer{Depth: Depth}.
	Depth int
	// Sub is the subquery.
	Sub Node
	// Slots are the result's columns (MvApply): the input's passed on
	// (From) and the subquery's (Item is its column's index).
	Slots []Slot
}

// NewApply is the node of mv-apply over in, expanding items, whose
// subquery sub runs at depth.
func NewApply(in Node, items []kql.NamedExpr, depth int, sub Node) *Apply {
	return &Apply{Input: in, Depth: depth, Sub: sub, Slots: MvApply(in.Columns(), items, sub.Columns())}
}

// Columns are the input's columns kept and the subquery's, as Slots lay
// them out.
func (n *Apply) Columns() []Column { return slotColumns(n.Slots) }

// Reads are the input, whose rows are joined, and the subquery.
func (n *Apply) Reads() []Node { return []Node{n.Input, n.Sub} }
