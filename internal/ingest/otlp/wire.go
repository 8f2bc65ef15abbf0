package otlp

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"vigil/internal/ingest"
)

// Log export requests, the bulk of OTLP traffic, are read straight from
// the protobuf wire format into AppTraces rows rather than decoded into
// the generated message types first: that decoding allocates every
// record, attribute, value and string (about 25 allocations a record),
// while here a request's strings are one copy that the rows slice, and a
// record costs the few values its row holds. What is unusual (a value
// that is an array or a map, a field sent twice) goes through the
// generated types and the same mapping as traces and metrics, so the
// result is the same either way; the decoder accepts and refuses exactly
// what proto.Unmarshal does (FuzzLogsWire holds it to that).

// Field numbers of the OTLP log messages (opentelemetry/proto/logs/v1 and
// common/v1).
const (
	fieldResourceLogs = 1 // ExportLogsServiceRequest.resource_logs

	fieldResource  = 1 // ResourceLogs.resource
	fieldScopeLogs = 2 // ResourceLogs.scope_logs
	fieldSchemaURL = 3 // ResourceLogs.schema_url, ScopeLogs.schema_url

	fieldScope      = 1 // ScopeLogs.scope
	fieldLogRecords = 2 // ScopeLogs.log_records

	fieldTime         = 1  // LogRecord.time_unix_nano, fixed64
	fieldSeverity     = 2  // LogRecord.severity_number, enum
	fieldSeverityText = 3  // LogRecord.severity_text
	fieldBody         = 5  // LogRecord.body, AnyValue
	fieldAttributes   = 6  // LogRecord.attributes, KeyValue
	fieldTraceID      = 9  // LogRecord.trace_id
	fieldSpanID       = 10 // LogRecord.span_id
	fieldObserved     = 11 // LogRecord.observed_time_unix_nano, fixed64
	fieldEventName    = 12 // LogRecord.event_name

	fieldKey   = 1 // KeyValue.key
	fieldValue = 2 // KeyValue.value

	valueString = 1 // AnyValue.string_value
	valueBool   = 2 // AnyValue.bool_value
	valueInt    = 3 // AnyValue.int_value
	valueDouble = 4 // AnyValue.double_value
	valueBytes  = 7 // AnyValue.bytes_value
)

// wireField is one field of an encoded message: a varint's or fixed
// value in u, a length-delimited field's bytes in b.
type wireField struct {
	num protowire.Number
	typ protowire.Type
	u   uint64
	b   []byte
}

// nextField reads the field msg starts with and the bytes it takes; a
// negative size is a malformed message (protowire.ParseError says how).
func nextField(msg []byte) (wireField, int) {
	num, typ, n := protowire.ConsumeTag(msg)
	if n < 0 {
		return wireField{}, n
	}
	if num > protowire.MaxValidNumber {
		// protowire reads numbers up to 2^31-1; protobuf allows 2^29-1.
		return wireField{}, errFieldNumber
	}
	f := wireField{num: num, typ: typ}
	var m int
	switch typ {
	case protowire.VarintType:
		f.u, m = protowire.ConsumeVarint(msg[n:])
	case protowire.Fixed64Type:
		f.u, m = protowire.ConsumeFixed64(msg[n:])
	case protowire.Fixed32Type:
		var v uint32
		v, m = protowire.ConsumeFixed32(msg[n:])
		f.u = uint64(v)
	case protowire.BytesType:
		f.b, m = protowire.ConsumeBytes(msg[n:])
	default:
		m = protowire.ConsumeFieldValue(num, typ, msg[n:])
	}
	if m < 0 {
		return wireField{}, m
	}
	return f, n + m
}

// errFieldNumber is protowire's size for an invalid field number, which
// protowire.ParseError describes as such.
var errFieldNumber = func() int {
	_, _, n := protowire.ConsumeTag(protowire.AppendVarint(nil, 0))
	return n
}()

// is reports whether f is field num of wire type typ. A known field sent
// with another wire type is an unknown field, as proto.Unmarshal has it.
func (f wireField) is(num protowire.Number, typ protowire.Type) bool {
	return f.num == num && f.typ == typ
}

// wireError describes a malformed message.
func wireError(what string, n int) error {
	return fmt.Errorf("%s: %v", what, protowire.ParseError(n))
}

