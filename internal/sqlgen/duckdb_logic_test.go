package sqlgen

import (
	"testing"

	"vigil/internal/schema"
)

// TestLogicSpellings covers the spellings of the string, logic and array
// functions that depend on their arguments in ways the corpus leaves out.
func TestLogicSpellings(t *testing.T) {
	s := Arg{SQL: "s", Type: schema.String}
	d := Arg{SQL: "d", Type: schema.Dynamic}
	checkSpellings(t, []spellingCase{
		{"gettype", []Arg{{SQL: "n", Type: schema.Long}}, schema.String, "'long'"},
		{"gettype", []Arg{{SQL: "NULL"}}, schema.String, "'null'"},
		{"gettype", []Arg{d}, schema.String, "coalesce(CASE json_type(d) WHEN 'ARRAY' THEN 'array' WHEN 'OBJECT' THEN 'dictionary' WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'bool' WHEN 'DOUBLE' THEN 'real'" +
			" WHEN 'BIGINT' THEN CASE WHEN TRY_CAST(d AS INTEGER) IS NOT NULL THEN 'int' ELSE 'long' END WHEN 'UBIGINT' THEN CASE WHEN TRY_CAST(d AS INTEGER) IS NOT NULL THEN 'int' ELSE 'long' END END, 'null')"},
		// Only strings but the last are NULLIF'd: Kusto skips empty ones.
		{"coalesce", []Arg{s, s}, schema.String, "coalesce(NULLIF(s, ''), s)"},
		{"coalesce", []Arg{{SQL: "n", Type: schema.Long}, {SQL: "m", Type: schema.Long}}, schema.Long, "coalesce(n, m)"},
		// The kind is read from Const, which a let bound to one has too;
		// its SQL may be anything (a parameter's reference).
		{"countof", []Arg{s, s, {SQL: "k", Type: schema.String, Const: "regex"}}, schema.Long, "CAST(len(regexp_extract_all(s, s)) AS BIGINT)"},
		{"countof", []Arg{s, s, {SQL: "'normal'", Type: schema.String, Const: "normal"}}, schema.Long, "kql_countof(s, s)"},
		{"set_difference", []Arg{d, d, d}, schema.Dynamic, "to_json(list_distinct(list_filter(CAST(d AS JSON[]), x -> NOT list_contains(flatten([CAST(d AS JSON[]), CAST(d AS JSON[])]), x))))"},
		// A key without a value is left out.
		{"bag_pack", []Arg{s, d, s}, schema.Dynamic, "json_object(s, d)"},
		{"extract", []Arg{s, {SQL: "1", Type: schema.Long, Const: int64(1)}, s, {}}, schema.Long, "TRY_CAST(NULLIF(regexp_extract(s, s, 1), '') AS BIGINT)"},
		{"range", []Arg{{SQL: "a", Type: schema.Real}, {SQL: "b", Type: schema.Real}}, schema.Dynamic,
			"to_json(list_transform(generate_series(0, CAST(CASE WHEN floor((b - a) / NULLIF(1, 0)) > 1048575 THEN 1048575 ELSE floor((b - a) / NULLIF(1, 0)) END AS BIGINT)), _i -> a + _i * 1))"},
	})
}
