package plan

import "vigil/internal/schema"

// Node is an operator of the logical plan: a tabular expression whose
// names are resolved and whose columns are typed. Its SQL is
// sqlgen.Renderer's to write, but for a Scan's rows, which whoever binds
// it to the store gives (sqlgen.Renderer.Scan).
type Node interface {
	// Columns are the node's output columns, in order.
	Columns() []Column
	// Reads are the nodes whose rows the node's rows are made of, in
	// order; none for a source. (A subquery in an expression is not
	// one: its value is.)
	Reads() []Node
}

// Count is the count operator: one row holding the number of Input's.
type Count struct{ Input Node }

// Columns are count's one column, Count.
func (n *Count) Columns() []Column { return []Column{{Name: "Count", Type: schema.Long}} }

// Reads is the input.
func (n *Count) Reads() []Node { return []Node{n.Input} }
