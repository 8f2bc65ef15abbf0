package engine

import (
	"strconv"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// Window functions over a serialized input that carry state from row to
// row (row_rank_dense, row_rank_min, row_window_session). Their
// arguments may themselves be window functions (restart = Key !=
// prev(Key)), and SQL cannot nest window functions, so each is computed
// in steps: columns computed before the extend or project, in levels
// (see compiler.pre), then a last expression over them. Every window is
// over the whole input in its order (OVER () with a running frame), as
// row_cumsum's, so the rows keep their order.

// running is the frame of a window that reads the rows so far.
const running = " OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"

// sessionRunLimit bounds the rows row_window_session follows from a
// gap or restart (see there).
const sessionRunLimit = 5000

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

// restart is the optional restart argument i, false when not given.
func restart(a fnArgs, i int) string {
	if len(a.v) <= i {
		return "false"
	}
	return "coalesce(" + a.as(i, schema.Bool) + ", false)"
}

// rankSteps computes what both row ranks need: the row's number, and
// whether it starts a segment (restart) or a run of equal terms.
func rankSteps(a fnArgs) (rn, seg, run string) {
	a.need(1)
	t := a.c.hoist(a.e, 0, a.v[0].sql)
	r := a.c.hoist(a.e, 0, restart(a, 1))
	rn = a.c.hoist(a.e, 1, "row_number() OVER ()")
	seg = a.c.hoist(a.e, 1, "("+r+" OR row_number() OVER () = 1)")
	run = a.c.hoist(a.e, 1, "("+r+" OR row_number() OVER () = 1 OR "+t+" IS DISTINCT FROM lag("+t+") OVER ())")
	return rn, seg, run
}

func init() {
	// row_rank_dense: 1 at the start of a segment, one more at each
	// change of the term: the changes so far less those before the
	// segment.
	scalarFuncs["row_rank_dense"] = func(a fnArgs) scalar {
		_, seg, run := rankSteps(a)
		changes := a.c.hoist(a.e, 2, "sum(CAST("+run+" AS BIGINT))"+running)
		atStart := a.c.hoist(a.e, 3, "max(CASE WHEN "+seg+" THEN "+changes+" END)"+running)
		return scalar{"(" + changes + " - " + atStart + " + 1)", schema.Long}
	}
	// row_rank_min: the row number, within the segment, of the first row
	// of the run of equal terms the row is in.
	scalarFuncs["row_rank_min"] = func(a fnArgs) scalar {
		rn, seg, run := rankSteps(a)
		runStart := a.c.hoist(a.e, 2, "max(CASE WHEN "+run+" THEN "+rn+" END)"+running)
		segStart := a.c.hoist(a.e, 2, "max(CASE WHEN "+seg+" THEN "+rn+" END)"+running)
		return scalar{"(" + runStart + " - " + segStart + " + 1)", schema.Long}
	}
	// row_window_session(t, maxFromFirst, maxBetweenNeighbors [, restart]):
	// a row starts a session when it restarts, when it is further than
	// maxBetweenNeighbors from the row before, or when it is further than
	// maxFromFirst from its session's start; the value is the session's
	// start. The last rule carries state, so each row folds the run of
	// rows since the last gap (list_reduce): work grows with the square
	// of a run's length, so a run is bounded to sessionRunLimit rows and
	// a longer one fails the query, naming the limit, rather than
	// exhausting the machine.
	scalarFuncs["row_window_session"] = func(a fnArgs) scalar {
		a.need(3)
		if a.v[0].typ != schema.DateTime {
			a.c.fail(a.e.Args[0], "row_window_session needs a datetime, not %s", a.v[0].typ)
		}
		us := func(i int) string { return "((" + a.as(i, schema.Timespan) + ") // 10)" }
		t := a.c.hoist(a.e, 0, "epoch_us("+a.v[0].sql+")")
		r := a.c.hoist(a.e, 0, restart(a, 3))
		rn := a.c.hoist(a.e, 1, "row_number() OVER ()")
		gap := a.c.hoist(a.e, 1, "("+r+" OR row_number() OVER () = 1 OR "+t+" - lag("+t+") OVER () > "+us(2)+")")
		runStart := a.c.hoist(a.e, 2, "max(CASE WHEN "+gap+" THEN "+rn+" END)"+running)
		limit := strconv.Itoa(sessionRunLimit)
		times := a.c.hoist(a.e, 3, "list("+t+") OVER (ROWS BETWEEN least("+rn+" - "+runStart+", "+limit+") PRECEDING AND CURRENT ROW)")
		start := "list_reduce(" + times + ", (_s, _t) -> CASE WHEN _t - _s > " + us(1) + " THEN _t ELSE _s END)"
		return scalar{"(CASE WHEN " + rn + " - " + runStart + " >= " + limit +
			" THEN error('row_window_session: more than " + limit + " rows without a gap or a restart; give a restart condition or a shorter distance between neighbors')" +
			" ELSE make_timestamp(" + start + ") END)", schema.DateTime}
	}
}
