package plan

import "vigil/internal/schema"

// Column is a column of a table or of an operator's result.
type Column struct {
	Name string
	Type schema.Type
	// Hidden columns are read by name only: * and the result leave them
	// out (a table's _TimeReceived, scan's Step.Column state).
	Hidden bool
}
