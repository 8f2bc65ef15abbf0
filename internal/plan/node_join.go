package plan

// JoinNode is join or lookup: the rows of Left and Right that match on
// Join's keys, combined as Join's kind says (TypeJoin, TypeLookup).
type JoinNode struct {
	// Left is the piped input, Right the query in parentheses.
	Left, Right Node
	// Join is how the plan typed the join over Left's and Right's
	// columns: its kind, keys and result columns.
	Join Join
}

// Columns are the join's result columns, as Join gives them.
func (n *JoinNode) Columns() []Column { return n.Join.Columns }

// Reads are the two sides.
func (n *JoinNode) Reads() []Node { return []Node{n.Left, n.Right} }
