package engine

import (
	"bytes"
	"database/sql/driver"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"
	"github.com/duckdb/duckdb-go/v2"
)

// Go implementations of Kusto functions over strings and dynamic values.
// Dynamic values arrive and leave as JSON text; numbers keep their text
// (json.Number) so 1 stays 1 and 1.5 stays 1.5.

const (
	tVarchar = duckdb.TYPE_VARCHAR
	tBigint  = duckdb.TYPE_BIGINT
	tDouble  = duckdb.TYPE_DOUBLE
	tBool    = duckdb.TYPE_BOOLEAN
)

func init() {
	udfs = append(udfs,
		udf{name: "kql_xxhash_str", args: []duckdb.Type{tVarchar}, result: tBigint, fn: func(a []driver.Value) (any, error) {
			return int64(xxhash.Sum64String(a[0].(string))), nil
		}},
		udf{name: "kql_xxhash_long", args: []duckdb.Type{tBigint}, result: tBigint, fn: func(a []driver.Value) (any, error) {
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], uint64(a[0].(int64)))
			return int64(xxhash.Sum64(b[:])), nil
		}},
		udf{name: "kql_xxhash_real", args: []duckdb.Type{tDouble}, result: tBigint, fn: func(a []driver.Value) (any, error) {
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(a[0].(float64)))
			return int64(xxhash.Sum64(b[:])), nil
		}},
		udf{name: "kql_hash_fold", args: []duckdb.Type{tBigint, tBigint}, result: tBigint, fn: func(a []driver.Value) (any, error) {
			return int64(uint64(a[0].(int64))*31 + uint64(a[1].(int64))), nil
		}},
		jsonUDF("kql_array_sort", -1, func(v []any) (any, error) { return arraySort(v[2:], v[0] == true, v[1] == true), nil }),
		jsonUDF("kql_array_shift", 4, func(v []any) (any, error) { return arrayShift(v[0], v[1], v[2], v[3] == true), nil }),
		jsonUDF("kql_array_slice", 3, func(v []any) (any, error) { return arraySlice(v[0], v[1], v[2]), nil }),
		jsonUDF("kql_array_split", 2, func(v []any) (any, error) { return arraySplit(v[0], v[1]), nil }),
		jsonUDF("kql_array_index_of", 5, func(v []any) (any, error) { return arrayIndexOf(v), nil }),
		jsonUDF("kql_array_iff", 3, func(v []any) (any, error) { return arrayIff(v[0], v[1], v[2]), nil }),
		jsonUDF("kql_zip", -1, func(v []any) (any, error) { return zipArrays(v), nil }),
		jsonUDF("kql_bag_zip", 2, func(v []any) (any, error) { return bagZip(v[0], v[1]), nil }),
		jsonUDF("kql_bag_merge", -1, func(v []any) (any, error) { return bagMerge(v), nil }),
		jsonUDF("kql_bag_remove_keys", 2, func(v []any) (any, error) { return bagRemoveKeys(v[0], v[1]), nil }),
		jsonUDF("kql_bag_set_key", 3, func(v []any) (any, error) { return bagSetKey(v[0], v[1], v[2]), nil }),
		jsonUDF("kql_set_intersect", -1, func(v []any) (any, error) { return setIntersect(v), nil }),
		jsonUDF("kql_jaccard_index", 2, func(v []any) (any, error) { return jaccard(v[0], v[1]), nil }),
		jsonUDF("kql_extract_all", 3, func(v []any) (any, error) { return extractAll(v[0], v[1], v[2]) }),
		jsonUDF("kql_replace_strings", 3, func(v []any) (any, error) { return replaceStrings(v[0], v[1], v[2]), nil }),
		jsonUDF("kql_indexof", 5, func(v []any) (any, error) { return indexOf(v), nil }),
		jsonUDF("kql_indexof_regex", 5, func(v []any) (any, error) { return indexOfRegex(v) }),
		jsonUDF("kql_tohex", 2, func(v []any) (any, error) { return toHex(v[0], v[1]), nil }),
		jsonUDF("kql_codepoints_to_string", -1, func(v []any) (any, error) { return codepointsToString(v), nil }),
		jsonUDF("kql_codepoints_from_string", 1, func(v []any) (any, error) { return codepointsFromString(v[0]), nil }),
		jsonUDF("kql_base64_toarray", 1, func(v []any) (any, error) { return base64ToArray(v[0]), nil }),
		jsonUDF("kql_base64_fromarray", 1, func(v []any) (any, error) { return base64FromArray(v[0]), nil }),
		jsonUDF("kql_translate", 3, func(v []any) (any, error) { return translate(v[0], v[1], v[2]), nil }),
		jsonUDF("kql_make_bag", 1, func(v []any) (any, error) { return makeBag(v[0]), nil }),
		jsonUDF("kql_bag_drop_empty", 1, func(v []any) (any, error) { return bagDropEmpty(v[0]), nil }),
		jsonUDF("kql_parse_kv", 3, func(v []any) (any, error) { return parseKV(v[0], v[1], v[2]), nil }),
		jsonUDF("kql_treepath", 1, func(v []any) (any, error) { return treePath(v[0]), nil }),
		jsonUDF("kql_dynamic_to_json", 1, func(v []any) (any, error) {
			if v[0] == nil {
				return nil, nil
			}
			// encoding/json writes bags with their keys sorted, as
			// dynamic_to_json does; the result is the text as a string.
			b, err := json.Marshal(v[0])
			return string(b), err
		}),
		jsonUDF("kql_base64_toguid", 1, func(v []any) (any, error) { return base64ToGUID(v[0]), nil }),
		jsonUDF("kql_base64_fromguid", 1, func(v []any) (any, error) { return base64FromGUID(v[0]), nil }),
		jsonUDF("kql_strcat_array", 2, func(v []any) (any, error) { return strcatArray(v[0], v[1]), nil }),
		udf{name: "kql_erf", args: []duckdb.Type{tDouble}, result: tDouble, fn: func(a []driver.Value) (any, error) {
			return math.Erf(a[0].(float64)), nil
		}},
	)
}

