package schema

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

var compactSeeds = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e+10`, `true`, `false`, `null`,
	`{"a":[1,{"b":null}],"c":"x y"}`, `[1,"two",{"three":3.0E-3}]`,
	`{"a": 1}`, ` {"a":1}`, `{"a":1} `, "[1,\n2]", `{"a":1,}`, `[1,]`, `{"a"}`, `{a:1}`,
	`"\u00e9\n\t\"\\\/\b\f\r"`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"a\x01\"", "\"\xff\xfe\"", `"<&>"`,
	`01`, `1.`, `.5`, `-`, `1e`, `1e+`, `+1`, `tru`, `nul`, `falsey`, `truefalse`, `{"a":1}{}`, `[`, `"`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
}

// TestCompactJSONAgreesWithEncodingJSON and FuzzCompactJSON hold
// compactJSON to encoding/json: it may only say a text is compact when
// json.Valid accepts it and json.Compact leaves it as it is, and below
// the nesting it follows it says so whenever that holds.
func TestCompactJSONAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range compactSeeds {
		checkCompact(t, []byte(s))
	}
}

func FuzzCompactJSON(f *testing.F) {
	for _, s := range compactSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkCompact)
}

func checkCompact(t *testing.T, text []byte) {
	var buf bytes.Buffer
	want := json.Compact(&buf, text) == nil && bytes.Equal(buf.Bytes(), text)
	if got := compactJSON(text); got != want && (got || bytes.Count(text, []byte("["))+bytes.Count(text, []byte("{")) < maxCompactDepth) {
		t.Fatalf("%q: compactJSON %v, encoding/json %v", text, got, want)
	}
}

// TestConvertKeepsCompactDynamic: a compact JSON text is kept as it came
// (no copy), and one with white space is compacted into a new text.
func TestConvertKeepsCompactDynamic(t *testing.T) {
	in := json.RawMessage(`{"a":[1,"x y"]}`)
	v, err := Convert(Dynamic, in)
	if err != nil || &v.(json.RawMessage)[0] != &in[0] {
		t.Fatalf("compact text not kept as it came: %s %v", v, err)
	}
	spaced := json.RawMessage(`{"a": [1, "x y"]}`)
	if v, err = Convert(Dynamic, spaced); err != nil || string(v.(json.RawMessage)) != `{"a":[1,"x y"]}` {
		t.Fatalf("spaced text: %s %v", v, err)
	}
}
