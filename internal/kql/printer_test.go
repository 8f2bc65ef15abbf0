package kql

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sameAST compares two ASTs, ignoring positions.
func sameAST(a, b reflect.Value) bool {
	if a.Type() == reflect.TypeOf(Pos{}) {
		return true
	}
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		if a.Kind() == reflect.Interface && a.Elem().Type() != b.Elem().Type() {
			return false
		}
		return sameAST(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !sameAST(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !sameAST(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			v := b.MapIndex(k)
			if !v.IsValid() || !sameAST(a.MapIndex(k), v) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

func TestSameASTSeesDifferences(t *testing.T) {
	a, _ := Parse("T | where a == 1")
	b, _ := Parse("T\n|   where a == 1")
	c, _ := Parse("T | where a == 2")
	if !sameAST(reflect.ValueOf(a), reflect.ValueOf(b)) {
		t.Error("positions alone made two ASTs differ")
	}
	if sameAST(reflect.ValueOf(a), reflect.ValueOf(c)) {
		t.Error("different literals compared equal")
	}
}

// roundTrip parses q, formats it, parses the text again and requires the
// same AST, and printing to be stable.
func roundTrip(t *testing.T, q string) bool {
	t.Helper()
	first, err := Parse(q)
	if err != nil {
		return false
	}
	text := Format(first)
	second, err := Parse(text)
	if err != nil {
		t.Errorf("printed query does not parse: %v\nquery:\n%s\nprinted:\n%s", err, q, text)
		return true
	}
	if !sameAST(reflect.ValueOf(first), reflect.ValueOf(second)) {
		t.Errorf("printing changed the AST\nquery:\n%s\nprinted:\n%s", q, text)
	}
	if again := Format(second); again != text {
		t.Errorf("printing is not stable:\n%s\nthen:\n%s", text, again)
	}
	return true
}

// TestPrintRoundTrip checks Format over every shared documentation
// example and every conformance query that parses.
func TestPrintRoundTrip(t *testing.T) {
	var queries []string
	if data, err := os.ReadFile("../../../shared/kql/doc-examples.jsonl"); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var c struct{ Query string }
			if json.Unmarshal([]byte(line), &c) == nil {
				queries = append(queries, c.Query)
			}
		}
	}
	files, _ := filepath.Glob("../engine/testdata/conformance*.jsonl")
	if len(files) == 0 {
		t.Fatal("no conformance cases")
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			var c struct{ Query string }
			if json.Unmarshal([]byte(line), &c) == nil && c.Query != "" {
				queries = append(queries, c.Query)
			}
		}
	}
	queries = append(queries,
		`let f = (t:(*), n:long = 2, s:string) { let k = n * 2; t | take k }; f(T)`,
		`T | where ['by'] == "a\"b\\c\n" and x !between (1 .. 2) | project ['a b'] = d.['x y'][0], e = -x`,
		`T | join kind=leftouter (U | where b > 1) on $left.a == $right.b, c | lookup V on k`,
		`union kind=inner withsource=S App*, (datatable(a:long) [1]) | render timechart with (title="My chart", ymin=0)`,
		`union withsource=S *, *_CL, A*b*`,
		`let f = (t:(*), k:long) { t | where x > k }; f(T | where y == 1, 2) | union f((range x from 1 to 3 step 1), 0)`,
		`let m = materialize(T | where a > 1); m | join (m) on a | parse kind=regex flags=Ui s with "x=" x:long ".*"`,
		`T | parse-where kind=regex Msg with "(?i)id=" Id:long "," * | mv-expand bagexpansion=array with_itemindex=I d to typeof(string) limit 5`,
		`T | top 3 by a asc nulls first, b | sort by c desc nulls last | distinct * | sample 2 | as X | getschema`,
		`T | where x in (datatable(y:long) [1, 2] | project y) and y !in~ ("a", "B") and z has_any ("p", "q")`,
		`print d = dynamic({"k": [1, "x", null, {"n": -1.5}]}), g = guid("74be27de-1e4e-49d9-b579-fe0b331d3642"), t = datetime(2024-01-02 03:04:05.123), s = toscalar(T | count)`,
		`T | sample-distinct 3 of a | top-hitters 2 of n = b by c | top-nested 2 of a with others = "rest" by sum(b)`,
		`T | partition hint.strategy=native by a (top 1 by b | extend c = 1) | partition by b {U | where x == b}`,
		"T | scan with_match_id=m declare (s:long = 0, t:string) with (step s1 output=last: a > 1 => s = s1.s + a, t = \"x\"; step ['s 2']: true;)",
	)
	parsed := 0
	for _, q := range queries {
		if roundTrip(t, q) {
			parsed++
		}
	}
	t.Logf("%d of %d queries parse and round-trip", parsed, len(queries))
	if parsed < 400 {
		t.Errorf("only %d queries parsed; the corpus shrank", parsed)
	}
}

// BenchmarkParse measures parsing a 30-line detection query.
func BenchmarkParse(b *testing.B) {
	text := benchQuery(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPrint measures printing the same query's AST.
func BenchmarkPrint(b *testing.B) {
	q, err := Parse(benchQuery(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		Format(q)
	}
}

// benchQuery reads the 30-line detection query the parser and the
// engine's compiler are benchmarked on.
func benchQuery(b *testing.B) string {
	q, err := os.ReadFile("testdata/bench_query.kql")
	if err != nil {
		b.Fatal(err)
	}
	return string(q)
}