// jsonUDF is a function of n JSON texts (n < 0: any number) returning
// JSON text, or NULL when fn returns nil. Arguments are decoded before fn
// sees them: SQL NULL and JSON null are both nil.
func jsonUDF(name string, n int, fn func(v []any) (any, error)) udf {
	u := udf{name: name, result: tVarchar, nulls: true}
	if n < 0 {
		u.variadic = tVarchar
	}
	for i := 0; i < n; i++ {
		u.args = append(u.args, tVarchar)
	}
	u.fn = func(args []driver.Value) (any, error) {
		vals := make([]any, len(args))
		for i, a := range args {
			s, ok := a.(string)
			if !ok {
				continue
			}
			vals[i] = decodeJSON(s)
		}
		out, err := fn(vals)
		if err != nil || out == nil {
			return nil, err
		}
		b, err := json.Marshal(out)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
	return u
}

// decodeJSON reads JSON text with numbers kept as json.Number; text that
// is not JSON is taken as a string.
func decodeJSON(s string) any {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return s
	}
	return v
}

func asArray(v any) ([]any, bool) {
	a, ok := v.([]any)
	return a, ok
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, true
		}
		if f, err := x.Float64(); err == nil {
			return int64(f), true
		}
	case string:
		if n, err := strconv.ParseInt(x, 10, 64); err == nil {
			return n, true
		}
	}
	return 0, false
}

func asString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	case nil:
		return "", false
	}
	b, _ := json.Marshal(v)
	return string(b), true
}