// eachField calls fn with every field of msg, stopping at fn's first
// error; what names msg in errors.
func eachField(msg []byte, what string, fn func(wireField) error) error {
	for len(msg) > 0 {
		f, n := nextField(msg)
		if n < 0 {
			return wireError(what, n)
		}
		msg = msg[n:]
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// utf8Error is proto.Unmarshal's refusal of a string that is not UTF-8.
func utf8Error(what string) error {
	return fmt.Errorf("%s: string field contains invalid UTF-8", what)
}

// wireLogs holds what reading one encoded log export request shares.
type wireLogs struct {
	c *converter
	// wire is the encoded request and text the same bytes as one string,
	// which every string of every row slices: text[at(b):][:len(b)].
	wire []byte
	text string
	// ids holds the hex trace and span ids the rows refer to.
	ids strings.Builder
	// props is where the rows' Properties are written; each row's is a
	// capped slice of it, never written again.
	props []byte
	// cells is where the next rows are cut from.
	cells []any
	// attrs are the current record's encoded attributes, and keys their
	// keys, to leave out the resource attributes the record sets itself.
	attrs [][]byte
	keys  []string
	// isJSON says the request came as OTLP/JSON (and was re-encoded), so
	// rejected records are shown as JSON too.
	isJSON bool
}

// at is where b, a part of wire, starts in it.
func (w *wireLogs) at(b []byte) int { return cap(w.wire) - cap(b) }

// str returns b, a part of wire, as a string without copying it again.
func (w *wireLogs) str(b []byte) string { return w.text[w.at(b):][:len(b)] }

// logs maps the log records of an encoded ExportLogsServiceRequest to
// AppTraces rows. An error means the request does not decode.
func (c *converter) logs(wire []byte, isJSON bool) error {
	w := &wireLogs{c: c, wire: wire, text: string(wire), isJSON: isJSON}
	i := 0
	return eachField(wire, "ExportLogsServiceRequest", func(f wireField) error {
		if !f.is(fieldResourceLogs, protowire.BytesType) {
			return nil
		}
		i++
		return w.resourceLogs(f.b, i-1)
	})
}

// resourceLogs maps one ResourceLogs. Its resource is read first, as a
// message's fields may come in any order.
func (w *wireLogs) resourceLogs(msg []byte, i int) error {
	what := fmt.Sprintf("resourceLogs[%d]", i)
	var res resourcepb.Resource
	err := eachField(msg, what, func(f wireField) error {
		switch {
		case f.is(fieldResource, protowire.BytesType):
			// A message sent twice is the two merged.
			if err := merge.Unmarshal(f.b, &res); err != nil {
				return fmt.Errorf("%s.resource: %w", what, err)
			}
		case f.is(fieldSchemaURL, protowire.BytesType):
			if !utf8.Valid(f.b) {
				return utf8Error(what + ".schemaUrl")
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	ri := newResourceInfo(&res)
	j := 0
	return eachField(msg, what, func(f wireField) error {
		if !f.is(fieldScopeLogs, protowire.BytesType) {
			return nil
		}
		j++
		return w.scopeLogs(ri, f.b, i, j-1)
	})
}

// scopeLogs maps the records of one ScopeLogs. The scope itself has no
// column; it is decoded only to refuse what proto.Unmarshal refuses.
func (w *wireLogs) scopeLogs(ri *resourceInfo, msg []byte, i, j int) error {
	what := fmt.Sprintf("resourceLogs[%d].scopeLogs[%d]", i, j)
	k := 0
	return eachField(msg, what, func(f wireField) error {
		switch {
		case f.is(fieldScope, protowire.BytesType):
			if err := proto.Unmarshal(f.b, &commonpb.InstrumentationScope{}); err != nil {
				return fmt.Errorf("%s.scope: %w", what, err)
			}
		case f.is(fieldSchemaURL, protowire.BytesType):
			if !utf8.Valid(f.b) {
				return utf8Error(what + ".schemaUrl")
			}
		case f.is(fieldLogRecords, protowire.BytesType):
			k++
			return w.record(ri, f.b, i, j, k-1)
		}
		return nil
	})
}

// logRecord is the fields of a LogRecord that rows use. Strings and ids
// are parts of the request; attributes stay encoded in the record.
type logRecord struct {
	time, observed          uint64
	severity                logspb.SeverityNumber
	severityText, eventName []byte
	traceID, spanID         []byte
	// body is the last body sent; bodies counts them (more than one are
	// merged).
	body   []byte
	bodies int
}

// record maps one encoded LogRecord to a row, or to a reject.
func (w *wireLogs) record(ri *resourceInfo, msg []byte, i, j, k int) error {
	where := func() string {
		return fmt.Sprintf("resourceLogs[%d].scopeLogs[%d].logRecords[%d]", i, j, k)
	}
	var r logRecord
	w.attrs = w.attrs[:0]
	err := eachField(msg, "LogRecord", func(f wireField) error {
		switch {
		case f.is(fieldTime, protowire.Fixed64Type):
			r.time = f.u
		case f.is(fieldObserved, protowire.Fixed64Type):
			r.observed = f.u
		case f.is(fieldSeverity, protowire.VarintType):
			r.severity = logspb.SeverityNumber(int32(f.u))
		case f.is(fieldSeverityText, protowire.BytesType):
			if !utf8.Valid(f.b) {
				return utf8Error("severityText")
			}
			r.severityText = f.b
		case f.is(fieldEventName, protowire.BytesType):
			if !utf8.Valid(f.b) {
				return utf8Error("eventName")
			}
			r.eventName = f.b
		case f.is(fieldTraceID, protowire.BytesType):
			r.traceID = f.b
		case f.is(fieldSpanID, protowire.BytesType):
			r.spanID = f.b
		case f.is(fieldBody, protowire.BytesType):
			r.body = f.b
			r.bodies++
		case f.is(fieldAttributes, protowire.BytesType):
			w.attrs = append(w.attrs, f.b)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", where(), err)
	}
	// Body and attributes are decoded before the checks that reject a
	// record, so that one that does not decode refuses the request as
	// proto.Unmarshal would, rejected or not.
	body, err := w.message(msg, r)
	if err != nil {
		return fmt.Errorf("%s.body: %w", where(), err)
	}
	props, err := w.properties(ri, r)
	if err != nil {
		return fmt.Errorf("%s: %w", where(), err)
	}
	if why := checkID("traceId", r.traceID, 16, false) + checkID("spanId", r.spanID, 8, false); why != "" {
		return w.reject(msg, where(), why)
	}
	observed, why := timestamp(r.observed, w.c.received)
	if why != "" {
		return w.reject(msg, where(), "observedTimeUnixNano: "+why)
	}
	t, why := timestamp(r.time, observed)
	if why != "" {
		return w.reject(msg, where(), "timeUnixNano: "+why)
	}
	if len(w.cells) < len(traceColumns) {
		w.cells = make([]any, 256*len(traceColumns))
	}
	row := w.cells[:0:len(traceColumns)]
	w.cells = w.cells[len(traceColumns):]
	row = ri.lead(row, t, w.id(r.traceID), w.id(r.spanID), 1, props)
	w.c.add("AppTraces", traceColumns, append(row, body, severity(r.severity)))
	return nil
}

// reject records a record that cannot be stored: its own bytes, or, for a
// request that came as JSON, the record as OTLP/JSON.
func (w *wireLogs) reject(msg []byte, where, why string) error {
	if w.isJSON {
		var rec logspb.LogRecord
		if err := proto.Unmarshal(msg, &rec); err != nil {
			return err
		}
		w.c.reject(&rec, where, why)
		return nil
	}
	w.c.rejects = append(w.c.rejects, ingest.Reject{Reason: where + ": " + why, Raw: bytes.Clone(msg)})
	return nil
}

// id returns an id as lowercase hex (nil when absent, as id does), the
// text kept in ids.
func (w *wireLogs) id(b []byte) any {
	if !present(b) {
		return nil
	}
	if w.ids.Cap()-w.ids.Len() < 2*len(b) {
		// A new chunk rather than growing: growing copies, and the
		// strings already handed out keep the old chunk anyway.
		w.ids = strings.Builder{}
		w.ids.Grow(max(16<<10, 2*len(b)))
	}
	var buf [32]byte
	start := w.ids.Len()
	w.ids.Write(hex.AppendEncode(buf[:0], b))
	return w.ids.String()[start:]
}

// message is the record's body as message does it: a string as it is,
// anything else as JSON.
func (w *wireLogs) message(rec []byte, r logRecord) (any, error) {
	if r.bodies == 0 {
		return nil, nil
	}
	if r.bodies == 1 {
		f, ok, err := w.scalar(r.body)
		if err != nil {
			return nil, err
		}
		if ok && f.num == valueString {
			return w.str(f.b), nil
		}
		if ok {
			return string(w.appendScalar(nil, f)), nil
		}
	}
	v, err := mergedValue(rec)
	if err != nil {
		return nil, err
	}
	return message(v), nil
}

// mergedValue decodes the bodies of a record as one AnyValue, merged as
// protobuf merges a message sent more than once.
func mergedValue(rec []byte) (*commonpb.AnyValue, error) {
	v := &commonpb.AnyValue{}
	return v, eachField(rec, "LogRecord", func(f wireField) error {
		if f.is(fieldBody, protowire.BytesType) {
			return merge.Unmarshal(f.b, v)
		}
		return nil
	})
}

// merge decodes into a message what is sent of it, merged with what it
// already holds, as protobuf treats a message field sent more than once.
var merge = proto.UnmarshalOptions{Merge: true}

// scalar reads an encoded AnyValue holding one plain value (a string,
// bool, int, double or bytes, once): ok is false for anything else (an
// array, a map, no value, a field sent twice), which the generated types
// then decode. A string that is not UTF-8 is an error.
func (w *wireLogs) scalar(v []byte) (f wireField, ok bool, err error) {
	f, n := nextField(v)
	if n < 0 || n != len(v) {
		return f, false, nil
	}
	switch {
	case f.is(valueString, protowire.BytesType):
		if !utf8.Valid(f.b) {
			return f, false, utf8Error("AnyValue")
		}
	case f.is(valueBool, protowire.VarintType), f.is(valueInt, protowire.VarintType),
		f.is(valueDouble, protowire.Fixed64Type), f.is(valueBytes, protowire.BytesType):
	default:
		return f, false, nil
	}
	return f, true, nil
}

// appendScalar appends a plain value that scalar read as JSON, as
// appendAnyValue writes it.
func (w *wireLogs) appendScalar(b []byte, f wireField) []byte {
	switch f.num {
	case valueString:
		return appendJSONString(b, w.str(f.b))
	case valueBool:
		return strconv.AppendBool(b, f.u != 0)
	case valueInt:
		return strconv.AppendInt(b, int64(f.u), 10)
	case valueDouble:
		return appendFloat(b, math.Float64frombits(f.u))
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, f.b)
	return append(b, '"')
}

// properties writes the record's Properties as resourceInfo.properties
// does: SeverityText and EventName, the record's attributes, then the
// resource's other attributes the record does not set; nil when empty.
func (w *wireLogs) properties(ri *resourceInfo, r logRecord) (any, error) {
	if len(w.attrs) == 0 && len(ri.rest) == 0 && len(r.severityText) == 0 && len(r.eventName) == 0 {
		return nil, nil
	}
	if cap(w.props)-len(w.props) < 1024 {
		w.props = make([]byte, 0, 64<<10)
	}
	start := len(w.props)
	b := append(w.props, '{')
	member := func(key string) {
		if len(b) > start+1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, key)
		b = append(b, ':')
	}
	if len(r.severityText) > 0 {
		member("SeverityText")
		b = appendJSONString(b, w.str(r.severityText))
	}
	if len(r.eventName) > 0 {
		member("EventName")
		b = appendJSONString(b, w.str(r.eventName))
	}
	w.keys = w.keys[:0]
	for _, attr := range w.attrs {
		key, value, ok, err := w.keyValue(attr)
		if err != nil {
			return nil, err
		}
		if !ok {
			var kv commonpb.KeyValue
			if err := proto.Unmarshal(attr, &kv); err != nil {
				return nil, fmt.Errorf("attributes: %w", err)
			}
			key = kv.GetKey()
			member(key)
			b = appendAnyValue(b, kv.GetValue())
		} else {
			member(key)
			if value.num == 0 {
				b = append(b, "null"...)
			} else {
				b = w.appendScalar(b, value)
			}
		}
		w.keys = append(w.keys, key)
	}
	for _, m := range ri.rest {
		if !containsKey(w.keys, m.key) {
			member(m.key)
			b = append(b, m.value...)
		}
	}
	b = append(b, '}')
	w.props = b
	return json.RawMessage(b[start:len(b):len(b)]), nil
}

// keyValue reads an encoded KeyValue whose value is plain (or absent:
// value.num 0); ok is false when the generated types must decode it.
func (w *wireLogs) keyValue(kv []byte) (key string, value wireField, ok bool, err error) {
	keys, values := 0, 0
	var valueBytes []byte
	for b := kv; len(b) > 0; {
		f, n := nextField(b)
		if n < 0 {
			return "", value, false, nil
		}
		b = b[n:]
		switch {
		case f.is(fieldKey, protowire.BytesType):
			if !utf8.Valid(f.b) {
				return "", value, false, utf8Error("attributes: KeyValue.key")
			}
			key, keys = w.str(f.b), keys+1
		case f.is(fieldValue, protowire.BytesType):
			valueBytes, values = f.b, values+1
		default:
			return "", value, false, nil
		}
	}
	if keys > 1 || values > 1 {
		return "", value, false, nil
	}
	if values == 0 {
		return key, value, true, nil
	}
	if len(valueBytes) == 0 {
		// An empty AnyValue: no value, null as appendAnyValue has it.
		return key, value, true, nil
	}
	value, ok, err = w.scalar(valueBytes)
	if err != nil {
		return "", value, false, fmt.Errorf("attributes: %w", err)
	}
	return key, value, ok, nil
}

func containsKey(keys []string, key string) bool {
	for _, k := range keys {
		if k == key {
			return true
		}
	}
	return false
}
