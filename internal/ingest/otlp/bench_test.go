package otlp

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"vigil/internal/ingest/ingesttest"
	"vigil/internal/store"
)

// logsRequest is an export request of n log records shaped like an SDK's:
// a service resource, a timestamp, severity, a ~100-byte body, trace
// context and three attributes.
func logsRequest(n int) *collogspb.ExportLogsServiceRequest {
	res := &resourcepb.Resource{Attributes: []*commonpb.KeyValue{kv("service.name", "checkout"), kv("service.instance.id", "checkout-7f9c"),
		kv("telemetry.sdk.name", "opentelemetry"), kv("telemetry.sdk.language", "go"), kv("telemetry.sdk.version", "1.47.0"), kv("host.name", "node-3")}}
	recs := make([]*logspb.LogRecord, n)
	now := uint64(time.Now().UnixNano())
	for i := range recs {
		recs[i] = &logspb.LogRecord{
			TimeUnixNano: now + uint64(i), SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_INFO, SeverityText: "INFO",
			Body:    &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: fmt.Sprintf("order %d placed by customer 4711 with 3 items, total 129.90 EUR, payment pending", i)}},
			TraceId: []byte(fmt.Sprintf("%016d", i)), SpanId: []byte(fmt.Sprintf("%08d", i)),
			Attributes: []*commonpb.KeyValue{kv("http.route", "/orders"), kv("user.id", "4711"),
				{Key: "items", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: 3}}}},
		}
	}
	return &collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{Resource: res, ScopeLogs: []*logspb.ScopeLogs{{LogRecords: recs}}}}}
}

// BenchmarkLogsGRPC sends OTLP logs over gRPC, 1,000 records a request
// (a Collector's usual batch), from several concurrent clients, into a
// real store: each answer means the records are fsynced. It reports
// messages a second until the last answer, allocations per message
// (client and server), and the process's CPU time per message once every
// record is also sealed into segments (cpu-ns/msg: client, receiver,
// store, sealing and term index together).
func BenchmarkLogsGRPC(b *testing.B) {
	const perRequest = 1000
	st, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv := NewServer(Config{GRPC: "127.0.0.1:0", Workspace: ws}, st, nil)
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	addr, _ := srv.Addrs()
	conn, err := grpc.NewClient(addr.String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	client := collogspb.NewLogsServiceClient(conn)
	req := logsRequest(perRequest)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.SetParallelism(4)
	b.ResetTimer()
	start, cpu := time.Now(), ingesttest.CPUTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Export(context.Background(), req)
			for status.Code(err) == codes.Unavailable {
				// The store is busy sealing: retry, as exporters do.
				time.Sleep(10 * time.Millisecond)
				resp, err = client.Export(context.Background(), req)
			}
			if err != nil {
				b.Error(err)
				return
			}
			if resp.GetPartialSuccess().GetRejectedLogRecords() != 0 {
				b.Errorf("rejected: %v", resp.GetPartialSuccess())
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	runtime.ReadMemStats(&after)
	if err := st.Flush(); err != nil {
		b.Fatal(err)
	}
	msgs := float64(b.N * perRequest)
	b.ReportMetric(float64(ingesttest.CPUTime()-cpu)/msgs, "cpu-ns/msg")
	b.ReportMetric(msgs/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/msgs, "allocs/msg")
}

// BenchmarkParseLogs is the receiver's own share of the work: decoding a
// 1,000-record request and mapping it to AppTraces rows.
func BenchmarkParseLogs(b *testing.B) {
	raw, err := proto.Marshal(logsRequest(1000))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, _, err := Parse(Logs, ws, raw, false, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "msgs/s")
}
