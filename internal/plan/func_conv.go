package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

func init() {
	define(map[string]Func{
		"tostring":  fixed(schema.String, 1, 1, schema.String),
		"toint":     toNumber(schema.Int),
		"tolong":    toNumber(schema.Long),
		"toreal":    toNumber(schema.Real),
		"todouble":  toNumber(schema.Real),
		"todecimal": toNumber(schema.Decimal),
		// tobool reads text as true or false in any case and a number
		// as whether it is not 0; the rest converts as a bool parameter
		// does.
		"tobool":    toBool,
		"toboolean": toBool,
		"toguid":    fixed(schema.GUID, 1, 1, schema.String),
		// todynamic parses text as JSON, or takes it as a JSON string
		// when it is not JSON; a dynamic value stays as it is.
		"todynamic":  toDynamic,
		"parse_json": toDynamic,
	})
}

// toNumber is the rule of toint, tolong, toreal and todecimal. Besides
// the implicit conversions (CanConvert), they read a timespan as its
// ticks, a bool as 0 or 1, a datetime as its ticks (tolong only), text
// with the spaces around it trimmed, and truncate a real toward zero
// for an integer: those the dialect spells from the argument as it is.
func toNumber(to schema.Type) Func {
	return Func{Min: 1, Max: 1, Check: func(_ *kql.Call, args []Arg) (Sig, error) {
		switch from := args[0].Type; {
		case from == schema.Real && (to == schema.Long || to == schema.Int),
			from == schema.DateTime && to == schema.Long,
			from == schema.Timespan, from == schema.Bool, from == schema.String:
			return Sig{Result: to}, nil
		}
		return Sig{Params: []schema.Type{to}, Result: to}, nil
	}}
}

// toBool is the rule of tobool: text and numbers are passed as they
// are, for the dialect to read true and false in any case and compare
// a number with 0 (Kusto: tobool(123) == true).
var toBool = Func{Min: 1, Max: 1, Check: func(_ *kql.Call, args []Arg) (Sig, error) {
	if args[0].Type == schema.String || IsNumeric(args[0].Type) {
		return Sig{Result: schema.Bool}, nil
	}
	return Sig{Params: []schema.Type{schema.Bool}, Result: schema.Bool}, nil
}}

// toDynamic is the rule of todynamic: anything but a dynamic value is
// read as text.
var toDynamic = Func{Min: 1, Max: 1, Check: func(_ *kql.Call, args []Arg) (Sig, error) {
	if args[0].Type == schema.Dynamic {
		return Sig{Result: schema.Dynamic}, nil
	}
	return Sig{Params: []schema.Type{schema.String}, Result: schema.Dynamic}, nil
}}
