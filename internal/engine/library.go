package engine

import (
	"strconv"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// sortColumns is array_sort_asc/_desc over several arrays in extend or
// project: a column per array, named by the tuple (a, b) = ..., or else
// <array>_sorted. One array, or a call assigned to one name, is a plain
// expression (an array of arrays when there are several).
func (c *compiler) sortColumns(call *kql.Call, names []string, name string, in *relation) ([]string, []col, bool) {
	if (call.Name != "array_sort_asc" && call.Name != "array_sort_desc") || name != "" {
		return nil, nil, false
	}
	args := make([]scalar, len(call.Args))
	for i, e := range call.Args {
		args[i] = c.expr(e, in)
	}
	arrays := plan.SortArrays(planArgs(call.Args, args))
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
		n := plan.ByName(call.Args[k], k) + "_sorted"
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
