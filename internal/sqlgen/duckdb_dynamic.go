package sqlgen

import (
	"strings"

	"vigil/internal/schema"
)

func init() {
	tdigestMerge := func(_ *DuckDB, a []Arg, _ schema.Type) string {
		return "to_json(flatten([" + strings.Join(jsonLists(a), ", ") + "]))"
	}
	spell(map[string]spelling{
		"array_slice":        goFixed("kql_array_slice", 3),
		"array_split":        goFixed("kql_array_split", 2),
		"zip":                goVariadic("kql_zip"),
		"array_sort_asc":     sortArrays(true),
		"array_sort_desc":    sortArrays(false),
		"array_shift_left":   shiftArray("", false),
		"array_shift_right":  shiftArray("-", false),
		"array_rotate_left":  shiftArray("", true),
		"array_rotate_right": shiftArray("-", true),
		"array_index_of":     goFixed("kql_array_index_of", 5),
		"array_iff":          goFixed("kql_array_iff", 3),
		"array_iif":          goFixed("kql_array_iff", 3),
		"array_reverse":      tmpl("CASE WHEN json_type($1) = 'ARRAY' THEN to_json(list_reverse(CAST($1 AS JSON[]))) END"),
		"array_sum":          tmpl("list_sum(TRY_CAST($1 AS DOUBLE[]))"),
		"strcat_array":       goFixed("kql_strcat_array", 2),
		"treepath":           goFixed("kql_treepath", 1),
		"dynamic_to_json":    goFixed("kql_dynamic_to_json", 1),
		"extract_json":       extractJSON,
		"extractjson":        extractJSON,
		"bag_zip":            goFixed("kql_bag_zip", 2),
		"bag_merge":          goVariadic("kql_bag_merge"),
		"bag_remove_keys":    goFixed("kql_bag_remove_keys", 2),
		"bag_set_key":        goFixed("kql_bag_set_key", 3),
		"set_intersect":      goVariadic("kql_set_intersect"),
		"jaccard_index":      goFixed("kql_jaccard_index", 2),
		"dcount_hll":         tmpl("coalesce(CAST(json_array_length($1) AS BIGINT), 0)"),
		"hll_merge": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			return "to_json(kql_distinct(flatten([" + strings.Join(jsonLists(a), ", ") + "])))"
		},
		"tdigest_merge": tdigestMerge,
		"merge_tdigest": tdigestMerge,
		"percentile_tdigest": func(d *DuckDB, a []Arg, result schema.Type) string {
			return d.Convert(Arg{SQL: tdigestRank(a[0].SQL, a[1].SQL), Type: schema.Real}, result)
		},
		"percentiles_array_tdigest": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			if a[1].Type == schema.Dynamic {
				return "to_json(list_transform(CAST(" + a[1].SQL + " AS DOUBLE[]), _p -> " + tdigestRank(a[0].SQL, "_p") + "))"
			}
			var parts []string
			for _, p := range a[1:] {
				if p.SQL != "" { // not a typeof(T)
					parts = append(parts, tdigestRank(a[0].SQL, p.SQL))
				}
			}
			return "to_json([" + strings.Join(parts, ", ") + "])"
		},
	})
}

// jsonBool is the JSON text of a bool as a SQL string, an argument of a
// Go function.
func jsonBool(b bool) string {
	if b {
		return "'true'"
	}
	return "'false'"
}

// sortArrays spells array_sort_asc or array_sort_desc: the arrays, and
// nulls_last when the plan left the last argument a bool (true by
// default).
func sortArrays(asc bool) spelling {
	return func(d *DuckDB, a []Arg, result schema.Type) string {
		arrays, nullsLast := a, "'true'"
		if last := len(a) - 1; last > 0 && a[last].Type == schema.Bool {
			arrays = a[:last]
			nullsLast = "CAST(" + d.Convert(a[last], schema.Dynamic) + " AS VARCHAR)"
		}
		return goCall("kql_array_sort", result, append([]string{jsonBool(asc), nullsLast}, jsonArgs(arrays, 0)...)...)
	}
}

// shiftArray spells array_shift_* (rotate false) and array_rotate_*:
// a shift to the right is one to the left by minus as many.
func shiftArray(sign string, rotate bool) spelling {
	return func(_ *DuckDB, a []Arg, result schema.Type) string {
		return goCall("kql_array_shift", result, jsonArg(a, 0), "CAST(("+sign+a[1].SQL+") AS VARCHAR)", jsonArg(a, 2), jsonBool(rotate))
	}
}

// extractJSON spells extract_json(path, text [, typeof(T)]): the member
// at the path of the text parsed as JSON (null for text that is not),
// read as the call's type.
func extractJSON(d *DuckDB, a []Arg, result schema.Type) string {
	doc := "CASE WHEN json_valid(" + a[1].SQL + ") THEN CAST(" + a[1].SQL + " AS JSON) END"
	return d.Convert(Arg{SQL: "json_extract(" + doc + ", " + a[0].SQL + ")", Type: schema.Dynamic}, result)
}

// tdigestRank is the SQL of percentile p (0..100) of a tdigest, which
// Vigil keeps as the array of the values: the same rank quantile_disc
// takes, as percentile() does.
func tdigestRank(digest, p string) string {
	vals := "list_sort(list_filter(TRY_CAST(" + digest + " AS DOUBLE[]), _v -> _v IS NOT NULL))"
	return vals + "[CAST(floor((len(" + vals + ") - 1) * " + p + " / 100.0) AS BIGINT) + 1]"
}
