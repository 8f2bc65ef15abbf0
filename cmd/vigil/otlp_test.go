package main

import (
	"context"
	"net/http"
	"strings"
	"syscall"
	"testing"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// TestServeOTLP runs `vigil serve` with the OTLP listeners switched on by
// flag (gRPC) and environment (HTTP), sends a log record to each and one
// to the main port with a key, and reads all three back with the CLI.
func TestServeOTLP(t *testing.T) {
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
