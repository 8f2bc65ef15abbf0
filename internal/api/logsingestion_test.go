package api

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"vigil/internal/auth"
)

var testRules = []DataCollectionRule{{
	ID: "dcr-00000000000000000000000000000001", Workspace: "default",
	Streams: []Stream{{
		Name:         "Custom-AppLogs",
		Columns:      []StreamField{{Name: "TimeGenerated", Type: "datetime"}, {Name: "RawData", Type: "string"}, {Name: "Host", Type: "string"}},
		TransformKQL: "source | extend Level = extract('level=([a-z]+)', 1, RawData) | where Level != 'debug' | project TimeGenerated, Host, Level, Message = RawData",
		OutputTable:  "AppLogs_CL",
	}},
}}

func TestLogsIngestionAPI(t *testing.T) {
	f := newFixture(t)
	path := "/dataCollectionRules/dcr-00000000000000000000000000000001/streams/Custom-AppLogs?api-version=2023-01-01"
	body := `[{"TimeGenerated":"2024-03-01T10:00:00Z","RawData":"level=error disk full","Host":"web1","Extra":"dropped"},
		{"TimeGenerated":"2024-03-01T10:00:01Z","RawData":"level=debug noise","Host":"web1"},
		{"TimeGenerated":"2024-03-01T10:00:02Z","RawData":"level=info ok","Host":"web2"}]`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(body))
	zw.Close()
	code, resp := f.do(t, "POST", path, f.keys[auth.Ingestor], gz.Bytes(), "Content-Encoding", "gzip", "Content-Type", "application/json")
	if code != 204 {
		t.Fatalf("gzip upload: %d %s", code, resp)
	}
	code, resp = f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Reader], []byte(`{"query":"AppLogs_CL | project Host, Level, Message | order by Host asc"}`))
	if code != 200 || !strings.Contains(resp, `[["web1","error","level=error disk full"],["web2","info","level=info ok"]]`) || strings.Contains(resp, "Extra") {
		t.Fatalf("transformed rows: %d %s", code, resp)
	}
	bad := []struct {
		name, path, key, body string
		code                  int
		msg                   string
	}{
		{"no api-version", strings.Split(path, "?")[0], f.keys[auth.Ingestor], body, 400, "api-version"},
		{"unknown rule", strings.Replace(path, "0001", "0002", 1), f.keys[auth.Ingestor], body, 404, "was not found"},
		{"unknown stream", strings.Replace(path, "Custom-AppLogs", "Custom-Nope", 1), f.keys[auth.Ingestor], body, 400, "no stream"},
		{"reader", path, f.keys[auth.Reader], body, 403, "lacks the ingest permission"},
		{"no key", path, "", body, 401, "authentication"},
		{"not an array", path, f.keys[auth.Ingestor], `{"RawData":"x"}`, 400, "JSON array"},
		{"bad time", path, f.keys[auth.Ingestor], `[{"TimeGenerated":"yesterday"}]`, 400, "column TimeGenerated"},
	}
	for _, c := range bad {
		if code, resp := f.do(t, "POST", c.path, c.key, []byte(c.body)); code != c.code || !strings.Contains(resp, c.msg) {
			t.Errorf("%s: %d %s, want %d with %q", c.name, code, resp, c.code, c.msg)
		}
	}
}
