package otlp

import (
	"testing"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"vigil/internal/schema"
)

func kv(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

// seedRequests are protobuf export requests of each signal, as SDKs
// send them, for the fuzzer to start from.
func seedRequests() [][]byte {
	res := &resourcepb.Resource{Attributes: []*commonpb.KeyValue{kv("service.name", "svc"), kv("host.name", "h1")}}
	tid, sid := []byte("0123456789abcdef"), []byte("01234567")
	nested := &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: []*commonpb.KeyValue{
		{Key: "a", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{
			{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: 1.5}}, {Value: &commonpb.AnyValue_BytesValue{BytesValue: []byte{0, 1}}}}}}}},
	}}}}
	msgs := []proto.Message{
		&collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{Resource: res, ScopeLogs: []*logspb.ScopeLogs{{LogRecords: []*logspb.LogRecord{
			{TimeUnixNano: 1e18, SeverityNumber: 9, Body: nested, TraceId: tid, SpanId: sid, Attributes: []*commonpb.KeyValue{kv("k", "v\n\"")}},
		}}}}}},
		&coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{Resource: res, ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{
			{TraceId: tid, SpanId: sid, Name: "GET /", Kind: tracepb.Span_SPAN_KIND_SERVER, StartTimeUnixNano: 1e18, EndTimeUnixNano: 1e18 + 5e6,
				Events: []*tracepb.Span_Event{{Name: "exception", Attributes: []*commonpb.KeyValue{kv("exception.type", "E")}}}},
			{TraceId: tid, SpanId: sid, ParentSpanId: sid, Kind: tracepb.Span_SPAN_KIND_CLIENT, StartTimeUnixNano: 1e18, EndTimeUnixNano: 1e18,
				Attributes: []*commonpb.KeyValue{kv("db.system", "redis")}},
		}}}}}},
		&colmetricspb.ExportMetricsServiceRequest{ResourceMetrics: []*metricspb.ResourceMetrics{{Resource: res, ScopeMetrics: []*metricspb.ScopeMetrics{{Metrics: []*metricspb.Metric{
			{Name: "g", Data: &metricspb.Metric_Gauge{Gauge: &metricspb.Gauge{DataPoints: []*metricspb.NumberDataPoint{{TimeUnixNano: 1e18, Value: &metricspb.NumberDataPoint_AsInt{AsInt: 3}}}}}},
			{Name: "h", Data: &metricspb.Metric_Histogram{Histogram: &metricspb.Histogram{DataPoints: []*metricspb.HistogramDataPoint{{Count: 2, Sum: proto.Float64(3)}}}}},
		}}}}}},
	}
	var out [][]byte
	for _, m := range msgs {
		b, err := proto.Marshal(m)
		if err != nil {
			panic(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzParse feeds arbitrary bodies, as protobuf and as JSON, to every
// signal's decoder: it must never panic, and whatever it accepts must be
// rows the store takes (every value of its column's type, or null).
func FuzzParse(f *testing.F) {
	for _, b := range seedRequests() {
		f.Add(b)
	}
	f.Add([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","kind":2,"startTimeUnixNano":"1","endTimeUnixNano":2}]}]}]}`))
	f.Add([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"doubleValue":"NaN"},"severityNumber":"SEVERITY_NUMBER_WARN"}]}]}]}`))
	f.Add([]byte(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"s","sum":{"dataPoints":[{"asDouble":"Infinity"}]}}]}]}]}`))
	received := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, sig := range Signals {
			for _, isJSON := range []bool{false, true} {
				batches, _, err := Parse(sig, ws, body, isJSON, received)
				if err != nil {
					continue
				}
				for _, b := range batches {
					def, ok := schema.Builtin(b.Table)
					if !ok {
						t.Fatalf("batch for unknown table %s", b.Table)
					}
					for _, row := range b.Rows {
						if len(row) != len(b.Columns) {
							t.Fatalf("%s: row of %d values for %d columns", b.Table, len(row), len(b.Columns))
						}
						for i, v := range row {
							col, at := def.Column(b.Columns[i].Name)
							if at < 0 || col.Type != b.Columns[i].Type {
								t.Fatalf("%s: column %s is not the table's", b.Table, b.Columns[i].Name)
							}
							if _, err := schema.Convert(col.Type, v); err != nil {
								t.Fatalf("%s.%s: %v (%#v)", b.Table, col.Name, err, v)
							}
						}
					}
				}
			}
		}
	})
}
