package sqlgen

import (
	"strings"

	"vigil/internal/schema"
)

// The series functions in DuckDB: a series is a JSON array, read as a
// DOUBLE[] for what DuckDB computes itself and passed as JSON text to
// the Go functions (internal/engine's UDFs) for the analyses.

func init() {
	fs := map[string]spelling{
		"series_sum":       tmpl("list_sum(" + seriesNums("$1") + ")"),
		"series_magnitude": tmpl("sqrt(list_sum(list_transform(" + seriesNums("$1") + ", _x -> _x * _x)))"),
		"series_dot_product": tmpl("list_sum(list_transform(list_zip(" + seriesNums("$1") + ", " + seriesNums("$2") +
			"), _p -> _p[1] * _p[2]))"),
		"series_pearson_correlation": goFixed("kql_series_pearson", 2),
		"series_stats_dynamic":       goFixed("kql_series_stats", 2),
		"series_fit_line_dynamic":    goFixed("kql_series_fit_line", 1),
		"series_fit_2lines_dynamic":  goFixed("kql_series_fit_2lines", 1),
		"series_fit_poly_dynamic":    goFixed("kql_series_fit_poly", 3),
		"series_fir":                 goFixed("kql_series_fir", 4),
		"series_iir":                 goFixed("kql_series_iir", 3),
		"series_outliers":            goFixed("kql_series_outliers", 5),
		"series_decompose":           goFixed("kql_series_decompose", 5),
		"series_decompose_anomalies": goFixed("kql_series_decompose_anomalies", 7),
		"series_decompose_forecast":  goFixed("kql_series_decompose_forecast", 5),
		"series_periods_detect":      goFixed("kql_series_periods_detect", 4),
		"series_periods_validate":    goVariadic("kql_series_periods_validate"),
	}
	for name, fn := range map[string]string{
		"series_abs": "abs(X)", "series_acos": "acos(X)", "series_asin": "asin(X)", "series_atan": "atan(X)",
		"series_ceiling": "ceil(X)", "series_cos": "cos(X)", "series_exp": "exp(X)", "series_floor": "floor(X)",
		"series_log": "ln(X)", "series_sign": "sign(X)", "series_sin": "sin(X)", "series_sqrt": "sqrt(X)",
		"series_tan": "tan(X)",
	} {
		fs[name] = tmpl("to_json(list_transform(" + seriesNums("$1") + ", _x -> " + strings.ReplaceAll(fn, "X", "_x") + "))")
	}
	for name, op := range map[string]string{
		"series_add": "+", "series_subtract": "-", "series_multiply": "*", "series_divide": "/",
		"series_greater": ">", "series_greater_equals": ">=", "series_less": "<", "series_less_equals": "<=",
		"series_equals": "=", "series_not_equals": "<>",
	} {
		fs[name] = seriesBinary(func(x, y string) string { return "(" + x + " " + op + " " + y + ")" })
	}
	fs["series_pow"] = seriesBinary(func(x, y string) string { return "pow(" + x + ", " + y + ")" })
	for _, mode := range []string{"forward", "backward", "const"} {
		// One Go function fills in these modes, told which by a JSON string.
		fs["series_fill_"+mode] = func(_ *DuckDB, a []Arg, result schema.Type) string {
			return goCall("kql_series_fill", result, jsonArg(a, 0), `'"`+mode+`"'`, jsonArg(a, 1), jsonArg(a, 2))
		}
	}
	// series_fill_linear's constant, for a series with no value, is 0
	// when not given; given as null, it keeps the nulls.
	fs["series_fill_linear"] = func(_ *DuckDB, a []Arg, result schema.Type) string {
		constant := "'0'"
		if len(a) > 3 {
			constant = jsonArg(a, 3)
		}
		return goCall("kql_series_fill_linear", result, jsonArg(a, 0), jsonArg(a, 1), jsonArg(a, 2), constant)
	}
	spell(fs)
}

// seriesNums is the series x, a JSON array, as a DOUBLE[]: elements
// that are not numbers become nulls.
func seriesNums(x string) string {
	return "list_transform(CAST(" + x + " AS JSON[]), _e -> TRY_CAST(json_extract_string(_e, '$') AS DOUBLE))"
}

// seriesBinary spells apply element by element on two series, or a
// series and a number (plan: the series is dynamic, the number real);
// the shorter series is padded with nulls.
func seriesBinary(apply func(x, y string) string) spelling {
	return func(_ *DuckDB, a []Arg, _ schema.Type) string {
		var body string
		switch {
		case a[0].Type == schema.Dynamic && a[1].Type == schema.Dynamic:
			body = "list_transform(list_zip(" + seriesNums(a[0].SQL) + ", " + seriesNums(a[1].SQL) + "), _p -> " + apply("_p[1]", "_p[2]") + ")"
		case a[0].Type == schema.Dynamic:
			body = "list_transform(" + seriesNums(a[0].SQL) + ", _x -> " + apply("_x", a[1].SQL) + ")"
		default:
			body = "list_transform(" + seriesNums(a[1].SQL) + ", _x -> " + apply(a[0].SQL, "_x") + ")"
		}
		return "to_json(" + body + ")"
	}
}
