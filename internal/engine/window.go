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

// windowSteps is what the window functions of an extend, project or
// where need (compiler.pre).
type windowSteps struct {
	// levels are the columns computed before the operator, each
	// level's over the ones before (hoisted).
	levels [][]string
	// called is whether a window function was compiled: where then
	// filters on its predicate computed as a column, since SQL allows no
	// window function in WHERE, even one that needs no levels (prev).
	called bool
}

// hoist computes sql as a column at level lv before the extend,
// project or where being compiled and returns the column's name.
func (c *compiler) hoist(lv int, sql string) string {
	p := c.pre
	n := 0
	for _, l := range p.levels {
		n += len(l)
	}
	for len(p.levels) <= lv {
		p.levels = append(p.levels, nil)
	}
	name := "_w" + strconv.Itoa(n)
	p.levels[lv] = append(p.levels[lv], sql+" AS "+name)
	return name
}
