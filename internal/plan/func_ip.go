package plan

import "vigil/internal/schema"

func init() {
	// The ranges of *_is_in_any_range pass as they are: the dialect
	// gathers several, or one that is not an array, into an array.
	inRanges := fixed(schema.Bool, 2, -1, schema.Dynamic, 0)
	define(map[string]Func{
		// IPv4 addresses as text, which SQL reads.
		"ipv4_is_private":  fixed(schema.Bool, 1, 1, schema.String),
		"parse_ipv4":       fixed(schema.Long, 1, 1, schema.String),
		"ipv4_is_in_range": fixed(schema.Bool, 2, 2, schema.String),
		// The others are written in Go and take their arguments as
		// dynamic values.
		"ipv4_compare":         jsonFunc(schema.Long, 2, 3),
		"ipv6_compare":         jsonFunc(schema.Long, 2, 3),
		"ipv4_is_match":        jsonFunc(schema.Bool, 2, 3),
		"ipv6_is_match":        jsonFunc(schema.Bool, 2, 3),
		"ipv4_is_in_any_range": inRanges,
		"ipv6_is_in_any_range": inRanges,
		"ipv6_is_in_range":     fixed(schema.Bool, 2, 2, schema.Dynamic, 0),
		"has_ipv4":             jsonFunc(schema.Bool, 2, 2),
		"has_ipv4_prefix":      jsonFunc(schema.Bool, 2, 2),
		"has_any_ipv4":         jsonFunc(schema.Bool, 2, -1),
		"has_any_ipv4_prefix":  jsonFunc(schema.Bool, 2, -1),
		"format_ipv4":          jsonFunc(schema.String, 1, 2),
		"format_ipv4_mask":     jsonFunc(schema.String, 1, 2),
		"parse_ipv4_mask":      jsonFunc(schema.Long, 2, 2),
		"ipv4_netmask_suffix":  jsonFunc(schema.Int, 1, 1),
		"parse_ipv6":           jsonFunc(schema.String, 1, 1),
		"parse_ipv6_mask":      jsonFunc(schema.String, 2, 2),
		"parse_url":            jsonFunc(schema.Dynamic, 1, 1),
		"parse_urlquery":       jsonFunc(schema.Dynamic, 1, 1),
		"parseurlquery":        jsonFunc(schema.Dynamic, 1, 1),
		"parse_path":           jsonFunc(schema.Dynamic, 1, 1),
	})
}
