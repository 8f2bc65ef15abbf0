package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

func init() {
	str1 := fixed(schema.String, 1, 1, schema.String)
	// trim(regex, text) and its one-sided forms.
	trim := Func{Min: 2, Max: 2, Check: regexAt(0, schema.String)}
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
		"replace_regex": {Min: 3, Max: 3, Check: regexAt(1, schema.String)},
		"replace":       {Min: 3, Max: 3, Check: regexAt(1, schema.String)},
		"strcmp":        fixed(schema.Int, 2, 2, schema.String),
		"countof":       {Min: 2, Max: 3, Check: checkCountof},
		"extract":       {Min: 3, Max: 4, Check: checkExtract},
		// split(text, delimiter[, index]).
		"split":                  fixed(schema.Dynamic, 2, 3, schema.String, schema.String, schema.Long),
		"base64_encode_tostring": str1, "base64_encodestring": str1,
		"base64_decode_tostring": str1, "base64_decodestring": str1,
		"url_decode":  str1,
		"hash_sha256": str1, "hash_md5": str1,
		"isascii":  fixed(schema.Bool, 1, 1, schema.String),
		"new_guid": fixed(schema.GUID, 0, 0),

		// IPv4 addresses, as text.
		"ipv4_is_private":  fixed(schema.Bool, 1, 1, schema.String),
		"parse_ipv4":       fixed(schema.Long, 1, 1, schema.String),
		"ipv4_is_in_range": fixed(schema.Bool, 2, 2, schema.String),
	})
}

// regexAt is the check of a function of strings whose argument i is a
// regular expression, refused when it is constant and does not compile.
func regexAt(i int, result schema.Type) func(*kql.Call, []Arg) (Sig, error) {
	return func(_ *kql.Call, args []Arg) (Sig, error) {
		if err := CheckRegex(args[i].Expr); err != nil {
			return Sig{}, err
		}
		return Sig{Params: []schema.Type{schema.String}, Result: result}, nil
	}
}

// checkCountof types countof(text, search[, kind]): search is a regular
// expression when kind is "regex".
func checkCountof(_ *kql.Call, args []Arg) (Sig, error) {
	if len(args) > 2 {
		if kind, ok := StringConst(args[2].Expr); ok && kind == "regex" {
			if err := CheckRegex(args[1].Expr); err != nil {
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
	if err := CheckRegex(args[0].Expr); err != nil {
		return Sig{}, err
	}
	if _, ok := IntConst(args[1].Expr); !ok {
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
