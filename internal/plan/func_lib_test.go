package plan

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// typeCall types the call src (a KQL expression) with its arguments of
// the types given.
func typeCall(t *testing.T, src string, types ...schema.Type) (Sig, error) {
	t.Helper()
	q, err := kql.Parse("print " + src)
	if err != nil {
		t.Fatal(err)
	}
	call := q.Body.(*kql.Print).Items[0].Expr.(*kql.Call)
	if len(call.Args) != len(types) {
		t.Fatalf("%s: %d argument types for %d arguments", src, len(types), len(call.Args))
	}
	args := make([]Arg, len(types))
	for i, typ := range types {
		args[i] = Arg{Expr: call.Args[i], Type: typ}
	}
	sig, known, err := TypeCall(call, args)
	if !known {
		t.Fatalf("%s: unknown function", src)
	}
	return sig, err
}

const (
	b   = schema.Bool
	i32 = schema.Int
	i64 = schema.Long
	r   = schema.Real
	dec = schema.Decimal
	str = schema.String
	dt  = schema.DateTime
	ts  = schema.Timespan
	id  = schema.GUID
	dyn = schema.Dynamic
)

func TestLibraryFuncTypes(t *testing.T) {
	for _, tc := range []struct {
		src    string
		args   []schema.Type
		params []schema.Type
		result schema.Type
	}{
		// a last bool is nulls_last, not an array, unless it is the only
		// argument
		{"array_sort_asc(a, b, true)", []schema.Type{dyn, str, b}, []schema.Type{dyn, dyn, b}, dyn},
		{"array_sort_desc(a, b)", []schema.Type{dyn, dyn}, []schema.Type{dyn, dyn}, dyn},
		{"array_sort_asc(a)", []schema.Type{b}, []schema.Type{dyn}, dyn},
		{"array_shift_right(a, 1, 0)", []schema.Type{dyn, i32, i64}, []schema.Type{dyn, i64, dyn}, dyn},
		{"array_reverse(a)", []schema.Type{str}, []schema.Type{0}, dyn},
		{"extract_json('$.a', s)", []schema.Type{str, dyn}, []schema.Type{str, str}, str},
		{"extractjson('$.a', s, typeof(long))", []schema.Type{str, str, 0}, []schema.Type{str, str, 0}, i64},
		{"percentile_tdigest(d, 50)", []schema.Type{dyn, i64}, []schema.Type{dyn, r}, r},
		{"percentile_tdigest(d, 50, typeof(long))", []schema.Type{dyn, i64, 0}, []schema.Type{dyn, r, 0}, i64},
		// one dynamic array of percentiles passes as it is
		{"percentiles_array_tdigest(d, dynamic([50, 90]))", []schema.Type{dyn, dyn}, []schema.Type{dyn, 0}, dyn},
		{"percentiles_array_tdigest(d, 50, 90.5)", []schema.Type{dyn, i64, r}, []schema.Type{dyn, r, r}, dyn},
		{"merge_tdigest(a, b)", []schema.Type{dyn, str}, []schema.Type{dyn, dyn}, dyn},
		// an int stays one for the dialect to write unsigned
		{"tohex(n)", []schema.Type{i32}, []schema.Type{i32}, str},
		{"tohex(n, 8)", []schema.Type{r, i64}, []schema.Type{i64, dyn}, str},
		{"hash(x)", []schema.Type{i32}, []schema.Type{i64}, i64},
		{"hash(x, 10)", []schema.Type{dec, i32}, []schema.Type{r, i64}, i64},
		{"hash_xxhash64(x)", []schema.Type{id}, []schema.Type{str}, i64},
		{"hash_many(a, b, c, d, e)", []schema.Type{ts, b, dt, dyn, 0}, []schema.Type{ts, b, dt, str, str}, i64},
		{"hash_combine(a, b)", []schema.Type{i32, str}, []schema.Type{i64, i64}, i64},
		{"make_timespan(1, 2, 3)", []schema.Type{i64, i64, r}, []schema.Type{r, r, r}, ts},
		{"ipv4_is_in_any_range(ip, r1, r2)", []schema.Type{str, str, str}, []schema.Type{dyn, 0, 0}, b},
		{"ipv6_is_match(a, b, 64)", []schema.Type{str, str, i64}, []schema.Type{dyn, dyn, dyn}, b},
		{"ipv4_netmask_suffix(a)", []schema.Type{str}, []schema.Type{dyn}, i32},
		{"base64_decode_toguid(s)", []schema.Type{str}, []schema.Type{dyn}, id},
	} {
		sig, err := typeCall(t, tc.src, tc.args...)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if !reflect.DeepEqual(sig.Params, tc.params) || sig.Result != tc.result {
			t.Errorf("%s: params %v, result %v; want %v, %v", tc.src, sig.Params, sig.Result, tc.params, tc.result)
		}
	}
}

func TestLibraryFuncErrors(t *testing.T) {
	for _, tc := range []struct {
		src  string
		args []schema.Type
		msg  string
		at   string // the text the error points at
	}{
		{"percentile_tdigest(d, 50, typeof(datetime))", []schema.Type{dyn, i64, 0}, "Cannot convert real to datetime", "typeof"},
		{"tohex(t)", []schema.Type{dt}, "Cannot convert datetime to long", "t)"},
		{"assert(n, 'm')", []schema.Type{i64, str}, "Cannot convert long to bool", "n,"},
		{"indexof_regex('abc', '(')", []schema.Type{str, str}, `Invalid regular expression "(": missing closing ): ` + "`(`", "'('"},
		{"extract_all('[', s)", []schema.Type{str, str}, `Invalid regular expression "[": missing closing ]: ` + "`[`", "'['"},
		{"array_rotate_left(a, 1, 2)", []schema.Type{dyn, i64, i64}, "The function 'array_rotate_left' takes at most 2 arguments, got 3", "array_rotate_left"},
		{"make_timespan(1, 2, 3, 4, 5)", []schema.Type{i64, i64, i64, i64, i64}, "The function 'make_timespan' takes at most 4 arguments, got 5", "make_timespan"},
		{"hash_many(a)", []schema.Type{str}, "The function 'hash_many' needs 2 arguments, got 1", "hash_many"},
		{"array_sort_asc()", nil, "The function 'array_sort_asc' needs 1 arguments, got 0", "array_sort_asc"},
	} {
		_, err := typeCall(t, tc.src, tc.args...)
		var kerr *kql.Error
		if !errors.As(err, &kerr) {
			t.Errorf("%s: error %v, want a KQL error", tc.src, err)
			continue
		}
		col := len("print ") + strings.Index(tc.src, tc.at) + 1
		if kerr.Msg != tc.msg || kerr.Pos != (kql.Pos{Line: 1, Column: col}) {
			t.Errorf("%s: %q at %v, want %q at column %d", tc.src, kerr.Msg, kerr.Pos, tc.msg, col)
		}
	}
}
