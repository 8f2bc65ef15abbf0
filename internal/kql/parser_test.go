package kql

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestParseShapes(t *testing.T) {
	q, err := Parse(`let threshold = 5;
// comment
SigninLogs
| where TimeGenerated > ago(1d) and ResultType != "0"
| summarize Failures = count(), Users = dcount(UserPrincipalName) by IPAddress, bin(TimeGenerated, 1h)
| where Failures > threshold
| top 10 by Failures desc`)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Lets) != 1 || q.Lets[0].Name != "threshold" {
		t.Fatalf("lets: %+v", q.Lets)
	}
	top, ok := q.Body.(*Pipe)
	if !ok {
		t.Fatalf("body %T", q.Body)
	}
	if op, ok := top.Op.(*Top); !ok || !op.Keys[0].Desc {
		t.Fatalf("last operator %T", top.Op)
	}
	sum := top.Input.(*Pipe).Input.(*Pipe).Op.(*Summarize)
	if len(sum.Aggs) != 2 || sum.Aggs[0].Name != "Failures" || len(sum.By) != 2 {
		t.Fatalf("summarize: %+v", sum)
	}
	if c := sum.By[1].Expr.(*Call); c.Name != "bin" || c.Args[1].(*Literal).Kind != LitTimespan {
		t.Fatalf("bin: %+v", c)
	}
	if pos := top.Op.Position(); pos.Line != 7 || pos.Column != 3 {
		t.Fatalf("top at %+v, want line 7 column 3", pos)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ q, msg string }{
		{"T | where", "expected an expression but found end of query (line 1, column 10)"},
		{"T | summarize count() by", "expected an expression but found end of query (line 1, column 25)"},
		{"T\n| frobnicate x", "unknown tabular operator 'frobnicate' (line 2, column 3)"},
		{"print 'abc", "unterminated string literal (line 1, column 7)"},
		{"T | where (a > 1", "expected ')' but found end of query"},
		{"datatable(a:long)[1,2", "expected ']'"},
		{"let x = 1;", "no tabular expression"},
		{"T | where a # 1", "unexpected character '#'"},
		{"T | parse kind=fuzzy x with 'a' b", "parse's kind is simple, regex or relaxed, not 'fuzzy' (line 1, column 16)"},
		{"T | parse kind=regex flags=x x with 'a' b", "parse's flags are U, i, m and s, not 'x' (line 1, column 28)"},
	}
	for _, c := range cases {
		_, err := Parse(c.q)
		var ke *Error
		if !errors.As(err, &ke) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Parse(%q) = %v, want a *kql.Error containing %q", c.q, err, c.msg)
		}
	}
}

func TestParseLiterals(t *testing.T) {
	q, err := Parse(`print a = datetime(2024-01-02 03:04:05), b = 1.5h, c = dynamic({"k": [1, "x", null]}), d = @'c:\dir', e = "a\"b", f = long(null), g = -3, h = 0x1F`)
	if err != nil {
		t.Fatal(err)
	}
	items := q.Body.(*Print).Items
	if lit := items[0].Expr.(*TypedLit); lit.Type != "datetime" || lit.Text != "2024-01-02 03:04:05" {
		t.Errorf("datetime literal: %+v", lit)
	}
	if lit := items[1].Expr.(*Literal); lit.Kind != LitTimespan || lit.Value != "1.5h" {
		t.Errorf("timespan: %+v", lit)
	}
	if lit := items[2].Expr.(*TypedLit); lit.Dyn.(*BagLit).Keys[0] != "k" {
		t.Errorf("dynamic: %+v", lit)
	}
	if lit := items[3].Expr.(*Literal); lit.Value != `c:\dir` {
		t.Errorf("verbatim: %q", lit.Value)
	}
	if lit := items[4].Expr.(*Literal); lit.Value != `a"b` {
		t.Errorf("escape: %q", lit.Value)
	}
	if lit := items[6].Expr.(*Literal); lit.Value != "-3" {
		t.Errorf("negative: %+v", lit)
	}
}

// TestSharedExamplesParse parses the public documentation's examples and
// requires a floor of them to parse; raise it as the parser grows.
func TestSharedExamplesParse(t *testing.T) {
	data, err := os.ReadFile("../../../shared/kql/doc-examples.jsonl")
	if err != nil {
		t.Skip("shared examples not present:", err)
	}
	ok, total := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var c struct{ Query string }
		if json.Unmarshal([]byte(line), &c) != nil {
			continue
		}
		total++
		if _, err := Parse(c.Query); err == nil {
			ok++
		} else if testing.Verbose() {
			t.Logf("%v\n%s", err, c.Query)
		}
	}
	t.Logf("%d of %d examples parse", ok, total)
	if ok < 361 {
		t.Errorf("only %d of %d examples parse; the floor is 361", ok, total)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"T | where a == 1", "print x = datetime(2020-01-01)", "datatable(a:long)[1,2] | summarize count() by a",
		"let f = (x:long) { x + 1 }; print f(1)", "T | join kind=leftouter (U) on $left.a == $right.b", "T | parse x with * \"a\" b:long",
		"T | scan declare (c:long = 0) with (step s: true => c = s.c + x;)", "T | partition by k (top 1 by v)", "T | top-hitters 2 of a by b",
		"union withsource=S *, A*_CL", "T | parse kind=regex flags=Ui s with 'a' x:long '(b)' *", "f((range x from 1 to 2 step 1), T | take 1)",
		"let m = materialize(T); m | summarize r = 100.0 * countif(a > 1) / count()", "print 5min + 2sec + 1hr"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		_, err := Parse(q)
		if err == nil {
			// What parses must print and parse back to the same AST.
			roundTrip(t, q)
			return
		}
		var ke *Error
		if !errors.As(err, &ke) {
			t.Fatalf("error is not a *kql.Error: %v", err)
		}
		if ke.Pos.Line < 1 || ke.Pos.Column < 1 {
			t.Fatalf("error without a position: %v", err)
		}
	})
}

// TestDotIndex checks that d.[k], a member by a computed key, is d[k].
func TestDotIndex(t *testing.T) {
	q, err := Parse(`print d.[k], d["a"].[k].b, d.['x y']`)
	if err != nil {
		t.Fatal(err)
	}
	items := q.Body.(*Print).Items
	if ix, ok := items[0].Expr.(*Index); !ok || ix.X.(*Ident).Name != "d" || ix.I.(*Ident).Name != "k" {
		t.Errorf("d.[k] parsed as %#v", items[0].Expr)
	}
	m, ok := items[1].Expr.(*Member)
	if !ok || m.Name != "b" {
		t.Fatalf("d[\"a\"].[k].b parsed as %#v", items[1].Expr)
	}
	if ix, ok := m.X.(*Index); !ok || ix.I.(*Ident).Name != "k" {
		t.Errorf("the middle step is %#v, want an index by k", m.X)
	}
	if m, ok := items[2].Expr.(*Member); !ok || m.Name != "x y" {
		t.Errorf("d.['x y'] parsed as %#v, want the member named x y", items[2].Expr)
	}
}
