package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// The rows of the Ties table, all derived from the row number i (column
// A), so a result row can be checked against the row its A names.
const (
	tiesGroups     = 40     // K: "k0".."k39", and "allnull"
	tiesManyGroups = 20_000 // G: i % tiesManyGroups
)

func tiesK(i int64) string {
	if i%97 == 0 {
		return "allnull"
	}
	return "k" + strconv.FormatInt(i%tiesGroups, 10)
}

var tiesEpoch = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// tiesTG, the TimeGenerated of a stored row, is never null; it has five
// values, so most rows of a group tie with others at its maximum and at
// its minimum.
func tiesTG(i int64) time.Time {
	return tiesEpoch.Add(time.Duration(i*7919%5) * time.Second)
}

// tiesT is tiesTG with nulls: in one row of 11 and in every row of the
// "allnull" group.
func tiesT(i int64) any {
	if i%97 == 0 || i%11 == 0 {
		return nil
	}
	return tiesTG(i)
}

func tiesN(i int64) any {
	if i%3 == 0 {
		return nil
	}
	return i
}

// extremes are the greatest and least non-null value of a group; zero
// when it has none.
type extremes struct{ max, min time.Time }

func (m *extremes) note(v any) {
	if v, ok := v.(time.Time); ok {
		if m.max.IsZero() || v.After(m.max) {
			m.max = v
		}
		if m.min.IsZero() || v.Before(m.min) {
			m.min = v
		}
	}
}

// TestArgMaxColumnsFromOneRow holds DuckDB to what the engine's arg_max
// and arg_min rely on (see argMinMax): with one aggregate per returned
// column, every column still comes from the same row. The data has
// thousands of rows tied at each group's maximum and minimum, spread over
// many row groups that several threads read and combine, null values of
// the expression (skipped) and of the columns (returned as they are), and
// a group whose expression is null in every row (one row is still
// returned). TimeGenerated, never null in stored rows, is compiled
// without the fallback for nulls and is checked the same way. A DuckDB
// that picks tied rows differently for different aggregates fails here.
func TestArgMaxColumnsFromOneRow(t *testing.T) {
	rows := int64(1_000_000)
	if testing.Short() {
		rows = 200_000
	}
	e := newEngine(t)
	path := filepath.Join(t.TempDir(), "ties.parquet")
	gen := fmt.Sprintf(`COPY (SELECT
		TIMESTAMP '2026-11-01' + to_seconds(i * 7919 %% 5) AS TimeGenerated,
		CASE WHEN i %% 97 = 0 THEN 'allnull' ELSE 'k' || (i %% %d) END AS K,
		CASE WHEN i %% 97 = 0 OR i %% 11 = 0 THEN NULL ELSE TIMESTAMP '2026-11-01' + to_seconds(i * 7919 %% 5) END AS T,
		i AS A, 's' || i AS S, CASE WHEN i %% 3 = 0 THEN NULL ELSE i END AS N, i %% %d AS G
		FROM range(%d) r(i)) TO %s (FORMAT parquet, ROW_GROUP_SIZE 16384)`, tiesGroups, tiesManyGroups, rows, sqlgen.QuoteString(path))
	if _, err := e.db.Exec(gen); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Exec("SET threads = 4"); err != nil {
		t.Fatal(err)
	}
	// Read as the store's segments are: through read_parquet, in
	// parallel by row group.
	tables := sqlTables{sql: "read_parquet(" + sqlgen.QuoteString(path) + ")", def: &schema.Table{Name: "Ties", Columns: []schema.Column{
		{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "K", Type: schema.String}, {Name: "T", Type: schema.DateTime},
		{Name: "A", Type: schema.Long}, {Name: "S", Type: schema.String}, {Name: "N", Type: schema.Long}, {Name: "G", Type: schema.Long},
	}}}

	// The extremes of T and TimeGenerated per group, computed here rather
	// than by DuckDB.
	tByK, tByG := map[string]*extremes{}, map[int64]*extremes{}
	tgByK, tgByG := map[string]*extremes{}, map[int64]*extremes{}
	for i := int64(0); i < rows; i++ {
		k, g := tiesK(i), i%tiesManyGroups
		if tByK[k] == nil {
			tByK[k], tgByK[k] = &extremes{}, &extremes{}
		}
		if tByG[g] == nil {
			tByG[g], tgByG[g] = &extremes{}, &extremes{}
		}
		tByK[k].note(tiesT(i))
		tByG[g].note(tiesT(i))
		tgByK[k].note(tiesTG(i))
		tgByG[g].note(tiesTG(i))
	}
	byK := func(m map[string]*extremes, max bool) func(row map[string]any) any {
		return func(r map[string]any) any { return extreme(m[r["K"].(string)], max) }
	}
	byG := func(m map[int64]*extremes, max bool) func(row map[string]any) any {
		return func(r map[string]any) any { return extreme(m[r["G"].(int64)], max) }
	}

	cases := []struct {
		query  string
		groups int
		// col is the column maximized or minimized; want is its extreme
		// in the row's group: nil when every value of the group is null.
		col  string
		want func(row map[string]any) any
	}{
		{"Ties | summarize arg_max(T, *) by K", len(tByK), "T", byK(tByK, true)},
		{"Ties | summarize arg_min(T, *) by K", len(tByK), "T", byK(tByK, false)},
		{"Ties | summarize arg_max(T, S, N, A, K, TimeGenerated) by G", len(tByG), "T", byG(tByG, true)},
		{"Ties | summarize arg_min(T, *) by G", len(tByG), "T", byG(tByG, false)},
		{"Ties | summarize arg_max(TimeGenerated, *) by K", len(tgByK), "TimeGenerated", byK(tgByK, true)},
		{"Ties | where A >= 0 | summarize arg_min(TimeGenerated, *) by G", len(tgByG), "TimeGenerated", byG(tgByG, false)},
	}
	for _, tc := range cases {
		res, err := e.Query(context.Background(), Request{Query: tc.query, Tables: tables})
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		if len(res.Rows) != tc.groups {
			t.Fatalf("%s: %d rows, want %d", tc.query, len(res.Rows), tc.groups)
		}
		bad := 0
		for _, vals := range res.Rows {
			row := map[string]any{}
			for j, c := range res.Columns {
				row[c.Name] = vals[j]
			}
			a := row["A"].(int64)
			want := map[string]any{"TimeGenerated": tiesTG(a), "K": tiesK(a), "T": tiesT(a), "S": fmt.Sprintf("s%d", a), "N": tiesN(a), "G": a % tiesManyGroups}
			problem := ""
			for name, w := range want {
				if got := row[name]; !sameValue(got, w) {
					problem += fmt.Sprintf(" %s=%v (row %d has %v)", name, got, a, w)
				}
			}
			if w := tc.want(row); !sameValue(row[tc.col], w) {
				problem += fmt.Sprintf(" %s=%v, the group's extreme is %v", tc.col, row[tc.col], w)
			}
			if problem != "" {
				if bad++; bad <= 5 {
					t.Errorf("%s: group %v:%s", tc.query, vals[0], problem)
				}
			}
		}
		if bad > 5 {
			t.Errorf("%s: %d of %d groups wrong", tc.query, bad, len(res.Rows))
		}
	}
}

