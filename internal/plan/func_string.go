package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

func init() {
	str1 := fixed(schema.String, 1, 1, schema.String)
	// trim(regex, text) and its one-sided forms.
	trim := withRegex(fixed(schema.String, 2, 2, schema.String), 0)
	define(map[string]Func{
		"strlen":  fixed(schema.Long, 1, 1, schema.String),
		"tolower": str1, "toupper": str1, "reverse": str1,
		"strcat":       fixed(schema.String, 1, 64, schema.String),
		"strcat_delim": fixed(schema.String, 2, 64, schema.String),
		// substring(text, start[, length]).
		"substring": fixed(schema.String, 2, 3, schema.String, schema.Long),
		"trim":      trim, "trim_start": trim, "trim_end": trim,
		"replace_string": fixed(schema.String, 3, 3, schema.String),
		// replace_regex(text, regex, rewrite); replace is its old name.
		"replace_regex": withRegex(fixed(schema.String, 3, 3, schema.String), 1),
		"replace":       withRegex(fixed(schema.String, 3, 3, schema.String), 1),
		"strcmp":        fixed(schema.Int, 2, 2, schema.String),
		"countof":       {Min: 2, Max: 3, Check: checkCountof},
		"extract":       {Min: 3, Max: 4, Check: checkExtract},
		// split(text, delimiter[, index]).
		"split":                  fixed(schema.Dynamic, 2, 3, schema.String, schema.String, schema.Long),
		"base64_encode_tostring": str1, "base64_encodestring": str1,
		"base64_decode_tostring": str1, "base64_decodestring": str1,
		"url_decode": str1,
		"isascii":    fixed(schema.Bool, 1, 1, schema.String),
		"new_guid":   fixed(schema.GUID, 0, 0),

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
	})
}

// checkCountof types countof(text, search[, kind]): search is a regular
// expression when kind is "regex".
func checkCountof(_ *kql.Call, args []Arg) (Sig, error) {
	if len(args) > 2 {
		if kind, ok := StringConst(args[2].Expr); ok && kind == "regex" {
			if err := checkRegex(args[1].Expr); err != nil {
				return Sig{}, err
			}
		}
	}
	return Sig{Params: []schema.Type{schema.String}, Result: schema.Long}, nil
}

// checkExtract types extract(regex, group, text[, typeof(T)]): the group
// is a constant, which the SQL names, and the match is read as T,
// string when it is not given.
func checkExtract(_ *kql.Call, args []Arg) (Sig, error) {
	if err := checkRegex(args[0].Expr); err != nil {
		return Sig{}, err
	}
	if _, ok := intConst(args[1].Expr); !ok {
		return Sig{}, kql.Errorf(args[1].Expr.Position(), "extract's capture group must be a constant number")
	}
	result := schema.String
	if len(args) > 3 {
		if t := TypeArg(args[3].Expr); t != 0 {
			result = t
		}
	}
	return Sig{Params: []schema.Type{schema.String, 0, schema.String, 0}, Result: result}, nil
}

// withRegex is f for a function whose argument i, when the query gives
// it, is a regular expression: a constant one must compile (checkRegex).
func withRegex(f Func, i int) Func {
	f.Check = func(call *kql.Call, args []Arg) (Sig, error) {
		if i < len(args) {
			if err := checkRegex(call.Args[i]); err != nil {
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
