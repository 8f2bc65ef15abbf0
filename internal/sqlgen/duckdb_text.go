package sqlgen

import "vigil/internal/schema"

// The text functions written in Go (internal/engine's UDFs), most of
// them one function per family told the variant by a constant argument.

func init() {
	spell(map[string]spelling{
		"parse_csv":            goFixed("kql_parse_csv", 1),
		"url_encode":           tmpl("kql_url_encode($1, false)"),
		"url_encode_component": tmpl("kql_url_encode($1, true)"),
		"hash_crc32": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			h := "kql_crc32(" + a[0].SQL + ")"
			if len(a) > 1 {
				h = "(" + h + " % " + a[1].SQL + ")"
			}
			return h
		},
		"datetime_utc_to_local":              tmpl("kql_time_zone($1, $2, true)"),
		"datetime_local_to_utc":              tmpl("kql_time_zone($1, $2, false)"),
		"punycode_from_string":               tmpl("kql_punycode($1, 'encode')"),
		"punycode_to_string":                 tmpl("kql_punycode($1, 'decode')"),
		"punycode_domain_from_string":        tmpl("kql_punycode($1, 'encode_domain')"),
		"punycode_domain_to_string":          tmpl("kql_punycode($1, 'decode_domain')"),
		"gzip_compress_to_base64_string":     tmpl("kql_compress_base64($1, 'gzip')"),
		"zlib_compress_to_base64_string":     tmpl("kql_compress_base64($1, 'zlib')"),
		"gzip_decompress_from_base64_string": tmpl("kql_decompress_base64($1, 'gzip')"),
		"zlib_decompress_from_base64_string": tmpl("kql_decompress_base64($1, 'zlib')"),
		// Through HUGEINT: DuckDB casts text to a wide decimal a hundred
		// times slower than to an integer. A DECIMAL(38, 0) holds the 32
		// digits of a version (the engine's decimal, with 18 places after
		// the point, would not).
		"parse_version": tmpl("CAST(CAST(kql_parse_version($1) AS HUGEINT) AS DECIMAL(38, 0))"),
	})
}
