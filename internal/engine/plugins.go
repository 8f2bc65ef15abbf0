package engine

import (
	"strings"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// identArg is the column name a plugin argument must be.
func (c *compiler) identArg(op *kql.Evaluate, i int, what string) string {
	if i >= len(op.Args) {
		c.fail(op, "%s needs %s", op.Name, what)
	}
	id, ok := op.Args[i].(*kql.Ident)
	if !ok {
		c.fail(op.Args[i], "%s needs %s, a column name", op.Name, what)
	}
	return id.Name
}

// dimensions resolves a plugin's dimension columns, arguments from on:
// their quoted names and their columns.
func (c *compiler) dimensions(in *relation, op *kql.Evaluate, from int) ([]string, []col) {
	var quoted []string
	var cols []col
	for i := from; i < len(op.Args); i++ {
		d := c.identArg(op, i, "dimension columns")
		dc, ok := in.find(d)
		if !ok {
			c.fail(op.Args[i], "Failed to resolve column or scalar expression named '%s'", d)
		}
		quoted = append(quoted, sqlgen.QuoteIdent(d))
		cols = append(cols, dc)
	}
	return quoted, cols
}

// ipv4Lookup compiles evaluate ipv4_lookup(LookupTable, SourceIPv4Key,
// IPv4LookupRange [, ExtraKey ...] [, return_unmatched = bool]): each
// row gets the columns of the lookup row whose range (an address or a
// CIDR block) holds its address and whose extra keys equal its own; the
// narrowest range wins when several do. Rows without a match are dropped
// unless return_unmatched is true. The ranges become [low, high]
// integer bounds, so DuckDB joins them as a range join.
func (c *compiler) ipv4Lookup(in *relation, op *kql.Evaluate) *relation {
	if len(op.Args) < 3 {
		c.fail(op, "ipv4_lookup needs a lookup table, the address column and the lookup table's range column")
	}
	n, err := c.b.TableArg(op.Args[0])
	if err != nil {
		panic(failure{err})
	}
	lookup := n.(*relation)
	ip := c.expr(op.Args[1], in)
	if ip.typ != schema.String {
		c.fail(op.Args[1], "ipv4_lookup needs an address of type string, not %s", ip.typ)
	}
	rangeName := c.identArg(op, 2, "the lookup table's range column")
	rangeCol, ok := lookup.find(rangeName)
	if !ok || rangeCol.typ != schema.String {
		c.fail(op.Args[2], "The lookup table has no string column '%s'", rangeName)
	}
	unmatched := false
	if e, ok := op.Named["return_unmatched"]; ok {
		b, isBool := c.constant(e).(bool)
		if !isBool {
			c.fail(e, "ipv4_lookup's return_unmatched must be a constant bool")
		}
		unmatched = b
	}
	keys := map[string]bool{}
	var on []string
	for i := 3; i < len(op.Args); i++ {
		k := c.identArg(op, i, "extra key columns")
		lc, okl := in.find(k)
		rc, okr := lookup.find(k)
		if !okl || !okr || lc.typ != rc.typ {
			c.fail(op.Args[i], "ipv4_lookup's extra key '%s' must be a column of one type in both tables", k)
		}
		keys[k] = true
		on = append(on, "_l."+sqlgen.QuoteIdent(k)+" = _r."+sqlgen.QuoteIdent(k))
	}
	addr := c.expr(&kql.Call{P: op.P, Name: "parse_ipv4", Args: []kql.Expr{op.Args[1]}}, in)
	rng := sqlgen.QuoteIdent(rangeName)
	low := c.expr(&kql.Call{P: op.P, Name: "parse_ipv4", Args: []kql.Expr{&kql.Ident{P: op.P, Name: rangeName}}}, lookup)
	bits := "coalesce(TRY_CAST(nullif(regexp_extract(" + rng + ", '/\\s*([0-9]+)\\s*$', 1), '') AS BIGINT), 32)"
	on = append([]string{"_l._ip BETWEEN _r._lo AND _r._lo + (CAST(1 AS BIGINT) << (32 - " + "_r._bits)) - 1"}, on...)

	outCols, from := plan.JoinColumns(planColumns(in.cols), planColumns(lookup.cols), keys)
	sel := sqlgen.JoinSelect(planColumns(in.cols), planColumns(lookup.cols), from, outCols, true)
	join := "JOIN"
	if unmatched {
		join = "LEFT JOIN"
	}
	left := "SELECT *, " + addr.sql + " AS _ip, row_number() OVER () AS _lrn FROM (" + in.sql + ") AS _t"
	right := "SELECT * FROM (SELECT *, " + low.sql + " AS _lo, least(greatest(" + bits + ", 0), 32) AS _bits FROM (" + lookup.sql + ") AS _t) WHERE _lo IS NOT NULL"
	return &relation{
		sql: "SELECT " + strings.Join(sel, ", ") + " FROM (" + left + ") AS _l " + join + " (" + right + ") AS _r ON " + strings.Join(on, " AND ") +
			" QUALIFY row_number() OVER (PARTITION BY _l._lrn ORDER BY _r._bits DESC NULLS LAST) = 1",
		cols:   engineColumns(outCols),
		render: in.render,
	}
}

// narrow compiles evaluate narrow(): one row per cell, with the row's
// 0-based number, the column's name and the value as a string.
func (c *compiler) narrow(in *relation, op *kql.Evaluate) *relation {
	var names, values []string
	for _, cl := range in.cols {
		if cl.hidden {
			continue
		}
		names = append(names, sqlgen.QuoteString(cl.name))
		values = append(values, c.convert(scalar{sql: sqlgen.QuoteIdent(cl.name), typ: cl.typ}, schema.String, op))
	}
	if len(names) == 0 {
		c.fail(op, "narrow needs columns")
	}
	return &relation{
		sql: "SELECT _rn AS \"Row\", unnest([" + strings.Join(names, ", ") + "]) AS \"Column\", unnest([" + strings.Join(values, ", ") +
			"]) AS \"Value\" FROM (SELECT row_number() OVER () - 1 AS _rn, * FROM (" + in.sql + ") AS _t) ORDER BY _rn",
		cols: []col{{name: "Row", typ: schema.Long}, {name: "Column", typ: schema.String}, {name: "Value", typ: schema.String}},
	}
}

// schemaMerge compiles evaluate schema_merge() over the union of getschema
// results: each column once, in the order it first appears, renumbered.
// A column whose type differs between the schemas keeps its first type.
func (c *compiler) schemaMerge(in *relation, op *kql.Evaluate) *relation {
	for _, n := range []string{"ColumnName", "ColumnOrdinal", "DataType", "ColumnType"} {
		if _, ok := in.find(n); !ok {
			c.fail(op, "schema_merge needs getschema's columns; the input lacks '%s'", n)
		}
	}
	return &relation{
		sql: "SELECT \"ColumnName\", CAST(row_number() OVER (ORDER BY min(_rn)) - 1 AS INTEGER) AS \"ColumnOrdinal\", arg_min(\"DataType\", _rn) AS \"DataType\", arg_min(\"ColumnType\", _rn) AS \"ColumnType\" " +
			"FROM (SELECT row_number() OVER () AS _rn, * FROM (" + in.sql + ") AS _t) GROUP BY \"ColumnName\" ORDER BY min(_rn)",
		cols: []col{{name: "ColumnName", typ: schema.String}, {name: "ColumnOrdinal", typ: schema.Int},
			{name: "DataType", typ: schema.String}, {name: "ColumnType", typ: schema.String}},
	}
}

// rollingPercentile compiles evaluate rolling_percentile(Value,
// Percentile, Index, BinSize, BinsPerWindow [, Dim ...]): for each bin of
// the index (and each combination of the dimensions) the percentile of
// the values in that bin and the BinsPerWindow-1 bins before it, named
// rolling_<BinsPerWindow>_percentile_<Value>_<Percentile>.
func (c *compiler) rollingPercentile(in *relation, op *kql.Evaluate) *relation {
	if len(op.Args) < 5 {
		c.fail(op, "rolling_percentile needs the value, the percentile, the index column, the bin size and the bins per window")
	}
	index := c.identArg(op, 2, "the index column")
	window := c.expr(op.Args[4], nil)
	if !plan.IsNumeric(window.typ) {
		c.fail(op.Args[4], "rolling_percentile's bins per window must be a number, not %s", window.typ)
	}
	size := c.expr(op.Args[3], nil)
	bin := c.expr(&kql.Call{P: op.P, Name: "bin", Args: []kql.Expr{op.Args[2], op.Args[3]}}, in)
	idx, _ := in.find(index)
	// The earliest bin of a window: the bin minus BinsPerWindow-1 bin sizes.
	var first string
	switch idx.typ {
	case schema.DateTime:
		first = "_rb - to_microseconds(CAST((" + c.convert(window, schema.Long, op) + " - 1) * (" + size.sql + ") // 10 AS BIGINT))"
	default:
		first = "_rb - (" + c.convert(window, schema.Long, op) + " - 1) * (" + size.sql + ")"
	}
	dims, dimCols := c.dimensions(in, op, 5)
	on := []string{"_v._vb BETWEEN " + first + " AND _rb"}
	for _, q := range dims {
		on = append(on, "_v."+q+" IS NOT DISTINCT FROM _bn."+q)
	}
	cols := append([]col{idx}, dimCols...)
	lit, ok := op.Args[1].(*kql.Literal)
	if !ok {
		c.fail(op.Args[1], "rolling_percentile's percentile must be a number literal")
	}
	valName := c.identArg(op, 0, "the value column")
	name := "rolling_" + kql.FormatExpr(op.Args[4]) + "_percentile_" + valName + "_" + lit.Value
	keys := append([]string{bin.sql + " AS _rb"}, dims...)
	windows := "SELECT DISTINCT " + strings.Join(keys, ", ") + " FROM (" + in.sql + ") AS _t"
	rows := "SELECT _v.*, _bn._rb FROM (" + windows + ") AS _bn JOIN (SELECT *, " + bin.sql + " AS _vb FROM (" + in.sql + ") AS _t) AS _v ON " + strings.Join(on, " AND ")
	joined := &relation{cols: append(append([]col(nil), in.cols...), col{name: "_rb", typ: idx.typ, hidden: true})}
	aggs, types, _ := c.aggregate(joined, &kql.Call{P: op.P, Name: "percentile", Args: []kql.Expr{op.Args[0], op.Args[1]}})
	group := append([]string{"_rb"}, dims...)
	sel := append([]string{"_rb AS " + sqlgen.QuoteIdent(index)}, dims...)
	sel = append(sel, aggs[0]+" AS "+sqlgen.QuoteIdent(name))
	cols = append(cols, col{name: name, typ: types[0]})
	return &relation{
		sql:  "SELECT " + strings.Join(sel, ", ") + " FROM (" + rows + ") AS _t GROUP BY " + strings.Join(group, ", "),
		cols: cols,
	}
}

// activityCountsMetrics compiles evaluate activity_counts_metrics(Id,
// Timeline, Start, End, Window [, Dim ...]): for each window from Start
// to End and each combination of the dimensions in the data (a row for
// every window, 0 where nothing happened) the rows in it
// (count), their distinct ids (dcount), the ids seen for the first time
// since Start (new_dcount) and the distinct ids so far
// (aggregated_dcount, the running sum of new_dcount).
func (c *compiler) activityCountsMetrics(in *relation, op *kql.Evaluate) *relation {
	if len(op.Args) < 5 {
		c.fail(op, "activity_counts_metrics needs the id column, the time column, start, end and the window")
	}
	if len(op.Args) > 5 {
		if lit, ok := op.Args[5].(*kql.Literal); ok && lit.Kind == kql.LitString {
			c.fail(op.Args[5], "activity_counts_metrics with a cohort is not supported yet")
		}
	}
	timeline := c.identArg(op, 1, "the time column")
	t := c.expr(op.Args[1], in)
	if t.typ != schema.DateTime {
		c.fail(op.Args[1], "activity_counts_metrics needs a datetime time column, not %s", t.typ)
	}
	id := c.expr(op.Args[0], in)
	start := c.convert(c.expr(op.Args[2], nil), schema.DateTime, op.Args[2])
	end := c.convert(c.expr(op.Args[3], nil), schema.DateTime, op.Args[3])
	bin := c.expr(&kql.Call{P: op.P, Name: "bin_at", Args: []kql.Expr{op.Args[1], op.Args[4], op.Args[2]}}, in)
	windows := c.tabular(&kql.Range{P: op.P, Col: "_w", From: op.Args[2], To: op.Args[3], Step: op.Args[4]}).sql
	dims, dimCols := c.dimensions(in, op, 5)
	sel := append([]string{id.sql + " AS _id", bin.sql + " AS _w"}, dims...)
	events := "SELECT " + strings.Join(sel, ", ") + " FROM (" + in.sql + ") AS _t WHERE " + t.sql + " >= " + start + " AND " + bin.sql + " <= " + end
	// Per combination of the dimensions: every window, the ids' first
	// windows, the running sum of the new ones.
	keys := append([]string{"_id"}, dims...)
	on, firstOn := []string{"_ev._w = _ws._w"}, []string{"_f._id IS NOT DISTINCT FROM _ev._id"}
	group, out, part := []string{"_ws._w"}, []string{"_ws._w"}, ""
	if len(dims) > 0 {
		windows = "SELECT * FROM (" + windows + "), (SELECT DISTINCT " + strings.Join(dims, ", ") + " FROM (" + events + "))"
		for _, q := range dims {
			on = append(on, "_ev."+q+" IS NOT DISTINCT FROM _ws."+q)
			firstOn = append(firstOn, "_f."+q+" IS NOT DISTINCT FROM _ev."+q)
			group = append(group, "_ws."+q)
			out = append(out, "_ws."+q)
		}
		part = "PARTITION BY " + strings.Join(dims, ", ") + " "
	}
	firsts := "SELECT " + strings.Join(keys, ", ") + ", min(_w) AS _first FROM (" + events + ") GROUP BY " + strings.Join(keys, ", ")
	counts := "SELECT " + strings.Join(out, ", ") + ", count(_ev._id) AS _n, count(DISTINCT _ev._id) AS _d, count(DISTINCT CASE WHEN _f._first = _ws._w THEN _ev._id END) AS _new " +
		"FROM (" + windows + ") AS _ws LEFT JOIN (" + events + ") AS _ev ON " + strings.Join(on, " AND ") + " LEFT JOIN (" + firsts + ") AS _f ON " + strings.Join(firstOn, " AND ") + " GROUP BY " + strings.Join(group, ", ")
	final := append([]string{"_w AS " + sqlgen.QuoteIdent(timeline)}, dims...)
	final = append(final, "CAST(_n AS BIGINT) AS \"count\"", "CAST(_d AS BIGINT) AS \"dcount\"", "CAST(_new AS BIGINT) AS \"new_dcount\"",
		"CAST(sum(_new) OVER ("+part+"ORDER BY _w) AS BIGINT) AS \"aggregated_dcount\"")
	cols := append(append([]col{{name: timeline, typ: schema.DateTime}}, dimCols...), col{name: "count", typ: schema.Long}, col{name: "dcount", typ: schema.Long},
		col{name: "new_dcount", typ: schema.Long}, col{name: "aggregated_dcount", typ: schema.Long})
	order := append([]string{"_w"}, dims...)
	return &relation{
		sql:  "SELECT " + strings.Join(final, ", ") + " FROM (" + counts + ") ORDER BY " + strings.Join(order, ", "),
		cols: cols,
	}
}

// activityEngagement compiles evaluate activity_engagement(Id, Timeline,
// [Start, End,] Inner, Outer [, Dim ...]): for each inner window that has
// activity (per combination of the dimensions), the distinct ids in it,
// the distinct ids in the outer window that ends with it, and their
// ratio, as in DAU/MAU.
func (c *compiler) activityEngagement(in *relation, op *kql.Evaluate) *relation {
	if len(op.Args) < 4 {
		c.fail(op, "activity_engagement needs the id column, the time column, the inner and the outer window")
	}
	timeline := c.identArg(op, 1, "the time column")
	t := c.expr(op.Args[1], in)
	if t.typ != schema.DateTime {
		c.fail(op.Args[1], "activity_engagement needs a datetime time column, not %s", t.typ)
	}
	id := c.expr(op.Args[0], in)
	windowsAt := 2
	var where []string
	var origin kql.Expr = &kql.TypedLit{P: op.P, Type: "datetime", Text: "1970-01-01"}
	if c.expr(op.Args[2], nil).typ == schema.DateTime {
		if len(op.Args) < 6 {
			c.fail(op, "activity_engagement with a start and an end needs the inner and the outer window after them")
		}
		origin, windowsAt = op.Args[2], 4
		end := &kql.Binary{P: op.P, Op: "+", L: op.Args[3], R: op.Args[4]}
		where = append(where, t.sql+" >= "+c.convert(c.expr(op.Args[2], nil), schema.DateTime, op.Args[2]), t.sql+" < "+c.expr(end, nil).sql)
	}
	inner, outer := op.Args[windowsAt], op.Args[windowsAt+1]
	for _, e := range []kql.Expr{inner, outer} {
		if v := c.expr(e, nil); v.typ != schema.Timespan {
			c.fail(e, "activity_engagement's windows must be timespans, not %s", v.typ)
		}
	}
	bin := c.expr(&kql.Call{P: op.P, Name: "bin_at", Args: []kql.Expr{op.Args[1], inner, origin}}, in)
	win := &relation{cols: []col{{name: "_w", typ: schema.DateTime, ref: "_win._w"}}}
	w := &kql.Ident{P: op.P, Name: "_w"}
	innerEnd := c.expr(&kql.Binary{P: op.P, Op: "+", L: w, R: inner}, win)
	outerStart := c.expr(&kql.Binary{P: op.P, Op: "-", L: &kql.Binary{P: op.P, Op: "+", L: w, R: inner}, R: outer}, win)
	sel := []string{id.sql + " AS _id", t.sql + " AS _t", bin.sql + " AS _w"}
	quoted, dimCols := c.dimensions(in, op, windowsAt+2)
	cols := append([]col{{name: timeline, typ: schema.DateTime}, {name: "dcount_activities_inner", typ: schema.Long},
		{name: "dcount_activities_outer", typ: schema.Long}, {name: "activity_ratio", typ: schema.Real}}, dimCols...)
	var dims, on []string
	for _, q := range quoted {
		sel = append(sel, q)
		dims = append(dims, "_win."+q)
		on = append(on, "_e."+q+" IS NOT DISTINCT FROM _win."+q)
	}
	events := "SELECT " + strings.Join(sel, ", ") + " FROM (" + in.sql + ") AS _t"
	if len(where) > 0 {
		events += " WHERE " + strings.Join(where, " AND ")
	}
	windows := "SELECT DISTINCT _w"
	for _, d := range dims {
		windows += ", " + strings.TrimPrefix(d, "_win.")
	}
	windows += " FROM (" + events + ")"
	on = append(on, "_e._t >= "+outerStart.sql, "_e._t < "+innerEnd.sql)
	group := append([]string{"_win._w"}, dims...)
	out := []string{"_win._w AS " + sqlgen.QuoteIdent(timeline),
		"count(DISTINCT CASE WHEN _e._w = _win._w THEN _e._id END) AS \"dcount_activities_inner\"",
		"count(DISTINCT _e._id) AS \"dcount_activities_outer\"",
		"CAST(count(DISTINCT CASE WHEN _e._w = _win._w THEN _e._id END) AS DOUBLE) / count(DISTINCT _e._id) AS \"activity_ratio\""}
	out = append(out, dims...)
	return &relation{
		sql:  "SELECT " + strings.Join(out, ", ") + " FROM (" + windows + ") AS _win JOIN (" + events + ") AS _e ON " + strings.Join(on, " AND ") + " GROUP BY " + strings.Join(group, ", ") + " ORDER BY _win._w",
		cols: cols,
	}
}

// slidingWindowCounts compiles evaluate sliding_window_counts(Id,
// Timeline, Start, End, Lookback, Bin [, Dim ...]): for each bin from
// Start to End (and each combination of the dimensions in the data) the
// rows and the distinct ids of the bins in the Lookback period that ends
// with it; a bin without any has zeros.
func (c *compiler) slidingWindowCounts(in *relation, op *kql.Evaluate) *relation {
	if len(op.Args) < 6 {
		c.fail(op, "sliding_window_counts needs the id column, the time column, start, end, the lookback window and the bin")
	}
	timeline := c.identArg(op, 1, "the time column")
	t := c.expr(op.Args[1], in)
	if t.typ != schema.DateTime {
		c.fail(op.Args[1], "sliding_window_counts needs a datetime time column, not %s", t.typ)
	}
	for _, e := range op.Args[4:6] {
		if v := c.expr(e, nil); v.typ != schema.Timespan {
			c.fail(e, "sliding_window_counts' lookback and bin must be timespans, not %s", v.typ)
		}
	}
	id := c.expr(op.Args[0], in)
	bin := c.expr(&kql.Call{P: op.P, Name: "bin_at", Args: []kql.Expr{op.Args[1], op.Args[5], op.Args[2]}}, in)
	bins := c.tabular(&kql.Range{P: op.P, Col: "_w", From: op.Args[2], To: op.Args[3], Step: op.Args[5]})
	win := &relation{cols: []col{{name: "_w", typ: schema.DateTime, ref: "_ws._w"}}}
	from := c.expr(&kql.Binary{P: op.P, Op: "-", L: &kql.Ident{P: op.P, Name: "_w"}, R: op.Args[4]}, win)
	sel := []string{id.sql + " AS _id", bin.sql + " AS _b"}
	dims, dimCols := c.dimensions(in, op, 6)
	var on []string
	for _, q := range dims {
		sel = append(sel, q)
		on = append(on, "_e."+q+" IS NOT DISTINCT FROM _ws."+q)
	}
	cols := append(append([]col{{name: timeline, typ: schema.DateTime}}, dimCols...), col{name: "Count", typ: schema.Long}, col{name: "Dcount", typ: schema.Long})
	events := "SELECT " + strings.Join(sel, ", ") + " FROM (" + in.sql + ") AS _t WHERE " + t.sql + " IS NOT NULL"
	windows := "SELECT _w FROM (" + bins.sql + ")"
	group := []string{"_ws._w"}
	out := []string{"_ws._w AS " + sqlgen.QuoteIdent(timeline)}
	if len(dims) > 0 {
		windows = "SELECT * FROM (" + windows + "), (SELECT DISTINCT " + strings.Join(dims, ", ") + " FROM (" + events + "))"
		for _, d := range dims {
			group = append(group, "_ws."+d)
			out = append(out, "_ws."+d)
		}
	}
	on = append(on, "_e._b > "+from.sql, "_e._b <= _ws._w")
	out = append(out, "count(_e._id) AS \"Count\"", "count(DISTINCT _e._id) AS \"Dcount\"")
	return &relation{
		sql:  "SELECT " + strings.Join(out, ", ") + " FROM (" + windows + ") AS _ws LEFT JOIN (" + events + ") AS _e ON " + strings.Join(on, " AND ") + " GROUP BY " + strings.Join(group, ", ") + " ORDER BY " + strings.Join(group, ", "),
		cols: cols,
	}
}

// activeUsersCount compiles evaluate active_users_count(Id, Timeline,
// Start, End, Lookback, Period, ActivePeriods, Bin [, Dim ...]): for each
// bin from Start to End, the distinct ids active in it that, at a period
// they were active in, had been active in at least ActivePeriods periods
// of the Lookback ending with it. Bins without such ids have no row.
func (c *compiler) activeUsersCount(in *relation, op *kql.Evaluate) *relation {
	if len(op.Args) < 8 {
		c.fail(op, "active_users_count needs the id column, the time column, start, end, the lookback window, the period, the number of active periods and the bin")
	}
	timeline := c.identArg(op, 1, "the time column")
	t := c.expr(op.Args[1], in)
	if t.typ != schema.DateTime {
		c.fail(op.Args[1], "active_users_count needs a datetime time column, not %s", t.typ)
	}
	for _, e := range []kql.Expr{op.Args[4], op.Args[5], op.Args[7]} {
		if v := c.expr(e, nil); v.typ != schema.Timespan {
			c.fail(e, "active_users_count's lookback, period and bin must be timespans, not %s", v.typ)
		}
	}
	id := c.expr(op.Args[0], in)
	start := c.convert(c.expr(op.Args[2], nil), schema.DateTime, op.Args[2])
	end := c.convert(c.expr(op.Args[3], nil), schema.DateTime, op.Args[3])
	need := c.count(op.Args[6])
	period := c.expr(&kql.Call{P: op.P, Name: "bin_at", Args: []kql.Expr{op.Args[1], op.Args[5], op.Args[2]}}, in)
	dims, dimCols := c.dimensions(in, op, 8)
	// The periods each id was active in, and for each the number of its
	// active periods in the lookback ending with it.
	sel := append([]string{id.sql + " AS _id", period.sql + " AS _p"}, dims...)
	active := "SELECT DISTINCT " + strings.Join(sel, ", ") + " FROM (" + in.sql + ") AS _t WHERE " + t.sql + " IS NOT NULL"
	rel := &relation{cols: []col{{name: "_p", typ: schema.DateTime, ref: "_a._p"}}}
	from := c.expr(&kql.Binary{P: op.P, Op: "-", L: &kql.Ident{P: op.P, Name: "_p"}, R: op.Args[4]}, rel)
	on := []string{"_b._id IS NOT DISTINCT FROM _a._id", "_b._p > " + from.sql, "_b._p <= _a._p"}
	for _, q := range dims {
		on = append(on, "_b."+q+" IS NOT DISTINCT FROM _a."+q)
	}
	keys := []string{"_a._id", "_a._p"}
	for _, q := range dims {
		keys = append(keys, "_a."+q)
	}
	qualified := "SELECT " + strings.Join(keys, ", ") + " FROM (" + active + ") AS _a JOIN (" + active + ") AS _b ON " + strings.Join(on, " AND ") +
		" WHERE _a._p >= " + start + " AND _a._p <= " + end + " GROUP BY " + strings.Join(keys, ", ") + " HAVING count(*) >= " + need
	bin := c.expr(&kql.Call{P: op.P, Name: "bin_at", Args: []kql.Expr{&kql.Ident{P: op.P, Name: "_p"}, op.Args[7], op.Args[2]}}, &relation{cols: []col{{name: "_p", typ: schema.DateTime}}})
	qualified = "SELECT *, " + bin.sql + " AS _w FROM (" + qualified + ")"
	group := append([]string{"_w"}, dims...)
	out := append([]string{"_w AS " + sqlgen.QuoteIdent(timeline)}, dims...)
	out = append(out, "count(DISTINCT _id) AS \"dcount\"")
	return &relation{
		sql:  "SELECT " + strings.Join(out, ", ") + " FROM (" + qualified + ") GROUP BY " + strings.Join(group, ", ") + " ORDER BY " + strings.Join(group, ", "),
		cols: append(append([]col{{name: timeline, typ: schema.DateTime}}, dimCols...), col{name: "dcount", typ: schema.Long}),
	}
}
