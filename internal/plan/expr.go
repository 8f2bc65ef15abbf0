package plan

import "vigil/internal/schema"

// Expr is a scalar expression of the logical plan: its names resolved
// and its value typed. Its SQL is sqlgen.Renderer's to write.
//
// While expressions move from the engine to the plan (docs/kql.md, "The
// logical plan"), an expression the engine compiled itself is an Expr by
// its type alone, which the renderer asks the engine to spell.
type Expr interface {
	// Type is the expression's type; 0 for an untyped null.
	Type() schema.Type
}
