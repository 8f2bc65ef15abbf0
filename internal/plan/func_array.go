package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

func init() {
	// Arrays and bags are read as the dynamic values they are; the
	// arguments of these functions are passed as they are (Params 0)
	// unless a value is put into one.
	define(map[string]Func{
		"array_length":    fixed(schema.Long, 1, 1),
		"bag_keys":        fixed(schema.Dynamic, 1, 1),
		"pack_array":      fixed(schema.Dynamic, 0, -1, schema.Dynamic),
		"bag_pack":        {Min: 0, Max: -1, Check: checkBagPack},
		"pack":            {Min: 0, Max: -1, Check: checkBagPack},
		"set_has_element": fixed(schema.Bool, 2, 2, 0, schema.Dynamic),
		"array_concat":    fixed(schema.Dynamic, 0, -1),
		"bag_has_key":     fixed(schema.Bool, 2, 2, 0, schema.String),
		"set_union":       fixed(schema.Dynamic, 0, -1),
		"set_difference":  fixed(schema.Dynamic, 2, -1),
		"range":           {Min: 2, Max: 3, Check: checkRange},
	})
}

// checkBagPack types bag_pack(key, value, ...): keys are strings, values
// dynamic, in pairs, as Kusto requires.
func checkBagPack(call *kql.Call, args []Arg) (Sig, error) {
	if len(args)%2 != 0 {
		return Sig{}, kql.Errorf(call.P, "%s needs a value for each key, got %d arguments", call.Name, len(args))
	}
	params := make([]schema.Type, len(args))
	for i := range params {
		params[i] = schema.String
		if i%2 == 1 {
			params[i] = schema.Dynamic
		}
	}
	return Sig{Params: params, Result: schema.Dynamic}, nil
}

// checkRange types range(start, stop[, step]), an array of the values
// from start to stop: datetimes or timespans a timespan apart, or
// numbers, reals when any argument is one and longs otherwise.
func checkRange(_ *kql.Call, args []Arg) (Sig, error) {
	switch Either(args[0].Type, args[1].Type) {
	case schema.DateTime:
		return Sig{Params: []schema.Type{schema.DateTime, schema.DateTime, schema.Timespan}, Result: schema.Dynamic}, nil
	case schema.Timespan:
		return Sig{Params: []schema.Type{schema.Timespan}, Result: schema.Dynamic}, nil
	}
	for _, a := range args {
		if a.Type == schema.Real || a.Type == schema.Decimal {
			return Sig{Params: []schema.Type{schema.Real}, Result: schema.Dynamic}, nil
		}
	}
	return Sig{Params: []schema.Type{schema.Long}, Result: schema.Dynamic}, nil
}
