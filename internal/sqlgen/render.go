package sqlgen

import (
	"fmt"

	"vigil/internal/plan"
)

// Renderer writes the SQL of plan nodes in a dialect.
type Renderer struct {
	D Dialect
	// Input spells a node the renderer does not know: a relation the
	// engine compiled itself, while operators move from the engine to the
	// plan (plan.Node).
	Input func(plan.Node) string
}

// Node returns the SQL of the SELECT statement that gives n's rows.
func (r *Renderer) Node(n plan.Node) string {
	switch n := n.(type) {
	case *plan.Count:
		return `SELECT count(*) AS "Count" FROM (` + r.Node(n.Input) + ")"
	default:
		if r.Input == nil {
			panic(fmt.Sprintf("sqlgen: no rendering of %T", n))
		}
		return r.Input(n)
	}
}
