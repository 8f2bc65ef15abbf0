package plan

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// buildPrint builds the expression of the query's print over the
// columns in, after binding the query's lets; window functions are
// allowed when windows is set.
func buildPrint(t *testing.T, query string, in []Column, windows bool) (Expr, error) {
	t.Helper()
	q, err := kql.Parse(query)
	if err != nil {
		t.Fatal(err)
	}
	b := &Builder{
		Scope:   NewScope(nil),
		Tables:  testTables{},
		windows: windows,
	}
	var x Expr
	err = built(func() {
		for _, l := range q.Lets {
			b.bindLet(l)
		}
		x = b.expr(q.Body.(*kql.Print).Items[0].Expr, in)
	})
	return x, err
}

// testTables is a workspace of one table, Heartbeat.
type testTables struct{}

var heartbeat = &schema.Table{Name: "Heartbeat", Columns: []schema.Column{{Name: "Computer", Type: schema.String}}}

func (testTables) Table(name string) (*schema.Table, bool) { return heartbeat, name == "Heartbeat" }
func (testTables) Names() []string                         { return []string{"Heartbeat"} }

var userCols = []Column{{Name: "User", Type: schema.String}, {Name: "n", Type: schema.Long},
	{Name: schema.ColTimeReceived, Type: schema.DateTime, Hidden: true}}

func TestBuildExpr(t *testing.T) {
	for _, c := range []struct {
		query string
		in    []Column
		want  Expr
	}{
		{"print User", userCols, &ColumnRef{Name: "User", T: schema.String}},
		// A let of a constant is that constant, which constant
		// arguments read (ConstOf).
		{"let x = 5; print x", nil, &Literal{T: schema.Long, Value: int64(5), Plain: true}},
		// A column hides a let of its name.
		{"let n = 'a'; print n", userCols, &ColumnRef{Name: "n", T: schema.Long}},
		// A parameter is converted to its declared type, unless it has it.
		{"let f = (a: real) { a }; print f(1)", nil,
			&Convert{X: &Literal{T: schema.Long, Value: int64(1), Plain: true}, To: schema.Real}},
		{"let f = (a: real) { a }; print f(1.5)", nil, &Literal{T: schema.Real, Value: 1.5, Plain: true}},
		{"let f = (a: long, b: long = 2) { a * b }; print f(n)", userCols, &Binary{Op: "*",
			L: &ColumnRef{Name: "n", T: schema.Long}, R: &Literal{T: schema.Long, Value: int64(2), Plain: true},
			Sig: BinarySig{Result: schema.Long}}},
		// Typed literals have their value, but are no plain constants.
		{"print long(-1)", nil, &Literal{T: schema.Long, Value: int64(-1)}},
		{"print int(5)", nil, &Literal{T: schema.Int, Value: int64(5)}},
		{"print bool(true)", nil, &Literal{T: schema.Bool, Value: true}},
		{"print datetime(2024-02-03 04:05:06)", nil, &Literal{T: schema.DateTime, Value: time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)}},
		{"print datetime(2025, 6, 14)", nil, &Literal{T: schema.DateTime, Value: time.Date(2025, 6, 14, 0, 0, 0, 0, time.UTC)}},
		{"print 1h", nil, &Literal{T: schema.Timespan, Value: int64(36_000_000_000)}},
		{"print timespan(null)", nil, &Literal{T: schema.Timespan}},
		{"print null", nil, &Literal{}},
		{`print dynamic({"a": [1, "x", 2.5]})`, nil, &Literal{T: schema.Dynamic, Value: `{"a":[1,"x",2.5]}`}},
		{"print guid(74be27de-1e4e-49d9-b579-fe0b331d3642)", nil, &Literal{T: schema.GUID, Value: "74be27de-1e4e-49d9-b579-fe0b331d3642"}},
		// Functions that read the row.
		{"print column_ifexists('User', 'x')", userCols, &ColumnRef{Name: "User", T: schema.String}},
		{"print column_ifexists('Account', 'x')", userCols, &Literal{T: schema.String, Value: "x", Plain: true}},
		{"print ingestion_time()", userCols, &ColumnRef{Name: schema.ColTimeReceived, T: schema.DateTime}},
		{"print ingestion_time()", nil, &Literal{T: schema.DateTime}},
		{"print pack_all(true)", userCols, &RowBag{Columns: userCols[:2], DropEmpty: true}},
		{"print pack_all()", userCols, &RowBag{Columns: userCols[:2]}},
		// A dynamic path, and scan's Step.Column state.
		{"print d.a[0]", []Column{{Name: "d", Type: schema.Dynamic}}, &Path{Base: &ColumnRef{Name: "d", T: schema.Dynamic},
			Steps: []PathStep{{Key: "a"}, {Index: &Literal{T: schema.Long, Value: int64(0), Plain: true}}}}},
		{"print s1.n", []Column{{Name: "n", Type: schema.Long}, {Name: "s1.n", Type: schema.Long, Hidden: true}},
			&ColumnRef{Name: "s1.n", T: schema.Long}},
		// in (T) compares as the first column's type, or as text for in~.
		{"let T = Heartbeat; print n in~ (T)", userCols, &InTable{Op: "in~",
			X:     &Convert{X: &ColumnRef{Name: "n", T: schema.Long}, To: schema.String},
			Table: &Scan{Tables: testTables{}, Table: "Heartbeat", Cols: []Column{{Name: "Computer", Type: schema.String}}, Stored: true, P: kql.Pos{Line: 1, Column: 9}}}},
		// A window function is a call marked so.
		{"print prev(n)", userCols, &Call{Name: "prev", Args: []Expr{&ColumnRef{Name: "n", T: schema.Long}},
			Sig: Sig{Params: []schema.Type{0}, Result: schema.Long}, Window: true}},
	} {
		t.Run(c.query, func(t *testing.T) {
			got, err := buildPrint(t, c.query, c.in, true)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %#v\nwant %#v", got, c.want)
			}
		})
	}
}

