package engine

import (
	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// planArgs are the arguments exprs, compiled to args, as the plan types
// them.
func planArgs(exprs []kql.Expr, args []scalar) []plan.Arg {
	out := make([]plan.Arg, len(args))
	for i, a := range args {
		out[i] = plan.Arg{Expr: exprs[i], Type: a.typ}
	}
	return out
}

// sqlArgs are the compiled arguments args as a dialect spells a typed
// call with them: each converted to its parameter's type in params (0:
// as it is), with its value when it is a constant (compiler.operand).
// One compiled to no SQL (a type argument, which the function reads
// itself) is left as it is.
func (c *compiler) sqlArgs(args []scalar, params []schema.Type) []sqlgen.Arg {
	out := make([]sqlgen.Arg, len(args))
	for i, a := range args {
		to := params[i]
		if a.sql == "" {
			to = 0
		}
		out[i] = c.operand(a, to)
	}
	return out
}
