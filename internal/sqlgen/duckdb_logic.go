package sqlgen

import (
	"strings"

	"vigil/internal/schema"
)

func init() {
	spell(map[string]spelling{
		"iff": tmpl("CASE WHEN $1 THEN $2 ELSE $3 END"),
		"iif": tmpl("CASE WHEN $1 THEN $2 ELSE $3 END"),
		// case(condition, then, ..., else).
		"case": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			var b strings.Builder
			b.WriteString("CASE")
			for i := 0; i+1 < len(a); i += 2 {
				b.WriteString(" WHEN " + a[i].SQL + " THEN " + a[i+1].SQL)
			}
			b.WriteString(" ELSE " + a[len(a)-1].SQL + " END")
			return b.String()
		},
		"coalesce": func(_ *DuckDB, a []Arg, result schema.Type) string {
			parts := make([]string, len(a))
			for i, x := range a {
				parts[i] = x.SQL
				if result == schema.String && i < len(a)-1 {
					// Kusto skips empty strings as it skips nulls.
					parts[i] = "NULLIF(" + x.SQL + ", '')"
				}
			}
			return "coalesce(" + strings.Join(parts, ", ") + ")"
		},
		"isempty":    tmpl("($1 IS NULL OR $1 = '')"),
		"isnotempty": tmpl("($1 IS NOT NULL AND $1 <> '')"),
		"isnull":     isNull(""),
		"isnotnull":  isNull("NOT "),
		"not":        tmpl("(NOT $1)"),
		"max_of":     sqlFunc("greatest"),
		"min_of":     sqlFunc("least"),
		// The type the plan gave the argument, known when the query
		// compiles, but for a dynamic value, the type of what it holds.
		"gettype": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			switch a[0].Type {
			case schema.Dynamic:
				return jsonTypeName(a[0].SQL)
			case 0:
				return QuoteString("null")
			}
			return QuoteString(a[0].Type.String())
		},
	})
}

// sqlFunc spells a call of the SQL function fn with the arguments as they
// are.
func sqlFunc(fn string) spelling {
	return func(_ *DuckDB, a []Arg, _ schema.Type) string {
		return fn + "(" + strings.Join(argSQL(a), ", ") + ")"
	}
}

// argSQL are the arguments' SQL.
func argSQL(a []Arg) []string {
	out := make([]string, len(a))
	for i, x := range a {
		out[i] = x.SQL
	}
	return out
}

// jsonTypeName is the name Kusto's gettype gives the value the dynamic
// value x holds: array, dictionary, string, bool, real, int (an integer
// that fits in 32 bits), long, or null (also for a missing member).
func jsonTypeName(x string) string {
	integer := "CASE WHEN TRY_CAST(" + x + " AS INTEGER) IS NOT NULL THEN 'int' ELSE 'long' END"
	return "coalesce(CASE json_type(" + x + ") WHEN 'ARRAY' THEN 'array' WHEN 'OBJECT' THEN 'dictionary' WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'bool' WHEN 'DOUBLE' THEN 'real'" +
		" WHEN 'BIGINT' THEN " + integer + " WHEN 'UBIGINT' THEN " + integer + " END, 'null')"
}

// isNull spells isnull (not "") or isnotnull (not "NOT "): a dynamic
// value is null also when it holds JSON's null, as dynamic(null) and a
// member whose value is null do in Kusto.
func isNull(not string) spelling {
	return func(_ *DuckDB, a []Arg, _ schema.Type) string {
		if a[0].Type == schema.Dynamic {
			return "(" + not + "(" + a[0].SQL + " IS NULL OR json_type(" + a[0].SQL + ") = 'NULL'))"
		}
		return "(" + a[0].SQL + " IS " + not + "NULL)"
	}
}
