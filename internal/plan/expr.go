package plan

import "vigil/internal/schema"

// Expr is a scalar expression of the logical plan: its names resolved
// and its value typed. Its SQL is sqlgen.Renderer's to write.
type Expr interface {
	// Type is the expression's type; 0 for an untyped null.
	Type() schema.Type
}

// ColumnRef reads a column of the rows the expression is over.
type ColumnRef struct {
	Name string
	T    schema.Type
}

// Literal is a value the query wrote: a literal, a dynamic literal, or
// what a name known when the query compiles stands for.
type Literal struct {
	// T is the value's type; 0 for null written without one.
	T schema.Type
	// Value is nil for null; otherwise, by T: a string (string; guid and
	// decimal, their text; dynamic, its JSON text), a bool, an int64
	// (int, long; a timespan's ticks), a float64 (real) or a time.Time
	// (datetime).
	Value any
	// Plain is set for a string, number or bool written without a type:
	// the constants Kusto's constant arguments take (Const).
	Plain bool
}

// Convert is X converted to To by Kusto's conversions (CanConvert).
type Convert struct {
	X  Expr
	To schema.Type
}

// Unary is -X or +X (TypeUnary).
type Unary struct {
	Op string
	X  Expr
	T  schema.Type
}

// Binary is L Op R, each side converted as Sig says (TypeBinary).
type Binary struct {
	Op   string
	L, R Expr
	Sig  BinarySig
}

// Between is X between (Lo .. Hi), or !between when Not (TypeBetween).
type Between struct {
	Not       bool
	X, Lo, Hi Expr
	Sig       BetweenSig
}

// In is X Op (Items) for in, in~, has_any and the other list operators,
// each item converted to its type in To (TypeIn).
type In struct {
	Op    string
	X     Expr
	Items []Expr
	To    []schema.Type
}

// InTable is X in (T) and its negated and case-insensitive forms: X
// among the values of the first column of Table, X converted to the
// type they are compared as (for in~ and !in~, string).
type InTable struct {
	Op    string
	X     Expr
	Table Node
}

// Path is a dynamic value's member or element Steps lead to, d.a[0]["b"]
// (TypeMember, TypeIndex).
type Path struct {
	Base  Expr
	Steps []PathStep
}

// PathStep is a step of a Path: a member by Key, or an element or member
// by the value of Index.
type PathStep struct {
	Key   string
	Index Expr
}

// Call is a call of a built-in scalar function the plan typed
// (TypeCall), each argument converted as Sig says; an argument the
// function reads from the query itself (a type, *) is nil. Window is set
// for a function over the input's order (Func.Window).
type Call struct {
	Name   string
	Args   []Expr
	Sig    Sig
	Window bool
}

// ToScalar is the first column's value in the first row of Table.
type ToScalar struct {
	Table Node
}

// RowBag is pack_all(): a bag of the row's columns Columns, leaving out
// null and empty values when DropEmpty.
type RowBag struct {
	Columns   []Column
	DropEmpty bool
}

// Type is the column's type.
func (x *ColumnRef) Type() schema.Type { return x.T }

// Type is the literal's type.
func (x *Literal) Type() schema.Type { return x.T }

// Type is the type converted to.
func (x *Convert) Type() schema.Type { return x.To }

// Type is the operator's result type.
func (x *Unary) Type() schema.Type { return x.T }

// Type is the operator's result type.
func (x *Binary) Type() schema.Type { return x.Sig.Result }

// Type is bool.
func (x *Between) Type() schema.Type { return schema.Bool }

// Type is bool.
func (x *In) Type() schema.Type { return schema.Bool }

// Type is bool.
func (x *InTable) Type() schema.Type { return schema.Bool }

// Type is dynamic.
func (x *Path) Type() schema.Type { return schema.Dynamic }

// Type is the call's result type.
func (x *Call) Type() schema.Type { return x.Sig.Result }

// Type is the first column's type.
func (x *ToScalar) Type() schema.Type { return x.Table.Columns()[0].Type }

// Type is dynamic.
func (x *RowBag) Type() schema.Type { return schema.Dynamic }

// ConstOf is x's value when x is a constant the query wrote plainly (a
// Literal with Plain); nil otherwise. A spelling that depends on a value
// (has's term, a datetime part's name) reads it here, never from SQL.
func ConstOf(x Expr) any {
	if l, ok := x.(*Literal); ok && l.Plain {
		return l.Value
	}
	return nil
}

// Any reports whether x or an expression inside it satisfies pred. The
// tables of subqueries (InTable, ToScalar) are not looked into: their
// expressions are over other rows.
func Any(x Expr, pred func(Expr) bool) bool {
	if x == nil {
		return false
	}
	if pred(x) {
		return true
	}
	some := func(xs ...Expr) bool {
		for _, x := range xs {
			if Any(x, pred) {
				return true
			}
		}
		return false
	}
	switch x := x.(type) {
	case *Call:
		return some(x.Args...)
	case *Convert:
		return some(x.X)
	case *Unary:
		return some(x.X)
	case *Binary:
		return some(x.L, x.R)
	case *Between:
		return some(x.X, x.Lo, x.Hi)
	case *In:
		return some(x.X) || some(x.Items...)
	case *InTable:
		return some(x.X)
	case *Path:
		for _, s := range x.Steps {
			if some(s.Index) {
				return true
			}
		}
		return some(x.Base)
	case *Element:
		return some(x.X)
	case *SearchNot:
		return some(x.X)
	}
	return false
}
