package engine

import (
	"context"
	"reflect"
	"testing"
)

// TestUnionSourceNames checks the names withsource= gives union's inputs:
// an input that is neither a table nor named by as is union_argN, N
// its position among union's arguments (the piped input is 0).
func TestUnionSourceNames(t *testing.T) {
	e := newEngine(t)
	for q, want := range map[string][]string{
		"union withsource=S (print n = 1), (print n = 2), (print n = 3) | order by n asc | project S":          {"union_arg0", "union_arg1", "union_arg2"},
		"print n = 0 | as P | union withsource=S (print n = 1), T, (print n = 3) | order by n asc | project S": {"P", "union_arg1", "T", "T", "union_arg3"},
		"print n = 0 | union withsource=S (print n = 1 | as One) | order by n asc | project S":                 {"union_arg0", "One"},
	} {
		res, err := e.Query(context.Background(), Request{Query: q, Tables: sqlTables{tableT, "(SELECT 'a' AS x, CAST(2 AS BIGINT) AS n UNION ALL SELECT 'b', 2)"}, Now: fixedNow})
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		var got []string
		for _, r := range res.Rows {
			got = append(got, r[0].(string))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
}
