package engine

import (
	"vigil/internal/kql"
	"vigil/internal/plan"
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
