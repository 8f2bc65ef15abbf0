package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

func init() {
	hash := Func{Min: 1, Max: 2, Check: checkHash}
	define(map[string]Func{
		"replace_strings": jsonFunc(schema.String, 3, 3),
		"indexof":         jsonFunc(schema.Long, 2, 5),
		"indexof_regex":   withRegex(jsonFunc(schema.Long, 2, 5), 1),
		"translate":       jsonFunc(schema.String, 3, 3),
		// extract_all(regex, [groups,] source)
		"extract_all": withRegex(jsonFunc(schema.Dynamic, 2, 3), 0),
		"regex_quote": fixed(schema.String, 1, 1, schema.String),
		"strrep":      fixed(schema.String, 2, 3, schema.String, schema.Long, schema.String),
		// assert(condition, message): true, or the query fails with the
		// message.
		"assert": fixed(schema.Bool, 2, 2, schema.Bool, schema.String),

		"base64_decode_toarray":          jsonFunc(schema.Dynamic, 1, 1),
		"base64_encode_fromarray":        jsonFunc(schema.String, 1, 1),
		"base64_decode_toguid":           jsonFunc(schema.GUID, 1, 1),
		"base64_encode_fromguid":         jsonFunc(schema.String, 1, 1),
		"unicode_codepoints_from_string": jsonFunc(schema.Dynamic, 1, 1),
		"unicode_codepoints_to_string":   jsonFunc(schema.String, 1, -1),
		"tohex":                          {Min: 1, Max: 2, Check: checkToHex},

		"hash_sha1":     fixed(schema.String, 1, 1, schema.String),
		"hash":          hash,
		"hash_xxhash64": hash,
		"hash_many": {Min: 2, Max: -1, Check: func(_ *kql.Call, args []Arg) (Sig, error) {
			params := make([]schema.Type, len(args))
			for i, a := range args {
				params[i] = hashParam(a.Type)
			}
			return Sig{Params: params, Result: schema.Long}, nil
		}},
		"hash_combine": fixed(schema.Long, 2, -1, schema.Long),
	})
}

// withRegex is f for a function whose argument i, when the query gives
// it, is a regular expression: a constant one must compile (CheckRegex).
func withRegex(f Func, i int) Func {
	f.Check = func(call *kql.Call, args []Arg) (Sig, error) {
		if i < len(args) {
			if err := CheckRegex(call.Args[i]); err != nil {
				return Sig{}, err
			}
		}
		return Sig{Params: f.Params, Result: f.Result}, nil
	}
	return f
}

// checkToHex types tohex(n [, min_length]): an int stays one, which the
// dialect writes as the unsigned 32-bit number Kusto writes for a
// negative int; anything else is a long.
func checkToHex(_ *kql.Call, args []Arg) (Sig, error) {
	n := schema.Long
	if args[0].Type == schema.Int {
		n = schema.Int
	}
	return Sig{Params: []schema.Type{n, schema.Dynamic}, Result: schema.String}, nil
}

// checkHash types hash(x [, mod]) and hash_xxhash64(x [, mod]).
func checkHash(_ *kql.Call, args []Arg) (Sig, error) {
	return Sig{Params: []schema.Type{hashParam(args[0].Type), schema.Long}, Result: schema.Long}, nil
}

// hashParam is the type hash() reads a value of type t as: the 8 bytes
// of an integer, which a timespan's ticks, a bool and a datetime's ticks
// are too (so they stay as they are for the dialect to read), or of a
// real; the UTF-8 text of anything else.
func hashParam(t schema.Type) schema.Type {
	switch t {
	case schema.Int, schema.Long:
		return schema.Long
	case schema.Timespan, schema.Bool, schema.DateTime:
		return t
	case schema.Real, schema.Decimal:
		return schema.Real
	}
	return schema.String
}
