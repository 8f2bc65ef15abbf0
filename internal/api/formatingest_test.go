package api

import (
	"bytes"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"vigil/internal/auth"
	"vigil/internal/ingest"
	"vigil/internal/schema"
	"vigil/internal/store"
)

// bangFormat is a line format for this test: each line is a row of Test_CL,
// except lines starting with "!", which it rejects.
type bangFormat struct{}

func (bangFormat) Name() string { return "test-bang" }

func (bangFormat) Parse(ws string, raw []byte, received time.Time) ([]*store.Batch, []ingest.Reject, error) {
	if len(raw) == 0 {
		return nil, nil, errors.New("empty input")
	}
	b := &store.Batch{Workspace: ws, Table: "Test_CL", Columns: []schema.Column{{Name: "Line", Type: schema.String}}, ContentType: "text/plain", Received: received}
	var rejects []ingest.Reject
	off := 0
	for _, line := range bytes.SplitAfter(raw, []byte("\n")) {
		if text := strings.TrimSpace(string(line)); strings.HasPrefix(text, "!") {
			rejects = append(rejects, ingest.Reject{Reason: "line starts with !", Raw: line, Offset: off})
		} else if text != "" {
			b.Rows = append(b.Rows, []any{text})
			b.Raw = append(b.Raw, line...)
		}
		off += len(line)
	}
	if len(b.Rows) == 0 {
		return nil, rejects, nil
	}
	return []*store.Batch{b}, rejects, nil
}

func init() { ingest.Register(bangFormat{}) }

func TestIngestFormat(t *testing.T) {
	f := newFixture(t)
	key := f.keys[auth.Ingestor]
	syslogBody := "<34>1 2026-11-23T10:00:00Z web1 sshd 42 - - Failed password for root\n" +
		"<13>Nov 23 10:00:01 web2 cron[7]: job done\n" +
		"<134>Nov 23 10:00:02 fw1 CEF:0|Acme|Wall|1.0|100|Blocked|5|src=10.0.0.1 dst=10.0.0.2 act=deny\n"
	code, body := f.do(t, "POST", "/v1/workspaces/default/ingest?format=syslog", key, []byte(syslogBody))
	if code != 200 || !strings.Contains(body, `"tables":{"CommonSecurityLog":1,"Syslog":2}`) || !strings.Contains(body, `"rejected":0`) {
		t.Fatalf("syslog: %d %s", code, body)
	}
	if n := f.rows(t, "Syslog"); n != 2 {
		t.Fatalf("%d Syslog rows, want 2", n)
	}

	code, body = f.do(t, "POST", "/v1/workspaces/default/ingest?format=nope", key, []byte("x"))
	if code != 400 || !strings.Contains(body, `unknown format \"nope\"`) || !strings.Contains(body, "syslog") {
		t.Fatalf("unknown format: %d %s", code, body)
	}

	// Bad lines are answered and kept; their neighbours are stored.
	code, body = f.do(t, "POST", "/v1/workspaces/default/ingest?format=test-bang", key, []byte("one\n!bad\ntwo\n"))
	if code != 200 || !strings.Contains(body, `"tables":{"Test_CL":2}`) || !strings.Contains(body, `"rejects":[{"offset":4,"reason":"line starts with !"}]`) {
		t.Fatalf("rejects: %d %s", code, body)
	}
	code, body = f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Reader],
		[]byte(`{"query":"VigilIngestionErrors | project Source, Format, Reason, Offset, RawData"}`))
	if code != 200 || !strings.Contains(body, `"rows":[["http","test-bang","line starts with !",4,"!bad\n"]]`) {
		t.Fatalf("VigilIngestionErrors: %d %s", code, body)
	}
	// Nothing valid at all: 400, nothing stored.
	code, body = f.do(t, "POST", "/v1/workspaces/default/ingest?format=test-bang", key, []byte("!a\n!b\n"))
	if code != 400 || !strings.Contains(body, `"rejected":2`) || f.rows(t, "Test_CL") != 2 {
		t.Fatalf("all rejected: %d %s", code, body)
	}
	code, body = f.do(t, "POST", "/v1/workspaces/default/ingest?format=test-bang", key, nil)
	if code != 400 || !strings.Contains(body, "not valid test-bang: empty input") {
		t.Fatalf("unusable input: %d %s", code, body)
	}
	if code, body = f.do(t, "GET", "/metrics", "", nil); !strings.Contains(body, `vigil_ingest_rejected_records_total{format="test-bang",source="http"} 3`) {
		t.Fatalf("metrics: %d %s", code, body)
	}
}