// compareDynamic orders dynamic values as array_sort does: numbers by
// value, strings by ordinal, other kinds by their kind then their text.
func compareDynamic(a, b any) int {
	fa, okA := a.(json.Number)
	fb, okB := b.(json.Number)
	if okA && okB {
		x, _ := fa.Float64()
		y, _ := fb.Float64()
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	ka, kb := kindRank(a), kindRank(b)
	if ka != kb {
		return ka - kb
	}
	sa, _ := asString(a)
	sb, _ := asString(b)
	return strings.Compare(sa, sb)
}

func kindRank(v any) int {
	switch v.(type) {
	case bool:
		return 0
	case json.Number:
		return 1
	case string:
		return 2
	case []any:
		return 3
	}
	return 4
}

// arraySort is array_sort_asc/_desc: the first array sorted, nulls first
// or last; with more arrays, all of them (an array of arrays) reordered
// as the first, or null when their lengths differ.
func arraySort(arrays []any, asc, nullsLast bool) any {
	first, ok := asArray(arrays[0])
	if !ok {
		return nil
	}
	// Sort the positions by the first array, then lay every array out in
	// that order; the others must be as long as the first.
	order := make([]int, len(first))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		x, y := first[order[i]], first[order[j]]
		if x == nil || y == nil {
			if x == nil && y == nil {
				return false
			}
			return (x == nil) != nullsLast
		}
		if asc {
			return compareDynamic(x, y) < 0
		}
		return compareDynamic(x, y) > 0
	})
	out := make([]any, len(arrays))
	for k, av := range arrays {
		a, ok := asArray(av)
		if !ok || len(a) != len(first) {
			return nil
		}
		sorted := make([]any, len(a))
		for i, o := range order {
			sorted[i] = a[o]
		}
		out[k] = sorted
	}
	if len(out) == 1 {
		return out[0]
	}
	return out
}

// arrayShift shifts (or with rotate, rotates) an array left by n (right
// when n is negative), filling vacated places with fill.
func arrayShift(v, nv, fill any, rotate bool) any {
	a, ok := asArray(v)
	if !ok {
		return nil
	}
	n, ok := asInt(nv)
	if !ok {
		return nil
	}
	out := make([]any, len(a))
	l := int64(len(a))
	for i := range out {
		j := int64(i) + n
		switch {
		case rotate && l > 0:
			out[i] = a[((j%l)+l)%l]
		case j >= 0 && j < l:
			out[i] = a[j]
		default:
			out[i] = fill
		}
	}
	return out
}

// arraySlice is array_slice: inclusive bounds, negative ones counted
// from the end, clamped to the array.
func arraySlice(v, sv, ev any) any {
	a, ok := asArray(v)
	if !ok {
		return nil
	}
	s, ok1 := asInt(sv)
	e, ok2 := asInt(ev)
	if !ok1 || !ok2 {
		return nil
	}
	l := int64(len(a))
	if s < 0 {
		s += l
	}
	if e < 0 {
		e += l
	}
	s = max(s, 0)
	e = min(e, l-1)
	if s > e {
		return []any{}
	}
	return a[s : e+1]
}

func arraySplit(v, iv any) any {
	a, ok := asArray(v)
	if !ok {
		return nil
	}
	var idx []int64
	if list, ok := asArray(iv); ok {
		for _, x := range list {
			if n, ok := asInt(x); ok {
				idx = append(idx, n)
			}
		}
	} else if n, ok := asInt(iv); ok {
		idx = []int64{n}
	}
	l := int64(len(a))
	out := []any{}
	prev := int64(0)
	for _, i := range append(idx, l) {
		if i < 0 {
			i += l
		}
		i = min(max(i, prev), l)
		out = append(out, append([]any{}, a[prev:i]...))
		prev = i
	}
	return out
}

// arrayIndexOf is array_index_of(array, value, start, length, occurrence).
func arrayIndexOf(v []any) any {
	a, ok := asArray(v[0])
	if !ok {
		return nil
	}
	start, length, occ, ok := searchRange(int64(len(a)), v[2], v[3], v[4])
	if !ok {
		return nil
	}
	if start < 0 {
		return json.Number("-1")
	}
	found := int64(0)
	for i := start; i < start+length && i < int64(len(a)); i++ {
		if jsonEqualValues(a[i], v[1]) {
			found++
			if found == occ {
				return json.Number(strconv.FormatInt(i, 10))
			}
		}
	}
	return json.Number("-1")
}

