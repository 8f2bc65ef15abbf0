package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"vigil/internal/schema"
)

// referenceRecords decodes a rows body with encoding/json, field by field
// into maps: the oracle the scanner is held to. Null fields are left out,
// as a batch cannot tell a null field from a missing one; nested objects
// and arrays are the dynamic value the store made of the decoded map or
// slice before the scanner made their text itself: the form every
// existing ledger's rows hash depends on.
func referenceRecords(body []byte) ([]map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	array := len(trimmed) > 0 && trimmed[0] == '['
	if array {
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
	}
	var out []map[string]any
	for {
		if array && !dec.More() {
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			if _, err := dec.Token(); err != io.EOF {
				return nil, errors.New("data after the array")
			}
			break
		}
		var rec map[string]any
		if err := dec.Decode(&rec); err == io.EOF && !array {
			break
		} else if err != nil {
			return nil, err
		}
		if rec == nil {
			return nil, errors.New("not an object")
		}
		for k, v := range rec {
			switch v.(type) {
			case nil:
				delete(rec, k)
			case map[string]any, []any:
				text, err := schema.Convert(schema.Dynamic, v)
				if err != nil {
					return nil, err
				}
				rec[k] = text
			}
		}
		out = append(out, rec)
	}
	if len(out) == 0 {
		return nil, errors.New("no records")
	}
	return out, nil
}

// decodedRecords is DecodeRecords' batch as maps of the non-null fields.
func decodedRecords(t *testing.T, body []byte) ([]map[string]any, error) {
	b, err := DecodeRecords(body)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, row := range b.Rows {
		if len(row) != len(b.Columns) {
			t.Fatalf("row of %d values for %d columns", len(row), len(b.Columns))
		}
		rec := map[string]any{}
		for i, v := range row {
			if v != nil {
				rec[b.Columns[i].Name] = v
			}
		}
		out = append(out, rec)
	}
	return out, nil
}

var recordSeeds = []string{
	`{"a":1}`,
	"{\"a\":1}\n{\"b\":\"x\"}\n",
	`[{"a":1},{"a":2.5,"b":null}]`,
	` [ { "a" : true , "b" : false } ] `,
	`{"TimeGenerated":"2024-03-01T00:00:00Z","Msg":"héllo \"q\" \u00e9\ud83d\ude00","n":-0.5e+3}`,
	`{"nested":{"z":1,"a":[1,"two",{"x":null}]},"list":[]}`,
	`{"dup":1,"dup":"second"}`,
	`{"bad":"\xff\xfe"}`,
	`{"ctl":"a` + "\x01" + `"}`,
	`{"esc":"\x"}`,
	`{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":1e}`, `{"a":tru}`, `{"a":nul}`,
	`[1,2]`, `[null]`, `null`, `"x"`, `[]`, ``, `   `, `[`, `[{"a":1},]`, `[{"a":1} {"b":2}]`,
	`[{"a":1}] x`, `{"a":1}}`, `{"a":1},{"b":2}`, `{"a":1}{"b":2}`, `{"a":[1}`, `{"a":{"b":1]}`,
	`{"a"}`, `{1:2}`, `{"a":1,}`, `{"a":"` + strings.Repeat("x", 100) + `"}`,
	`{"a":"<&>"}`, `{"a":{"<":"&"}}`, "\ufeff{\"a\":1}",
	// Nested values' canonical text: members sorted by decoded name, the
	// last of repeated names, strings escaped as json.Marshal escapes them.
	`{"o":{"b":1,"a":2,"b":3}}`, `{"o":{"b":{"y":1,"x":2},"a":[{"d":0,"c":1}]}}`,
	`{"o":{"\u0062":1,"a":2,"b":3,"\u0061":[]}}`, `{"o":{"é":1,"e":2,"":{},"z":[ ]}}`,
	"{\"o\":{\"s\":\"<a href='x'>&amp;</a>\",\"\\u2028\":\"\\u2029 \u2028\u2029\"}}",
	`{"o":["\u0000\u001f\b\f\n\r\t\"\\\/","\ud800","\udc00\ud83d\ude00"]}`,
	"{\"o\":[\"\xff\xc3\x28\xe2\x80\xa8\",\"\x7f\"]}", "{\"o\":{\"\xfe\":1}}",
	`{"o":[-0,1E+2,0.5e-3,12345678901234567890123,1.0]}`, `{"o":[true,false,null,{"n":null}]}`,
	`{"o" : { "a" : [ 1 , 2 ] , "b" : { } } , "p" : [ ] }`,
	// Records with the same names as the one before, and then not.
	"{\"b\":1,\"a\":2}\n{\"b\":3,\"a\":4}\n{\"b\":5,\"c\":6}\n{\"b\":7,\"a\":8,\"b\":9}\n{\"b\":0,\"a\":1,\"b\":2}\n{\"b\":3}",
	`{"o":{"a":1,"a":}}`, `{"o":{"a":1 "b":2}}`, `{"o":[1,]}`, `{"o":{"a":"\x"}}`, `{"o":{"a":1}`,
	// encoding/json's nesting limit, 10,000 levels, and one more.
	`{"a":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
	`{"a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
}

// TestDecodeRecordsAgreesWithEncodingJSON runs the seeds through both the
// scanner and encoding/json: the same records, or an error from both.
func TestDecodeRecordsAgreesWithEncodingJSON(t *testing.T) {
	for _, body := range recordSeeds {
		checkAgainstReference(t, []byte(body))
	}
}

func FuzzDecodeRecords(f *testing.F) {
	for _, s := range recordSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkAgainstReference(t, body)
	})
}

