package otlp

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"vigil/internal/engine"
	"vigil/internal/ingest"
	"vigil/internal/ingest/ingesttest"
	"vigil/internal/store"
)

const ws = "ws1"

// listen starts the standalone gRPC and HTTP listeners over a real store,
// serving TLS with tlsConfig when it is given.
func listen(t *testing.T, tlsConfig ...*tls.Config) (*Server, *store.Store) {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{GRPC: "127.0.0.1:0", HTTP: "127.0.0.1:0", Workspace: ws}
	if len(tlsConfig) > 0 {
		cfg.TLSConfig = tlsConfig[0]
	}
	srv := NewServer(cfg, st, nil)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(); st.Close() })
	return srv, st
}

// query runs KQL through the engine over the store's workspace and
// returns the rows as text, one string per row, columns joined by " | ".
func query(t *testing.T, st *store.Store, kql string) []string {
	t.Helper()
	res, err := engine.New(st.DB()).Query(context.Background(), engine.Request{Query: kql, Tables: st.Tables(ws)})
	if err != nil {
		t.Fatalf("%s: %v", kql, err)
	}
	var out []string
	for _, row := range res.Rows {
		var cells []string
		for _, v := range row {
			switch x := v.(type) {
			case nil:
				cells = append(cells, "null")
			case json.RawMessage:
				// A dynamic string shows as its text, as the query API's
				// clients show it.
				var s string
				if json.Unmarshal(x, &s) != nil {
					s = string(x)
				}
				cells = append(cells, s)
			default:
				cells = append(cells, fmt.Sprint(x))
			}
		}
		out = append(out, strings.Join(cells, " | "))
	}
	return out
}

func wantRows(t *testing.T, st *store.Store, kql string, want ...string) {
	t.Helper()
	got := query(t, st, kql)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s\n got:\n  %s\nwant:\n  %s", kql, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func res(service string) *resource.Resource {
	r, err := resource.Merge(resource.Default(), resource.NewSchemaless(attribute.String("service.name", service),
		attribute.String("service.instance.id", service+"-1"), attribute.String("service.version", "1.2.3"),
		attribute.String("deployment.environment.name", "test")))
	if err != nil {
		panic(err)
	}
	return r
}

