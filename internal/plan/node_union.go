package plan

// UnionNode is union: the rows of every input, one after the other, each
// in the columns Union gives the result (TypeUnion).
type UnionNode struct {
	// Inputs are union's inputs, the piped one first, then its
	// arguments, a table pattern expanded into the tables it matches.
	Inputs []Node
	// Sources are the names of Inputs' rows that the withsource= column
	// holds (UnionSourceName, or a matched table's name), one per input.
	Sources []string
	// Union is how the plan typed the union over Inputs' columns: the
	// result's columns and what each input fills them with.
	Union Union
}

// Columns are the union's result columns, as Union gives them.
func (n *UnionNode) Columns() []Column { return n.Union.Columns }

// Reads are the inputs.
func (n *UnionNode) Reads() []Node { return n.Inputs }