func TestIngestRateLimit(t *testing.T) {
	f := newFixture(t)
	srv, err := New(Config{Limits: Limits{IngestBytesPerSecond: 100}, WorkspaceLimits: map[string]Limits{"other": {IngestRequestsPerSecond: 1000}}}, f.st, f.keysStore, f.reg)
	if err != nil {
		t.Fatal(err)
	}
	h := httptest.NewTLSServer(srv)
	defer h.Close()
	f.srv = h
	big := `[{"Msg":"` + strings.Repeat("x", 1000) + `"}]`
	// The first request is larger than a second's allowance and passes; it
	// leaves the workspace in debt, so the next waits about 10 s.
	if code, body := f.do(t, "POST", "/v1/workspaces/default/tables/Rate_CL/rows", f.keys[auth.Owner], []byte(big)); code != 204 {
		t.Fatalf("first: %d %s", code, body)
	}
	req := f.srv.URL + "/v1/workspaces/default/tables/Rate_CL/rows"
	resp, err := f.srv.Client().Post(req, "application/json", strings.NewReader(`[{"Msg":"small"}]`))
	if err == nil {
		resp.Body.Close()
	}
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("unauthenticated: %v %v", err, resp)
	}
	code, body := f.do(t, "POST", "/v1/workspaces/default/tables/Rate_CL/rows", f.keys[auth.Owner], []byte(`[{"Msg":"small"}]`))
	if code != 429 || !strings.Contains(body, "over its ingestion rate limit of 100 bytes a second") {
		t.Fatalf("second: %d %s", code, body)
	}
	// Another workspace has its own limits.
	for i := 0; i < 3; i++ {
		if code, body := f.do(t, "POST", "/v1/workspaces/other/tables/Rate_CL/rows", f.keys[auth.Owner], []byte(big)); code != 204 {
			t.Fatalf("other workspace %d: %d %s", i, code, body)
		}
	}
	if n := f.rows(t, "Rate_CL"); n != 1 {
		t.Fatalf("%d rows stored in default, want 1", n)
	}
}

func TestBucketDebt(t *testing.T) {
	var b bucket
	b.rate = 100
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if w := b.take(1000, now); w != 0 {
		t.Fatalf("a quiet bucket refused a large take: %v", w)
	}
	if w := b.take(10, now); w != 9100*time.Millisecond {
		t.Fatalf("wait %v, want 9.1s (900 owed + 10 needed at 100/s)", w)
	}
	if w := b.take(10, now.Add(9100*time.Millisecond)); w != 0 {
		t.Fatalf("refused after paying off: %v", w)
	}
}

func TestFieldLimits(t *testing.T) {
	f := newFixture(t)
	var many strings.Builder
	many.WriteString("{")
	for i := 0; i < 501; i++ {
		fmt.Fprintf(&many, `"F%d":%d,`, i, i)
	}
	many.WriteString(`"Last":1}`)
	for name, c := range map[string]struct{ body, want string }{
		"fields": {many.String(), "record 0 has 502 fields, over the limit of 500"},
		"bytes":  {`[{"Ok":"a"},{"Big":"` + strings.Repeat("y", 70000) + `"}]`, "record 1: field Big has 70000 bytes, over the limit of 65536"},
		"nested": {`[{"Bag":{"k":["` + strings.Repeat("z", 70000) + `"]}}]`, "field Bag has 70010 bytes"},
	} {
		code, body := f.do(t, "POST", "/v1/workspaces/default/tables/Wide_CL/rows", f.keys[auth.Owner], []byte(c.body))
		if code != 400 || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s", name, code, body)
		}
	}
	if code, body := f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Reader], []byte(`{"query":"Wide_CL | count"}`)); code != 400 {
		t.Fatalf("a refused batch created its table: %d %s", code, body)
	}
}