// TestSDKExportersJoinAcrossServices sends one distributed trace from two
// services with the OpenTelemetry Go SDK's exporters: frontend over gRPC,
// backend over HTTP (protobuf, gzip), each with spans, logs inside the
// spans, an exception and metrics. One KQL query then follows the trace
// id from the frontend's request through its dependency to the backend's
// request and both services' logs.
func TestSDKExportersJoinAcrossServices(t *testing.T) {
	srv, st := listen(t)
	grpcAddr, httpAddr := srv.Addrs()
	ctx := context.Background()

	// frontend: gRPC exporters.
	feSpans, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(grpcAddr.String()), otlptracegrpc.WithInsecure(), otlptracegrpc.WithCompressor("gzip"))
	if err != nil {
		t.Fatal(err)
	}
	feLogs, err := otlploggrpc.New(ctx, otlploggrpc.WithEndpoint(grpcAddr.String()), otlploggrpc.WithInsecure(), otlploggrpc.WithCompressor("gzip"))
	if err != nil {
		t.Fatal(err)
	}
	feMetrics, err := otlpmetricgrpc.New(ctx, otlpmetricgrpc.WithEndpoint(grpcAddr.String()), otlpmetricgrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	// backend: HTTP exporters.
	beSpans, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(httpAddr.String()), otlptracehttp.WithInsecure(), otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	if err != nil {
		t.Fatal(err)
	}
	beLogs, err := otlploghttp.New(ctx, otlploghttp.WithEndpoint(httpAddr.String()), otlploghttp.WithInsecure(), otlploghttp.WithCompression(otlploghttp.GzipCompression))
	if err != nil {
		t.Fatal(err)
	}
	beMetrics, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpoint(httpAddr.String()), otlpmetrichttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}

	type service struct {
		tp *sdktrace.TracerProvider
		lp *sdklog.LoggerProvider
		mp *sdkmetric.MeterProvider
	}
	newService := func(name string, spans sdktrace.SpanExporter, logs sdklog.Exporter, metrics sdkmetric.Exporter) service {
		return service{
			tp: sdktrace.NewTracerProvider(sdktrace.WithBatcher(spans), sdktrace.WithResource(res(name))),
			lp: sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(logs)), sdklog.WithResource(res(name))),
			mp: sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metrics)), sdkmetric.WithResource(res(name))),
		}
	}
	fe := newService("frontend", feSpans, feLogs, feMetrics)
	be := newService("backend", beSpans, beLogs, beMetrics)
	logf := func(ctx context.Context, s service, sev otellog.Severity, text, msg string) {
		var r otellog.Record
		r.SetTimestamp(time.Now())
		r.SetSeverity(sev)
		r.SetSeverityText(text)
		r.SetBody(attribute.StringValue(msg))
		r.AddAttributes(attribute.String("user", "alice"))
		s.lp.Logger("test").Emit(ctx, r)
	}

	// frontend handles GET /checkout and calls the backend.
	ctx1, req := fe.tp.Tracer("web").Start(ctx, "GET /checkout", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("url.full", "http://shop.example/checkout?cart=7"), attribute.Int("http.response.status_code", 200)))
	logf(ctx1, fe, otellog.SeverityInfo, "INFO", "checkout started")
	ctx2, call := fe.tp.Tracer("web").Start(ctx1, "POST /pay", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("http.request.method", "POST"), attribute.String("server.address", "payments"),
			attribute.Int("server.port", 8443), attribute.String("url.full", "https://payments:8443/pay"), attribute.Int("http.response.status_code", 502)))
	carrier := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx2, carrier)

	// backend receives the call through the W3C traceparent header.
	bctx := propagation.TraceContext{}.Extract(ctx, carrier)
	bctx, served := be.tp.Tracer("payments").Start(bctx, "POST /pay", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.request.method", "POST"), attribute.Int("http.response.status_code", 502)))
	_, db := be.tp.Tracer("payments").Start(bctx, "SELECT accounts", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system.name", "postgresql"), attribute.String("db.query.text", "SELECT * FROM accounts WHERE id = $1"),
			attribute.String("server.address", "db1")))
	db.End()
	logf(bctx, be, otellog.SeverityError, "ERROR", "card declined")
	served.RecordError(fmt.Errorf("card declined"), trace.WithAttributes(attribute.String("exception.type", "PaymentError")))
	served.SetStatus(otelcodes.Error, "card declined")
	served.End()
	call.SetStatus(otelcodes.Error, "bad gateway")
	call.End()
	req.End()

	counter, _ := fe.mp.Meter("web").Int64Counter("checkouts")
	counter.Add(ctx, 3, metric.WithAttributes(attribute.String("result", "ok")))
	hist, _ := be.mp.Meter("payments").Float64Histogram("payment.duration", metric.WithUnit("ms"))
	for _, v := range []float64{10, 30, 20} {
		hist.Record(ctx, v)
	}
	for _, s := range []service{fe, be} {
		for _, shutdown := range []func(context.Context) error{s.tp.Shutdown, s.lp.Shutdown, s.mp.Shutdown} {
			if err := shutdown(ctx); err != nil {
				t.Fatalf("exporting: %v", err)
			}
		}
	}

	traceID := req.SpanContext().TraceID().String()
	// Exported means acknowledged means durable and visible: no waiting.
	wantRows(t, st, fmt.Sprintf(`
AppRequests
| where OperationId == %q and isempty(ParentId)
| project OperationId, Entry = Name
| join kind=inner (AppDependencies | project OperationId, Call = Name, Caller = AppRoleName, CallId = Id, Target) on OperationId
| join kind=inner (AppRequests | where isnotempty(ParentId) | project OperationId, Served = Name, Server = AppRoleName, ParentId) on OperationId
| join kind=inner (AppTraces | project OperationId, Message, Logger = AppRoleName) on OperationId
| where Caller == "frontend" and ParentId == CallId
| project Entry, Call, Target, Server, Served, Logger, Message
| order by Logger asc`, traceID),
		"GET /checkout | POST /pay | payments:8443 | backend | POST /pay | backend | card declined",
		"GET /checkout | POST /pay | payments:8443 | backend | POST /pay | frontend | checkout started")

	// The query of docs/ingestion.md: everything under the entry point.
	wantRows(t, st, `AppRequests | where isempty(ParentId)                      // entry points
    | project OperationId, Entry = Name, DurationMs
    | join kind=inner (union AppDependencies, AppRequests, AppTraces, AppExceptions
        | project OperationId, Type, AppRoleName, Name, Message) on OperationId
    | summarize count() by Entry, Type | order by Type asc`,
		"GET /checkout | AppDependencies | 2", "GET /checkout | AppExceptions | 1", "GET /checkout | AppRequests | 2", "GET /checkout | AppTraces | 2")

	// Every mapped column of each table.
	feReq, beReq := req.SpanContext().SpanID().String(), served.SpanContext().SpanID().String()
	wantRows(t, st, `AppRequests | order by AppRoleName asc
| project AppRoleName, AppRoleInstance, AppVersion, Name, OperationName, Id, ParentId, Success, ResultCode, Url, DurationMs >= 0, ItemCount, SourceSystem, SDKVersion startswith "opentelemetry-go:", Properties.SpanKind, Properties["deployment.environment.name"]`,
		fmt.Sprintf("backend | backend-1 | 1.2.3 | POST /pay | POST /pay | %s | %s | false | 502 | null | true | 1 | OpenTelemetry | true | Server | test", beReq, call.SpanContext().SpanID()),
		fmt.Sprintf("frontend | frontend-1 | 1.2.3 | GET /checkout | GET /checkout | %s | null | true | 200 | http://shop.example/checkout?cart=7 | true | 1 | OpenTelemetry | true | Server | test", feReq))
	wantRows(t, st, `AppDependencies | order by AppRoleName asc | project AppRoleName, Name, DependencyType, Target, Data, Success, ResultCode, Properties.StatusMessage`,
		`backend | SELECT accounts | postgresql | db1 | SELECT * FROM accounts WHERE id = $1 | true | null | null`,
		`frontend | POST /pay | HTTP | payments:8443 | https://payments:8443/pay | false | 502 | bad gateway`)
	wantRows(t, st, `AppTraces | order by AppRoleName asc | project AppRoleName, Message, SeverityLevel, ParentId, Properties.user, Properties.SeverityText`,
		fmt.Sprintf("backend | card declined | 3 | %s | alice | ERROR", beReq),
		fmt.Sprintf("frontend | checkout started | 1 | %s | alice | INFO", feReq))
	wantRows(t, st, fmt.Sprintf(`AppExceptions | where OperationId == %q | project AppRoleName, OperationName, ExceptionType, Message, OuterType, InnermostMessage, ProblemId, SeverityLevel, ParentId, Details[0].type`, traceID),
		fmt.Sprintf("backend | POST /pay | PaymentError | card declined | PaymentError | card declined | PaymentError | 3 | %s | PaymentError", beReq))
	wantRows(t, st, `AppMetrics | order by Name asc | project AppRoleName, Name, Sum, Min, Max, ItemCount, Properties.result, Properties.Unit`,
		"frontend | checkouts | 3 | 3 | 3 | 1 | ok | null",
		"backend | payment.duration | 60 | 10 | 30 | 3 | null | ms")
}

