package sqlgen

import (
	"strings"

	"vigil/internal/schema"
)

// PathStep is a step into a dynamic value: to the member named Key, or,
// when Index is set, to the element (a number) or member (a string) its
// value names. An Index whose Const is a string (d['a'], or d[k] for a
// let bound to one) is the step to that member, as Key would be.
type PathStep struct {
	Key   string
	Index *Arg
}

// Path spells the value that steps lead to inside the dynamic value
// base. The steps go into one JSONPath, '$.a[0].b', which DuckDB walks
// with one parse of the document. A member named * and a member named by
// a computed string take a JSON pointer step of their own instead: DuckDB
// reads a key "*" in a $ path as a wildcard even when quoted, and a
// pointer needs no quoting of what the string holds.
func (d *DuckDB) Path(base string, steps []PathStep) string {
	var path strings.Builder // the open $ path, steps[from:] so far
	path.WriteString("'$")
	doc := base
	pointer := func(step string) {
		if path.Len() > 2 {
			doc = "json_extract(" + doc + ", " + path.String() + "')"
		}
		doc = "json_extract(" + doc + ", " + step + ")"
		path.Reset()
		path.WriteString("'$")
	}
	for _, s := range steps {
		if s.Index != nil {
			if k, ok := s.Index.Const.(string); ok {
				s = PathStep{Key: k}
			}
		}
		switch {
		case s.Index == nil && s.Key == "*":
			pointer("'/*'")
		case s.Index == nil:
			path.WriteString(strings.ReplaceAll("."+jsonKey(s.Key), "'", "''"))
		case s.Index.Type == schema.String:
			pointer(keyPointer(s.Index.SQL))
		default:
			path.WriteString("[' || CAST(" + s.Index.SQL + " AS VARCHAR) || ']")
		}
	}
	return d.jsonMember(doc, path.String()+"'")
}

// jsonKey is k as a step of a DuckDB JSON path: bare when it is a plain
// name (ASCII letters, digits and underscores, not starting with a
// digit), quoted otherwise. DuckDB finds a bare key faster: a filter on
// one member of 2M documents took about 8% less CPU time, on a member
// two steps deep about 30% less, which was the dynamic property filter's
// whole overhead against hand-written SQL (docs/benchmarks.md).
func jsonKey(k string) string {
	if plainKey(k) {
		return k
	}
	return `"` + strings.ReplaceAll(k, `"`, `\"`) + `"`
}

// keyPath is the SQL literal of the one-step JSON path to member k, for
// json_extract. A key "*" gets a JSON pointer (see Path).
func keyPath(k string) string {
	if k == "*" {
		return "'/*'"
	}
	return QuoteString("$." + jsonKey(k))
}

// keyPointer is the SQL of the JSON pointer to the member whose name is
// the value of the SQL string expression k, for json_extract: a pointer
// needs no quoting of the name, and DuckDB reads a key * in a $ path as
// a wildcard even when quoted, which a path made at run time may not
// hold.
func keyPointer(k string) string {
	return "'/' || replace(replace(" + k + ", '~', '~0'), '/', '~1')"
}

func plainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return k != ""
}
