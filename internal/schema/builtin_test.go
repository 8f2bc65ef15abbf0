package schema

import (
	"strings"
	"testing"
)

// The store keeps columns in DuckDB, whose identifiers ignore case: two
// columns of one table whose names differ only in case cannot both exist.
func TestBuiltinColumnNamesDifferIgnoringCase(t *testing.T) {
	for _, name := range BuiltinNames() {
		tbl, _ := Builtin(name)
		seen := map[string]string{}
		for _, c := range tbl.Columns {
			if c.Type < Bool || c.Type > Dynamic {
				t.Errorf("%s.%s has no valid type", name, c.Name)
			}
			if prev, dup := seen[strings.ToLower(c.Name)]; dup {
				t.Errorf("%s has columns %s and %s", name, prev, c.Name)
			}
			seen[strings.ToLower(c.Name)] = c.Name
		}
	}
}
