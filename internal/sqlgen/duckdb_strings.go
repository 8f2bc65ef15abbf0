package sqlgen

import "vigil/internal/schema"

func init() {
	hash := func(_ *DuckDB, a []Arg, _ schema.Type) string {
		h := hashOf(a[0])
		if len(a) > 1 {
			h = "(" + h + " % " + a[1].SQL + ")"
		}
		return h
	}
	spell(map[string]spelling{
		"replace_strings": goFixed("kql_replace_strings", 3),
		"indexof":         goFixed("kql_indexof", 5),
		"indexof_regex":   goFixed("kql_indexof_regex", 5),
		"translate":       goFixed("kql_translate", 3),
		"extract_all": func(_ *DuckDB, a []Arg, result schema.Type) string {
			source, groups := jsonArg(a, 1), jsonArg(a, 2) // no groups: null
			if len(a) > 2 {
				source, groups = groups, source
			}
			return GoCall("kql_extract_all", result, jsonArg(a, 0), source, groups)
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
			return GoCall("kql_tohex", result, "CAST("+n+" AS VARCHAR)", jsonArg(a, 1))
		},

		"hash_sha1":     tmpl("sha1($1)"),
		"hash":          hash,
		"hash_xxhash64": hash,
		"hash_many": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			hs := make([]string, len(a))
			for i, x := range a {
				hs[i] = hashOf(x)
			}
			return hashCombine(hs)
		},
		"hash_combine": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			hs := make([]string, len(a))
			for i, x := range a {
				hs[i] = x.SQL
			}
			return hashCombine(hs)
		},
	})
}

// hashOf is hash(x): Kusto's xxhash64 of the 8 little-endian bytes of an
// integer (a long, a timespan's or a datetime's ticks, a bool as 0 or 1)
// or a real, or of the UTF-8 text of anything else, as the plan typed x.
func hashOf(x Arg) string {
	switch x.Type {
	case schema.Long:
		return "kql_xxhash_long(" + x.SQL + ")"
	case schema.Timespan, schema.Bool:
		return "kql_xxhash_long(CAST(" + x.SQL + " AS BIGINT))"
	case schema.DateTime:
		return "kql_xxhash_long(" + DateTimeTicks(x.SQL) + ")"
	case schema.Real:
		return "kql_xxhash_real(" + x.SQL + ")"
	}
	return "kql_xxhash_str(" + x.SQL + ")"
}

// hashCombine is hash_combine(h1, h2, ...), and with hashes hash_many:
// each hash folded into the running one as h = h*31 + x, wrapping as
// 64-bit integers do. Kusto does not document its combination, so
// combined hashes are for comparing within Vigil, as Kusto advises for
// its own.
func hashCombine(hs []string) string {
	h := hs[0]
	for _, x := range hs[1:] {
		h = "kql_hash_fold(" + h + ", " + x + ")"
	}
	return h
}

// DateTimeTicks is the SQL of datetime t as Kusto's ticks: 100 ns since
// 0001-01-01, as tolong() gives them.
func DateTimeTicks(t string) string {
	return "(epoch_us(" + t + ") * 10 + 621355968000000000)"
}
