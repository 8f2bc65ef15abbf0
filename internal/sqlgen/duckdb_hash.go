package sqlgen

import "vigil/internal/schema"

func init() {
	// hash(x, mod) is between 0 and mod - 1, as Kusto documents: the
	// 64 bits of the hash read as unsigned (a HUGEINT masked to them),
	// as xxhash64 defines its value, modulo mod.
	hash := func(_ *DuckDB, a []Arg, _ schema.Type) string {
		h := hashOf(a[0])
		if len(a) > 1 {
			h = "CAST((CAST(" + h + " AS HUGEINT) & 18446744073709551615) % " + a[1].SQL + " AS BIGINT)"
		}
		return h
	}
	spell(map[string]spelling{
		"hash_sha1":     tmpl("sha1($1)"),
		"hash_sha256":   tmpl("sha256($1)"),
		"hash_md5":      tmpl("md5($1)"),
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
			return hashCombine(argSQL(a))
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
		return "kql_xxhash_long(" + dateTimeTicks(x.SQL) + ")"
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
