package plan

import (
	"slices"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// typeExprCall types the call src. Its arguments are literals,
// typeof(T) and the columns of callColumns, named by their type.
func typeExprCall(t *testing.T, src string) (Sig, error) {
	t.Helper()
	call, ok := parseExpr(t, src).(*kql.Call)
	if !ok {
		t.Fatalf("%s is not a call", src)
	}
	args := make([]Arg, len(call.Args))
	for i, e := range call.Args {
		args[i] = Arg{Expr: e}
		switch x := e.(type) {
		case *kql.Ident:
			typ, ok := callColumns[x.Name]
			if !ok {
				t.Fatalf("%s: no column %s", src, x.Name)
			}
			args[i].Type = typ
		case *kql.Literal:
			args[i].Type = literalTypes[x.Kind]
		}
	}
	sig, known, err := TypeCall(call, args)
	if !known {
		t.Fatalf("%s: unknown function", src)
	}
	return sig, err
}

// callColumns are the columns typeExprCall knows.
var callColumns = map[string]schema.Type{
	"b": schema.Bool, "i": schema.Int, "n": schema.Long, "r": schema.Real,
	"s": schema.String, "t": schema.DateTime, "ts": schema.Timespan, "d": schema.Dynamic,
	"dec": schema.Decimal, "g": schema.GUID,
}

// literalTypes are the types of literals; an untyped null is 0.
var literalTypes = map[kql.LitKind]schema.Type{
	kql.LitString: schema.String, kql.LitLong: schema.Long, kql.LitReal: schema.Real,
	kql.LitBool: schema.Bool, kql.LitTimespan: schema.Timespan,
}

// callCase is a call written in KQL and its signature, or the error it
// gives.
type callCase struct {
	src    string
	params []schema.Type
	result schema.Type
	err    string
}

func checkCalls(t *testing.T, cases []callCase) {
	t.Helper()
	for _, tc := range cases {
		sig, err := typeExprCall(t, tc.src)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: error %v, want %s", tc.src, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if !slices.Equal(sig.Params, tc.params) || sig.Result != tc.result {
			t.Errorf("%s: %v -> %v, want %v -> %v", tc.src, sig.Params, sig.Result, tc.params, tc.result)
		}
	}
}

func TestLogicTyping(t *testing.T) {
	const (
		B, I, L, R, S = schema.Bool, schema.Int, schema.Long, schema.Real, schema.String
	)
	checkCalls(t, []callCase{
		// iff's branches take the type of the first that is typed; the
		// condition is passed as it is.
		{src: "iff(b, 1, 2.5)", params: []schema.Type{0, L, L}, result: L},
		{src: "iif(b, null, 2.5)", params: []schema.Type{0, R, R}, result: R},
		{src: "iff(b, null, null)", params: []schema.Type{0, 0, 0}, result: 0},
		{src: "iff(b, 1, t)", err: "Cannot convert datetime to long (line 1, column 17)"},
		{src: "iff(b, 1)", err: "The function 'iff' needs 3 arguments, got 2 (line 1, column 7)"},
		// The condition must be a bool; Kusto does not read text or a
		// number as one.
		{src: "iff(s, 1, 2)", err: "The condition of iff must be bool, not string (line 1, column 11)"},
		{src: "iif(n, 1, 2)", err: "The condition of iif must be bool, not long (line 1, column 11)"},
		{src: "iff(null, 1, 2)", params: []schema.Type{0, L, L}, result: L},
		// case: the values and else, not the conditions.
		{src: "case(b, 'x', n > 1, 'y', 'z')", params: []schema.Type{0, S, 0, S, S}, result: S},
		{src: "case(b, null, 1)", params: []schema.Type{0, L, L}, result: L},
		{src: "case(b, 1, b, 2, t)", err: "Cannot convert datetime to long (line 1, column 24)"},
		{src: "case(b, 1, s, 2, 3)", err: "The condition of case must be bool, not string (line 1, column 18)"},
		{src: "case(b, 1, b, 2)", err: "case needs a value for each condition and an else value last, got 4 arguments (line 1, column 7)"},
		// coalesce and max_of: the first typed argument's type, which an
		// untyped null before it does not take away.
		{src: "coalesce(null, n, 2)", params: []schema.Type{L, L, L}, result: L},
		{src: "coalesce(s, n)", params: []schema.Type{S, S}, result: S},
		{src: "coalesce(n, t)", err: "Cannot convert datetime to long (line 1, column 19)"},
		{src: "max_of(n, r, 1)", params: []schema.Type{R, R, R}, result: R},
		{src: "min_of(i, n)", params: []schema.Type{I, I}, result: I},
		{src: "isempty(n)", params: []schema.Type{S}, result: B},
		{src: "isnull(d)", params: []schema.Type{0}, result: B},
		{src: "not(b)", params: []schema.Type{0}, result: B},
		{src: "not(s)", err: "The argument of not must be bool, not string (line 1, column 11)"},
		{src: "not(n)", err: "The argument of not must be bool, not long (line 1, column 11)"},
		{src: "gettype(ts)", params: []schema.Type{0}, result: S},
		{src: "gettype(ts, n)", err: "The function 'gettype' takes at most 1 arguments, got 2 (line 1, column 7)"},
	})
}
