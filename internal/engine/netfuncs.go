package engine

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Go implementations of Kusto's IP address and URL functions.

func init() {
	udfs = append(udfs,
		jsonUDF("kql_ip_compare", 4, func(v []any) (any, error) { return ipCompare(v[0], v[1], v[2], v[3] == true), nil }),
		jsonUDF("kql_format_ipv4", 3, func(v []any) (any, error) { return formatIPv4(v[0], v[1], v[2] == true), nil }),
		jsonUDF("kql_ipv4_netmask_suffix", 1, func(v []any) (any, error) {
			s, ok := v[0].(string)
			if !ok {
				return nil, nil
			}
			if _, bits, ok := ipPrefix(s, false); ok {
				return bits, nil
			}
			return nil, nil
		}),
		jsonUDF("kql_parse_ipv4_mask", 2, func(v []any) (any, error) { return parseIPv4Mask(v[0], v[1]), nil }),
		jsonUDF("kql_parse_ipv6", 2, func(v []any) (any, error) { return parseIPv6(v[0], v[1]), nil }),
		jsonUDF("kql_ip_in_any_range", 3, func(v []any) (any, error) { return ipInAnyRange(v[0], v[1], v[2] == true), nil }),
		jsonUDF("kql_has_ipv4", 3, func(v []any) (any, error) { return hasIPv4(v[0], v[1], v[2] == true), nil }),
		jsonUDF("kql_parse_url", 1, func(v []any) (any, error) { return parseURL(v[0]), nil }),
		jsonUDF("kql_parse_urlquery", 1, func(v []any) (any, error) { return parseURLQuery(v[0]), nil }),
		jsonUDF("kql_parse_path", 1, func(v []any) (any, error) { return parsePath(v[0]), nil }),
	)
}

// ipPrefix parses "a.b.c.d", "a.b.c.d/n" or an IPv6 address with an
// optional prefix into the address (IPv4 mapped into IPv6 when v6) and
// its prefix length.
func ipPrefix(s string, v6 bool) (netip.Addr, int, bool) {
	s = strings.TrimSpace(s)
	addr, bits := s, -1
	if i := strings.IndexByte(s, '/'); i >= 0 {
		n, err := strconv.Atoi(s[i+1:])
		if err != nil {
			return netip.Addr{}, 0, false
		}
		addr, bits = s[:i], n
	}
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, 0, false
	}
	if a.Is4() && v6 {
		a = netip.AddrFrom16(a.As16())
		if bits >= 0 {
			bits += 96
		}
	}
	if !v6 && !a.Is4() {
		return netip.Addr{}, 0, false
	}
	if bits > a.BitLen() {
		return netip.Addr{}, 0, false
	}
	if bits < 0 {
		bits = a.BitLen()
	}
	return a, bits, true
}

// ipCompare is ipv4_compare / ipv6_compare: -1, 0 or 1 comparing the
// addresses under the shortest of their prefixes and the one given.
func ipCompare(av, bv, mv any, v6 bool) any {
	as, ok1 := asString(av)
	bs, ok2 := asString(bv)
	if !ok1 || !ok2 {
		return nil
	}
	a, pa, ok1 := ipPrefix(as, v6)
	b, pb, ok2 := ipPrefix(bs, v6)
	if !ok1 || !ok2 {
		return nil
	}
	bits := min(pa, pb)
	if mv != nil {
		m, ok := asInt(mv)
		if !ok || m < 0 {
			return nil
		}
		if v6 && a.Is4In6() && b.Is4In6() && m <= 32 && !strings.Contains(as+bs, ":") {
			m += 96
		}
		bits = min(bits, int(m))
	}
	pa2, err1 := a.Prefix(bits)
	pb2, err2 := b.Prefix(bits)
	if err1 != nil || err2 != nil {
		return nil
	}
	return json.Number(strconv.Itoa(pa2.Addr().Compare(pb2.Addr())))
}

// formatIPv4 is format_ipv4 / format_ipv4_mask of a string or a long.
func formatIPv4(av, mv any, withMask bool) any {
	var s string
	if n, ok := av.(json.Number); ok {
		v, err := n.Int64()
		if err != nil || v < 0 || v > 0xFFFFFFFF {
			return nil
		}
		s = fmt.Sprintf("%d.%d.%d.%d", v>>24, v>>16&255, v>>8&255, v&255)
	} else if str, ok := asString(av); ok {
		s = str
	} else {
		return nil
	}
	a, bits, ok := ipPrefix(s, false)
	if !ok {
		return nil
	}
	if mv != nil {
		m, ok := asInt(mv)
		if !ok || m < 0 || m > 32 {
			return nil
		}
		bits = min(bits, int(m))
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return nil
	}
	if withMask {
		return p.String()
	}
	return p.Addr().String()
}

// parseIPv4Mask is parse_ipv4_mask: the address under the mask, as a
// long (format_ipv4's address read back as a number).
func parseIPv4Mask(av, mv any) any {
	s, ok := formatIPv4(av, mv, false).(string)
	if !ok {
		return nil
	}
	a, _ := netip.ParseAddr(s)
	b := a.As4()
	return json.Number(strconv.FormatInt(int64(b[0])<<24|int64(b[1])<<16|int64(b[2])<<8|int64(b[3]), 10))
}

