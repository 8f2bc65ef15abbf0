package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"vigil/internal/schema"
)

// TestGetSchemaOrdinals checks that getschema numbers the columns a query
// shows, so a column after a hidden one is not numbered past it.
func TestGetSchemaOrdinals(t *testing.T) {
	h := &schema.Table{Name: "H", Columns: []schema.Column{{Name: "x", Type: schema.String}, {Name: "_h", Type: schema.Long, Hidden: true}}}
	res, err := newEngine(t).Query(context.Background(), Request{Query: "H | extend y = 1 | getschema",
		Tables: sqlTables{h, "(SELECT 'a' AS x, CAST(1 AS BIGINT) AS _h)"}, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Rows {
		got = append(got, fmt.Sprintf("%v %v", r[0], r[1]))
	}
	if strings.Join(got, ", ") != "x 0, y 1" {
		t.Errorf("getschema rows %v, want x 0, y 1", got)
	}
}

// TestExtendReplacesExpandedColumns checks that the columns a function
// giving several (series_stats, array_sort_asc) writes replace those of
// their names, as any extend item does, instead of being added again.
func TestExtendReplacesExpandedColumns(t *testing.T) {
	for _, q := range []string{
		"print y = dynamic([1, 2]) | extend series_stats(y) | extend series_stats(y)",
		"print a = dynamic([2, 1]), b = dynamic([3, 4]) | extend array_sort_asc(a, b) | extend array_sort_asc(a, b)",
	} {
		res, err := newEngine(t).Query(context.Background(), Request{Query: q, Now: fixedNow})
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		seen := map[string]bool{}
		for _, c := range res.Columns {
			if seen[c.Name] {
				t.Errorf("%s: column %s twice", q, c.Name)
			}
			seen[c.Name] = true
		}
	}
}