// searchRange resolves the start, length and occurrence arguments the
// indexof family shares: a negative start counts from the end, a length
// of -1 (or none) runs to the end, occurrence defaults to 1. start is -1
// when it lies beyond the end; ok is false for invalid arguments.
func searchRange(n int64, sv, lv, ov any) (start, length, occ int64, ok bool) {
	start, length, occ = 0, -1, 1
	if sv != nil {
		if start, ok = asInt(sv); !ok {
			return 0, 0, 0, false
		}
	}
	if lv != nil {
		if length, ok = asInt(lv); !ok || length < -1 {
			return 0, 0, 0, false
		}
	}
	if ov != nil {
		if occ, ok = asInt(ov); !ok || occ <= 0 {
			return 0, 0, 0, false
		}
	}
	if start < 0 {
		start = max(start+n, 0)
	}
	if start > n {
		return -1, 0, occ, true
	}
	if length == -1 || start+length > n {
		length = n - start
	}
	return start, length, occ, true
}

func jsonEqualValues(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	if fa, ok := a.(json.Number); ok {
		if fb, ok := b.(json.Number); ok {
			p, _ := fa.Float64()
			q, _ := fb.Float64()
			return p == q
		}
	}
	return bytes.Equal(x, y)
}

// indexOf is Kusto's indexof(source, lookup, start, length, occurrence)
// over characters.
func indexOf(v []any) any {
	src, ok1 := asString(v[0])
	look, ok2 := asString(v[1])
	if !ok1 || !ok2 {
		return nil
	}
	runes := []rune(src)
	start, length, occ, ok := searchRange(int64(len(runes)), v[2], v[3], v[4])
	if !ok {
		return nil
	}
	if start < 0 {
		return json.Number("-1")
	}
	hay := string(runes[start : start+length])
	pos := 0
	for n := int64(1); ; n++ {
		i := strings.Index(hay[pos:], look)
		if i < 0 {
			return json.Number("-1")
		}
		if n == occ {
			return json.Number(strconv.FormatInt(start+int64(utf8.RuneCountInString(hay[:pos+i])), 10))
		}
		pos += i + max(len(look), 1)
		if pos > len(hay) {
			return json.Number("-1")
		}
	}
}

func indexOfRegex(v []any) (any, error) {
	src, ok1 := asString(v[0])
	pat, ok2 := asString(v[1])
	if !ok1 || !ok2 {
		return nil, nil
	}
	if s, ok := asInt(v[2]); v[2] != nil && (!ok || s < 0) {
		return nil, nil
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("indexof_regex: invalid regular expression %q: %v", pat, err)
	}
	runes := []rune(src)
	start, length, occ, ok := searchRange(int64(len(runes)), v[2], v[3], v[4])
	if !ok {
		return nil, nil
	}
	if start < 0 {
		return json.Number("-1"), nil
	}
	hay := string(runes[start : start+length])
	m := re.FindAllStringIndex(hay, int(occ))
	if int64(len(m)) < occ {
		return json.Number("-1"), nil
	}
	return json.Number(strconv.FormatInt(start+int64(utf8.RuneCountInString(hay[:m[occ-1][0]])), 10)), nil
}

// arrayIff picks from ifTrue or ifFalse (arrays or scalars) by each
// element of cond; a non-bool condition gives null.
func arrayIff(cv, tv, fv any) any {
	cond, ok := asArray(cv)
	if !ok {
		return nil
	}
	pick := func(v any, i int) any {
		if a, ok := asArray(v); ok {
			if i < len(a) {
				return a[i]
			}
			return nil
		}
		return v
	}
	out := make([]any, len(cond))
	for i, c := range cond {
		switch b := c.(type) {
		case bool:
			if b {
				out[i] = pick(tv, i)
			} else {
				out[i] = pick(fv, i)
			}
		case json.Number:
			if f, _ := b.Float64(); f != 0 {
				out[i] = pick(tv, i)
			} else {
				out[i] = pick(fv, i)
			}
		}
	}
	return out
}

