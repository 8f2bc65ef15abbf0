package plan

import "vigil/internal/schema"

// rows is the input node of the tests: a scan of a table of the columns
// cols, which is all a node reads of its input when it is built.
func rows(cols ...Column) *Scan {
	return &Scan{Table: "T", Cols: cols}
}

// typed is an expression of type t, a null of it (an untyped null for
// 0): what a node reads of an expression whose type alone matters.
func typed(t schema.Type) Expr {
	return &Literal{T: t}
}

// built runs step, a part of a build, and returns the user's error it
// stops with, as Build does.
func built(step func()) (err error) {
	defer caught(&err)
	step()
	return nil
}
