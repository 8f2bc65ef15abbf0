package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"vigil/internal/schema"
	"vigil/internal/source"
	"vigil/internal/sqlgen"
)

// parquetTables serves one table from a Parquet file, read as the store's
// segments are: through read_parquet, in parallel by row group.
type parquetTables struct {
	def  *schema.Table
	path string
}

func (p parquetTables) Table(name string) (*schema.Table, bool) {
	return p.def, name == p.def.Name
}

func (p parquetTables) Names() []string { return []string{p.def.Name} }

func (p parquetTables) Relation(_ context.Context, name string, _ source.Scan) (source.Relation, error) {
	if name != p.def.Name {
		return source.Relation{}, fmt.Errorf("unknown table %q", name)
	}
	return source.Relation{SQL: "read_parquet(" + sqlgen.QuoteString(p.path) + ")", Release: func() {}}, nil
}

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

// tiesT has five values, so most rows of a group tie with others at its
// maximum and minimum; it is null in one row of 11 and in every row of
// the "allnull" group.
func tiesT(i int64) any {
	if i%97 == 0 || i%11 == 0 {
		return nil
	}
	return tiesEpoch.Add(time.Duration(i*7919%5) * time.Second)
}

func tiesN(i int64) any {
	if i%3 == 0 {
		return nil
	}
	return i
}

// TestArgMaxColumnsFromOneRow holds DuckDB to what the engine's arg_max
// and arg_min rely on (see argMinMax): with one aggregate per returned
// column, every column still comes from the same row. The data has
// thousands of rows tied at each group's maximum and minimum, spread over
// many row groups that several threads read and combine, null values of
// the expression (skipped) and of the columns (returned as they are), and
// a group whose expression is null in every row (one row is still
// returned). A DuckDB that picks tied rows differently for different
// aggregates fails here.
func TestArgMaxColumnsFromOneRow(t *testing.T) {
	rows := int64(1_000_000)
	if testing.Short() {
		rows = 200_000
	}
	e := newEngine(t)
	path := filepath.Join(t.TempDir(), "ties.parquet")
	gen := fmt.Sprintf(`COPY (SELECT
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
	tables := parquetTables{path: path, def: &schema.Table{Name: "Ties", Columns: []schema.Column{
		{Name: "K", Type: schema.String}, {Name: "T", Type: schema.DateTime}, {Name: "A", Type: schema.Long},
		{Name: "S", Type: schema.String}, {Name: "N", Type: schema.Long}, {Name: "G", Type: schema.Long},
	}}}

	// The extremes of T per group, computed here rather than by DuckDB.
	type extremes struct{ max, min time.Time }
	byK := map[string]*extremes{}
	byG := map[int64]*extremes{}
	note := func(m *extremes, v any) {
		if v, ok := v.(time.Time); ok {
			if m.max.IsZero() || v.After(m.max) {
				m.max = v
			}
			if m.min.IsZero() || v.Before(m.min) {
				m.min = v
			}
		}
	}
	for i := int64(0); i < rows; i++ {
		k, g := tiesK(i), i%tiesManyGroups
		if byK[k] == nil {
			byK[k] = &extremes{}
		}
		if byG[g] == nil {
			byG[g] = &extremes{}
		}
		v := tiesT(i)
		note(byK[k], v)
		note(byG[g], v)
	}

	cases := []struct {
		query  string
		groups int
		// want is the extreme T of the row's group: nil when every T of
		// the group is null.
		want func(row map[string]any) any
	}{
		{"Ties | summarize arg_max(T, *) by K", len(byK), func(r map[string]any) any { return extreme(byK[r["K"].(string)].max) }},
		{"Ties | summarize arg_min(T, *) by K", len(byK), func(r map[string]any) any { return extreme(byK[r["K"].(string)].min) }},
		{"Ties | summarize arg_max(T, S, N, A, K) by G", len(byG), func(r map[string]any) any { return extreme(byG[r["G"].(int64)].max) }},
		{"Ties | summarize arg_min(T, *) by G", len(byG), func(r map[string]any) any { return extreme(byG[r["G"].(int64)].min) }},
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
			want := map[string]any{"K": tiesK(a), "T": tiesT(a), "S": fmt.Sprintf("s%d", a), "N": tiesN(a), "G": a % tiesManyGroups}
			problem := ""
			for name, w := range want {
				if got := row[name]; !sameValue(got, w) {
					problem += fmt.Sprintf(" %s=%v (row %d has %v)", name, got, a, w)
				}
			}
			if w := tc.want(row); !sameValue(row["T"], w) {
				problem += fmt.Sprintf(" T=%v, the group's extreme is %v", row["T"], w)
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

// extreme is a group's extreme T as a result value: nil when it has none.
func extreme(v time.Time) any {
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
