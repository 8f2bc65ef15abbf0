package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"vigil/internal/schema"
	"vigil/internal/source"
	"vigil/internal/store"
)

// TestTimeScopeEveryTableRead gives queries a time range, as the API's
// timespan does, over a real store, and checks that every table read
// sees only the rows in the range wherever the query reads it: joins,
// unions (named and by wildcard), lets, materialize, toscalar, in
// subqueries, lookup, search, find, function parameters and another
// workspace.
func TestTimeScopeEveryTableRead(t *testing.T) {
	s, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const ws = "6b1f8c2e-3d4a-4e5f-8a9b-0c1d2e3f4a5b"
	day := time.Now().UTC().Truncate(24 * time.Hour)
	// user0 is outside the range; user1 and user2 inside.
	times := []time.Time{day.Add(-48 * time.Hour), day.Add(-23 * time.Hour), day.Add(time.Hour)}
	for _, table := range []string{"Sign_CL", "Audit_CL"} {
		b := &store.Batch{Workspace: ws, Table: table, ContentType: "application/json", Raw: []byte("{}"),
			Columns: []schema.Column{{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "User", Type: schema.String}}}
		for i, at := range times {
			b.Rows = append(b.Rows, []any{at, fmt.Sprintf("user%d", i)})
		}
		if _, err := s.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	e := New(s.DB())
	tables := s.Tables(ws)
	other := func(string) (source.Tables, error) { return tables, nil }
	for _, c := range []struct {
		query string
		want  int64
	}{
		{`Sign_CL | count`, 2},
		{`Sign_CL | join kind=inner Audit_CL on User | count`, 2},
		{`Sign_CL | join kind=fullouter (Audit_CL | where User != "user1") on User | count`, 2},
		{`union Sign_CL, Audit_CL | count`, 4},
		{`union withsource=T *_CL | where User == "user0" | count`, 0},
		{`union * | count`, 4},
		{`let a = Audit_CL | project User; Sign_CL | where User in (a) | count`, 2},
		{`let m = materialize(Audit_CL); m | union m | count`, 4},
		{`print toscalar(Audit_CL | count)`, 2},
		{`Sign_CL | lookup (Audit_CL | project User, Seen = TimeGenerated) on User | where isnotnull(Seen) | count`, 2},
		{`search "user0" | count`, 0},
		{`search in (Sign_CL, Audit_CL) User startswith "user" | count`, 4},
		{`find in (Sign_CL, Audit_CL) where User == "user0" or User == "user1" | count`, 2},
		{`let f = (T:(*)) { T | count }; f(Audit_CL)`, 2},
		{`workspace("other").Audit_CL | union Sign_CL | count`, 4},
		{`Sign_CL | summarize n = count() by User | join kind=leftouter (Audit_CL | summarize m = count() by User) on User | where isnull(m) | count`, 0},
	} {
		req := Request{Query: c.query, Tables: tables, Workspace: other, From: day.Add(-24 * time.Hour), To: day.Add(24 * time.Hour)}
		res, err := e.Query(context.Background(), req)
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		if len(res.Rows) != 1 || res.Rows[0][0] != c.want {
			t.Errorf("%s: got %v, want %d", c.query, res.Rows, c.want)
		}
		// Unscoped, the same query sees the third day's rows too, so the
		// range is what left them out.
		if c.want != 0 {
			req.From, req.To = time.Time{}, time.Time{}
			if res, err := e.Query(context.Background(), req); err != nil || len(res.Rows) != 1 || res.Rows[0][0] == c.want {
				t.Errorf("%s unscoped: got %v, %v; want other than %d", c.query, res, err, c.want)
			}
		}
	}
}

// countedTables is a workspace's tables that counts the relations taken
// of each table, passing every call on to the store.
type countedTables struct {
	source.Tables
	taken map[string]int
}

func (c countedTables) Relation(ctx context.Context, name string, scan source.Scan) (source.Relation, error) {
	c.taken[name]++
	return c.Tables.Relation(ctx, name, scan)
}

// TestScanBoundOnce: a table read that the statement writes more than
// once (a let read twice, bag_unpack's probe and then its query) takes
// the store's relation once, and the answer is the same.
func TestScanBoundOnce(t *testing.T) {
	s, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const ws = "6b1f8c2e-3d4a-4e5f-8a9b-0c1d2e3f4a5b"
	b := &store.Batch{Workspace: ws, Table: "Sign_CL", ContentType: "application/json", Raw: []byte("{}"),
		Columns: []schema.Column{{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "User", Type: schema.String}}}
	for i := range 3 {
		b.Rows = append(b.Rows, []any{time.Now().UTC(), fmt.Sprintf("user%d", i)})
	}
	if _, err := s.Append(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	e := New(s.DB())
	for _, c := range []struct {
		query string
		want  int64
	}{
		{`let a = Sign_CL; a | join kind=inner a on User | count`, 3},
		{`Sign_CL | extend d = bag_pack('k', User) | evaluate bag_unpack(d) | where k == "user1" | count`, 1},
	} {
		tables := countedTables{s.Tables(ws), map[string]int{}}
		res, err := e.Query(context.Background(), Request{Query: c.query, Tables: tables})
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if len(res.Rows) != 1 || res.Rows[0][0] != c.want {
			t.Errorf("%s: got %v, want %d", c.query, res.Rows, c.want)
		}
		if tables.taken["Sign_CL"] != 1 {
			t.Errorf("%s: took Sign_CL's relation %d times, want once", c.query, tables.taken["Sign_CL"])
		}
	}
}
