package plan

import (
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// parsedCall is the call src, parsed as "print src", whose arguments
// have the types given.
func parsedCall(t *testing.T, src string, types ...schema.Type) (*kql.Call, []Arg) {
	t.Helper()
	call := parseExpr(t, src).(*kql.Call)
	if len(call.Args) != len(types) {
		t.Fatalf("%s: %d argument types for %d arguments", src, len(types), len(call.Args))
	}
	args := make([]Arg, len(types))
	for i, typ := range types {
		args[i] = Arg{Expr: call.Args[i], Type: typ}
	}
	return call, args
}

func TestLibraryTyping(t *testing.T) {
	b, i, l, r, s := schema.Bool, schema.Int, schema.Long, schema.Real, schema.String
	dt, ts, d := schema.DateTime, schema.Timespan, schema.Dynamic
	ty := func(types ...schema.Type) []schema.Type { return types }
	checkTyping(t, []typingCase{
		// A last bool is nulls_last, not an array, unless it is the only
		// argument.
		{name: "array_sort_asc", args: ty(d, s, b), params: ty(d, d, b), result: d},
		{name: "array_sort_desc", args: ty(d, d), params: ty(d, d), result: d},
		{name: "array_sort_asc", args: ty(b), params: ty(d), result: d},
		{name: "array_shift_right", args: ty(d, i, l), params: ty(d, l, d), result: d},
		{name: "array_reverse", args: ty(s), params: ty(0), result: d},
		// extract_json's result is string, or the type typeof names.
		{src: "extract_json('$.a', x)", args: ty(s, d), params: ty(s, s), result: s},
		{src: "extractjson('$.a', x, typeof(long))", args: ty(s, s, 0), params: ty(s, s, 0), result: l},
		// percentile_tdigest's is real, or the type typeof names when a
		// real converts to it.
		{name: "percentile_tdigest", args: ty(d, l), params: ty(d, r), result: r},
		{src: "percentile_tdigest(x, 50, typeof(long))", args: ty(d, l, 0), params: ty(d, r, 0), result: l},
		{src: "percentile_tdigest(x, 50, typeof(datetime))", args: ty(d, l, 0), errMsg: "Cannot convert real to datetime", errCol: 33},
		// One dynamic array of percentiles passes as it is.
		{name: "percentiles_array_tdigest", args: ty(d, d), params: ty(d, 0), result: d},
		{name: "percentiles_array_tdigest", args: ty(d, l, r), params: ty(d, r, r), result: d},
		{name: "merge_tdigest", args: ty(d, s), params: ty(d, d), result: d},
		// An int stays one, for the dialect to write it unsigned.
		{name: "tohex", args: ty(i), params: ty(i), result: s},
		{name: "tohex", args: ty(r, l), params: ty(l, d), result: s},
		{name: "tohex", args: ty(dt), errMsg: "Cannot convert datetime to long", errCol: 10},
		// hash reads integers, ticks and reals as their bytes, anything
		// else as text.
		{name: "hash", args: ty(i), params: ty(l), result: l},
		{name: "hash_xxhash64", args: ty(schema.Decimal, i), params: ty(r, l), result: l},
		{name: "hash", args: ty(schema.GUID), params: ty(s), result: l},
		{name: "hash_many", args: ty(ts, b, dt, d, 0), params: ty(ts, b, dt, s, s), result: l},
		{name: "hash_combine", args: ty(i, s), params: ty(l, l), result: l},
		{name: "assert", args: ty(l, s), errMsg: "Cannot convert long to bool", errCol: 10},
		{name: "make_timespan", args: ty(l, l, r), params: ty(r, r, r), result: ts},
		{name: "ipv4_is_in_any_range", args: ty(s, s, s), params: ty(d, 0, 0), result: b},
		{name: "ipv6_is_match", args: ty(s, s, l), params: ty(d, d, d), result: b},
		{name: "ipv4_netmask_suffix", args: ty(s), params: ty(d), result: i},
		{name: "base64_decode_toguid", args: ty(s), params: ty(d), result: schema.GUID},
		{name: "convert_speed", args: ty(l, s, d), params: ty(r, s, s), result: r},
		// A constant regular expression must compile.
		{src: "indexof_regex('abc', '(')", args: ty(s, s), errMsg: `Invalid regular expression "(": missing closing ): ` + "`(`", errCol: 28},
		{src: "extract_all('[', x)", args: ty(s, s), errMsg: `Invalid regular expression "[": missing closing ]: ` + "`[`", errCol: 19},
		// Kusto's numbers of arguments, refused at the call.
		{name: "array_rotate_left", args: ty(d, l, l), errMsg: "The function 'array_rotate_left' takes at most 2 arguments, got 3", errCol: 1},
		{name: "make_timespan", args: ty(l, l, l, l, l), errMsg: "The function 'make_timespan' takes at most 4 arguments, got 5", errCol: 1},
		{name: "convert_mass", args: ty(r, s, s, s), errMsg: "The function 'convert_mass' takes at most 3 arguments, got 4", errCol: 1},
		{name: "hash_many", args: ty(s), errMsg: "The function 'hash_many' needs 2 arguments, got 1", errCol: 1},
		{name: "array_sort_asc", errMsg: "The function 'array_sort_asc' needs 1 arguments, got 0", errCol: 1},
	})
}
