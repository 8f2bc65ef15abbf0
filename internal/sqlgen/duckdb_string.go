package sqlgen

import (
	"strconv"
	"strings"

	"vigil/internal/schema"
)

func init() {
	spell(map[string]spelling{
		"strlen":  tmpl("CAST(length($1) AS BIGINT)"),
		"tolower": tmpl("lower($1)"),
		"toupper": tmpl("upper($1)"),
		"reverse": tmpl("reverse($1)"),
		// A null argument concatenates as an empty string, as in Kusto,
		// rather than making the result null.
		"strcat": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			return "(" + strings.Join(orEmpty(a), " || ") + ")"
		},
		"strcat_delim": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			return "concat_ws(" + a[0].SQL + ", " + strings.Join(orEmpty(a[1:]), ", ") + ")"
		},
		// Kusto counts from 0, DuckDB from 1.
		"substring": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			if len(a) > 2 {
				return "substring(" + a[0].SQL + ", " + a[1].SQL + " + 1, " + a[2].SQL + ")"
			}
			return "substring(" + a[0].SQL + ", " + a[1].SQL + " + 1)"
		},
		"trim":           tmpl("regexp_replace($2, '^(' || $1 || ')+|(' || $1 || ')+$', '', 'g')"),
		"trim_start":     tmpl("regexp_replace($2, '^(' || $1 || ')+', '')"),
		"trim_end":       tmpl("regexp_replace($2, '(' || $1 || ')+$', '')"),
		"replace_string": tmpl("replace($1, $2, $3)"),
		// Kusto's rewrite names groups $1, DuckDB's \1.
		"replace_regex": tmpl(`regexp_replace($1, $2, regexp_replace($3, '\$(\d)', '\\\1', 'g'), 'g')`),
		"replace":       tmpl(`regexp_replace($1, $2, regexp_replace($3, '\$(\d)', '\\\1', 'g'), 'g')`),
		"strcmp":        tmpl("CASE WHEN $1 < $2 THEN -1 WHEN $1 > $2 THEN 1 ELSE 0 END"),
		// countof(text, search[, kind]): kind, a constant, is "normal"
		// (the default) or "regex".
		"countof": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			if len(a) > 2 && a[2].Const == "regex" {
				return "CAST(len(regexp_extract_all(" + a[0].SQL + ", " + a[1].SQL + ")) AS BIGINT)"
			}
			return "kql_countof(" + a[0].SQL + ", " + a[1].SQL + ")"
		},
		// extract(regex, group, text[, typeof(T)]): no match is null,
		// read as T.
		"extract": func(d *DuckDB, a []Arg, result schema.Type) string {
			group, _ := a[1].Const.(int64)
			v := "NULLIF(regexp_extract(" + a[2].SQL + ", " + a[0].SQL + ", " + strconv.FormatInt(group, 10) + "), '')"
			if result != schema.String {
				return d.Convert(Arg{SQL: v, Type: schema.String}, result)
			}
			return v
		},
		"split": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			if len(a) > 2 {
				return "to_json([string_split(" + a[0].SQL + ", " + a[1].SQL + ")[" + a[2].SQL + " + 1]])"
			}
			return "to_json(string_split(" + a[0].SQL + ", " + a[1].SQL + "))"
		},
		"base64_encode_tostring": tmpl("to_base64(encode($1))"),
		"base64_encodestring":    tmpl("to_base64(encode($1))"),
		"base64_decode_tostring": tmpl("try(decode(from_base64($1)))"),
		"base64_decodestring":    tmpl("try(decode(from_base64($1)))"),
		// A + is a space, as url_encode writes one.
		"url_decode": tmpl("url_decode(replace($1, '+', ' '))"),
		"isascii":    tmpl(`regexp_matches($1, '^[\x00-\x7F]*$')`),
		"new_guid":   tmpl("gen_random_uuid()"),

		"replace_strings": goFixed("kql_replace_strings", 3),
		"indexof":         goFixed("kql_indexof", 5),
		"indexof_regex":   goFixed("kql_indexof_regex", 5),
		"translate":       goFixed("kql_translate", 3),
		"extract_all": func(_ *DuckDB, a []Arg, result schema.Type) string {
			source, groups := jsonArg(a, 1), jsonArg(a, 2) // no groups: null
			if len(a) > 2 {
				source, groups = groups, source
			}
			return goCall("kql_extract_all", result, jsonArg(a, 0), source, groups)
		},
		"regex_quote": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			return "regexp_replace(" + a[0].SQL + ", '([\\\\.+*?()|\\[\\]{}^$#&\\-~])', '\\\\\\1', 'g')"
		},
		"strrep": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			if len(a) > 2 {
				return "array_to_string(list_transform(range(" + a[1].SQL + "), _x -> " + a[0].SQL + "), " + a[2].SQL + ")"
			}
			return "repeat(" + a[0].SQL + ", CAST(" + a[1].SQL + " AS BIGINT))"
		},
		"assert": tmpl("(CASE WHEN $1 THEN true ELSE error($2) END)"),

		"base64_decode_toarray":          goFixed("kql_base64_toarray", 1),
		"base64_encode_fromarray":        goFixed("kql_base64_fromarray", 1),
		"base64_decode_toguid":           goFixed("kql_base64_toguid", 1),
		"base64_encode_fromguid":         goFixed("kql_base64_fromguid", 1),
		"unicode_codepoints_from_string": goFixed("kql_codepoints_from_string", 1),
		"unicode_codepoints_to_string":   goVariadic("kql_codepoints_to_string"),
		"tohex": func(d *DuckDB, a []Arg, result schema.Type) string {
			n := a[0].SQL
			if a[0].Type == schema.Int {
				// A negative int is written as the unsigned 32-bit number.
				n = "(" + d.Convert(a[0], schema.Long) + " & 4294967295)"
			}
			return goCall("kql_tohex", result, "CAST("+n+" AS VARCHAR)", jsonArg(a, 1))
		},
	})
}

// orEmpty are the arguments' SQL with a null made an empty string.
func orEmpty(a []Arg) []string {
	parts := make([]string, len(a))
	for i, x := range a {
		parts[i] = "coalesce(" + x.SQL + ", '')"
	}
	return parts
}