func zipArrays(v []any) any {
	longest := 0
	for _, x := range v {
		a, ok := asArray(x)
		if !ok {
			return nil
		}
		longest = max(longest, len(a))
	}
	out := make([]any, longest)
	for i := range out {
		row := make([]any, len(v))
		for j, x := range v {
			if a := x.([]any); i < len(a) {
				row[j] = a[i]
			}
		}
		out[i] = row
	}
	return out
}

// bagZip pairs string keys with values; keys that are not strings are
// skipped, missing values are null.
func bagZip(kv, vv any) any {
	keys, ok := asArray(kv)
	if !ok {
		return nil
	}
	vals, _ := asArray(vv)
	out := map[string]any{}
	for i, k := range keys {
		s, ok := k.(string)
		if !ok {
			continue
		}
		if i < len(vals) {
			out[s] = vals[i]
		} else {
			out[s] = nil
		}
	}
	return out
}

// bagMerge merges bags; the leftmost bag wins a key.
func bagMerge(v []any) any {
	out := map[string]any{}
	for i := len(v) - 1; i >= 0; i-- {
		m, ok := v[i].(map[string]any)
		if !ok {
			continue
		}
		for k, x := range m {
			out[k] = x
		}
	}
	return out
}

// bagRemoveKeys removes keys; a key may be a JSONPath such as $.a.b.
func bagRemoveKeys(bv, kv any) any {
	bag, ok := bv.(map[string]any)
	if !ok {
		return nil
	}
	keys, _ := asArray(kv)
	out := cloneJSON(bag).(map[string]any)
	for _, k := range keys {
		s, ok := k.(string)
		if !ok {
			continue
		}
		path := bagPath(s)
		m := out
		for i, p := range path {
			if i == len(path)-1 {
				delete(m, p)
				break
			}
			next, ok := m[p].(map[string]any)
			if !ok {
				break
			}
			m = next
		}
	}
	return out
}

// bagSetKey sets a key (or a JSONPath such as $.a.b, creating the bags on
// the way) to a value.
func bagSetKey(bv, kv, val any) any {
	bag, ok := bv.(map[string]any)
	if !ok {
		return nil
	}
	s, ok := kv.(string)
	if !ok {
		return nil
	}
	out := cloneJSON(bag).(map[string]any)
	path := bagPath(s)
	m := out
	for i, p := range path {
		if i == len(path)-1 {
			m[p] = val
			break
		}
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	return out
}

// bagPath splits "$.a.b" or "$['a'].b" into its keys; a plain name is one
// key.
func bagPath(s string) []string {
	if !strings.HasPrefix(s, "$") {
		return []string{s}
	}
	var out []string
	rest := s[1:]
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, "['") || strings.HasPrefix(rest, `["`):
			q := rest[2]
			end := strings.IndexByte(rest[2:], q)
			if end < 0 {
				return append(out, rest)
			}
			out = append(out, rest[2:2+end])
			rest = strings.TrimPrefix(rest[2+end+1:], "]")
		case rest[0] == '.':
			rest = rest[1:]
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			out = append(out, rest[:end])
			rest = rest[end:]
		default:
			return append(out, rest)
		}
	}
	return out
}

func cloneJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cloneJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneJSON(e)
		}
		return out
	}
	return v
}

// setIntersect keeps the distinct elements of the first array found in
// every other array, in first-seen order.
func setIntersect(v []any) any {
	first, ok := asArray(v[0])
	if !ok {
		return nil
	}
	out := []any{}
	seen := map[string]bool{}
	for _, x := range first {
		key, _ := json.Marshal(x)
		if seen[string(key)] {
			continue
		}
		seen[string(key)] = true
		inAll := true
		for _, other := range v[1:] {
			a, ok := asArray(other)
			if !ok {
				return nil
			}
			found := false
			for _, y := range a {
				if jsonEqualValues(x, y) {
					found = true
					break
				}
			}
			inAll = inAll && found
		}
		if inAll {
			out = append(out, x)
		}
	}
	return out
}

