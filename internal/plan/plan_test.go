package plan

import (
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// parseExpr parses the expression of "print e".
func parseExpr(t *testing.T, e string) kql.Expr {
	t.Helper()
	q, err := kql.Parse("print " + e)
	if err != nil {
		t.Fatal(err)
	}
	return q.Body.(*kql.Print).Items[0].Expr
}

func TestCanConvert(t *testing.T) {
	for _, c := range []struct {
		from, to schema.Type
		ok       bool
	}{
		{schema.Int, schema.Real, true},
		{schema.Real, schema.Long, true},
		{schema.DateTime, schema.String, true},
		{schema.Bool, schema.Dynamic, true},
		{schema.Dynamic, schema.DateTime, true},
		{schema.String, schema.Timespan, true},
		{0, schema.GUID, true},
		{schema.DateTime, schema.Long, false},
		{schema.Bool, schema.Real, false},
		{schema.Timespan, schema.Real, false},
		{schema.GUID, schema.Bool, false},
	} {
		if got := CanConvert(c.from, c.to); got != c.ok {
			t.Errorf("CanConvert(%v, %v) = %v, want %v", c.from, c.to, got, c.ok)
		}
	}
}

func TestTypeBinary(t *testing.T) {
	for _, c := range []struct {
		expr    string
		l, r    schema.Type
		want    BinarySig
		wantErr string
	}{
		{"a + b", schema.Int, schema.Int, BinarySig{Result: schema.Int}, ""},
		{"a / b", schema.Int, schema.Long, BinarySig{Result: schema.Long}, ""},
		{"a * b", schema.Decimal, schema.Real, BinarySig{Result: schema.Real}, ""},
		{"a + b", schema.Dynamic, schema.Long, BinarySig{L: schema.Real, Result: schema.Real}, ""},
		{"a - b", schema.DateTime, schema.DateTime, BinarySig{Result: schema.Timespan}, ""},
		{"a + b", schema.Timespan, schema.DateTime, BinarySig{Result: schema.DateTime}, ""},
		{"a / b", schema.Timespan, schema.Timespan, BinarySig{Result: schema.Real}, ""},
		{"a * b", schema.Long, schema.Timespan, BinarySig{Result: schema.Timespan}, ""},
		{"a == b", schema.Dynamic, schema.String, BinarySig{L: schema.String, Result: schema.Bool}, ""},
		{"a < b", schema.DateTime, schema.Dynamic, BinarySig{R: schema.DateTime, Result: schema.Bool}, ""},
		{"a == b", schema.GUID, schema.String, BinarySig{L: schema.String, R: schema.String, Result: schema.Bool}, ""},
		{"a has b", schema.Long, schema.String, BinarySig{L: schema.String, R: schema.String, Result: schema.Bool}, ""},
		{"a !startswith_cs b", schema.String, schema.String, BinarySig{L: schema.String, R: schema.String, Result: schema.Bool}, ""},
		{"a + b", schema.DateTime, schema.DateTime, BinarySig{}, "The operator '+' cannot be applied to datetime and datetime (line 1, column 9)"},
		{"a * b", schema.Timespan, schema.Timespan, BinarySig{}, "The operator '*' cannot be applied to timespan and timespan (line 1, column 9)"},
		{"a == b", schema.Bool, schema.Long, BinarySig{}, "Cannot compare bool with long (line 1, column 9)"},
		{"a or b", schema.Bool, schema.String, BinarySig{}, "The operator 'or' needs bool operands, not string (line 1, column 9)"},
		{"a matches regex '(x'", schema.String, schema.String, BinarySig{}, "Invalid regular expression \"(x\": missing closing ): `(x` (line 1, column 23)"},
	} {
		e, ok := parseExpr(t, c.expr).(*kql.Binary)
		if !ok {
			t.Fatalf("%s is not a binary expression", c.expr)
		}
		sig, err := TypeBinary(e, c.l, c.r)
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("%s over %v, %v: error %v, want %q", c.expr, c.l, c.r, err, c.wantErr)
			}
			continue
		}
		if err != nil || sig != c.want {
			t.Errorf("%s over %v, %v = %+v, %v; want %+v", c.expr, c.l, c.r, sig, err, c.want)
		}
	}
}

func TestTypeCall(t *testing.T) {
	const L, R, D = schema.Long, schema.Real, schema.Dynamic
	checkCalls(t, []callCase{
		{src: "round(n, 2)", params: []schema.Type{R, L}, result: R},
		{src: "abs(ts)", params: []schema.Type{0}, result: schema.Timespan},
		{src: "rand()", params: []schema.Type{}, result: R},
		{src: "rand(10)", params: []schema.Type{R}, result: L},
		{src: "zip(d, d, s)", params: []schema.Type{D, D, D}, result: D},
		{src: "sqrt()", err: "The function 'sqrt' needs 1 arguments, got 0 (line 1, column 7)"},
		{src: "pow(1, 2, 3)", err: "The function 'pow' takes at most 2 arguments, got 3 (line 1, column 7)"},
		{src: "sqrt(t)", err: "Cannot convert datetime to real (line 1, column 12)"},
	})
	if _, known, _ := TypeCall(&kql.Call{Name: "no_such_function"}, nil); known {
		t.Error("an unknown function is known")
	}
}

func TestTypeInAndBetween(t *testing.T) {
	in := parseExpr(t, "x in (1, d, 'a')").(*kql.In)
	got, err := TypeIn(in, schema.Long, []schema.Type{schema.Long, schema.Dynamic, schema.String})
	if err != nil || got[0] != schema.Long || got[1] != 0 || got[2] != schema.Long {
		t.Errorf("TypeIn over long = %v, %v; want [long 0 long]: a dynamic item is an array of values", got, err)
	}
	got, err = TypeIn(in, 0, []schema.Type{schema.Long, schema.Dynamic, schema.String})
	if err != nil || got[0] != schema.Long || got[1] != 0 || got[2] != schema.String {
		t.Errorf("TypeIn over null = %v, %v; want each item's own type", got, err)
	}
	bad := parseExpr(t, "x in (1, true)").(*kql.In)
	if _, err := TypeIn(bad, schema.DateTime, []schema.Type{schema.DateTime, schema.Bool}); err == nil || err.Error() != "Cannot convert bool to datetime (line 1, column 16)" {
		t.Errorf("TypeIn of a bool into datetimes: %v", err)
	}

	btw := parseExpr(t, "x between (a .. b)").(*kql.Between)
	sig, err := TypeBetween(btw, schema.DateTime, schema.DateTime, schema.Timespan)
	if err != nil || !sig.Span || sig.Lo != schema.DateTime || sig.Hi != schema.DateTime {
		t.Errorf("datetime between a datetime and a timespan = %+v, %v; want a span", sig, err)
	}
	sig, err = TypeBetween(btw, schema.Real, schema.Long, schema.Dynamic)
	if err != nil || sig.Span || sig.Lo != schema.Real || sig.Hi != schema.Real {
		t.Errorf("real between long and dynamic = %+v, %v", sig, err)
	}
	if _, err := TypeBetween(btw, schema.Long, schema.DateTime, schema.Long); err == nil || err.Error() != "Cannot convert datetime to long (line 1, column 18)" {
		t.Errorf("long between a datetime: %v", err)
	}
	if _, err := TypeBetween(btw, schema.Long, schema.Long, schema.Bool); err == nil || err.Error() != "Cannot convert bool to long (line 1, column 23)" {
		t.Errorf("long between a datetime: %v", err)
	}
}
