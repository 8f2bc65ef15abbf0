package sqlgen

import (
	"testing"
	"time"

	"vigil/internal/schema"
)

// spellingCase is a call and the SQL DuckDB spells it as.
type spellingCase struct {
	fn     string
	args   []Arg
	result schema.Type
	want   string
}

func checkSpellings(t *testing.T, cases []spellingCase) {
	t.Helper()
	d := NewDuckDB(time.Time{})
	for _, tc := range cases {
		got, ok := d.Call(tc.fn, tc.args, tc.result)
		if !ok || got != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.fn, got, ok, tc.want)
		}
	}
}

func TestSeriesSpellings(t *testing.T) {
	s := Arg{SQL: "s", Type: schema.Dynamic}
	u := Arg{SQL: "u", Type: schema.Dynamic}
	n := Arg{SQL: "2.5", Type: schema.Real}
	nums := func(x string) string {
		return "list_transform(CAST(" + x + " AS JSON[]), _e -> TRY_CAST(json_extract_string(_e, '$') AS DOUBLE))"
	}
	checkSpellings(t, []spellingCase{
		{"series_abs", []Arg{s}, schema.Dynamic, "to_json(list_transform(" + nums("s") + ", _x -> abs(_x)))"},
		{"series_log", []Arg{s}, schema.Dynamic, "to_json(list_transform(" + nums("s") + ", _x -> ln(_x)))"},
		// Two series pair up; a number applies to every element, on
		// whichever side it stands.
		{"series_add", []Arg{s, u}, schema.Dynamic, "to_json(list_transform(list_zip(" + nums("s") + ", " + nums("u") + "), _p -> (_p[1] + _p[2])))"},
		{"series_less", []Arg{s, n}, schema.Dynamic, "to_json(list_transform(" + nums("s") + ", _x -> (_x < 2.5)))"},
		{"series_pow", []Arg{n, s}, schema.Dynamic, "to_json(list_transform(" + nums("s") + ", _x -> pow(2.5, _x)))"},
		{"series_dot_product", []Arg{s, u}, schema.Real, "list_sum(list_transform(list_zip(" + nums("s") + ", " + nums("u") + "), _p -> _p[1] * _p[2]))"},
		// Go functions take every argument they know, null when not
		// given; series_fill's mode is a JSON string.
		{"series_stats_dynamic", []Arg{s}, schema.Dynamic, "CAST(kql_series_stats(CAST(s AS VARCHAR), CAST(NULL AS VARCHAR)) AS JSON)"},
		{"series_fill_forward", []Arg{s, n}, schema.Dynamic,
			`CAST(kql_series_fill(CAST(s AS VARCHAR), '"forward"', CAST(2.5 AS VARCHAR), CAST(NULL AS VARCHAR)) AS JSON)`},
		// series_fill_linear's constant is 0 when not given.
		{"series_fill_linear", []Arg{s, n}, schema.Dynamic,
			`CAST(kql_series_fill_linear(CAST(s AS VARCHAR), CAST(2.5 AS VARCHAR), CAST(NULL AS VARCHAR), '0') AS JSON)`},
		{"series_fill_linear", []Arg{s, n, n, n}, schema.Dynamic,
			`CAST(kql_series_fill_linear(CAST(s AS VARCHAR), CAST(2.5 AS VARCHAR), CAST(2.5 AS VARCHAR), CAST(2.5 AS VARCHAR)) AS JSON)`},
		{"series_periods_validate", []Arg{s, n, n}, schema.Dynamic,
			"CAST(kql_series_periods_validate(CAST(s AS VARCHAR), CAST(2.5 AS VARCHAR), CAST(2.5 AS VARCHAR)) AS JSON)"},
		{"series_pearson_correlation", []Arg{s, u}, schema.Real,
			"TRY_CAST(json_extract_string(kql_series_pearson(CAST(s AS VARCHAR), CAST(u AS VARCHAR)), '$') AS DOUBLE)"},
	})
}
