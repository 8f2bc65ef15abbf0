package api

import (
	"strings"
	"testing"

	"vigil/internal/auth"
)

// TestTermIndexMetrics: a search for a term no sealed row holds skips the
// segment, and /metrics says so.
func TestTermIndexMetrics(t *testing.T) {
	f := newFixture(t)
	owner := f.keys[auth.Owner]
	if code, body := f.do(t, "POST", "/v1/workspaces/default/tables/App_CL/rows", owner, []byte("{\"Msg\":\"disk full on sda1\"}\n{\"Msg\":\"login ok\"}\n")); code/100 != 2 {
		t.Fatalf("ingest: %d %s", code, body)
	}
	if err := f.st.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`App_CL | where Msg has 'sda1'`, `App_CL | where Msg has 'nvme0'`} {
		if code, body := f.do(t, "POST", "/v1/workspaces/default/query", owner, []byte(`{"query":"`+q+`"}`)); code != 200 {
			t.Fatalf("%s: %d %s", q, code, body)
		}
	}
	_, body := f.do(t, "GET", "/metrics", "", nil)
	for _, want := range []string{`vigil_term_index_segments_total{outcome="skipped"} 1`, `vigil_term_index_segments_total{outcome="read"} 1`,
		`vigil_term_index_row_groups_total{outcome="skipped"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
