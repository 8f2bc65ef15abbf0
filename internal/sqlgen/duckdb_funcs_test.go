package sqlgen

import (
	"testing"

	"vigil/internal/plan"
)

// TestDuckDBSpellsEveryFunction checks that every function the plan
// types has a DuckDB spelling, a window one (Window) for a window
// function and a plain one (Call) for any other, and that DuckDB spells
// nothing the plan does not know: a missing one would refuse a query the
// plan accepted.
func TestDuckDBSpellsEveryFunction(t *testing.T) {
	known := map[string]bool{}
	for _, name := range plan.FuncNames() {
		known[name] = true
		_, call := duckdbFuncs[name]
		_, window := duckdbWindows[name]
		if plan.IsWindow(name) && !window {
			t.Errorf("the plan types the window function %s, which DuckDB does not spell as one", name)
		}
		if !plan.IsWindow(name) && !call {
			t.Errorf("the plan types %s, which DuckDB does not spell", name)
		}
		if call && window {
			t.Errorf("DuckDB spells %s both as a window function and not", name)
		}
	}
	for name := range duckdbFuncs {
		if !known[name] {
			t.Errorf("DuckDB spells %s, which the plan does not type", name)
		}
	}
	for name := range duckdbWindows {
		if !known[name] {
			t.Errorf("DuckDB spells the window function %s, which the plan does not type", name)
		}
	}
	if len(known) < 100 {
		t.Errorf("only %d functions are typed", len(known))
	}
}
