package otlp

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
)

// appendAnyValue appends v as JSON: strings, booleans and numbers as
// themselves, arrays and key-value lists as arrays and objects, bytes as
// base64 text. Non-finite doubles, which JSON cannot hold, become the
// strings "NaN", "Infinity" and "-Infinity".
func appendAnyValue(b []byte, v *commonpb.AnyValue) []byte {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return appendJSONString(b, x.StringValue)
	case *commonpb.AnyValue_BoolValue:
		return strconv.AppendBool(b, x.BoolValue)
	case *commonpb.AnyValue_IntValue:
		return strconv.AppendInt(b, x.IntValue, 10)
	case *commonpb.AnyValue_DoubleValue:
		return appendFloat(b, x.DoubleValue)
	case *commonpb.AnyValue_BytesValue:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, x.BytesValue)
		return append(b, '"')
	case *commonpb.AnyValue_ArrayValue:
		b = append(b, '[')
		for i, e := range x.ArrayValue.GetValues() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendAnyValue(b, e)
		}
		return append(b, ']')
	case *commonpb.AnyValue_KvlistValue:
		b = append(b, '{')
		b = appendMembers(b, x.KvlistValue.GetValues())
		return append(b, '}')
	}
	return append(b, "null"...)
}

// appendMembers appends key-value pairs as the members of a JSON object,
// without its braces.
func appendMembers(b []byte, kvs []*commonpb.KeyValue) []byte {
	for i, kv := range kvs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, kv.GetKey())
		b = append(b, ':')
		b = appendAnyValue(b, kv.GetValue())
	}
	return b
}

func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 (which
// protobuf decoding already refuses in strings) becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
			i++
			start = i
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// idFields are the members OTLP/JSON writes as hex strings where the
// protobuf JSON mapping would expect base64 (the OTLP specification's one
// departure from it): trace and span ids of spans, links, log records and
// exemplars.
var idFields = map[string]bool{
	"traceId": true, "spanId": true, "parentSpanId": true,
	"trace_id": true, "span_id": true, "parent_span_id": true,
}

// hexIDsToBase64 rewrites an OTLP/JSON document so that the protobuf JSON
// decoder reads its ids: every id member's hex string becomes base64. An
// id that is not hex is an error naming where it is.
func hexIDsToBase64(doc []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("malformed JSON: data after the document at offset %d", dec.InputOffset())
	}
	changed, err := rewriteIDs(v, "")
	if err != nil {
		return nil, err
	}
	if !changed {
		return doc, nil
	}
	return json.Marshal(v)
}

func rewriteIDs(v any, path string) (bool, error) {
	changed := false
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			member := k
			if path != "" {
				member = path + "." + k
			}
			if s, ok := e.(string); ok && idFields[k] {
				id, err := hex.DecodeString(s)
				if err != nil {
					return false, fmt.Errorf("%s: %q is not a hex id", member, s)
				}
				x[k] = base64.StdEncoding.EncodeToString(id)
				changed = true
				continue
			}
			c, err := rewriteIDs(e, member)
			if err != nil {
				return false, err
			}
			changed = changed || c
		}
	case []any:
		for i, e := range x {
			c, err := rewriteIDs(e, path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return false, err
			}
			changed = changed || c
		}
	}
	return changed, nil
}