// TestTLS serves both listeners over TLS: the Go SDK's exporters, trusting
// the server's certificate, deliver over gRPC and HTTP, and a plain-text
// client is refused without anything stored.
func TestTLS(t *testing.T) {
	certFile, tlsConfig := ingesttest.SelfSigned(t, t.TempDir())
	srv, st := listen(t, tlsConfig)
	grpcAddr, httpAddr := srv.Addrs()
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	ctx := context.Background()
	overGRPC, err := otlploggrpc.New(ctx, otlploggrpc.WithEndpoint(grpcAddr.String()),
		otlploggrpc.WithTLSCredentials(credentials.NewClientTLSFromCert(roots, "localhost")))
	if err != nil {
		t.Fatal(err)
	}
	overHTTP, err := otlploghttp.New(ctx, otlploghttp.WithEndpoint(httpAddr.String()),
		otlploghttp.WithTLSClientConfig(&tls.Config{RootCAs: roots, ServerName: "localhost"}))
	if err != nil {
		t.Fatal(err)
	}
	for transport, exp := range map[string]sdklog.Exporter{"grpc": overGRPC, "http": overHTTP} {
		lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)), sdklog.WithResource(res("tls-"+transport)))
		var r otellog.Record
		r.SetBody(attribute.StringValue("over TLS by " + transport))
		lp.Logger("test").Emit(ctx, r)
		if err := lp.Shutdown(ctx); err != nil {
			t.Fatalf("%s: %v", transport, err)
		}
	}

	plain, err := grpc.NewClient(grpcAddr.String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := coltracepb.NewTraceServiceClient(plain).Export(tctx, &coltracepb.ExportTraceServiceRequest{}); status.Code(err) != codes.Unavailable {
		t.Errorf("plain-text gRPC to the TLS listener: %v, want Unavailable", err)
	}
	if resp, err := http.Post("http://"+httpAddr.String()+"/v1/logs", ContentTypeJSON, strings.NewReader(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"plain"}}]}]}]}`)); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the TLS listener: %s, want 400", resp.Status)
		}
	}
	wantRows(t, st, `AppTraces | order by AppRoleName asc | project AppRoleName, Message`,
		"tls-grpc | over TLS by grpc", "tls-http | over TLS by http")
}

// post sends an OTLP/HTTP request and returns the status and decoded
// JSON answer.
func post(t *testing.T, url, ctype string, body []byte) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, ctype, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if ctype == ContentTypeJSON {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("answer %q: %v", data, err)
		}
	}
	return resp.StatusCode, out
}

// TestJSONPartialSuccess sends OTLP/JSON as the specification writes it
// (hex ids, string-encoded 64-bit integers, integer enums): good items
// are stored next to a bad one, which is answered as a partial success
// and kept in VigilIngestionErrors.
func TestJSONPartialSuccess(t *testing.T) {
	srv, st := listen(t)
	_, httpAddr := srv.Addrs()
	base := "http://" + httpAddr.String()
	traces := `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},
 "scopeSpans":[{"scope":{"name":"manual"},"spans":[
  {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","parentSpanId":"eee19b7ec3c1b173","name":"GET /cart","kind":2,
   "startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661500000000",
   "attributes":[{"key":"http.response.status_code","value":{"intValue":"404"}},{"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"a"},{"doubleValue":1.5}]}}}],
   "status":{"code":0},"links":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","attributes":[{"key":"queue","value":{"stringValue":"orders"}}]}]},
  {"traceId":"5b8e","spanId":"eee19b7ec3c1b175","name":"short trace id","kind":3,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712660000000001"},
  {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b176","name":"backwards","kind":3,"startTimeUnixNano":"1544712660000000002","endTimeUnixNano":"1544712660000000001"}
 ]}]}]}`
	code, out := post(t, base+"/v1/traces", ContentTypeJSON, []byte(traces))
	ps, _ := out["partialSuccess"].(map[string]any)
	if code != 200 || ps["rejectedSpans"] != "2" || !strings.Contains(fmt.Sprint(ps["errorMessage"]), "resourceSpans[0].scopeSpans[0].spans[1]: traceId is 2 bytes, want 16") {
		t.Fatalf("answer %d %v", code, out)
	}
	wantRows(t, st, `AppRequests | project TimeGenerated, OperationId, Id, ParentId, AppRoleName, DurationMs, ResultCode, Success, Properties.tags, Properties.Links`,
		`2018-12-13 14:51:00 +0000 UTC | 5b8efff798038103d269b633813fc60c | eee19b7ec3c1b174 | eee19b7ec3c1b173 | checkout | 1500 | 404 | true | ["a",1.5] | [{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","attributes":{"queue":"orders"}}]`)
	wantRows(t, st, `VigilIngestionErrors | order by Reason asc | project Source, Format, Reason, RawData has "backwards" or RawData has "short trace id"`,
		"otlp-http | otlp-traces | resourceSpans[0].scopeSpans[0].spans[1]: traceId is 2 bytes, want 16 | true",
		"otlp-http | otlp-traces | resourceSpans[0].scopeSpans[0].spans[2]: the span ends before it starts | true")

	logs := `{"resourceLogs":[{"resource":{},"scopeLogs":[{"logRecords":[
  {"timeUnixNano":"1544712660300000000","severityNumber":17,"severityText":"ERROR","body":{"kvlistValue":{"values":[{"key":"msg","value":{"stringValue":"disk \"full\"\n"}}]}},"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"},
  {"observedTimeUnixNano":"1544712660400000000","body":{"stringValue":"no severity"}}]}]}]}`
	if code, out := post(t, base+"/v1/logs", ContentTypeJSON, []byte(logs)); code != 200 || len(out) != 0 {
		t.Fatalf("answer %d %v", code, out)
	}
	wantRows(t, st, `AppTraces | order by TimeGenerated asc | project TimeGenerated, Message, SeverityLevel, OperationId, ParentId, AppRoleName`,
		`2018-12-13 14:51:00.3 +0000 UTC | {"msg":"disk \"full\"\n"} | 3 | 5b8efff798038103d269b633813fc60c | eee19b7ec3c1b174 | null`,
		`2018-12-13 14:51:00.4 +0000 UTC | no severity | null | null | null | null`)

	// A request that does not decode is refused whole, with the reason in
	// the OTLP error shape, and kept for inspection.
	for _, c := range []struct{ ctype, body, want string }{
		{ContentTypeJSON, `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"zz"}]}]}]}`, `"invalid OTLP request: resourceLogs[0].scopeLogs[0].logRecords[0].traceId: \"zz\" is not a hex id"`},
		{ContentTypeJSON, `{"resourceLogs":`, "malformed JSON"},
		{ContentTypeProtobuf, "\x0a\x05\x0a\x03", "invalid OTLP request"},
	} {
		resp, err := http.Post(base+"/v1/logs", c.ctype, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(data), c.want) {
			t.Errorf("%q: %d %q, want 400 with %q", c.body, resp.StatusCode, data, c.want)
		}
	}
	if resp, err := http.Post(base+"/v1/logs", "text/plain", strings.NewReader("x")); err != nil || resp.StatusCode != 415 {
		t.Errorf("text/plain: %v %v, want 415", resp.StatusCode, err)
	}
	if resp, err := http.Get(base + "/v1/logs"); err != nil || resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %v %v, want 405", resp.StatusCode, err)
	}
	wantRows(t, st, `VigilIngestionErrors | where Reason startswith "invalid" | count`, "3")
}

// TestFormats reads OTLP/JSON and protobuf files through the registered
// ingestion formats, as `vigil ingest --format otlp-logs` does.
func TestFormats(t *testing.T) {
	var names []string
	for _, n := range ingest.Names() {
		if strings.HasPrefix(n, "otlp-") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "otlp-logs,otlp-metrics,otlp-traces" {
		t.Fatalf("registered: %v", names)
	}
	f, _ := ingest.Lookup("otlp-metrics")
	doc := []byte(` {"resourceMetrics":[{"scopeMetrics":[{"metrics":[
  {"name":"queue.depth","gauge":{"dataPoints":[{"timeUnixNano":"1544712660300000000","asInt":"7"},{"timeUnixNano":"1544712660300000000"}]}},
  {"name":"latency","summary":{"dataPoints":[{"timeUnixNano":"1544712660300000000","count":"4","sum":10,"quantileValues":[{"quantile":0,"value":1},{"quantile":0.5,"value":2},{"quantile":1,"value":5}]}]}},
  {"name":"nodata"},
  {"name":"system.cpu.time","unit":"s","sum":{"dataPoints":[{"timeUnixNano":"1544712660300000000","asDouble":12.5,"attributes":[{"key":"cpu","value":{"stringValue":"cpu0"}},{"key":"state","value":{"stringValue":"user"}}]}]}},
  {"name":"system.disk.operation_time","histogram":{"dataPoints":[{"timeUnixNano":"1544712660300000000","count":"4","sum":10,"min":1,"max":4}]}}]}],
  "resource":{"attributes":[{"key":"host.name","value":{"stringValue":"node-3"}}]}}]}`)
	batches, rejects, err := f.Parse(ws, doc, time.Now())
	if err != nil || len(batches) != 2 || len(rejects) != 2 {
		t.Fatalf("Parse: %v batches, %v, %v", len(batches), rejects, err)
	}
	// Host metrics go to Perf, as counters of the host.
	perf := batches[1]
	var got []string
	for _, row := range perf.Rows {
		got = append(got, fmt.Sprint(row[1:]))
	}
	if want := []string{`[node-3 system.cpu system.cpu.time cpu0/user \\node-3\system.cpu(cpu0/user)\system.cpu.time 12.5 12.5 12.5 1 OpenTelemetry]`,
		`[node-3 system.disk system.disk.operation_time _Total \\node-3\system.disk(_Total)\system.disk.operation_time 2.5 1 4 4 OpenTelemetry]`}; perf.Table != "Perf" || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Perf rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if b := batches[0]; b.Table != "AppMetrics" || len(b.Rows) != 2 || b.ContentType != "application/json; otlp=metrics" || !bytes.Equal(b.Raw, doc) {
		t.Errorf("batch %s: %d rows, %s", b.Table, len(b.Rows), b.ContentType)
	}
	if rejects[0].Reason != "resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[1]: the data point has no value" ||
		rejects[1].Reason != "resourceMetrics[0].scopeMetrics[0].metrics[2]: the metric has no data (gauge, sum, histogram, exponentialHistogram or summary)" {
		t.Errorf("rejects: %v", rejects)
	}
	if _, _, err := f.Parse(ws, []byte("\xff\xff"), time.Now()); err == nil {
		t.Error("garbage protobuf accepted")
	}
}

// TestGRPCAnswers checks what a gRPC client is told: a partial success
// naming the bad span while the good one is stored, with exactly the
// bytes sent as the batch's original bytes; InvalidArgument (which
// exporters do not retry) for bytes that are not a request.
func TestGRPCAnswers(t *testing.T) {
	srv, st := listen(t)
	addr, _ := srv.Addrs()
	conn, err := grpc.NewClient(addr.String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	good := &tracepb.Span{TraceId: []byte("0123456789abcdef"), SpanId: []byte("01234567"), Name: "job", Kind: tracepb.Span_SPAN_KIND_INTERNAL,
		StartTimeUnixNano: 1e18, EndTimeUnixNano: 1e18 + 25e5}
	bad := &tracepb.Span{TraceId: []byte("0123456789abcdef"), Name: "no span id", StartTimeUnixNano: 1e18, EndTimeUnixNano: 1e18}
	req := &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{bad, good}}}}}}
	resp, err := coltracepb.NewTraceServiceClient(conn).Export(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if ps := resp.GetPartialSuccess(); ps.GetRejectedSpans() != 1 || ps.GetErrorMessage() != "1 spans rejected; the first: resourceSpans[0].scopeSpans[0].spans[0]: spanId is missing" {
		t.Errorf("partial success %v", ps)
	}
	wantRows(t, st, `AppDependencies | project OperationId, Id, Name, DependencyType, DurationMs, Success`,
		"30313233343536373839616263646566 | 3031323334353637 | job | InProc | 2.5 | true")
	seq := query(t, st, `AppDependencies | project _BatchSeq`)
	n, _ := strconv.ParseUint(seq[0], 10, 64)
	raw, ctype, err := st.Raw(ws, n)
	if sent, _ := proto.Marshal(req); err != nil || !bytes.Equal(raw, sent) || ctype != "application/x-protobuf; otlp=traces" {
		t.Errorf("original bytes: %q %s %v, want the %d bytes sent", raw, ctype, err, len(sent))
	}

	garbage := []byte("\x0a\x05\x0a\x03")
	var out []byte
	err = conn.Invoke(context.Background(), "/opentelemetry.proto.collector.logs.v1.LogsService/Export", &garbage, &out, grpc.ForceCodecV2(bytesCodec{}))
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "invalid OTLP request") {
		t.Errorf("garbage: %v, want InvalidArgument", err)
	}
}

// bytesCodec sends a byte slice as the message, to send what no
// protobuf encoder would.
type bytesCodec struct{}

func (bytesCodec) Name() string { return "proto" }
func (bytesCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}
func (bytesCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}
