package api

import (
	"encoding/json"
	"testing"
	"time"

	"vigil/internal/auth"
)

// TestTableFunctions runs the functions that read a table's own columns
// through the query API over ingested rows: ingestion_time() is when
// Vigil received the row, and column_ifexists() picks a column the table
// has and the default for one it lacks.
func TestTableFunctions(t *testing.T) {
	f := newFixture(t)
	before := time.Now().UTC().Add(-time.Second)
	ingestJSON(t, f, "Fn_CL", `[{"Host":"a"}]`)
	after := time.Now().UTC().Add(time.Second)
	q := `{"query":"Fn_CL | project t = ingestion_time(), h = column_ifexists('Host', 'none'), u = column_ifexists('User', 'none')"}`
	code, body := f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Reader], []byte(q))
	if code != 200 {
		t.Fatalf("query: %d %s", code, body)
	}
	var resp QueryResponse
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		t.Fatal(err)
	}
	rows := resp.Tables[0].Rows
	if len(rows) != 1 || rows[0][1] != "a" || rows[0][2] != "none" {
		t.Fatalf("rows %v", rows)
	}
	s, _ := rows[0][0].(string)
	received, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || received.Before(before) || received.After(after) {
		t.Fatalf("ingestion_time() = %v (%v), want between %v and %v", rows[0][0], err, before, after)
	}
}
