package sqlgen

import (
	"strings"

	"vigil/internal/schema"
)

// goCall spells a call of a function written in Go and registered in
// DuckDB (internal/engine's UDFs): its arguments are JSON text, and its
// JSON result is read as typ.
func goCall(name string, typ schema.Type, args ...string) string {
	call := name + "(" + strings.Join(args, ", ") + ")"
	switch typ {
	case schema.Dynamic:
		return "CAST(" + call + " AS JSON)"
	case schema.String:
		return "json_extract_string(" + call + ", '$')"
	}
	return "TRY_CAST(json_extract_string(" + call + ", '$') AS " + DuckDBType(typ) + ")"
}

// jsonArg is argument i, converted to dynamic by the plan, as the JSON
// text a Go function takes; NULL when the call has no argument i.
func jsonArg(a []Arg, i int) string {
	if i >= len(a) {
		return null(schema.String)
	}
	return "CAST(" + a[i].SQL + " AS VARCHAR)"
}

// jsonArgs are the arguments from index from on, as jsonArg gives them.
func jsonArgs(a []Arg, from int) []string {
	var out []string
	for i := from; i < len(a); i++ {
		out = append(out, jsonArg(a, i))
	}
	return out
}

// goFixed spells a call of the Go function name with n JSON arguments,
// those the call leaves out null.
func goFixed(name string, n int) spelling {
	return func(_ *DuckDB, a []Arg, result schema.Type) string {
		args := make([]string, n)
		for i := range args {
			args[i] = jsonArg(a, i)
		}
		return goCall(name, result, args...)
	}
}

// goVariadic spells a call of the Go function name with all the
// arguments as JSON.
func goVariadic(name string) spelling {
	return func(_ *DuckDB, a []Arg, result schema.Type) string {
		return goCall(name, result, jsonArgs(a, 0)...)
	}
}
