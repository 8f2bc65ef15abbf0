package engine

import "strconv"

// Window functions over a serialized input that carry state from row to
// row (row_rank_dense, row_rank_min, row_window_session, and row_number
// and row_cumsum with a restart) may have window functions as arguments
// (restart = Key != prev(Key)), and SQL cannot nest window functions, so
// a dialect computes them in steps (sqlgen.Dialect.Window): columns
// computed before the extend, project or where, in levels (see
// compiler.pre), then a last expression over them. Which steps is the
// dialect's; where they go is the engine's.

// hoist computes sql as a column at level lv before the extend,
// project or where being compiled and returns the column's name.
func (c *compiler) hoist(lv int, sql string) string {
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