func checkAgainstReference(t *testing.T, body []byte) {
	t.Helper()
	want, wantErr := referenceRecords(body)
	got, err := decodedRecords(t, body)
	switch {
	case (err == nil) != (wantErr == nil):
		t.Fatalf("%q: scanner error %v, encoding/json error %v", body, err, wantErr)
	case err != nil:
		if !strings.Contains(err.Error(), "offset") && !strings.Contains(err.Error(), "no records") {
			t.Fatalf("%q: error %q does not say where", body, err)
		}
	case !reflect.DeepEqual(got, want):
		t.Fatalf("%q:\nscanner       %#v\nencoding/json %#v", body, got, want)
	}
	// The store keeps the scanner's nested text as it is.
	for _, rec := range got {
		for k, v := range rec {
			if raw, ok := v.(json.RawMessage); ok {
				if stored, err := schema.Convert(schema.Dynamic, raw); err != nil || !bytes.Equal(stored.(json.RawMessage), raw) {
					t.Fatalf("%q: field %s %s is stored as %s (%v)", body, k, raw, stored, err)
				}
			}
		}
	}
}

// TestDecodeRecordsColumns checks the batch's columns: named in sorted
// order within the record that first has them, typed from the values, a
// long column widened to real by a fraction.
func TestDecodeRecordsColumns(t *testing.T) {
	b, err := DecodeRecords([]byte(`{"z":1,"TimeGenerated":"2024-03-01T00:00:00Z","a":"x"}
{"z":2.5,"obj":{"k":1},"flag":true}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []schema.Column{
		{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "a", Type: schema.String}, {Name: "z", Type: schema.Real},
		{Name: "flag", Type: schema.Bool}, {Name: "obj", Type: schema.Dynamic},
	}
	if !reflect.DeepEqual(b.Columns, want) {
		t.Fatalf("columns %v, want %v", b.Columns, want)
	}
	if b.Rows[1][0] != nil || b.Rows[1][2] != json.Number("2.5") || !reflect.DeepEqual(b.Rows[1][4], json.RawMessage(`{"k":1}`)) {
		t.Fatalf("second row %#v", b.Rows[1])
	}
}

// BenchmarkDecodeRecords decodes a 5,000-record NDJSON body of
// syslog-like records with a nested object, as shippers send them.
func BenchmarkDecodeRecords(b *testing.B) {
	var body bytes.Buffer
	for i := range 5000 {
		rec := map[string]any{
			"TimeGenerated": "2026-11-03T10:00:00.123Z", "Computer": "web-" + strings.Repeat("x", i%7), "Facility": "auth",
			"SeverityLevel": "info", "ProcessName": "sshd", "ProcessID": 4000 + i%50, "HostIP": "10.1.2.3",
			"SyslogMessage": "Accepted publickey for deploy from 10.20.30.40 port 51234 ssh2: RSA SHA256:abcdefghijklmnop",
			"Details":       map[string]any{"session": i, "tty": "pts/1"},
		}
		line, _ := json.Marshal(rec)
		body.Write(line)
		body.WriteByte('\n')
	}
	b.SetBytes(int64(body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeRecords(body.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}
