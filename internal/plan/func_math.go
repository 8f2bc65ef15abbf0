package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

func init() {
	real1 := fixed(schema.Real, 1, 1, schema.Real)
	long2 := fixed(schema.Long, 2, 2, schema.Long)
	define(map[string]Func{
		"abs": {Min: 1, Max: 1, Check: func(_ *kql.Call, args []Arg) (Sig, error) {
			return Sig{Result: args[0].Type}, nil
		}},
		"round":   fixed(schema.Real, 1, 2, schema.Real, schema.Long),
		"ceiling": real1,
		"sqrt":    real1, "exp": real1, "log": real1, "log10": real1, "log2": real1,
		"exp2": real1, "exp10": real1,
		"sin": real1, "cos": real1, "tan": real1, "asin": real1, "acos": real1, "atan": real1,
		"degrees": real1, "radians": real1, "sign": real1,
		"pow":   fixed(schema.Real, 2, 2, schema.Real),
		"atan2": fixed(schema.Real, 2, 2, schema.Real),
		"pi":    fixed(schema.Real, 0, 0),
		// rand() is a real in [0, 1); rand(n) a long in [0, n).
		"rand": {Min: 0, Max: 1, Check: func(_ *kql.Call, args []Arg) (Sig, error) {
			if len(args) == 0 {
				return Sig{Result: schema.Real}, nil
			}
			return Sig{Params: []schema.Type{schema.Real}, Result: schema.Long}, nil
		}},
		"isnan":    fixed(schema.Bool, 1, 1, schema.Real),
		"isinf":    fixed(schema.Bool, 1, 1, schema.Real),
		"isfinite": fixed(schema.Bool, 1, 1, schema.Real),
		"gamma":    real1, "loggamma": real1, "erf": real1, "erfc": real1,
		"binary_and":         long2,
		"binary_or":          long2,
		"binary_xor":         long2,
		"binary_shift_left":  long2,
		"binary_shift_right": long2,
		"binary_not":         fixed(schema.Long, 1, 1, schema.Long),
		"bitset_count_ones":  fixed(schema.Long, 1, 1, schema.Long),
		// make_timespan(hours, minutes [, seconds]) or (days, hours,
		// minutes, seconds)
		"make_timespan": fixed(schema.Timespan, 2, 4, schema.Real),
	})
}
