package main

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"vigil/internal/ingest/ingesttest"
)

// TestServeOTLP runs `vigil serve` with the OTLP listeners switched on by
// flag (gRPC) and environment (HTTP), sends a log record to each and one
// to the main port with a key, and reads all three back with the CLI.
// --otlp-tls without any certificate refuses to start.
func TestServeOTLP(t *testing.T) {
	if out, err := vigil(t, "serve", "--data", t.TempDir(), "--http", freeAddr(t), "--otlp-grpc", freeAddr(t), "--otlp-tls"); err == nil ||
		!strings.Contains(out, "--otlp-tls needs a certificate") {
		t.Fatalf("--otlp-tls without a certificate: %v\n%s", err, out)
	}
	grpcAddr, httpAddr := freeAddr(t), freeAddr(t)
	t.Setenv("VIGIL_OTLP_HTTP", httpAddr)
	srv, url := startServer(t, t.TempDir(), "--otlp-grpc", grpcAddr)
	defer srv.Process.Kill()

	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	record := &logspb.LogRecord{Body: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "over grpc"}}}
	if _, err := collogspb.NewLogsServiceClient(conn).Export(context.Background(), &collogspb.ExportLogsServiceRequest{
		ResourceLogs: []*logspb.ResourceLogs{{ScopeLogs: []*logspb.ScopeLogs{{LogRecords: []*logspb.LogRecord{record}}}}}}); err != nil {
		t.Fatalf("gRPC export: %v", err)
	}
	body := func(msg string) string {
		return `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"` + msg + `"}}]}]}]}`
	}
	resp, err := http.Post("http://"+httpAddr+"/v1/logs", "application/json", strings.NewReader(body("over http")))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("HTTP export: %v %v", resp, err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("POST", url+"/v1/logs", strings.NewReader(body("on the main port")))
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", "application/json")
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("main port export: %v %v", resp, err)
	}
	resp.Body.Close()

	out, err := vigil(t, "query", "--url", url, "--key", testKey, "--format", "csv", "AppTraces | project Message, SourceSystem | order by Message asc")
	if want := "Message,SourceSystem\non the main port,OpenTelemetry\nover grpc,OpenTelemetry\nover http,OpenTelemetry\n"; err != nil || out != want {
		t.Fatalf("query: %v\n%q, want %q", err, out, want)
	}
	srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		t.Fatalf("server exit after SIGTERM: %v", err)
	}
}

// TestTelemetrygen points telemetrygen, the OpenTelemetry Collector
// project's load generator (a client nobody here wrote), at `vigil serve`:
// traces, logs and metrics over gRPC and over HTTP, first in plain text,
// then over TLS (--otlp-tls with the server's self-signed certificate,
// which telemetrygen trusts by its file). Each trace's spans come back
// joined by OperationId: the client span telemetrygen starts as the
// dependency, its child server spans as requests under it.
func TestTelemetrygen(t *testing.T) {
	tg := ingesttest.NeedClient(t, "telemetrygen", "TELEMETRYGEN",
		"go install github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen, as .ci/run does")
	for _, secure := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "tls"}[secure]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			grpcAddr, httpAddr := freeAddr(t), freeAddr(t)
			args := []string{"--otlp-grpc", grpcAddr, "--otlp-http", httpAddr}
			security := []string{"--otlp-insecure"}
			if secure {
				// --https keeps the main port (which the CLI queries)
				// plain; --otlp-tls takes the self-signed certificate.
				args = append(args, "--https", freeAddr(t), "--tls-self-signed", "--otlp-tls")
				security = []string{"--ca-cert", filepath.Join(dir, "tls-cert.pem")}
			}
			srv, url := startServer(t, dir, args...)
			defer srv.Process.Kill()
			for _, transport := range []string{"grpc", "http"} {
				addr, mode := grpcAddr, []string{}
				if transport == "http" {
					addr, mode = httpAddr, []string{"--otlp-http"}
				}
				service := "tg-" + name + "-" + transport
				for _, signal := range [][]string{
					{"traces", "--traces", "2", "--child-spans", "2"},
					{"logs", "--logs", "3", "--body", "hello over " + transport, "--trace-id", "0102030405060708090a0b0c0d0e0f10", "--span-id", "1112131415161718"},
					{"metrics", "--metrics", "3", "--otlp-metric-name", "tg.requests"},
				} {
					cmd := append(append(append([]string{signal[0], "--otlp-endpoint", addr, "--service", service, "--rate", "0"}, mode...), security...), signal[1:]...)
					if out, err := exec.Command(tg, cmd...).CombinedOutput(); err != nil {
						t.Fatalf("telemetrygen %s: %v\n%s", strings.Join(cmd, " "), err, out)
					}
				}
			}
			// Exported means durable: no waiting before the queries.
			queries := []struct{ kql, want string }{
				{`AppDependencies | project OperationId, AppRoleName, Call = Name, CallId = Id, Target
| join kind=inner (AppRequests | project OperationId, Served = Name, ParentId, Success, DurationMs) on OperationId
| where ParentId == CallId
| summarize Traces = dcount(OperationId), Spans = count(), Served = make_set(Served) by AppRoleName, Call, Target, Success, DurationMs
| order by AppRoleName asc`,
					fmt.Sprintf("AppRoleName,Call,Target,Success,DurationMs,Traces,Spans,Served\n"+
						"tg-%[1]s-grpc,lets-go,telemetrygen-server,true,0.123,2,4,\"[\"\"okey-dokey-0\"\",\"\"okey-dokey-1\"\"]\"\n"+
						"tg-%[1]s-http,lets-go,telemetrygen-server,true,0.123,2,4,\"[\"\"okey-dokey-0\"\",\"\"okey-dokey-1\"\"]\"\n", name)},
				{`AppTraces | summarize count() by AppRoleName, Message, SeverityLevel, OperationId, ParentId, SeverityText = tostring(Properties.SeverityText) | order by AppRoleName asc`,
					fmt.Sprintf("AppRoleName,Message,SeverityLevel,OperationId,ParentId,SeverityText,count_\n"+
						"tg-%[1]s-grpc,hello over grpc,1,0102030405060708090a0b0c0d0e0f10,1112131415161718,Info,3\n"+
						"tg-%[1]s-http,hello over http,1,0102030405060708090a0b0c0d0e0f10,1112131415161718,Info,3\n", name)},
				{`AppMetrics | summarize Points = count(), Total = sum(Sum) by AppRoleName, Name | order by AppRoleName asc`,
					fmt.Sprintf("AppRoleName,Name,Points,Total\ntg-%[1]s-grpc,tg.requests,3,3\ntg-%[1]s-http,tg.requests,3,3\n", name)},
			}
			for _, q := range queries {
				out, err := vigil(t, "query", "--url", url, "--key", testKey, "--format", "csv", q.kql)
				if err != nil || out != q.want {
					t.Errorf("%s\n%v\ngot:\n%s\nwant:\n%s", q.kql, err, out, q.want)
				}
			}
		})
	}
}
