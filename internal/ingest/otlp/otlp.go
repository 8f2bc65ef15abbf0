// Package otlp receives OpenTelemetry (OTLP) logs, traces and metrics over
// gRPC and HTTP (protobuf or JSON, gzip) and maps them to the public
// Application Insights tables: log records to AppTraces, server and
// consumer spans to AppRequests, the other spans to AppDependencies, span
// exception events to AppExceptions, metric data points to AppMetrics.
// The trace id is every row's OperationId, so a request, its downstream
// dependencies and its logs join on it across services.
package otlp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"vigil/internal/ingest"
	"vigil/internal/store"
)

// Signal is one kind of OTLP telemetry.
type Signal uint8

// The OTLP signals.
const (
	Logs Signal = iota + 1
	Traces
	Metrics
)

// Signals lists every signal, for callers serving all of them.
var Signals = []Signal{Logs, Traces, Metrics}

// String returns the signal's name as OTLP spells it: logs, traces, metrics.
func (s Signal) String() string {
	switch s {
	case Logs:
		return "logs"
	case Traces:
		return "traces"
	case Metrics:
		return "metrics"
	}
	return fmt.Sprintf("Signal(%d)", uint8(s))
}

// Path is the OTLP/HTTP path of the signal's export requests (/v1/logs,
// /v1/traces, /v1/metrics).
func (s Signal) Path() string { return "/v1/" + s.String() }

// item names what the signal's partial-success counts count.
func (s Signal) item() string {
	switch s {
	case Logs:
		return "log records"
	case Traces:
		return "spans"
	}
	return "data points"
}

// Content types of OTLP/HTTP bodies.
const (
	ContentTypeProtobuf = "application/x-protobuf"
	ContentTypeJSON     = "application/json"
)

// SignalParam is the content type parameter that marks a stored batch's
// original bytes as an OTLP export request of a signal, as in
// "application/x-protobuf; otlp=traces": the body's own content type says
// how it is encoded, the parameter which request it is, so that deep
// verification can parse it again (ingest format "otlp-" + the value).
const SignalParam = "otlp"

// batchContentType is the content type a batch's original bytes are
// recorded with.
func batchContentType(sig Signal, isJSON bool) string {
	ct := ContentTypeProtobuf
	if isJSON {
		ct = ContentTypeJSON
	}
	return ct + "; " + SignalParam + "=" + sig.String()
}

// request returns an empty export request of the signal.
func (s Signal) request() proto.Message {
	switch s {
	case Logs:
		return &collogspb.ExportLogsServiceRequest{}
	case Traces:
		return &coltracepb.ExportTraceServiceRequest{}
	}
	return &colmetricspb.ExportMetricsServiceRequest{}
}

// response returns the export response of the signal, with a partial
// success when items were rejected.
func (s Signal) response(rejected int64, msg string) proto.Message {
	switch s {
	case Logs:
		r := &collogspb.ExportLogsServiceResponse{}
		if rejected > 0 {
			r.PartialSuccess = &collogspb.ExportLogsPartialSuccess{RejectedLogRecords: rejected, ErrorMessage: msg}
		}
		return r
	case Traces:
		r := &coltracepb.ExportTraceServiceResponse{}
		if rejected > 0 {
			r.PartialSuccess = &coltracepb.ExportTracePartialSuccess{RejectedSpans: rejected, ErrorMessage: msg}
		}
		return r
	}
	r := &colmetricspb.ExportMetricsServiceResponse{}
	if rejected > 0 {
		r.PartialSuccess = &colmetricspb.ExportMetricsPartialSuccess{RejectedDataPoints: rejected, ErrorMessage: msg}
	}
	return r
}

// InvalidError is an export request refused as a whole: it does not
// decode, or breaks a limit of Receiver.Check. Nothing of it was stored,
// and sending it again will not help.
type InvalidError struct{ Err error }

func (e *InvalidError) Error() string { return "invalid OTLP request: " + e.Err.Error() }
func (e *InvalidError) Unwrap() error { return e.Err }

var jsonIn = protojson.UnmarshalOptions{DiscardUnknown: true}

// Parse decodes one export request of sig (protobuf, or OTLP/JSON when
// isJSON) and maps it to one batch per table, each with raw as its
// original bytes, and the items that cannot be stored.
func Parse(sig Signal, workspace string, raw []byte, isJSON bool, received time.Time) ([]*store.Batch, []ingest.Reject, error) {
	c := &converter{workspace: workspace, received: received, raw: raw, ctype: batchContentType(sig, isJSON), batches: map[string]*store.Batch{}}
	c.marshal = proto.Marshal
	wire := raw
	var req proto.Message
	if isJSON {
		c.marshal = protojson.Marshal
		doc, err := hexIDsToBase64(raw)
		if err != nil {
			return nil, nil, &InvalidError{err}
		}
		req = sig.request()
		if err := jsonIn.Unmarshal(doc, req); err != nil {
			return nil, nil, &InvalidError{err}
		}
		if sig == Logs {
			// Logs are mapped from the wire format alone (see wire.go).
			if wire, err = proto.Marshal(req); err != nil {
				return nil, nil, &InvalidError{err}
			}
		}
	}
	if sig == Logs {
		if err := c.logs(wire, isJSON); err != nil {
			return nil, nil, &InvalidError{err}
		}
		return c.result(), c.rejects, nil
	}
	if req == nil {
		req = sig.request()
		if err := proto.Unmarshal(raw, req); err != nil {
			return nil, nil, &InvalidError{err}
		}
	}
	switch r := req.(type) {
	case *coltracepb.ExportTraceServiceRequest:
		c.spans(r)
	case *colmetricspb.ExportMetricsServiceRequest:
		c.metrics(r)
	}
	return c.result(), c.rejects, nil
}

