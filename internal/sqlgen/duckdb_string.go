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
		// countof(text, search[, kind]). The kind is read from its SQL,
		// not Const, so that a let-bound 'regex' counts as well.
		"countof": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			if len(a) > 2 && a[2].SQL == QuoteString("regex") {
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
		"url_decode":  tmpl("url_decode(replace($1, '+', ' '))"),
		"hash_sha256": tmpl("sha256($1)"),
		"hash_md5":    tmpl("md5($1)"),
		"isascii":     tmpl(`regexp_matches($1, '^[\x00-\x7F]*$')`),
		"new_guid":    tmpl("gen_random_uuid()"),

		"ipv4_is_private": tmpl(`regexp_matches($1, '^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.)')`),
		"parse_ipv4": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			return ipv4ToLong(a[0].SQL)
		},
		"ipv4_is_in_range": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			return ipv4InRange(a[0].SQL, a[1].SQL)
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

// ipv4ToLong is the IPv4 address in the text s (with or without a /bits
// suffix) as a number; null when s is not one.
func ipv4ToLong(s string) string {
	p := func(i int) string {
		return "TRY_CAST(split_part(split_part(" + s + ", '/', 1), '.', " + strconv.Itoa(i) + ") AS BIGINT)"
	}
	return "CASE WHEN regexp_matches(" + s + ", '^\\d{1,3}(\\.\\d{1,3}){3}(/\\d{1,2})?$') THEN (" + p(1) + " * 16777216 + " + p(2) + " * 65536 + " + p(3) + " * 256 + " + p(4) + ") END"
}

// ipv4InRange is whether the address ip is in the range cidr, an address
// with an optional /bits prefix length (32 without).
func ipv4InRange(ip, cidr string) string {
	bits := "coalesce(TRY_CAST(NULLIF(split_part(" + cidr + ", '/', 2), '') AS BIGINT), 32)"
	mask := "(4294967296 - CAST(pow(2, 32 - " + bits + ") AS BIGINT))"
	return "((" + ipv4ToLong(ip) + " & " + mask + ") = (" + ipv4ToLong(cidr) + " & " + mask + "))"
}
