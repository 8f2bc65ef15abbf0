package sqlgen

import (
	"strconv"
	"strings"

	"vigil/internal/schema"
)

func init() {
	spell(map[string]spelling{
		"ipv4_is_private": tmpl(`regexp_matches($1, '^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.)')`),
		"parse_ipv4": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			return ipv4ToLong(a[0].SQL)
		},
		"ipv4_is_in_range": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			return ipv4InRange(a[0].SQL, a[1].SQL)
		},
		"ipv4_compare":         ipCompare(false, false),
		"ipv4_is_match":        ipCompare(false, true),
		"ipv6_compare":         ipCompare(true, false),
		"ipv6_is_match":        ipCompare(true, true),
		"ipv4_is_in_any_range": inAnyRange(false),
		"ipv6_is_in_any_range": inAnyRange(true),
		"ipv6_is_in_range":     inAnyRange(true),
		"has_ipv4":             hasIPv4(false),
		"has_any_ipv4":         hasIPv4(false),
		"has_ipv4_prefix":      hasIPv4(true),
		"has_any_ipv4_prefix":  hasIPv4(true),
		"format_ipv4":          formatIPv4(false),
		"format_ipv4_mask":     formatIPv4(true),
		"parse_ipv4_mask":      goFixed("kql_parse_ipv4_mask", 2),
		"ipv4_netmask_suffix":  goFixed("kql_ipv4_netmask_suffix", 1),
		"parse_ipv6":           goFixed("kql_parse_ipv6", 2),
		"parse_ipv6_mask":      goFixed("kql_parse_ipv6", 2),
		"parse_url":            goFixed("kql_parse_url", 1),
		"parse_urlquery":       goFixed("kql_parse_urlquery", 1),
		"parseurlquery":        goFixed("kql_parse_urlquery", 1),
		"parse_path":           goFixed("kql_parse_path", 1),
	})
}

// ipCompare spells ipv4/ipv6_compare(a, b [, prefix]) and, with match,
// ipv4/ipv6_is_match: whether the comparison is 0.
func ipCompare(v6, match bool) spelling {
	return func(_ *DuckDB, a []Arg, _ schema.Type) string {
		s := goCall("kql_ip_compare", schema.Long, jsonArg(a, 0), jsonArg(a, 1), jsonArg(a, 2), jsonBool(v6))
		if match {
			return "(" + s + " = 0)"
		}
		return s
	}
}

// inAnyRange spells ipv4/ipv6_is_in_any_range(ip, ranges...): one
// dynamic argument is the array of ranges, anything else the ranges
// themselves. The plan passes the ranges as they are.
func inAnyRange(v6 bool) spelling {
	return func(d *DuckDB, a []Arg, result schema.Type) string {
		ranges := jsonArg(a, 1)
		if len(a) > 2 || a[1].Type != schema.Dynamic {
			parts := make([]string, len(a)-1)
			for i, r := range a[1:] {
				parts[i] = d.Convert(r, schema.Dynamic)
			}
			ranges = jsonArray(parts)
		}
		return goCall("kql_ip_in_any_range", result, jsonArg(a, 0), ranges, jsonBool(v6))
	}
}

// hasIPv4 spells has_ipv4(text, ip) and has_any_ipv4(text, ips...), and
// with prefix their _prefix forms: one argument after the text passes
// as it is (an address or an array of them), several as an array.
func hasIPv4(prefix bool) spelling {
	return func(_ *DuckDB, a []Arg, result schema.Type) string {
		looks := jsonArg(a, 1)
		if len(a) > 2 {
			looks = jsonArray(argSQL(a[1:]))
		}
		return goCall("kql_has_ipv4", result, jsonArg(a, 0), looks, jsonBool(prefix))
	}
}

// formatIPv4 spells format_ipv4(ip [, prefix]) and, with mask,
// format_ipv4_mask.
func formatIPv4(mask bool) spelling {
	return func(_ *DuckDB, a []Arg, result schema.Type) string {
		return goCall("kql_format_ipv4", result, jsonArg(a, 0), jsonArg(a, 1), jsonBool(mask))
	}
}

// jsonArray is the JSON text of the array of dynamic values parts, an
// argument of a Go function.
func jsonArray(parts []string) string {
	return "CAST(to_json([" + strings.Join(parts, ", ") + "]) AS VARCHAR)"
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