func TestBuildLiteralReals(t *testing.T) {
	for text, want := range map[string]float64{"real(nan)": math.NaN(), "real(+inf)": math.Inf(1), "real(-inf)": math.Inf(-1), "real(2.5)": 2.5} {
		x, err := buildPrint(t, "print "+text, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		l := x.(*Literal)
		v := l.Value.(float64)
		if l.T != schema.Real || l.Plain || !(v == want || math.IsNaN(v) && math.IsNaN(want)) {
			t.Errorf("%s: %#v", text, l)
		}
	}
}

func TestBuildExprErrors(t *testing.T) {
	for _, c := range []struct {
		query     string
		in        []Column
		windows   bool
		msg, hint string
		line, col int
	}{
		{"print Usr", userCols, false, "Failed to resolve column or scalar expression named 'Usr'", "Did you mean 'User'?", 1, 7},
		{"print tostirng(1)", nil, false, "Unknown function: 'tostirng'", "Did you mean 'tostring'?", 1, 7},
		{"let myfunc = () { 1 };\nprint myfnuc()", nil, false, "Unknown function: 'myfnuc'", "Did you mean 'myfunc'?", 2, 7},
		{"print prev(n)", userCols, false, "The function 'prev' is only valid in extend, project or where", "", 1, 7},
		{"print count()", nil, false, "The aggregate function 'count' is only valid in summarize", "", 1, 7},
		{"print pack_all()", nil, false, "pack_all() needs a row", "", 1, 7},
		{"print pack_all(User)", userCols, false, "argument of pack_all", "", 1, 16},
		{"let f = (a: datetime) { a }; print f(true)", nil, false, "Cannot convert bool to datetime", "", 1, 36},
		{"let f = (a: long) { a }; print f(1, 2)", nil, false, "The function takes 1 arguments, not 2", "", 1, 32},
		{"let f = (a: long) { a }; print f()", nil, false, "The function's parameter 'a' has no value", "", 1, 32},
		{"let t = () { print 1 }; print t()", nil, false, "The function returns a table, not a scalar", "", 1, 31},
		{"let t = (T: (x: long)) { T | count }; print t()", nil, false, "The function's tabular parameter 'T' has no value", "", 1, 45},
		{"print $left.a", nil, false, "$left and $right are only valid in join conditions", "", 1, 7},
		{"print d[true]", []Column{{Name: "d", Type: schema.Dynamic}}, false, "index", "", 1, 9},
		{"print column_ifexists(User, 1)", userCols, false, "column_ifexists needs the column's name as a string literal", "", 1, 23},
		{"print int(x)", nil, false, "", "", 1, 7},
	} {
		t.Run(c.query, func(t *testing.T) {
			_, err := buildPrint(t, c.query, c.in, c.windows)
			var e *kql.Error
			if !asKQLError(err, &e) {
				t.Fatalf("error %v is no *kql.Error", err)
			}
			if !strings.Contains(e.Msg, c.msg) || e.Hint != c.hint || e.Pos.Line != c.line || e.Pos.Column != c.col {
				t.Fatalf("error %q (hint %q) at %d:%d, want %q (hint %q) at %d:%d", e.Msg, e.Hint, e.Pos.Line, e.Pos.Column, c.msg, c.hint, c.line, c.col)
			}
		})
	}
}

func asKQLError(err error, e **kql.Error) bool {
	k, ok := err.(*kql.Error)
	*e = k
	return ok
}
