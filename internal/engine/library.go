package engine

import (
	"strconv"
	"strings"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// fnArgs is a function call being compiled with its compiled arguments.
type fnArgs struct {
	c *compiler
	e *kql.Call
	v []scalar
}

func (a fnArgs) need(n int) {
	if len(a.v) < n {
		a.c.fail(a.e, "The function '%s' needs %d arguments, got %d", a.e.Name, n, len(a.v))
	}
}

func (a fnArgs) as(i int, t schema.Type) string { return a.c.convert(a.v[i], t, a.e.Args[i]) }
func (a fnArgs) str(i int) string               { return a.as(i, schema.String) }
func (a fnArgs) num(i int) string               { return a.as(i, schema.Real) }
func (a fnArgs) lng(i int) string               { return a.as(i, schema.Long) }

// json is argument i as JSON text for a Go function; an argument not
// given is NULL.
func (a fnArgs) json(i int) string {
	if i >= len(a.v) {
		return "CAST(NULL AS VARCHAR)"
	}
	return "CAST(" + a.as(i, schema.Dynamic) + " AS VARCHAR)"
}

// goCall calls a Go function (gofuncs.go) with JSON arguments and reads
// its JSON result as typ (sqlgen.GoCall).
func goCall(name string, typ schema.Type, args ...string) scalar {
	return scalar{sqlgen.GoCall(name, typ, args...), typ}
}

func (a fnArgs) jsons(from int) []string {
	var out []string
	for i := from; i < len(a.v); i++ {
		out = append(out, a.json(i))
	}
	return out
}

// fixed is a function of at least min and at most n arguments that calls
// the Go function name with them as JSON and reads its result as typ.
func fixed(name string, typ schema.Type, min, n int) func(a fnArgs) scalar {
	return func(a fnArgs) scalar {
		a.need(min)
		var args []string
		for i := 0; i < n; i++ {
			args = append(args, a.json(i))
		}
		return goCall(name, typ, args...)
	}
}

// scalarFuncs are the functions beyond the core set in functions.go,
// filled in init to let them refer to the compiler.
var scalarFuncs map[string]func(a fnArgs) scalar

func boolArg(b bool) string {
	if b {
		return "'true'"
	}
	return "'false'"
}

func init() {
	sortFn := func(asc bool) func(a fnArgs) scalar {
		return func(a fnArgs) scalar {
			a.need(1)
			arrays, nullsLast := sortArgs(a)
			args := []string{boolArg(asc), nullsLast}
			for i := 0; i < arrays; i++ {
				args = append(args, a.json(i))
			}
			return goCall("kql_array_sort", schema.Dynamic, args...)
		}
	}
	shiftFn := func(sign string, rotate bool) func(a fnArgs) scalar {
		return func(a fnArgs) scalar {
			a.need(2)
			return goCall("kql_array_shift", schema.Dynamic, a.json(0), "CAST(("+sign+a.lng(1)+") AS VARCHAR)", a.json(2), boolArg(rotate))
		}
	}
	variadic := func(name string, typ schema.Type, min int) func(a fnArgs) scalar {
		return func(a fnArgs) scalar {
			a.need(min)
			return goCall(name, typ, a.jsons(0)...)
		}
	}
	ipCompare := func(v6 bool, match bool) func(a fnArgs) scalar {
		return func(a fnArgs) scalar {
			a.need(2)
			s := goCall("kql_ip_compare", schema.Long, a.json(0), a.json(1), a.json(2), boolArg(v6))
			if match {
				return scalar{"(" + s.sql + " = 0)", schema.Bool}
			}
			return s
		}
	}
	inAnyRange := func(v6 bool) func(a fnArgs) scalar {
		return func(a fnArgs) scalar {
			a.need(2)
			ranges := a.json(1)
			if len(a.v) > 2 || a.v[1].typ != schema.Dynamic {
				var parts []string
				for i := 1; i < len(a.v); i++ {
					parts = append(parts, a.as(i, schema.Dynamic))
				}
				ranges = "CAST(to_json([" + strings.Join(parts, ", ") + "]) AS VARCHAR)"
			}
			return goCall("kql_ip_in_any_range", schema.Bool, a.json(0), ranges, boolArg(v6))
		}
	}
	hasIP := func(prefix bool) func(a fnArgs) scalar {
		return func(a fnArgs) scalar {
			a.need(2)
			looks := a.json(1)
			if len(a.v) > 2 {
				var parts []string
				for i := 1; i < len(a.v); i++ {
					parts = append(parts, a.as(i, schema.Dynamic))
				}
				looks = "CAST(to_json([" + strings.Join(parts, ", ") + "]) AS VARCHAR)"
			}
			return goCall("kql_has_ipv4", schema.Bool, a.json(0), looks, boolArg(prefix))
		}
	}
	binary := func(op string) func(a fnArgs) scalar {
		return func(a fnArgs) scalar {
			a.need(2)
			return scalar{"(" + a.lng(0) + " " + op + " " + a.lng(1) + ")", schema.Long}
		}
	}
	scalarFuncs = map[string]func(a fnArgs) scalar{
		// dynamic arrays and bags
		"array_sort_asc":     sortFn(true),
		"array_sort_desc":    sortFn(false),
		"array_shift_left":   shiftFn("", false),
		"array_shift_right":  shiftFn("-", false),
		"array_rotate_left":  shiftFn("", true),
		"array_rotate_right": shiftFn("-", true),
		"array_index_of":     fixed("kql_array_index_of", schema.Long, 2, 5),
		"array_iff":          fixed("kql_array_iff", schema.Dynamic, 3, 3),
		"array_iif":          fixed("kql_array_iff", schema.Dynamic, 3, 3),
		"array_reverse": func(a fnArgs) scalar {
			a.need(1)
			return scalar{"CASE WHEN json_type(" + a.v[0].sql + ") = 'ARRAY' THEN to_json(list_reverse(CAST(" + a.v[0].sql + " AS JSON[]))) END", schema.Dynamic}
		},
		"array_sum": func(a fnArgs) scalar {
			a.need(1)
			return scalar{"list_sum(TRY_CAST(" + a.v[0].sql + " AS DOUBLE[]))", schema.Real}
		},
		"strcat_array":         fixed("kql_strcat_array", schema.String, 2, 2),
		"treepath":             fixed("kql_treepath", schema.Dynamic, 1, 1),
		"dynamic_to_json":      fixed("kql_dynamic_to_json", schema.String, 1, 1),
		"base64_decode_toguid": fixed("kql_base64_toguid", schema.GUID, 1, 1),
		"base64_encode_fromguid": func(a fnArgs) scalar {
			a.need(1)
			return goCall("kql_base64_fromguid", schema.String, a.json(0))
		},
		"extract_json": extractJSON,
		"extractjson":  extractJSON,
		// assert(condition, message): true, or the query fails with the
		// message.
		"assert": func(a fnArgs) scalar {
			a.need(2)
			return scalar{"(CASE WHEN " + a.as(0, schema.Bool) + " THEN true ELSE error(" + a.str(1) + ") END)", schema.Bool}
		},
		"bag_zip":                        fixed("kql_bag_zip", schema.Dynamic, 2, 2),
		"bag_merge":                      variadic("kql_bag_merge", schema.Dynamic, 2),
		"bag_remove_keys":                fixed("kql_bag_remove_keys", schema.Dynamic, 2, 2),
		"bag_set_key":                    fixed("kql_bag_set_key", schema.Dynamic, 3, 3),
		"set_intersect":                  variadic("kql_set_intersect", schema.Dynamic, 2),
		"jaccard_index":                  fixed("kql_jaccard_index", schema.Real, 2, 2),
		"replace_strings":                fixed("kql_replace_strings", schema.String, 3, 3),
		"indexof":                        fixed("kql_indexof", schema.Long, 2, 5),
		"indexof_regex":                  fixed("kql_indexof_regex", schema.Long, 2, 5),
		"translate":                      fixed("kql_translate", schema.String, 3, 3),
		"base64_decode_toarray":          fixed("kql_base64_toarray", schema.Dynamic, 1, 1),
		"base64_encode_fromarray":        fixed("kql_base64_fromarray", schema.String, 1, 1),
		"unicode_codepoints_from_string": fixed("kql_codepoints_from_string", schema.Dynamic, 1, 1),
		"unicode_codepoints_to_string":   variadic("kql_codepoints_to_string", schema.String, 1),
		"extract_all": func(a fnArgs) scalar {
			a.need(2)
			if len(a.v) > 2 {
				// extract_all(regex, groups, source)
				return goCall("kql_extract_all", schema.Dynamic, a.json(0), a.json(2), a.json(1))
			}
			return goCall("kql_extract_all", schema.Dynamic, a.json(0), a.json(1), "CAST(NULL AS VARCHAR)")
		},
		"tohex": func(a fnArgs) scalar {
			a.need(1)
			n := a.lng(0)
			if a.v[0].typ == schema.Int {
				n = "(" + n + " & 4294967295)"
			}
			return goCall("kql_tohex", schema.String, "CAST("+n+" AS VARCHAR)", a.json(1))
		},
		"regex_quote": func(a fnArgs) scalar {
			a.need(1)
			return scalar{"regexp_replace(" + a.str(0) + ", '([\\\\.+*?()|\\[\\]{}^$#&\\-~])', '\\\\\\1', 'g')", schema.String}
		},
		"strrep": func(a fnArgs) scalar {
			a.need(2)
			if len(a.v) > 2 {
				return scalar{"array_to_string(list_transform(range(" + a.lng(1) + "), _x -> " + a.str(0) + "), " + a.str(2) + ")", schema.String}
			}
			return scalar{"repeat(" + a.str(0) + ", CAST(" + a.lng(1) + " AS BIGINT))", schema.String}
		},
		"hash_sha1": func(a fnArgs) scalar {
			a.need(1)
			return scalar{"sha1(" + a.str(0) + ")", schema.String}
		},
		"hash_xxhash64": func(a fnArgs) scalar { return a.c.xxhash(a) },
		"hash_many": func(a fnArgs) scalar {
			a.need(2)
			var hs []string
			for i, v := range a.v {
				hs = append(hs, a.c.hashOf(v, a.e.Args[i]))
			}
			return hashCombine(hs)
		},
		"hash_combine": func(a fnArgs) scalar {
			a.need(2)
			var hs []string
			for i := range a.v {
				hs = append(hs, a.lng(i))
			}
			return hashCombine(hs)
		},
		"hash": func(a fnArgs) scalar { return a.c.xxhash(a) },
		"make_timespan": func(a fnArgs) scalar {
			a.need(2)
			parts := []string{"0", a.num(0), a.num(1), "0"}
			switch len(a.v) {
			case 3:
				parts = []string{"0", a.num(0), a.num(1), a.num(2)}
			case 4:
				parts = []string{a.num(0), a.num(1), a.num(2), a.num(3)}
			}
			return scalar{"CAST(round(((" + parts[0] + " * 24 + " + parts[1] + ") * 3600 + " + parts[2] + " * 60 + " + parts[3] + ") * 10000000) AS BIGINT)", schema.Timespan}
		},
		// hll sketches, which Vigil keeps as the sets of distinct values
		"dcount_hll": func(a fnArgs) scalar {
			a.need(1)
			return scalar{"coalesce(CAST(json_array_length(" + a.as(0, schema.Dynamic) + ") AS BIGINT), 0)", schema.Long}
		},
		"hll_merge": func(a fnArgs) scalar {
			a.need(2)
			var parts []string
			for i := range a.v {
				parts = append(parts, "CAST("+a.as(i, schema.Dynamic)+" AS JSON[])")
			}
			return scalar{"to_json(kql_distinct(flatten([" + strings.Join(parts, ", ") + "])))", schema.Dynamic}
		},
		// tdigest sketches, which Vigil keeps as the lists of values
		"percentile_tdigest": func(a fnArgs) scalar {
			a.need(2)
			v := scalar{tdigestRank(a, a.num(1)), schema.Real}
			if len(a.e.Args) > 2 {
				if typ := plan.TypeArg(a.e.Args[2]); typ != 0 {
					return scalar{a.c.convert(v, typ, a.e), typ}
				}
			}
			return v
		},
		// percentiles_array_tdigest(digest, p1, p2, ...) or (digest, dynamic([p1, ...])).
		"percentiles_array_tdigest": func(a fnArgs) scalar {
			a.need(2)
			if a.v[1].typ == schema.Dynamic {
				ps := "CAST(" + a.v[1].sql + " AS DOUBLE[])"
				return scalar{"to_json(list_transform(" + ps + ", _p -> " + tdigestRank(a, "_p") + "))", schema.Dynamic}
			}
			var parts []string
			for i := 1; i < len(a.v); i++ {
				if plan.TypeArg(a.e.Args[i]) == 0 {
					parts = append(parts, tdigestRank(a, a.num(i)))
				}
			}
			return scalar{"to_json([" + strings.Join(parts, ", ") + "])", schema.Dynamic}
		},
		// bin_auto(x): bin with the size and alignment of the query's
		// query_bin_auto_size and query_bin_auto_at (0 by default).
		"bin_auto": func(a fnArgs) scalar {
			a.need(1)
			size := a.c.sets["query_bin_auto_size"]
			if size == nil {
				a.c.fail(a.e, "bin_auto needs the bin size: set query_bin_auto_size = ... before the query")
			}
			// bin or bin_at of the settings' expressions, typed and
			// spelled as if the query had written them.
			sz := a.c.expr(size, nil)
			if at := a.c.sets["query_bin_auto_at"]; at != nil {
				v, _ := a.c.typedCall(&kql.Call{P: a.e.P, Name: "bin_at", Args: []kql.Expr{a.e.Args[0], size, at}}, []scalar{a.v[0], sz, a.c.expr(at, nil)})
				return v
			}
			v, _ := a.c.typedCall(&kql.Call{P: a.e.P, Name: "bin", Args: []kql.Expr{a.e.Args[0], size}}, []scalar{a.v[0], sz})
			return v
		},
		"merge_tdigest": func(a fnArgs) scalar { return scalarFuncs["tdigest_merge"](a) },
		"tdigest_merge": func(a fnArgs) scalar {
			a.need(2)
			var parts []string
			for i := range a.v {
				parts = append(parts, "CAST("+a.as(i, schema.Dynamic)+" AS JSON[])")
			}
			return scalar{"to_json(flatten([" + strings.Join(parts, ", ") + "]))", schema.Dynamic}
		},
		// math
		"gamma": func(a fnArgs) scalar { a.need(1); return scalar{"gamma(" + a.num(0) + ")", schema.Real} },
		"loggamma": func(a fnArgs) scalar {
			a.need(1)
			return scalar{"lgamma(" + a.num(0) + ")", schema.Real}
		},
		"erf": func(a fnArgs) scalar { a.need(1); return scalar{"kql_erf(" + a.num(0) + ")", schema.Real} },
		"erfc": func(a fnArgs) scalar {
			a.need(1)
			return scalar{"(1 - kql_erf(" + a.num(0) + "))", schema.Real}
		},
		"binary_and": binary("&"),
		"binary_or":  binary("|"),
		"binary_xor": func(a fnArgs) scalar {
			a.need(2)
			return scalar{"xor(" + a.lng(0) + ", " + a.lng(1) + ")", schema.Long}
		},
		"binary_shift_left":  binary("<<"),
		"binary_shift_right": binary(">>"),
		"binary_not":         func(a fnArgs) scalar { a.need(1); return scalar{"(~" + a.lng(0) + ")", schema.Long} },
		"bitset_count_ones": func(a fnArgs) scalar {
			a.need(1)
			return scalar{"CAST(bit_count(" + a.lng(0) + ") AS BIGINT)", schema.Long}
		},
		// networking
		"ipv4_compare":         ipCompare(false, false),
		"ipv4_is_match":        ipCompare(false, true),
		"ipv6_compare":         ipCompare(true, false),
		"ipv6_is_match":        ipCompare(true, true),
		"ipv4_is_in_any_range": inAnyRange(false),
		"ipv6_is_in_any_range": inAnyRange(true),
		"ipv6_is_in_range":     inAnyRange(true),
		"has_ipv4":             hasIP(false),
		"has_any_ipv4":         hasIP(false),
		"has_ipv4_prefix":      hasIP(true),
		"has_any_ipv4_prefix":  hasIP(true),
		"format_ipv4": func(a fnArgs) scalar {
			a.need(1)
			return goCall("kql_format_ipv4", schema.String, a.json(0), a.json(1), "'false'")
		},
		"format_ipv4_mask": func(a fnArgs) scalar {
			a.need(1)
			return goCall("kql_format_ipv4", schema.String, a.json(0), a.json(1), "'true'")
		},
		"parse_ipv4_mask":     fixed("kql_parse_ipv4_mask", schema.Long, 2, 2),
		"ipv4_netmask_suffix": fixed("kql_ipv4_netmask_suffix", schema.Int, 1, 1),
		"parse_ipv6":          fixed("kql_parse_ipv6", schema.String, 1, 2),
		"parse_ipv6_mask":     fixed("kql_parse_ipv6", schema.String, 2, 2),
		"parse_url":           fixed("kql_parse_url", schema.Dynamic, 1, 1),
		"parse_path":          fixed("kql_parse_path", schema.Dynamic, 1, 1),
	}
}

// sortArgs reads array_sort_*'s arguments: how many arrays lead, and
// the SQL of nulls_last, the last argument when it is a bool (true by
// default).
func sortArgs(a fnArgs) (arrays int, nullsLast string) {
	last := len(a.v) - 1
	if last > 0 && a.v[last].typ == schema.Bool {
		return last, a.json(last)
	}
	return len(a.v), "'true'"
}

// sortColumns is array_sort_asc/_desc over several arrays in extend or
// project: a column per array, named by the tuple (a, b) = ..., or else
// <array>_sorted. One array, or a call assigned to one name, is a plain
// expression (an array of arrays when there are several).
func (c *compiler) sortColumns(call *kql.Call, names []string, name string, in *relation) ([]string, []col, bool) {
	if (call.Name != "array_sort_asc" && call.Name != "array_sort_desc") || name != "" {
		return nil, nil, false
	}
	a := fnArgs{c, call, make([]scalar, len(call.Args))}
	for i, e := range call.Args {
		a.v[i] = c.expr(e, in)
	}
	arrays, _ := sortArgs(a)
	if arrays < 2 && names == nil {
		return nil, nil, false
	}
	if names != nil && len(names) > arrays {
		c.fail(call, "%s gives %d columns, not %d", call.Name, arrays, len(names))
	}
	v := c.expr(call, in)
	if arrays == 1 {
		v.sql = "to_json([" + v.sql + "])"
	}
	var sel []string
	var cols []col
	for k := 0; k < arrays; k++ {
		n := byName(call.Args[k], k) + "_sorted"
		if names != nil {
			if k >= len(names) {
				break
			}
			n = names[k]
		}
		sel = append(sel, "json_extract("+v.sql+", '$["+strconv.Itoa(k)+"]') AS "+sqlgen.QuoteIdent(n))
		cols = append(cols, col{name: n, typ: schema.Dynamic})
	}
	return sel, cols, true
}

// tdigestRank is the SQL of percentile p (0..100) of a tdigest, which
// Vigil keeps as the list of values: the same rank quantile_disc takes,
// as percentile() does.
func tdigestRank(a fnArgs, p string) string {
	vals := "list_sort(list_filter(TRY_CAST(" + a.as(0, schema.Dynamic) + " AS DOUBLE[]), _v -> _v IS NOT NULL))"
	return vals + "[CAST(floor((len(" + vals + ") - 1) * " + p + " / 100.0) AS BIGINT) + 1]"
}

// extractJSON is extract_json(path, text [, typeof(T)]): the element at
// a JSONPath of JSON text, as T (string by default).
func extractJSON(a fnArgs) scalar {
	a.need(2)
	typ := schema.String
	if len(a.e.Args) > 2 {
		if t := plan.TypeArg(a.e.Args[2]); t != 0 {
			typ = t
		}
	}
	doc := "CASE WHEN json_valid(" + a.str(1) + ") THEN CAST(" + a.str(1) + " AS JSON) END"
	v := scalar{"json_extract(" + doc + ", " + a.str(0) + ")", schema.Dynamic}
	if typ == schema.Dynamic {
		return v
	}
	return scalar{a.c.convert(v, typ, a.e), typ}
}

// xxhash is hash(x [, mod]): Kusto's xxhash64 of the value's UTF-8 text,
// or of the 8 little-endian bytes of a number or a datetime's ticks.
func (c *compiler) xxhash(a fnArgs) scalar {
	a.need(1)
	h := c.hashOf(a.v[0], a.e.Args[0])
	if len(a.v) > 1 {
		h = "(" + h + " % " + a.lng(1) + ")"
	}
	return scalar{h, schema.Long}
}

// hashOf is the SQL of hash(v).
func (c *compiler) hashOf(v scalar, n kql.Expr) string {
	switch v.typ {
	case schema.Int, schema.Long, schema.Timespan, schema.Bool:
		return "kql_xxhash_long(" + c.convert(v, schema.Long, n) + ")"
	case schema.DateTime:
		ticks, _ := c.typedCall(&kql.Call{P: n.Position(), Name: "tolong", Args: []kql.Expr{n}}, []scalar{v})
		return "kql_xxhash_long(" + ticks.sql + ")"
	case schema.Real, schema.Decimal:
		return "kql_xxhash_real(" + c.convert(v, schema.Real, n) + ")"
	}
	return "kql_xxhash_str(" + c.convert(v, schema.String, n) + ")"
}

// hashCombine is hash_combine(h1, h2, ...), and with hashes hash_many:
// each hash folded into the running one as h = h*31 + x, wrapping as
// 64-bit integers do. Kusto does not document its combination, so
// combined hashes are for comparing within Vigil, as Kusto advises for
// its own.
func hashCombine(hs []string) scalar {
	h := hs[0]
	for _, x := range hs[1:] {
		h = "kql_hash_fold(" + h + ", " + x + ")"
	}
	return scalar{h, schema.Long}
}
