package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

// The series functions: arrays of numbers as make-series gives them,
// transformed element by element, reduced to a number, or analysed by
// functions written in Go that give a bag or an array.

func init() {
	unary := jsonFunc(schema.Dynamic, 1, 1)
	binary := Func{Min: 2, Max: 2, Check: seriesBinary}
	fill := jsonFunc(schema.Dynamic, 1, 2)
	define(map[string]Func{
		"series_abs": unary, "series_acos": unary, "series_asin": unary, "series_atan": unary,
		"series_ceiling": unary, "series_cos": unary, "series_exp": unary, "series_floor": unary,
		"series_log": unary, "series_sign": unary, "series_sin": unary, "series_sqrt": unary,
		"series_tan": unary,

		"series_add": binary, "series_subtract": binary, "series_multiply": binary, "series_divide": binary,
		"series_greater": binary, "series_greater_equals": binary, "series_less": binary, "series_less_equals": binary,
		"series_equals": binary, "series_not_equals": binary, "series_pow": binary,

		"series_sum":                 jsonFunc(schema.Real, 1, 1),
		"series_magnitude":           jsonFunc(schema.Real, 1, 1),
		"series_dot_product":         jsonFunc(schema.Real, 2, 2),
		"series_pearson_correlation": jsonFunc(schema.Real, 2, 2),

		"series_stats_dynamic":      jsonFunc(schema.Dynamic, 1, 2),
		"series_fit_line_dynamic":   jsonFunc(schema.Dynamic, 1, 1),
		"series_fit_2lines_dynamic": jsonFunc(schema.Dynamic, 1, 1),
		"series_fit_poly_dynamic":   jsonFunc(schema.Dynamic, 1, 3),
		"series_fir":                jsonFunc(schema.Dynamic, 2, 4),
		"series_iir":                jsonFunc(schema.Dynamic, 3, 3),
		"series_fill_forward":       fill,
		"series_fill_backward":      fill,
		// Kusto requires series_fill_const's constant.
		"series_fill_const": jsonFunc(schema.Dynamic, 2, 3),
		// series_fill_linear's fourth argument is the constant a series
		// with no value at all is filled with.
		"series_fill_linear":         jsonFunc(schema.Dynamic, 1, 4),
		"series_outliers":            jsonFunc(schema.Dynamic, 1, 5),
		"series_decompose":           jsonFunc(schema.Dynamic, 1, 5),
		"series_decompose_anomalies": jsonFunc(schema.Dynamic, 1, 7),
		"series_decompose_forecast":  jsonFunc(schema.Dynamic, 2, 5),
		"series_periods_detect":      jsonFunc(schema.Dynamic, 4, 4),
		"series_periods_validate":    jsonFunc(schema.Dynamic, 2, -1),
	})
}

// seriesBinary types an element-wise operation on two series or a
// series and a number: a dynamic argument is the series, any other is
// read as a real; at least one must be a series.
func seriesBinary(call *kql.Call, args []Arg) (Sig, error) {
	params := make([]schema.Type, len(args))
	series := false
	for i, a := range args {
		params[i] = schema.Real
		if a.Type == schema.Dynamic {
			params[i], series = schema.Dynamic, true
		}
	}
	if !series {
		return Sig{}, kql.Errorf(call.P, "%s needs a dynamic array argument", call.Name)
	}
	return Sig{Params: params, Result: schema.Dynamic}, nil
}
