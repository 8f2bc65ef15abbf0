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
// Input and those computed, Items[Slot.Item] each (Builder.Items). With
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
	switch x := x.(type) {
	case *Call:
		return x.Window || anyWindow(x.Args...)
	case *Convert:
		return HasWindow(x.X)
	case *Unary:
		return HasWindow(x.X)
	case *Binary:
		return anyWindow(x.L, x.R)
	case *Between:
		return anyWindow(x.X, x.Lo, x.Hi)
	case *In:
		return anyWindow(x.X) || anyWindow(x.Items...)
	case *InTable:
		return HasWindow(x.X)
	case *Path:
		if HasWindow(x.Base) {
			return true
		}
		for _, s := range x.Steps {
			if s.Index != nil && HasWindow(s.Index) {
				return true
			}
		}
	case *Element:
		return HasWindow(x.X)
	}
	return false
}

func anyWindow(xs ...Expr) bool {
	for _, x := range xs {
		if x != nil && HasWindow(x) {
			return true
		}
	}
	return false
}
