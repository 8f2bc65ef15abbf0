package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
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
	}, {
		// A custom text log: each record is one raw line, split by the
		// transform into typed columns.
		Name:    "Custom-Text-Access",
		Columns: []StreamField{{Name: "TimeGenerated", Type: "datetime"}, {Name: "RawData", Type: "string"}},
		TransformKQL: `source
			| parse RawData with Host " " Method " " Path " " Status:int " " Rest
			| extend DurationMs = extract(@"([0-9]+)ms", 1, Rest, typeof(long))
			| extend Details = parse_json(extract(@"(\{.*\})$", 1, RawData))
			| project TimeGenerated, Host, Method, Path, Status, DurationMs, User = tostring(Details.user), Tags = Details.tags`,
		OutputTable: "Access_CL",
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

// TestLogsIngestionTextLines sends raw text lines, as an agent collecting
// a custom text log does, through a rule whose transform splits them with
// parse, extract and parse_json; the custom table gets typed columns, and
// a line the pattern does not fit is kept with what could be extracted.
func TestLogsIngestionTextLines(t *testing.T) {
	f := newFixture(t)
	path := "/dataCollectionRules/dcr-00000000000000000000000000000001/streams/Custom-Text-Access?api-version=2023-01-01"
	body := `[{"TimeGenerated":"2024-03-01T10:00:00Z","RawData":"web1 GET /api/orders 200 35ms {\"user\":\"alice\",\"tags\":[\"eu\",\"beta\"]}"},
		{"TimeGenerated":"2024-03-01T10:00:01Z","RawData":"web2 POST /api/pay 503 1200ms {\"user\":\"bob\"}"},
		{"TimeGenerated":"2024-03-01T10:00:02Z","RawData":"garbage line"}]`
	if code, resp := f.do(t, "POST", path, f.keys[auth.Ingestor], []byte(body), "Content-Type", "application/json"); code != 204 {
		t.Fatalf("upload: %d %s", code, resp)
	}
	q := `{"query":"Access_CL | where isnotempty(Host) | order by TimeGenerated asc | project Host, Method, Path, Status, DurationMs, User, Tags, NTags = array_length(Tags)"}`
	code, resp := f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Reader], []byte(q), "Content-Type", "application/json")
	if code != 200 {
		t.Fatalf("query: %d %s", code, resp)
	}
	var out QueryResponse
	if err := json.Unmarshal([]byte(resp), &out); err != nil {
		t.Fatal(err)
	}
	tab := out.Tables[0]
	var types []string
	for _, c := range tab.Columns {
		types = append(types, c.Name+":"+c.Type)
	}
	if got := strings.Join(types, " "); got != "Host:string Method:string Path:string Status:int DurationMs:long User:string Tags:dynamic NTags:long" {
		t.Errorf("columns: %s", got)
	}
	// The query API sends dynamic values as JSON text, as Log Analytics does.
	rows, _ := json.Marshal(tab.Rows)
	want := `[["web1","GET","/api/orders",200,35,"alice","[\"eu\",\"beta\"]",2],` +
		`["web2","POST","/api/pay",503,1200,"bob",null,null]]`
	if string(rows) != want {
		t.Errorf("rows:\n got %s\nwant %s", rows, want)
	}
	q = `{"query":"Access_CL | where isempty(Host) and isempty(User) and isnull(Status) and RawData == '' | count"}`
	if code, resp = f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Reader], []byte(q), "Content-Type", "application/json"); code != 400 || !strings.Contains(resp, "RawData") {
		t.Errorf("RawData is not among the transform's output columns: %d %s", code, resp)
	}
	q = `{"query":"Access_CL | where isempty(Host) and isempty(User) and isnull(Status) | count"}`
	if code, resp = f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Reader], []byte(q), "Content-Type", "application/json"); code != 200 || !strings.Contains(resp, `"rows":[[1]]`) {
		t.Errorf("the line the pattern does not fit: %d %s", code, resp)
	}
}
