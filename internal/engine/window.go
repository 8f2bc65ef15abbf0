package engine

import (
	"database/sql/driver"
	"strconv"

	"github.com/duckdb/duckdb-go/v2"

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
	// The times arrive as the text of a DuckDB list of integers, which
	// reads as JSON.
	udfs = append(udfs, udf{name: "kql_session_start", args: []duckdb.Type{tVarchar, tBigint}, result: tBigint,
		fn: func(a []driver.Value) (any, error) {
			times, _ := asArray(decodeJSON(a[0].(string)))
			return sessionStart(times, a[1].(int64)), nil
		}})
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
	// start. The last rule carries state, so a Go function walks the run
	// of rows since the last gap: work grows with the square of the
	// longest run without a gap.
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
		times := a.c.hoist(a.e, 3, "CAST(list("+t+") OVER (ROWS BETWEEN "+rn+" - "+runStart+" PRECEDING AND CURRENT ROW) AS VARCHAR)")
		return scalar{"make_timestamp(kql_session_start(" + times + ", " + us(1) + "))", schema.DateTime}
	}
}

// sessionStart walks times (microseconds, a run without gaps, the
// current row last) and returns the start of the current row's session:
// a new session starts at the first time further than maxFromFirst from
// the session's start.
func sessionStart(times []any, maxFromFirst int64) any {
	var start int64
	for i, v := range times {
		t, ok := asInt(v)
		if !ok {
			continue
		}
		if i == 0 || t-start > maxFromFirst {
			start = t
		}
	}
	if len(times) == 0 {
		return nil
	}
	return start
}
