package plan

import "vigil/internal/kql"

// SortKey is a key rows are ordered by, as sort (order by) and top take
// it: its direction and where its nulls go are decided, so the renderer
// spells each explicitly.
type SortKey struct {
	// Expr is the value the rows are ordered by.
	Expr Expr
	// Desc orders from the largest value down.
	Desc bool
	// NullsFirst puts the rows whose value is null before the others.
	NullsFirst bool
}

// NewSortKey is the sort key k, whose expression the builder built as
// x. Where k does not say where nulls go, Kusto's default applies:
// first when ascending, last when descending.
func NewSortKey(k kql.SortKey, x Expr) SortKey {
	nullsFirst := !k.Desc
	switch k.Nulls {
	case "first":
		nullsFirst = true
	case "last":
		nullsFirst = false
	}
	return SortKey{Expr: x, Desc: k.Desc, NullsFirst: nullsFirst}
}

// Sort is the sort (order by) operator: Input's rows ordered by Keys,
// the first key first.
type Sort struct {
	Input Node
	Keys  []SortKey
}

// Columns are Input's: sort moves rows, it does not change them.
func (n *Sort) Columns() []Column { return n.Input.Columns() }

// Reads is the input.
func (n *Sort) Reads() []Node { return []Node{n.Input} }

// Top is the top operator: the first N rows of Input ordered by Keys.
type Top struct {
	Input Node
	Keys  []SortKey
	// N is the number of rows kept, a constant expression.
	N Expr
}

// Columns are Input's: top keeps rows as they are.
func (n *Top) Columns() []Column { return n.Input.Columns() }

// Reads is the input.
func (n *Top) Reads() []Node { return []Node{n.Input} }

// Limit is the take (limit) operator: N rows of Input, any of them.
type Limit struct {
	Input Node
	// N is the number of rows kept, a constant expression.
	N Expr
}

// Columns are Input's: take keeps rows as they are.
func (n *Limit) Columns() []Column { return n.Input.Columns() }

// Reads is the input.
func (n *Limit) Reads() []Node { return []Node{n.Input} }
