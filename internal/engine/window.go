package engine

import (
	"strconv"

	"vigil/internal/kql"
)

// Window functions over a serialized input that carry state from row to
// row (row_rank_dense, row_rank_min, row_window_session) may have
// window functions as arguments (restart = Key != prev(Key)), and SQL
// cannot nest window functions, so a dialect computes them in steps
// (sqlgen.Dialect.Window): columns computed before the extend or
// project, in levels (see compiler.pre), then a last expression over
// them. Which steps is the dialect's; where they go is the engine's.

// hoist computes sql as a column at level lv before the extend or
// project being compiled and returns the column's name.
func (c *compiler) hoist(e *kql.Call, lv int, sql string) string {
	if c.pre == nil {
		c.fail(e, "The function '%s' is only valid in extend or project", e.Name)
	}
	n := 0
	for _, l := range *c.pre {
		n += len(l)
	}
	for len(*c.pre) <= lv {
		*c.pre = append(*c.pre, nil)
	}
	name := "_w" + strconv.Itoa(n)
	(*c.pre)[lv] = append((*c.pre)[lv], sql+" AS "+name)
	return name
}
