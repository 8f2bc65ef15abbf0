package plan

import "vigil/internal/schema"

// Node is an operator of the logical plan: a tabular expression whose
// names are resolved and whose columns are typed. Its SQL is
// sqlgen.Renderer's to write.
//
// The plan is being built one operator family at a time (docs/kql.md,
// "The logical plan"): meanwhile a node's input may be a relation the
// engine compiled itself, which is a Node by its columns alone and which
// the renderer asks the engine to spell.
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
