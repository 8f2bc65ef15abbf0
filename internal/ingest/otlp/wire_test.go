package otlp

import (
	"fmt"
	"testing"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"vigil/internal/store"
)

// wireSeeds are log export requests written field by field, with what
// the generated encoder never writes but the wire format allows: fields
// out of order or sent twice (merged), known fields with another wire
// type (unknown), unknown fields and groups, invalid UTF-8 at several
// depths, empty values.
func wireSeeds() [][]byte {
	msg := func(num protowire.Number, parts ...[]byte) []byte {
		var body []byte
		for _, p := range parts {
			body = append(body, p...)
		}
		return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), body)
	}
	str := func(num protowire.Number, s string) []byte {
		return protowire.AppendString(protowire.AppendTag(nil, num, protowire.BytesType), s)
	}
	varint := func(num protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
	}
	fixed64 := func(num protowire.Number, v uint64) []byte {
		return protowire.AppendFixed64(protowire.AppendTag(nil, num, protowire.Fixed64Type), v)
	}
	request := func(records ...[]byte) []byte {
		res := msg(fieldResource, msg(1, str(fieldKey, "service.name"), msg(fieldValue, str(valueString, "svc"))))
		return msg(fieldResourceLogs, res, msg(fieldScopeLogs, msg(fieldScope, str(1, "lib")), msg(fieldLogRecords, records...)))
	}
	kv := func(key string, value ...[]byte) []byte {
		return msg(fieldAttributes, str(fieldKey, key), msg(fieldValue, value...))
	}
	ids := append(str(fieldTraceID, "0123456789abcdef"), str(fieldSpanID, "01234567")...)
	group := protowire.AppendTag(protowire.AppendTag(nil, 15, protowire.StartGroupType), 15, protowire.EndGroupType)
	return [][]byte{
		// the usual record
		request(fixed64(fieldTime, 1e18), varint(fieldSeverity, 9), str(fieldSeverityText, "INFO"), msg(fieldBody, str(valueString, "hello")),
			kv("k", str(valueString, "v")), kv("n", varint(valueInt, 7)), kv("d", fixed64(valueDouble, 0x3ff8000000000000)), ids),
		// fields in reverse order; a string body then a map body (merged: the map wins)
		request(ids, kv("b", varint(valueBool, 1)), msg(fieldBody, str(valueString, "first")),
			msg(fieldBody, msg(6, msg(1, str(fieldKey, "a"), msg(fieldValue, varint(valueInt, 1))))), fixed64(fieldTime, 2e18)),
		// two bodies holding arrays (merged: the arrays join)
		request(msg(fieldBody, msg(5, msg(1, str(valueString, "x")))), msg(fieldBody, msg(5, msg(1, varint(valueInt, 2))))),
		// time sent as a varint (an unknown field), an unknown field and a group
		request(varint(fieldTime, 5), str(99, "unknown"), group, msg(fieldBody, str(valueString, "t"))),
		// an attribute with an empty value, one without a value, one with bytes, one sent with its key twice
		request(kv("empty"), msg(fieldAttributes, str(fieldKey, "none")), kv("raw", str(valueBytes, "\x00\x01")),
			msg(fieldAttributes, str(fieldKey, "a"), str(fieldKey, "b"), msg(fieldValue, str(valueString, "v")))),
		// the resource sent in two parts, after the records
		msg(fieldResourceLogs, msg(fieldScopeLogs, msg(fieldLogRecords, msg(fieldBody, str(valueString, "late")))),
			msg(fieldResource, msg(1, str(fieldKey, "service.name"), msg(fieldValue, str(valueString, "a")))),
			msg(fieldResource, msg(1, str(fieldKey, "host.name"), msg(fieldValue, str(valueString, "h"))))),
		// invalid UTF-8: in a body, an attribute key, the scope, the severity text
		request(msg(fieldBody, str(valueString, "\xff"))),
		request(kv("\xfe", str(valueString, "v"))),
		msg(fieldResourceLogs, msg(fieldScopeLogs, msg(fieldScope, str(1, "\xff")))),
		request(str(fieldSeverityText, "\xc3")),
		// a record rejected for its ids, next to a good one
		append(request(str(fieldTraceID, "short")), request(msg(fieldBody, str(valueString, "good")))...),
		// truncated
		request(msg(fieldBody, str(valueString, "cut")))[:9],
	}
}

// FuzzLogsWire holds the wire decoder of log requests to proto.Unmarshal:
// it refuses exactly the bodies proto.Unmarshal refuses, and maps a body
// to the same rows and rejects as the body proto.Marshal writes for what
// proto.Unmarshal decoded (the canonical encoding: fields in order,
// merged, once each).
func FuzzLogsWire(f *testing.F) {
	for _, b := range append(wireSeeds(), seedRequests()[0]) {
		f.Add(b)
	}
	received := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		var req collogspb.ExportLogsServiceRequest
		want := proto.Unmarshal(body, &req)
		batches, rejects, err := Parse(Logs, ws, body, false, received)
		if (err == nil) != (want == nil) {
			t.Fatalf("wire decoder: %v; proto.Unmarshal: %v", err, want)
		}
		if err != nil {
			return
		}
		canonical, err := proto.Marshal(&req)
		if err != nil {
			t.Fatal(err)
		}
		cbatches, crejects, err := Parse(Logs, ws, canonical, false, received)
		if err != nil {
			t.Fatalf("the canonical encoding does not parse: %v", err)
		}
		if got, want := rowsText(batches), rowsText(cbatches); got != want {
			t.Fatalf("rows differ from the canonical encoding's:\n got %s\nwant %s", got, want)
		}
		if len(rejects) != len(crejects) {
			t.Fatalf("%d rejects, the canonical encoding %d", len(rejects), len(crejects))
		}
		for i := range rejects {
			if rejects[i].Reason != crejects[i].Reason {
				t.Fatalf("reject %q, the canonical encoding's %q", rejects[i].Reason, crejects[i].Reason)
			}
		}
	})
}

// rowsText prints the batches' tables and rows (not their original
// bytes, which differ).
func rowsText(batches []*store.Batch) string {
	s := ""
	for _, b := range batches {
		s += fmt.Sprintf("%s %v\n", b.Table, b.Rows)
	}
	return s
}
