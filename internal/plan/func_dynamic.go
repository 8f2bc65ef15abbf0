package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

func init() {
	sortArrays := Func{Min: 1, Max: -1, Check: checkSort}
	shift := fixed(schema.Dynamic, 2, 3, schema.Dynamic, schema.Long, schema.Dynamic)
	rotate := fixed(schema.Dynamic, 2, 2, schema.Dynamic, schema.Long)
	extractJSON := Func{Min: 2, Max: 3, Check: checkExtractJSON}
	tdigestMerge := jsonFunc(schema.Dynamic, 2, -1)
	define(map[string]Func{
		"array_slice":        jsonFunc(schema.Dynamic, 3, 3),
		"array_split":        jsonFunc(schema.Dynamic, 2, 2),
		"zip":                jsonFunc(schema.Dynamic, 2, -1),
		"array_sort_asc":     sortArrays,
		"array_sort_desc":    sortArrays,
		"array_shift_left":   shift,
		"array_shift_right":  shift,
		"array_rotate_left":  rotate,
		"array_rotate_right": rotate,
		"array_index_of":     jsonFunc(schema.Long, 2, 5),
		"array_iff":          jsonFunc(schema.Dynamic, 3, 3),
		"array_iif":          jsonFunc(schema.Dynamic, 3, 3),
		// array_reverse and array_sum read their argument as it is: a
		// value that is not an array gives null.
		"array_reverse":   fixed(schema.Dynamic, 1, 1),
		"array_sum":       fixed(schema.Real, 1, 1),
		"strcat_array":    jsonFunc(schema.String, 2, 2),
		"treepath":        jsonFunc(schema.Dynamic, 1, 1),
		"dynamic_to_json": jsonFunc(schema.String, 1, 1),
		"extract_json":    extractJSON,
		"extractjson":     extractJSON,
		"bag_zip":         jsonFunc(schema.Dynamic, 2, 2),
		"bag_merge":       jsonFunc(schema.Dynamic, 2, 64),
		"bag_remove_keys": jsonFunc(schema.Dynamic, 2, 2),
		"bag_set_key":     jsonFunc(schema.Dynamic, 3, 3),
		"set_intersect":   jsonFunc(schema.Dynamic, 2, -1),
		"jaccard_index":   jsonFunc(schema.Real, 2, 2),
		// hll sketches, which Vigil keeps as the arrays of the distinct
		// values, and tdigest sketches, kept as the arrays of the values.
		"dcount_hll":                jsonFunc(schema.Long, 1, 1),
		"hll_merge":                 jsonFunc(schema.Dynamic, 2, 64),
		"tdigest_merge":             tdigestMerge,
		"merge_tdigest":             tdigestMerge,
		"percentile_tdigest":        {Min: 2, Max: 3, Check: checkPercentileTDigest},
		"percentiles_array_tdigest": {Min: 2, Max: -1, Check: checkPercentilesTDigest},
	})
}

// SortArrays is how many of the arguments of array_sort_asc or
// array_sort_desc are arrays to sort: all but a last bool, which is
// nulls_last.
func SortArrays(args []Arg) int {
	if last := len(args) - 1; last > 0 && args[last].Type == schema.Bool {
		return last
	}
	return len(args)
}

// checkSort types array_sort_asc/_desc(array1, ... [, nulls_last]): the
// arrays as dynamic values; nulls_last stays a bool, which tells the
// dialect it is not an array.
func checkSort(_ *kql.Call, args []Arg) (Sig, error) {
	params := make([]schema.Type, len(args))
	for i := range params {
		params[i] = schema.Dynamic
	}
	if n := SortArrays(args); n < len(args) {
		params[n] = schema.Bool
	}
	return Sig{Params: params, Result: schema.Dynamic}, nil
}

// checkExtractJSON types extract_json(path, text [, typeof(T)]): the
// element at a JSONPath of JSON text, as T (string by default).
func checkExtractJSON(call *kql.Call, args []Arg) (Sig, error) {
	result := schema.String
	if len(args) > 2 {
		if t := TypeArg(call.Args[2]); t != 0 {
			result = t
		}
	}
	return Sig{Params: []schema.Type{schema.String, schema.String, 0}, Result: result}, nil
}

// checkPercentileTDigest types percentile_tdigest(digest, p [,
// typeof(T)]): a real, or T when the call names one a real converts to.
func checkPercentileTDigest(call *kql.Call, args []Arg) (Sig, error) {
	result := schema.Real
	if len(args) > 2 {
		if t := TypeArg(call.Args[2]); t != 0 {
			if !CanConvert(schema.Real, t) {
				return Sig{}, kql.Errorf(call.Args[2].Position(), "Cannot convert %s to %s", schema.Real, t)
			}
			result = t
		}
	}
	return Sig{Params: []schema.Type{schema.Dynamic, schema.Real, 0}, Result: result}, nil
}

// checkPercentilesTDigest types percentiles_array_tdigest(digest, p1,
// p2, ...) and (digest, dynamic([p1, ...])): the percentiles are reals,
// or one dynamic array passed as it is. A typeof(T) among them is
// Kusto's result type, which Vigil leaves as the percentiles' own.
func checkPercentilesTDigest(_ *kql.Call, args []Arg) (Sig, error) {
	if args[1].Type == schema.Dynamic {
		return Sig{Params: []schema.Type{schema.Dynamic, 0}, Result: schema.Dynamic}, nil
	}
	return Sig{Params: []schema.Type{schema.Dynamic, schema.Real}, Result: schema.Dynamic}, nil
}
