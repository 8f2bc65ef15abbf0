package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
	"vigil/internal/source"
)

// sqlTables serves one table, def, as the fixed relation sql.
type sqlTables struct {
	def *schema.Table
	sql string
}

func (s sqlTables) Table(name string) (*schema.Table, bool) { return s.def, name == s.def.Name }
func (s sqlTables) Names() []string                         { return []string{s.def.Name} }
func (s sqlTables) Relation(_ context.Context, name string, _ source.Scan) (source.Relation, error) {
	if name != s.def.Name {
		return source.Relation{}, fmt.Errorf("unknown table %q", name)
	}
	return source.Relation{SQL: s.sql, Release: func() {}}, nil
}

// tableT is the table T(x string, n long) TestRelationShapes reads.
var tableT = &schema.Table{Name: "T", Columns: []schema.Column{{Name: "x", Type: schema.String}, {Name: "n", Type: schema.Long}}}

// TestRelationShapes reads tables whose relations have every shape a
// FROM clause takes. The engine reads a parenthesized SELECT without a
// SELECT * around it; the others, and anything it cannot tell is one
// group (quotes holding parentheses), must read the same rows.
func TestRelationShapes(t *testing.T) {
	e := newEngine(t)
	for _, rel := range []string{
		`(SELECT 'a)' AS x, CAST(1 AS BIGINT) AS n UNION ALL SELECT 'b(', 2)`,
		`(SELECT 'it''s (' AS x, CAST(1 AS BIGINT) AS n UNION ALL SELECT ')', 2)`,
		`(SELECT "x)" AS x, n FROM (SELECT 'a' AS "x)", CAST(1 AS BIGINT) AS n UNION ALL SELECT 'b', 2))`,
		`(SELECT 'a' AS x, CAST(1 AS BIGINT) AS n) UNION ALL (SELECT 'b', 2)`,
		`(VALUES ('a', CAST(1 AS BIGINT)), ('b', 2)) AS v(x, n)`,
		`(WITH w AS (SELECT 'a' AS x, CAST(1 AS BIGINT) AS n UNION ALL SELECT 'b', 2) SELECT * FROM w)`,
		`(SELECT * FROM (VALUES ('a', CAST(1 AS BIGINT)), ('b', 2)) AS v(x, n) WHERE n > 0)`,
	} {
		res, err := e.Query(context.Background(), Request{Query: "T | summarize c = count(), s = sum(n)", Tables: sqlTables{tableT, rel}, Now: fixedNow})
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if len(res.Rows) != 1 || res.Rows[0][0] != int64(2) || res.Rows[0][1] != int64(3) {
			t.Errorf("%s: got %v, want 2 rows summing to 3", rel, res.Rows)
		}
		res, err = e.Query(context.Background(), Request{Query: "T | where n == 2 | project x", Tables: sqlTables{tableT, rel}, Now: fixedNow})
		if err != nil || len(res.Rows) != 1 {
			t.Errorf("%s: where n == 2 gave %v, %v", rel, res, err)
		}
	}
	sqlText, _, err := e.Compile(context.Background(), Request{Query: "T | count", Tables: sqlTables{tableT, "(SELECT 'a' AS x, CAST(1 AS BIGINT) AS n)"}, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sqlText, "SELECT * FROM (SELECT") {
		t.Errorf("a parenthesized SELECT is read through a SELECT * layer:\n%s", sqlText)
	}
}

// TestUnparen checks which table expressions are one parenthesized group.
func TestUnparen(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"(SELECT 1)", "SELECT 1", true},
		{"((SELECT 1))", "(SELECT 1)", true},
		{"(SELECT ')(')", "SELECT ')('", true},
		{`(SELECT 1 AS ")(")`, `SELECT 1 AS ")("`, true},
		{"(SELECT 'it''s)')", "SELECT 'it''s)'", true},
		{"(SELECT 1) UNION ALL (SELECT 2)", "", false},
		{"(VALUES (1)) AS v(x)", "", false},
		{"read_parquet('a.parquet')", "", false},
		{"(SELECT 'unterminated)", "", false},
		{"(SELECT (1)", "", false},
		{"()", "", true},
	} {
		got, ok := unparen(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("unparen(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// unreadable serves the table T(x string, d dynamic) and fails to read
// it, as a store whose files went missing does.
type unreadable struct{}

var tableTD = &schema.Table{Name: "T", Columns: []schema.Column{{Name: "x", Type: schema.String}, {Name: "d", Type: schema.Dynamic}}}

func (unreadable) Table(name string) (*schema.Table, bool) { return tableTD, name == "T" }
func (unreadable) Names() []string                         { return []string{"T"} }
func (unreadable) Relation(context.Context, string, source.Scan) (source.Relation, error) {
	return source.Relation{}, fmt.Errorf("files missing")
}

// TestUnreadableTable reads a table the store cannot read: the query
// fails with the user's error at the table, whether the statement reads
// it or a catalog's probe does while the plan is built (bag_unpack's
// properties, pivot's values).
func TestUnreadableTable(t *testing.T) {
	e := newEngine(t)
	for _, q := range []string{"T | count", "T | evaluate bag_unpack(d)", "T | evaluate pivot(x)"} {
		_, err := e.Query(context.Background(), Request{Query: q, Tables: unreadable{}, Now: fixedNow})
		var ke *kql.Error
		if !errors.As(err, &ke) || !strings.Contains(ke.Error(), "Cannot read table 'T': files missing") {
			t.Errorf("%s: got %v, want the table's read error", q, err)
		}
	}
}
