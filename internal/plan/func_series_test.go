package plan

import (
	"errors"
	"slices"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// testCall is a call of name at line 1, column 1, whose argument i
// has type types[i] and stands at column 10*(i+1); the typing tests of
// functions and aggregates build their calls with it.
func testCall(name string, types ...schema.Type) (*kql.Call, []Arg) {
	call := &kql.Call{P: kql.Pos{Line: 1, Column: 1}, Name: name}
	var args []Arg
	for i, t := range types {
		id := &kql.Ident{P: kql.Pos{Line: 1, Column: 10 * (i + 1)}, Name: "x"}
		call.Args = append(call.Args, id)
		args = append(args, Arg{Expr: id, Type: t})
	}
	return call, args
}

// typingCase is a call and what typing it gives: the parameters and
// result, or an error at a column.
type typingCase struct {
	name string
	// src, when set, is the call as KQL text, parsed as "print src" (so
	// its column 1 is column 7), for arguments that must be literals,
	// such as typeof(T) or a constant regular expression; args are then
	// the types of its arguments and name is not used.
	src    string
	args   []schema.Type
	params []schema.Type
	result schema.Type
	errCol int
	errMsg string
}

func checkTyping(t *testing.T, cases []typingCase) {
	t.Helper()
	for _, tc := range cases {
		call, args := testCall(tc.name, tc.args...)
		if tc.src != "" {
			call, args = parsedCall(t, tc.src, tc.args...)
		}
		sig, known, err := TypeCall(call, args)
		if !known {
			t.Errorf("%s%v: not a function", call.Name, tc.args)
			continue
		}
		if tc.errMsg != "" {
			var kerr *kql.Error
			if !errors.As(err, &kerr) || kerr.Msg != tc.errMsg || kerr.Pos.Column != tc.errCol {
				t.Errorf("%s%v: error %v, want %q at column %d", call.Name, tc.args, err, tc.errMsg, tc.errCol)
			}
			continue
		}
		if err != nil || sig.Result != tc.result || !slices.Equal(sig.Params, tc.params) {
			t.Errorf("%s%v: %v %v %v, want %v %v", call.Name, tc.args, sig.Params, sig.Result, err, tc.params, tc.result)
		}
	}
}

func TestSeriesTyping(t *testing.T) {
	D, R, L := schema.Dynamic, schema.Real, schema.Long
	checkTyping(t, []typingCase{
		// Element-wise operations: the series stays dynamic, a number
		// is read as a real, on either side.
		{name: "series_add", args: []schema.Type{D, D}, params: []schema.Type{D, D}, result: D},
		{name: "series_subtract", args: []schema.Type{D, L}, params: []schema.Type{D, R}, result: D},
		{name: "series_pow", args: []schema.Type{schema.Int, D}, params: []schema.Type{R, D}, result: D},
		{name: "series_greater", args: []schema.Type{schema.String, D}, params: []schema.Type{R, D}, result: D},
		{name: "series_divide", args: []schema.Type{0, D}, params: []schema.Type{R, D}, result: D},
		{name: "series_multiply", args: []schema.Type{L, R}, errCol: 1, errMsg: "series_multiply needs a dynamic array argument"},
		{name: "series_less", args: []schema.Type{D, schema.DateTime}, errCol: 20, errMsg: "Cannot convert datetime to real"},
		{name: "series_equals", args: []schema.Type{D}, errCol: 1, errMsg: "The function 'series_equals' needs 2 arguments, got 1"},
		// Functions of series take them as dynamic, numbers included.
		{name: "series_abs", args: []schema.Type{D}, params: []schema.Type{D}, result: D},
		{name: "series_abs", args: []schema.Type{D, D}, errCol: 1, errMsg: "The function 'series_abs' takes at most 1 arguments, got 2"},
		{name: "series_sum", args: []schema.Type{D}, params: []schema.Type{D}, result: R},
		{name: "series_dot_product", args: []schema.Type{D, L}, params: []schema.Type{D, D}, result: R},
		{name: "series_fill_const", args: []schema.Type{D, L, L}, params: []schema.Type{D, D, D}, result: D},
		{name: "series_fill_forward", args: []schema.Type{D, L, L}, errCol: 1, errMsg: "The function 'series_fill_forward' takes at most 2 arguments, got 3"},
		{name: "series_periods_detect", args: []schema.Type{D, R, R}, errCol: 1, errMsg: "The function 'series_periods_detect' needs 4 arguments, got 3"},
		{name: "series_periods_validate", args: []schema.Type{D, R, R, R}, params: []schema.Type{D, D, D, D}, result: D},
		{name: "series_decompose_anomalies", args: []schema.Type{D, R, L, schema.String, L, schema.String, R},
			params: []schema.Type{D, D, D, D, D, D, D}, result: D},
	})
}
