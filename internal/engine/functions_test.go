package engine

import (
	"context"
	"testing"
)

// TestRowFunctionArguments checks that the functions the engine compiles
// itself (pack_all, column_ifexists, ingestion_time) refuse arguments
// Kusto does not document, as the plan's functions do, instead of
// ignoring them.
func TestRowFunctionArguments(t *testing.T) {
	for _, c := range []struct{ query, err string }{
		{"print a = 1 | extend p = pack_all(true, 1)", "The function 'pack_all' takes at most 1 arguments, got 2 (line 1, column 26)"},
		{"print a = 1 | extend p = pack_all('x')", "The argument of pack_all must be bool, not string (line 1, column 35)"},
		{"print a = 1 | extend t = ingestion_time(1)", "The function 'ingestion_time' takes at most 0 arguments, got 1 (line 1, column 26)"},
		{"print a = 1 | extend x = column_ifexists('a')", "The function 'column_ifexists' needs 2 arguments, got 1 (line 1, column 26)"},
	} {
		_, _, err := newEngine(t).Compile(context.Background(), Request{Query: c.query, Now: fixedNow})
		if err == nil || err.Error() != c.err {
			t.Errorf("%s: error %v, want %s", c.query, err, c.err)
		}
	}
}
