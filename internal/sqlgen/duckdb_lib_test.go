package sqlgen

import (
	"testing"

	"vigil/internal/schema"
)

func TestLibrarySpellings(t *testing.T) {
	d := Arg{SQL: "d", Type: schema.Dynamic}
	e := Arg{SQL: "e", Type: schema.Dynamic}
	s := Arg{SQL: "s", Type: schema.String}
	js := func(x string) string { return "CAST(" + x + " AS VARCHAR)" }
	rank := func(p string) string {
		vals := "list_sort(list_filter(TRY_CAST(d AS DOUBLE[]), _v -> _v IS NOT NULL))"
		return vals + "[CAST(floor((len(" + vals + ") - 1) * " + p + " / 100.0) AS BIGINT) + 1]"
	}
	checkSpellings(t, []spellingCase{
		// nulls_last is the last argument when the plan left it a bool.
		{"array_sort_desc", []Arg{d, e, {SQL: "true", Type: schema.Bool}}, schema.Dynamic,
			"CAST(kql_array_sort('false', CAST(to_json(true) AS VARCHAR), " + js("d") + ", " + js("e") + ") AS JSON)"},
		{"array_sort_asc", []Arg{d}, schema.Dynamic, "CAST(kql_array_sort('true', 'true', " + js("d") + ") AS JSON)"},
		{"array_rotate_right", []Arg{d, {SQL: "2", Type: schema.Long}}, schema.Dynamic,
			"CAST(kql_array_shift(" + js("d") + ", CAST((-2) AS VARCHAR), CAST(NULL AS VARCHAR), 'true') AS JSON)"},
		// extract_all(regex, groups, source) passes the groups last.
		{"extract_all", []Arg{d, e, {SQL: "t", Type: schema.Dynamic}}, schema.Dynamic,
			"CAST(kql_extract_all(" + js("d") + ", " + js("t") + ", " + js("e") + ") AS JSON)"},
		{"tohex", []Arg{{SQL: "n", Type: schema.Int}}, schema.String,
			"json_extract_string(kql_tohex(CAST((CAST(n AS BIGINT) & 4294967295) AS VARCHAR), CAST(NULL AS VARCHAR)), '$')"},
		{"hash_many", []Arg{{SQL: "t", Type: schema.Timespan}, {SQL: "w", Type: schema.DateTime}, s}, schema.Long,
			"kql_hash_fold(kql_hash_fold(kql_xxhash_long(CAST(t AS BIGINT)), kql_xxhash_long((epoch_us(w) * 10 + 621355968000000000))), kql_xxhash_str(s))"},
		{"hash", []Arg{{SQL: "x", Type: schema.Real}, {SQL: "10", Type: schema.Long}}, schema.Long, "CAST((CAST(kql_xxhash_real(x) AS HUGEINT) & 18446744073709551615) % 10 AS BIGINT)"},
		// Ranges that are not one dynamic array are gathered into one.
		{"ipv6_is_in_any_range", []Arg{d, s, s}, schema.Bool,
			"TRY_CAST(json_extract_string(kql_ip_in_any_range(" + js("d") + ", CAST(to_json([to_json(s), to_json(s)]) AS VARCHAR), 'true'), '$') AS BOOLEAN)"},
		{"ipv4_is_in_any_range", []Arg{d, e}, schema.Bool,
			"TRY_CAST(json_extract_string(kql_ip_in_any_range(" + js("d") + ", " + js("e") + ", 'false'), '$') AS BOOLEAN)"},
		{"has_any_ipv4_prefix", []Arg{d, e, e}, schema.Bool,
			"TRY_CAST(json_extract_string(kql_has_ipv4(" + js("d") + ", CAST(to_json([e, e]) AS VARCHAR), 'true'), '$') AS BOOLEAN)"},
		{"ipv6_is_match", []Arg{d, e}, schema.Bool,
			"(TRY_CAST(json_extract_string(kql_ip_compare(" + js("d") + ", " + js("e") + ", CAST(NULL AS VARCHAR), 'true'), '$') AS BIGINT) = 0)"},
		// A typeof(T) among the percentiles is no percentile.
		{"percentiles_array_tdigest", []Arg{d, {SQL: "50", Type: schema.Real}, {}}, schema.Dynamic, "to_json([" + rank("50") + "])"},
		{"percentile_tdigest", []Arg{d, {SQL: "50", Type: schema.Real}, {}}, schema.Long, "CAST(" + rank("50") + " AS BIGINT)"},
		{"make_timespan", []Arg{{SQL: "1"}, {SQL: "2"}, {SQL: "3"}, {SQL: "4"}}, schema.Timespan,
			"CAST(round(((1 * 24 + 2) * 3600 + 3 * 60 + 4) * 10000000) AS BIGINT)"},
	})
}
