package plan

import "vigil/internal/schema"

// The text functions written in Go: encodings security queries meet in
// payloads (compressed base64, punycode, URLs), CSV, checksums, versions
// and time zones.

func init() {
	text := fixed(schema.String, 1, 1, schema.String)
	zone := fixed(schema.DateTime, 2, 2, schema.DateTime, schema.String)
	define(map[string]Func{
		"parse_csv":                          jsonFunc(schema.Dynamic, 1, 1),
		"url_encode":                         text,
		"url_encode_component":               text,
		"hash_crc32":                         fixed(schema.Long, 1, 2, schema.String, schema.Long),
		"datetime_utc_to_local":              zone,
		"datetime_local_to_utc":              zone,
		"punycode_from_string":               text,
		"punycode_to_string":                 text,
		"punycode_domain_from_string":        text,
		"punycode_domain_to_string":          text,
		"gzip_compress_to_base64_string":     text,
		"zlib_compress_to_base64_string":     text,
		"gzip_decompress_from_base64_string": text,
		"zlib_decompress_from_base64_string": text,
		"parse_version":                      fixed(schema.Decimal, 1, 1, schema.String),
	})
}