// parseIPv6 is parse_ipv6 / parse_ipv6_mask: the canonical full form of
// an IPv6 (or mapped IPv4) address under its prefix.
func parseIPv6(av, mv any) any {
	s, ok := asString(av)
	if !ok {
		return nil
	}
	a, bits, ok := ipPrefix(s, true)
	if !ok {
		return nil
	}
	if mv != nil {
		m, ok := asInt(mv)
		if !ok || m < 0 || m > 128 {
			return nil
		}
		bits = min(bits, int(m))
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return nil
	}
	b := p.Addr().As16()
	var parts []string
	for i := 0; i < 16; i += 2 {
		parts = append(parts, fmt.Sprintf("%02x%02x", b[i], b[i+1]))
	}
	return strings.Join(parts, ":")
}

// ipInAnyRange is ipv4/ipv6_is_in_any_range with the ranges in an array
// (or one range).
func ipInAnyRange(av, rv any, v6 bool) any {
	s, ok := asString(av)
	if !ok {
		return nil
	}
	a, _, ok := ipPrefix(s, v6)
	if !ok {
		return nil
	}
	ranges, isArr := asArray(rv)
	if !isArr {
		ranges = []any{rv}
	}
	for _, r := range ranges {
		rs, ok := asString(r)
		if !ok {
			continue
		}
		ra, bits, ok := ipPrefix(rs, v6)
		if !ok {
			continue
		}
		p, _ := ra.Prefix(bits)
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// hasIPv4 reports whether text holds one of the addresses (or, with
// prefix, an address starting with one of the prefixes) as a whole IPv4
// address: not inside a longer run of digits, dots and letters.
func hasIPv4(tv, lv any, prefix bool) any {
	text, ok := asString(tv)
	if !ok {
		return nil
	}
	looks, isArr := asArray(lv)
	if !isArr {
		looks = []any{lv}
	}
	var wants []string
	for _, l := range looks {
		s, ok := asString(l)
		if !ok {
			continue
		}
		if prefix {
			// A prefix is whole octets: complete, or ending with a dot.
			parts := strings.Split(strings.TrimSuffix(s, "."), ".")
			if len(parts) > 4 || (len(parts) < 4 && !strings.HasSuffix(s, ".")) {
				continue
			}
		} else if _, err := netip.ParseAddr(s); err != nil {
			continue
		}
		wants = append(wants, s)
	}
	isPart := func(c byte) bool {
		return c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
	}
	for i := 0; i < len(text); {
		if !isPart(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && isPart(text[j]) {
			j++
		}
		tok := text[i:j]
		i = j
		a, err := netip.ParseAddr(tok)
		if err != nil || !a.Is4() {
			continue
		}
		for _, w := range wants {
			if tok == w || prefix && strings.HasSuffix(w, ".") && strings.HasPrefix(tok, w) {
				return true
			}
		}
	}
	return false
}

// parseURL is parse_url: the parts of an absolute URL as a bag, or an
// empty bag when the text is not one.
func parseURL(v any) any {
	s, ok := asString(v)
	if !ok {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return map[string]any{}
	}
	pass, _ := u.User.Password()
	return map[string]any{
		"Scheme": u.Scheme, "Host": u.Hostname(), "Port": u.Port(), "Path": u.EscapedPath(),
		"Username": u.User.Username(), "Password": pass, "Query Parameters": queryParams(u.RawQuery), "Fragment": u.Fragment,
	}
}

// parseURLQuery is parse_urlquery: the parameters of a URL's query
// part, under "Query Parameters" as parse_url gives them.
func parseURLQuery(v any) any {
	s, ok := asString(v)
	if !ok {
		return nil
	}
	return map[string]any{"Query Parameters": queryParams(strings.TrimPrefix(s, "?"))}
}

// queryParams are the key=value pairs of a URL's query, unescaped where
// they are valid escapes; a key given twice keeps its last value.
func queryParams(raw string) map[string]any {
	params := map[string]any{}
	for _, kv := range strings.Split(raw, "&") {
		if kv == "" {
			continue
		}
		k, val, _ := strings.Cut(kv, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(val); err == nil {
			val = uv
		}
		params[k] = val
	}
	return params
}

// parsePath is parse_path: scheme, root, directory, file name, extension
// and alternate data stream of a Windows, UNC, URI or Unix path.
func parsePath(v any) any {
	s, ok := asString(v)
	if !ok {
		return nil
	}
	out := map[string]any{"Scheme": "", "RootPath": "", "DirectoryPath": "", "DirectoryName": "", "Filename": "", "Extension": "", "AlternateDataStreamName": ""}
	rest := s
	if i := strings.Index(rest, "://"); i > 0 {
		out["Scheme"] = rest[:i]
		rest = rest[i+3:]
	}
	if len(rest) >= 2 && rest[1] == ':' && (rest[0] >= 'A' && rest[0] <= 'Z' || rest[0] >= 'a' && rest[0] <= 'z') {
		out["RootPath"] = rest[:2]
	}
	sep := strings.LastIndexAny(rest, `/\`)
	dir, file := "", rest
	if sep >= 0 {
		dir, file = rest[:sep], rest[sep+1:]
	}
	if i := strings.IndexByte(file, ':'); i >= 0 {
		out["AlternateDataStreamName"] = file[i+1:]
		file = file[:i]
	}
	out["DirectoryPath"] = dir
	if d := strings.LastIndexAny(dir, `/\`); d >= 0 {
		out["DirectoryName"] = dir[d+1:]
	} else {
		out["DirectoryName"] = dir
	}
	out["Filename"] = file
	if i := strings.LastIndexByte(file, '.'); i >= 0 {
		out["Extension"] = file[i+1:]
	}
	return out
}
