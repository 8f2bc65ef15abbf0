package engine

import (
	"vigil/internal/kql"
	"vigil/internal/plan"
)

// expr compiles a scalar expression over the columns of in (nil outside
// a row context): the plan builds it (names resolved, typed) and the
// renderer writes it.
func (c *compiler) expr(e kql.Expr, in *relation) scalar {
	var cols []plan.Column
	if in != nil {
		cols = in.Columns()
	}
	x, err := c.b.Expr(e, cols)
	if err != nil {
		panic(failure{err})
	}
	return scalar{sql: c.r.Expr(x), typ: x.Type(), x: x}
}