func jaccard(av, bv any) any {
	a, ok1 := asArray(av)
	b, ok2 := asArray(bv)
	if !ok1 || !ok2 {
		return nil
	}
	set := func(list []any) map[string]bool {
		m := map[string]bool{}
		for _, x := range list {
			k, _ := json.Marshal(x)
			m[string(k)] = true
		}
		return m
	}
	sa, sb := set(a), set(b)
	union := len(sa)
	inter := 0
	for k := range sb {
		if sa[k] {
			inter++
		} else {
			union++
		}
	}
	if union == 0 {
		return json.Number("0")
	}
	return float64(inter) / float64(union)
}

// extractAll returns every match of re in s: with one capture group its
// captures, with several an array of the groups of each match. groups,
// when given, picks the groups (0 is the whole match).
func extractAll(rv, sv, gv any) (any, error) {
	pat, ok1 := asString(rv)
	s, ok2 := asString(sv)
	if !ok1 || !ok2 {
		return nil, nil
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("extract_all: invalid regular expression %q: %v", pat, err)
	}
	var groups []int
	if list, ok := asArray(gv); ok {
		for _, g := range list {
			if n, ok := asInt(g); ok && n >= 0 && int(n) <= re.NumSubexp() {
				groups = append(groups, int(n))
			}
		}
	}
	if groups == nil {
		for g := 1; g <= re.NumSubexp(); g++ {
			groups = append(groups, g)
		}
		if len(groups) == 0 {
			groups = []int{0}
		}
	}
	matches := re.FindAllStringSubmatch(s, -1)
	if len(matches) == 0 {
		return nil, nil
	}
	out := []any{}
	for _, m := range matches {
		if len(groups) == 1 {
			out = append(out, m[groups[0]])
			continue
		}
		row := []any{}
		for _, g := range groups {
			row = append(row, m[g])
		}
		out = append(out, row)
	}
	return out, nil
}

