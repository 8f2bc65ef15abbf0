package sqlgen

import (
	"strconv"

	"vigil/internal/schema"
)

// Window functions over a serialized input (plan.Func.Window). Every
// window is over the whole input in its order (OVER (), or a running
// frame), so the rows keep their order. Those that carry state from row
// to row (row_rank_dense, row_rank_min, row_window_session, and
// row_number and row_cumsum with a restart) are computed in steps:
// columns hoisted before the operator, in levels, then a last
// expression over them, since their arguments may be window functions
// themselves (restart = Key != prev(Key)) and SQL cannot nest them.

// windowSpelling is how DuckDB writes a window function (Dialect.Window).
type windowSpelling func(args []Arg, result schema.Type, hoist Hoist) string

// duckdbWindows are the spellings of the window functions.
var duckdbWindows = map[string]windowSpelling{
	// row_number([start [, restart]]): start at the first row and at
	// each that restarts, one more at each other row. A restart is
	// computed in steps, as the ranks are: the row's number less that of
	// its segment's first row.
	"row_number": func(a []Arg, _ schema.Type, hoist Hoist) string {
		start := "1"
		if len(a) > 0 {
			start = a[0].SQL
		}
		if len(a) < 2 {
			return "(row_number() OVER () + " + start + " - 1)"
		}
		rn, segStart := segmentStart(a, hoist)
		return "(" + rn + " - " + segStart + " + " + start + ")"
	},
	"prev": offsetWindow("lag"),
	"next": offsetWindow("lead"),
	// row_cumsum(term [, restart]): the sum of the terms so far, or,
	// with a restart, of those since the segment's first row: a frame
	// as long as the row's distance from it, computed in steps as the
	// ranks are, so the sum is exact where subtracting the sum before
	// the segment would not be.
	"row_cumsum": func(a []Arg, _ schema.Type, hoist Hoist) string {
		if len(a) < 2 {
			return "sum(" + a[0].SQL + ")" + running
		}
		term := hoist(0, a[0].SQL)
		rn, segStart := segmentStart(a, hoist)
		return "sum(" + term + ") OVER (ROWS BETWEEN " + rn + " - " + segStart + " PRECEDING AND CURRENT ROW)"
	},
	// row_rank_dense: 1 at the start of a segment, one more at each
	// change of the term: the changes so far less those before the
	// segment.
	"row_rank_dense": func(a []Arg, _ schema.Type, hoist Hoist) string {
		_, seg, run := rankSteps(a, hoist)
		changes := hoist(2, "sum(CAST("+run+" AS BIGINT))"+running)
		atStart := hoist(3, "max(CASE WHEN "+seg+" THEN "+changes+" END)"+running)
		return "(" + changes + " - " + atStart + " + 1)"
	},
	// row_rank_min: the row number, within the segment, of the first row
	// of the run of equal terms the row is in.
	"row_rank_min": func(a []Arg, _ schema.Type, hoist Hoist) string {
		rn, seg, run := rankSteps(a, hoist)
		runStart := hoist(2, "max(CASE WHEN "+run+" THEN "+rn+" END)"+running)
		segStart := hoist(2, "max(CASE WHEN "+seg+" THEN "+rn+" END)"+running)
		return "(" + runStart + " - " + segStart + " + 1)"
	},
	"row_window_session": windowSession,
}

// Window spells a call of a window function over the input's order.
func (d *DuckDB) Window(fn string, args []Arg, result schema.Type, hoist Hoist) (string, bool) {
	f, ok := duckdbWindows[fn]
	if !ok {
		return "", false
	}
	return f(args, result, hoist), true
}

// running is the frame of a window that reads the rows so far.
const running = " OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"

// sessionRunLimit bounds the rows row_window_session follows from a
// gap or restart (see there).
const sessionRunLimit = 5000

// offsetWindow spells prev(column [, offset [, default]]) and next with
// DuckDB's lag or lead.
func offsetWindow(fn string) windowSpelling {
	return func(a []Arg, _ schema.Type, _ Hoist) string {
		offset, def := "1", "NULL"
		if len(a) > 1 {
			offset = a[1].SQL
		}
		if len(a) > 2 {
			def = a[2].SQL
		}
		return fn + "(" + a[0].SQL + ", " + offset + ", " + def + ") OVER ()"
	}
}

// restart is the optional restart argument i, false when not given.
func restart(a []Arg, i int) string {
	if len(a) <= i {
		return "false"
	}
	return "coalesce(" + a[i].SQL + ", false)"
}

// segment computes the restart argument, a[1], the row's number, and
// whether the row starts a segment: the first row and each where the
// restart is true.
func segment(a []Arg, hoist Hoist) (r, rn, seg string) {
	r = hoist(0, restart(a, 1))
	rn = hoist(1, "row_number() OVER ()")
	seg = hoist(1, "("+r+" OR row_number() OVER () = 1)")
	return r, rn, seg
}

// segmentStart computes the row's number and that of the first row of
// its segment (segment).
func segmentStart(a []Arg, hoist Hoist) (rn, segStart string) {
	_, rn, seg := segment(a, hoist)
	return rn, hoist(2, "max(CASE WHEN "+seg+" THEN "+rn+" END)"+running)
}

// rankSteps computes what both row ranks need: the row's number, and
// whether it starts a segment (segment) or a run of equal terms.
func rankSteps(a []Arg, hoist Hoist) (rn, seg, run string) {
	t := hoist(0, a[0].SQL)
	r, rn, seg := segment(a, hoist)
	run = hoist(1, "("+r+" OR row_number() OVER () = 1 OR "+t+" IS DISTINCT FROM lag("+t+") OVER ())")
	return rn, seg, run
}

// windowSession spells row_window_session(t, maxFromFirst,
// maxBetweenNeighbors [, restart]): a row starts a session when it
// restarts, when it is further than maxBetweenNeighbors from the row
// before, or when it is further than maxFromFirst from its session's
// start; the value is the session's start. The last rule carries state,
// so each row folds the run of rows since the last gap (list_reduce):
// work grows with the square of a run's length, so a run is bounded to
// sessionRunLimit rows and a longer one fails the query, naming the
// limit, rather than exhausting the machine.
func windowSession(a []Arg, _ schema.Type, hoist Hoist) string {
	us := func(i int) string { return "((" + a[i].SQL + ") // 10)" }
	t := hoist(0, "epoch_us("+a[0].SQL+")")
	r := hoist(0, restart(a, 3))
	rn := hoist(1, "row_number() OVER ()")
	gap := hoist(1, "("+r+" OR row_number() OVER () = 1 OR "+t+" - lag("+t+") OVER () > "+us(2)+")")
	runStart := hoist(2, "max(CASE WHEN "+gap+" THEN "+rn+" END)"+running)
	limit := strconv.Itoa(sessionRunLimit)
	times := hoist(3, "list("+t+") OVER (ROWS BETWEEN least("+rn+" - "+runStart+", "+limit+") PRECEDING AND CURRENT ROW)")
	start := "list_reduce(" + times + ", (_s, _t) -> CASE WHEN _t - _s > " + us(1) + " THEN _t ELSE _s END)"
	return "(CASE WHEN " + rn + " - " + runStart + " >= " + limit +
		" THEN error('row_window_session: more than " + limit + " rows without a gap or a restart; give a restart condition or a shorter distance between neighbors')" +
		" ELSE make_timestamp(" + start + ") END)"
}
