package plan

// Filter is where: the rows of Input for which Pred is true. Pred may
// call window functions (HasWindow).
type Filter struct {
	Input Node
	Pred  Expr
}

// Columns are the input's.
func (n *Filter) Columns() []Column { return n.Input.Columns() }

// Reads is the input.
func (n *Filter) Reads() []Node { return []Node{n.Input} }

// Project is project, extend, distinct of columns and serialize with
// columns: the columns Slots lays out (Extend), those passed on from
// Input and those computed, Items[Slot.Item] each (Builder.items). With
// Distinct, each distinct row once. Items may call window functions.
type Project struct {
	Input    Node
	Slots    []Slot
	Items    []Expr
	Distinct bool
}

// Columns are the slots' columns.
func (n *Project) Columns() []Column { return slotColumns(n.Slots) }

// Reads is the input.
func (n *Project) Reads() []Node { return []Node{n.Input} }

// HasWindow reports whether x calls a window function, which reads the
// rows around its own (a filter on one is computed as a column first:
// SQL allows none in WHERE).
func HasWindow(x Expr) bool {
	return Any(x, func(e Expr) bool {
		c, ok := e.(*Call)
		return ok && c.Window
	})
}