// Format is an ingestion format for one signal's export requests
// (otlp-logs, otlp-traces, otlp-metrics), for files and the generic
// ingestion endpoint. A body starting with '{' is OTLP/JSON, any other
// protobuf.
type Format struct{ Signal Signal }

// Name implements ingest.Format.
func (f Format) Name() string { return "otlp-" + f.Signal.String() }

// Parse implements ingest.Format.
func (f Format) Parse(workspace string, raw []byte, received time.Time) ([]*store.Batch, []ingest.Reject, error) {
	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	return Parse(f.Signal, workspace, raw, len(trimmed) > 0 && trimmed[0] == '{', received)
}

func init() {
	for _, s := range Signals {
		ingest.Register(Format{s})
	}
}

// Receiver stores export requests: the part that gRPC, the standalone
// OTLP/HTTP listener and the main HTTP port's /v1/{signal} share.
type Receiver struct {
	// Check, when set, vets every batch of a request before any is
	// stored (the main port's field limits); an error refuses the request
	// whole.
	Check func(*store.Batch) error

	app     store.Appender
	rejects *ingest.RejectRecorder
	log     *slog.Logger
}

// NewReceiver returns a receiver storing through app and recording the
// items it cannot store with rejects (a new recorder over app when nil).
func NewReceiver(app store.Appender, rejects *ingest.RejectRecorder, log *slog.Logger) *Receiver {
	if rejects == nil {
		rejects = ingest.NewRejectRecorder(app, 0)
	}
	if log == nil {
		log = slog.Default()
	}
	return &Receiver{app: app, rejects: rejects, log: log}
}

// Export decodes and stores one export request into workspace (an id)
// and answers it: the response to send, with a partial success counting
// the items that could not be stored and saying why. It returns only when
// every table's batch is durable. An error is a *InvalidError (nothing
// stored, do not retry) or the store's (store.ErrBusy: retry later).
// source ("otlp-grpc", "otlp-http", "http") and remote say where the
// request came from, for VigilIngestionErrors.
func (r *Receiver) Export(ctx context.Context, sig Signal, workspace string, body []byte, isJSON bool, source, remote string) (proto.Message, error) {
	received := time.Now().UTC()
	batches, rejects, err := Parse(sig, workspace, body, isJSON, received)
	if err != nil {
		r.recordRejects(ctx, sig, workspace, source, remote, []ingest.Reject{{Reason: err.Error(), Raw: body}}, received)
		return nil, err
	}
	if r.Check != nil {
		for _, b := range batches {
			if err := r.Check(b); err != nil {
				return nil, &InvalidError{err}
			}
		}
	}
	// Each table's rows are one atomic batch. Should a later table's
	// batch fail, the sender retries the whole request and the tables
	// already stored get its rows twice: OTLP's delivery is at least once.
	for _, b := range batches {
		if _, err := r.app.Append(ctx, b); err != nil {
			return nil, fmt.Errorf("storing %d rows into %s: %w", len(b.Rows), b.Table, err)
		}
	}
	if len(rejects) == 0 {
		return sig.response(0, ""), nil
	}
	r.recordRejects(ctx, sig, workspace, source, remote, rejects, received)
	msg := fmt.Sprintf("%d %s rejected; the first: %s", len(rejects), sig.item(), rejects[0].Reason)
	return sig.response(int64(len(rejects)), msg), nil
}

// recordRejects keeps rejected input in VigilIngestionErrors. It is best
// effort: the sender has its answer either way.
func (r *Receiver) recordRejects(ctx context.Context, sig Signal, workspace, source, remote string, rejects []ingest.Reject, at time.Time) {
	if err := r.rejects.Record(context.WithoutCancel(ctx), workspace, source, Format{sig}.Name(), remote, rejects, at); err != nil {
		r.log.Error("recording rejected OTLP input", "err", err)
	}
}

// isJSONContentType reports whether an OTLP/HTTP Content-Type is JSON,
// and false with ok false when it is neither JSON nor protobuf.
func isJSONContentType(ct string) (isJSON, ok bool) {
	mt, _, _ := strings.Cut(ct, ";")
	switch strings.ToLower(strings.TrimSpace(mt)) {
	case ContentTypeJSON:
		return true, true
	case ContentTypeProtobuf, "application/protobuf":
		return false, true
	}
	return false, false
}

// retryable reports whether a store error is worth retrying.
func retryable(err error) bool { return errors.Is(err, store.ErrBusy) }
