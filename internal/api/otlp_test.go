package api

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"vigil/internal/auth"
	"vigil/internal/source"
)

// TestOTLPOnMainPort sends spans with the OpenTelemetry SDK's HTTP
// exporter to the main port, authenticated by key, into the key's
// workspace or the one the x-vigil-workspace header names.
func TestOTLPOnMainPort(t *testing.T) {
	f := newFixture(t)
	roots := x509.NewCertPool()
	roots.AddCert(f.srv.Certificate())
	host := strings.TrimPrefix(f.srv.URL, "https://")
	export := func(key, workspace string) error {
		headers := map[string]string{}
		if key != "" {
			headers["Authorization"] = "Bearer " + key
		}
		if workspace != "" {
			headers[WorkspaceHeader] = workspace
		}
		exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpoint(host), otlptracehttp.WithHeaders(headers),
			otlptracehttp.WithTLSClientConfig(&tls.Config{RootCAs: roots}), otlptracehttp.WithCompression(otlptracehttp.GzipCompression),
			otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}))
		if err != nil {
			t.Fatal(err)
		}
		defer exp.Shutdown(context.Background())
		now := time.Now()
		span := tracetest.SpanStub{
			Name:     "GET /",
			SpanKind: trace.SpanKindServer,
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
				TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5, 6}, TraceFlags: trace.FlagsSampled}),
			StartTime: now, EndTime: now.Add(time.Millisecond),
		}
		return exp.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{span.Snapshot()})
	}
	if err := export(f.keys[auth.Ingestor], ""); err != nil {
		t.Fatalf("Ingestor into its workspace: %v", err)
	}
	if got := f.rows(t, "AppRequests"); got != 1 {
		t.Fatalf("%d AppRequests rows, want 1", got)
	}
	if err := export(f.keys[auth.Owner], "other"); err != nil {
		t.Fatalf("Owner into other: %v", err)
	}
	rel, err := f.st.Tables(f.other.ID).Relation(context.Background(), "AppRequests", source.Scan{})
	if err != nil {
		t.Fatal(err)
	}
	defer rel.Release()
	var n int
	if err := f.st.DB().QueryRow("SELECT count(*) FROM " + rel.SQL + " WHERE OperationId = '01020300000000000000000000000000'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("other workspace: %d rows, %v", n, err)
	}
	for _, c := range []struct{ key, ws, want string }{
		{"", "", "401"},
		{f.keys[auth.Reader], "", "403"},
		{f.keys[auth.Ingestor], "other", "403"},
		{f.keys[auth.Owner], "nosuch", "404"},
	} {
		if err := export(c.key, c.ws); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("key %q workspace %q: %v, want %s", c.key, c.ws, err, c.want)
		}
	}
	if got := f.rows(t, "AppRequests"); got != 1 {
		t.Fatalf("%d AppRequests rows after refused requests, want 1", got)
	}
}

// TestOTLPRateLimit: the workspace's ingestion rate limit holds for OTLP
// too, answered 429 with Retry-After as OTLP exporters expect.
func TestOTLPRateLimit(t *testing.T) {
	f := newFixture(t)
	srv, err := New(Config{Limits: Limits{IngestBytesPerSecond: 100}}, f.st, f.keysStore, f.reg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewTLSServer(srv)
	defer f.srv.Close()
	logs := `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"` + strings.Repeat("x", 500) + `"}}]}]}]}`
	if code, body := f.do(t, "POST", "/v1/logs", f.keys[auth.Ingestor], []byte(logs), "Content-Type", "application/json"); code != 200 {
		t.Fatalf("first: %d %s", code, body)
	}
	code, body := f.do(t, "POST", "/v1/logs", f.keys[auth.Ingestor], []byte(logs), "Content-Type", "application/json")
	if code != 429 || !strings.Contains(body, "over its ingestion rate limit") {
		t.Fatalf("second: %d %s", code, body)
	}
	if n := f.rows(t, "AppTraces"); n != 1 {
		t.Fatalf("%d AppTraces rows, want 1", n)
	}
}

// TestOTLPFieldLimits: a record over the field size limit refuses the
// whole request (400, not retried), and nothing of it is stored.
func TestOTLPFieldLimits(t *testing.T) {
	f := newFixture(t)
	srv, err := New(Config{MaxFieldBytes: 1000}, f.st, f.keysStore, f.reg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewTLSServer(srv)
	defer f.srv.Close()
	logs := `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"small"}},{"body":{"stringValue":"` + strings.Repeat("x", 2000) + `"}}]}]}]}`
	code, body := f.do(t, "POST", "/v1/logs", f.keys[auth.Ingestor], []byte(logs), "Content-Type", "application/json")
	if code != 400 || !strings.Contains(body, "invalid OTLP request: table AppTraces: ") || !strings.Contains(body, "Message") {
		t.Fatalf("answer: %d %s", code, body)
	}
	if n := f.rows(t, "AppTraces"); n != 0 {
		t.Fatalf("%d AppTraces rows, want 0", n)
	}
}
