package plan

import "vigil/internal/schema"

// NotNull names the columns of n known to hold a value in every row, so
// that work meant for nulls can be left out (arg_max's fallback): a
// stored table's TimeGenerated, which the store fills in every row,
// passed on by the operators that keep the rows' values as they are.
func NotNull(n Node) map[string]bool {
	switch n := n.(type) {
	case *Scan:
		if n.Stored {
			return map[string]bool{schema.ColTimeGenerated: true}
		}
	case *Filter, *As, *Render, *Materialize, *Sort, *Top, *Limit:
		return NotNull(n.Reads()[0])
	case interface{ NotNull() map[string]bool }:
		// A relation the engine compiled, while operators move.
		return n.NotNull()
	}
	return nil
}
