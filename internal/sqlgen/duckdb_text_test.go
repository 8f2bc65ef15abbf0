package sqlgen

import (
	"testing"

	"vigil/internal/schema"
)

func TestTextSpellings(t *testing.T) {
	x := Arg{SQL: "x", Type: schema.String}
	checkSpellings(t, []spellingCase{
		{"hash_crc32", []Arg{x}, schema.Long, "kql_crc32(x)"},
		{"hash_crc32", []Arg{x, {SQL: "8", Type: schema.Long}}, schema.Long, "(kql_crc32(x) % 8)"},
		{"url_encode_component", []Arg{x}, schema.String, "kql_url_encode(x, true)"},
		{"datetime_utc_to_local", []Arg{{SQL: "t", Type: schema.DateTime}, x}, schema.DateTime, "kql_time_zone(t, x, true)"},
		{"punycode_domain_to_string", []Arg{x}, schema.String, "kql_punycode(x, 'decode_domain')"},
		{"zlib_decompress_from_base64_string", []Arg{x}, schema.String, "kql_decompress_base64(x, 'zlib')"},
		{"parse_csv", []Arg{{SQL: "j", Type: schema.Dynamic}}, schema.Dynamic, "CAST(kql_parse_csv(CAST(j AS VARCHAR)) AS JSON)"},
	})
}
