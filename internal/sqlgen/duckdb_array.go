package sqlgen

import (
	"strings"

	"vigil/internal/schema"
)

func init() {
	spell(map[string]spelling{
		"array_length": tmpl("CASE WHEN json_type($1) = 'ARRAY' THEN CAST(json_array_length($1) AS BIGINT) END"),
		"bag_keys":     tmpl("to_json(json_keys($1))"),
		"pack_array": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			return "to_json([" + strings.Join(argSQL(a), ", ") + "])"
		},
		"bag_pack":        bagPack,
		"pack":            bagPack,
		"set_has_element": tmpl("list_contains(CAST($1 AS JSON[]), $2)"),
		"array_concat": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			return "to_json(flatten([" + strings.Join(jsonLists(a), ", ") + "]))"
		},
		"bag_has_key": tmpl("list_contains(json_keys($1), $2)"),
		"set_union": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			return "to_json(list_distinct(flatten([" + strings.Join(jsonLists(a), ", ") + "])))"
		},
		// set_difference(set1, set2, ...): what set1 holds and none of the
		// others.
		"set_difference": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			others := jsonLists(a[1:])[0]
			if len(a) > 2 {
				others = "flatten([" + strings.Join(jsonLists(a[1:]), ", ") + "])"
			}
			return "to_json(list_distinct(list_filter(CAST(" + a[0].SQL + " AS JSON[]), x -> NOT list_contains(" + others + ", x))))"
		},
		"range": rangeArray,
	})
}

// bagPack spells bag_pack(key, value, ...), its keys strings and its
// values dynamic; a key without a value is left out.
func bagPack(_ *DuckDB, a []Arg, _ schema.Type) string {
	var parts []string
	for i := 0; i+1 < len(a); i += 2 {
		parts = append(parts, a[i].SQL+", "+a[i+1].SQL)
	}
	return "json_object(" + strings.Join(parts, ", ") + ")"
}

// jsonLists are the arguments, dynamic arrays, as DuckDB lists of JSON
// values.
func jsonLists(a []Arg) []string {
	out := make([]string, len(a))
	for i, x := range a {
		out[i] = "CAST(" + x.SQL + " AS JSON[])"
	}
	return out
}

// rangeLimit is the index of the last element range() gives at most:
// like Kusto's, its arrays hold up to 1,048,576 (2^20) elements.
const rangeLimit = "1048575"

// rangeArray spells range(start, stop[, step]) by the type the plan gave
// its arguments. Kusto's default step is 1 for numbers and an hour for
// datetimes and timespans.
func rangeArray(_ *DuckDB, a []Arg, _ schema.Type) string {
	start, stop, step := a[0].SQL, a[1].SQL, "1"
	if a[0].Type == schema.DateTime || a[0].Type == schema.Timespan {
		step = "36000000000"
	}
	if len(a) > 2 {
		step = a[2].SQL
	}
	if a[0].Type == schema.Long {
		end := "CASE WHEN " + step + " > 0 THEN least(" + stop + ", " + start + " + " + rangeLimit + " * " + step + ") ELSE greatest(" + stop + ", " + start + " + " + rangeLimit + " * " + step + ") END"
		return "to_json(generate_series(" + start + ", " + end + ", " + step + "))"
	}
	// The others are start plus multiples of step, generate_series
	// counting the multiples: as many as fit between start and stop (none
	// when stop is behind start), none for a step of 0. Datetimes are
	// microseconds, timespans 100 ns ticks.
	span, elem := "("+stop+" - "+start+")", start+" + _i * "+step
	switch a[0].Type {
	case schema.DateTime:
		span = "(epoch_us(" + stop + ") - epoch_us(" + start + ")) * 10"
		elem = "kql_datetime_json(" + start + " + " + ticksInterval("_i * "+step) + ")"
	case schema.Timespan:
		elem = "kql_timespan_str(" + elem + ")"
	}
	// (least would take the limit for the null of a step of 0.)
	steps := "floor(" + span + " / NULLIF(" + step + ", 0))"
	last := "CAST(CASE WHEN " + steps + " > " + rangeLimit + " THEN " + rangeLimit + " ELSE " + steps + " END AS BIGINT)"
	return "to_json(list_transform(generate_series(0, " + last + "), _i -> " + elem + "))"
}