func replaceStrings(tv, lv, rv any) any {
	text, ok := asString(tv)
	if !ok {
		return nil
	}
	looks, _ := asArray(lv)
	reps, _ := asArray(rv)
	var pairs []string
	for i, l := range looks {
		ls, ok := asString(l)
		if !ok || ls == "" {
			continue
		}
		// A rewrite that is missing or not a string keeps the match as it
		// is, but the match still stops later lookups inside it.
		r := ls
		if i < len(reps) {
			if s, ok := reps[i].(string); ok {
				r = s
			}
		}
		pairs = append(pairs, ls, r)
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// toHex is tohex(value, minLength) in lowercase, negative values in 64-bit
// two's complement (the caller masks an int to 32 bits first).
func toHex(v, lv any) any {
	n, ok := asInt(v)
	if !ok {
		return nil
	}
	s := strconv.FormatUint(uint64(n), 16)
	if l, ok := asInt(lv); ok && int(l) > len(s) {
		s = strings.Repeat("0", int(l)-len(s)) + s
	}
	return s
}

func codepointsToString(v []any) any {
	var b strings.Builder
	var add func(x any) bool
	add = func(x any) bool {
		if a, ok := asArray(x); ok {
			for _, e := range a {
				if !add(e) {
					return false
				}
			}
			return true
		}
		n, ok := asInt(x)
		if !ok || n < 0 || n > utf8.MaxRune {
			return false
		}
		b.WriteRune(rune(n))
		return true
	}
	for _, x := range v {
		if !add(x) {
			return nil
		}
	}
	return b.String()
}

func codepointsFromString(v any) any {
	s, ok := asString(v)
	if !ok {
		return nil
	}
	out := []any{}
	for _, r := range s {
		out = append(out, json.Number(strconv.Itoa(int(r))))
	}
	return out
}

func base64ToArray(v any) any {
	s, ok := asString(v)
	if !ok {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil
	}
	out := []any{}
	for _, c := range b {
		out = append(out, json.Number(strconv.Itoa(int(c))))
	}
	return out
}

func base64FromArray(v any) any {
	a, ok := asArray(v)
	if !ok {
		return nil
	}
	b := make([]byte, 0, len(a))
	for _, x := range a {
		n, ok := asInt(x)
		if !ok || n < 0 || n > 255 {
			return nil
		}
		b = append(b, byte(n))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// translate replaces each character of from with the character at the
// same place in to (the last one when to is shorter); an empty to
// removes them.
func translate(fv, tv, sv any) any {
	from, ok1 := asString(fv)
	to, ok2 := asString(tv)
	s, ok3 := asString(sv)
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	fr, tr := []rune(from), []rune(to)
	return strings.Map(func(r rune) rune {
		for i, f := range fr {
			if f == r {
				switch {
				case len(tr) == 0:
					return -1
				case i < len(tr):
					return tr[i]
				default:
					return tr[len(tr)-1]
				}
			}
		}
		return r
	}, s)
}

func strcatArray(av, dv any) any {
	a, ok := asArray(av)
	if !ok {
		return nil
	}
	d, _ := asString(dv)
	var parts []string
	for _, x := range a {
		s, _ := asString(x)
		parts = append(parts, s)
	}
	return strings.Join(parts, d)
}

// parseKV scans key/value text for parse-kv. With a pair or key/value
// delimiter, the text is a sequence of pairs: key, delimiter, value
// (quoted values and keys may hold delimiters); without, each wanted key
// is looked for as a whole word followed by ':' or '=', its value running
// to the next ',' or ';'. Values are trimmed; the result maps keys to
// their first value.
func parseKV(tv, kv, ov any) any {
	text, ok := tv.(string)
	if !ok {
		return nil
	}
	keys, _ := asArray(kv)
	opts, _ := ov.(map[string]any)
	opt := func(k string) string { s, _ := opts[k].(string); return s }
	quote, escape := opt("quote"), opt("escape")
	open, closing := "", ""
	switch len([]rune(quote)) {
	case 1:
		open, closing = quote, quote
	case 2:
		r := []rune(quote)
		open, closing = string(r[0]), string(r[1])
	}
	// value reads a value at s: quoted, or up to (not including) a stop.
	value := func(s string, stop func(string) int) (string, int) {
		t := strings.TrimLeft(s, " \t")
		skipped := len(s) - len(t)
		if open != "" && strings.HasPrefix(t, open) {
			var b strings.Builder
			for i := len(open); i < len(t); i++ {
				if escape != "" && strings.HasPrefix(t[i:], escape) && i+len(escape) < len(t) {
					i += len(escape)
					b.WriteByte(t[i])
					continue
				}
				if strings.HasPrefix(t[i:], closing) {
					return b.String(), skipped + i + len(closing)
				}
				b.WriteByte(t[i])
			}
			return b.String(), len(s)
		}
		end := stop(t)
		if end < 0 {
			end = len(t)
		}
		return strings.TrimSpace(t[:end]), skipped + end
	}
	out := map[string]any{}
	pairDelim, kvDelim := opt("pair_delimiter"), opt("kv_delimiter")
	if pairDelim != "" || kvDelim != "" {
		if pairDelim == "" {
			pairDelim = " "
		}
		if kvDelim == "" {
			kvDelim = "="
		}
		greedy := opts["greedy"] == true
		stop := func(s string) int {
			if !greedy {
				return strings.Index(s, pairDelim)
			}
			// Greedy: up to the next delimiter that starts another pair.
			for i := 0; i < len(s); {
				j := strings.Index(s[i:], pairDelim)
				if j < 0 {
					return -1
				}
				rest := s[i+j+len(pairDelim):]
				if k := strings.Index(rest, kvDelim); k > 0 && !strings.Contains(rest[:k], pairDelim) {
					return i + j
				}
				i += j + len(pairDelim)
			}
			return -1
		}
		for rest := text; rest != ""; {
			quotedKey := open != "" && strings.HasPrefix(strings.TrimLeft(rest, " \t"), open)
			k, n := value(rest, func(s string) int { return strings.Index(s, kvDelim) })
			rest = rest[n:]
			if !strings.HasPrefix(rest, kvDelim) {
				// Not a pair (a stray word of a value): skip it.
				i := strings.Index(rest, pairDelim)
				if i < 0 {
					break
				}
				rest = rest[i+len(pairDelim):]
				continue
			}
			rest = rest[len(kvDelim):]
			// Words before the key belong to no pair (non-greedy values).
			if i := strings.LastIndex(k, pairDelim); i >= 0 && !quotedKey {
				k = strings.TrimSpace(k[i+len(pairDelim):])
			}
			v, m := value(rest, stop)
			rest = strings.TrimPrefix(strings.TrimLeft(rest[m:], " \t"), pairDelim)
			if _, seen := out[k]; !seen {
				out[k] = v
			}
		}
	}
	isWord := func(b byte) bool {
		return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
	}
	for _, kx := range keys {
		k, _ := kx.(string)
		if _, done := out[k]; done || pairDelim != "" || kvDelim != "" || k == "" {
			continue
		}
		for from := 0; from < len(text); {
			i := strings.Index(text[from:], k)
			if i < 0 {
				break
			}
			i += from
			from = i + len(k)
			if i > 0 && isWord(text[i-1]) {
				continue
			}
			rest := strings.TrimLeft(text[i+len(k):], " \t")
			if rest == "" || (rest[0] != ':' && rest[0] != '=') {
				continue
			}
			v, _ := value(rest[1:], func(s string) int { return strings.IndexAny(s, ",;") })
			out[k] = v
			break
		}
	}
	return out
}

// bagDropEmpty leaves out the null and empty-string properties of a bag.
func bagDropEmpty(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	for k, x := range m {
		if x == nil || x == "" {
			delete(m, k)
		}
	}
	return m
}

// makeBag merges the bags of a list (make_bag's aggregated values); the
// first value of a key wins, and values that are not bags are ignored.
func makeBag(v any) any {
	list, _ := asArray(v)
	out := map[string]any{}
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		for k, e := range m {
			if _, seen := out[k]; !seen {
				out[k] = e
			}
		}
	}
	return out
}

// treePath is treepath: the path of every node under a bag, as
// ['key'] and [0] steps, in key order; the elements of an array share
// the one path [0], so each path appears once.
func treePath(v any) any {
	if _, ok := v.(map[string]any); !ok {
		return nil
	}
	out := []any{}
	seen := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := prefix + "['" + k + "']"
				if !seen[p] {
					seen[p] = true
					out = append(out, p)
				}
				walk(p, x[k])
			}
		case []any:
			if len(x) == 0 {
				return
			}
			p := prefix + "[0]"
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
			for _, e := range x {
				walk(p, e)
			}
		}
	}
	walk("", v)
	return out
}

// guidOrder maps the bytes of a GUID's text, in order, to its .NET byte
// layout (the first three groups little-endian), which base64 GUIDs use.
var guidOrder = [16]int{3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15}

// base64ToGUID is base64_decode_toguid: 16 bytes in .NET's layout.
func base64ToGUID(v any) any {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != 16 {
		return nil
	}
	var t [16]byte
	for i, j := range guidOrder {
		t[i] = b[j]
	}
	h := fmt.Sprintf("%x", t[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// base64FromGUID is base64_encode_fromguid, the inverse.
func base64FromGUID(v any) any {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	raw, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(raw) != 16 {
		return nil
	}
	var b [16]byte
	for i, j := range guidOrder {
		b[j] = raw[i]
	}
	return base64.StdEncoding.EncodeToString(b[:])
}