// extreme is a group's greatest (or least) value as a result value: nil
// when it has none.
func extreme(m *extremes, max bool) any {
	v := m.min
	if max {
		v = m.max
	}
	if v.IsZero() {
		return nil
	}
	return v
}

func sameValue(got, want any) bool {
	if gt, ok := got.(time.Time); ok {
		wt, ok := want.(time.Time)
		return ok && gt.Equal(wt)
	}
	return got == want
}

// TestTransformArgMaxNullTime runs arg_max over a transform's source,
// whose TimeGenerated may still be null (the store fills it later): a
// group whose times are all null still gives a row.
func TestTransformArgMaxNullTime(t *testing.T) {
	e := newEngine(t)
	cols := []schema.Column{{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "K", Type: schema.String}, {Name: "V", Type: schema.String}}
	rows := [][]any{{nil, "a", "x"}, {nil, "a", "x"}, {tiesEpoch, "b", "y"}, {nil, "b", "z"}}
	_, got, err := e.Transform(context.Background(), "source | summarize arg_max(TimeGenerated, *) by K | order by K asc", cols, rows)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{{"a", nil, "x"}, {"b", tiesEpoch, "y"}}
	if len(got) != len(want) {
		t.Fatalf("rows = %v, want %v", got, want)
	}
	for i := range want {
		for j := range want[i] {
			if !sameValue(got[i][j], want[i][j]) {
				t.Fatalf("rows = %v, want %v", got, want)
			}
		}
	}
}
