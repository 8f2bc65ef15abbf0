package sqlgen

import (
	"testing"

	"vigil/internal/plan"
)

// TestDuckDBSpellsEveryFunction checks that every function the plan
// types has a DuckDB spelling and that DuckDB spells nothing the plan
// does not know: a missing one would refuse a query the plan accepted.
func TestDuckDBSpellsEveryFunction(t *testing.T) {
	known := map[string]bool{}
	for _, name := range plan.FuncNames() {
		known[name] = true
		if _, ok := duckdbFuncs[name]; !ok {
			t.Errorf("the plan types %s, which DuckDB does not spell", name)
		}
	}
	for name := range duckdbFuncs {
		if !known[name] {
			t.Errorf("DuckDB spells %s, which the plan does not type", name)
		}
	}
	if len(known) < 100 {
		t.Errorf("only %d functions are typed", len(known))
	}
}
