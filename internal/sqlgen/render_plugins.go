package sqlgen

import (
	"strings"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// bound is the SQL of x, an expression over a relation of a plugin's
// own whose one column (_w, _p) is read as field (alias.name).
func (r *Renderer) bound(x plan.Expr, field string) string {
	defer func(saved func(string) string) { r.Column = saved }(r.Column)
	r.Column = func(string) string { return field }
	return r.Expr(x)
}

// renamed is the SQL of the rows of n, whose one column is named name
// unless n names it otherwise.
func (r *Renderer) renamed(n plan.Node, name string) string {
	if have := n.Columns()[0].Name; have != name {
		return "SELECT " + have + " AS " + name + " FROM (" + r.Node(n) + ")"
	}
	return r.Node(n)
}

// qualified is the names, quoted, each read from the rows aliased alias.
func qualified(alias string, names []string) []string {
	out := make([]string, len(names))
	for i, q := range names {
		out[i] = alias + "." + q
	}
	return out
}

// matching is the conditions that the rows aliased a and b have the same
// values (nulls included) in the columns names, quoted.
func matching(a, b string, names []string) []string {
	out := make([]string, len(names))
	for i, q := range names {
		out[i] = a + "." + q + " IS NOT DISTINCT FROM " + b + "." + q
	}
	return out
}

// crossDims is the rows of windows, each with every combination of the
// dimensions dims (quoted names) that the rows of events have.
func crossDims(windows string, dims []string, events string) string {
	return "SELECT * FROM (" + windows + "), (SELECT DISTINCT " + strings.Join(dims, ", ") + " FROM (" + events + "))"
}

// ipv4Lookup writes ipv4_lookup as a range join: each range becomes
// [low, high] integer bounds (an address is a /32 block), which DuckDB
// joins as a range join; the narrowest range of a row's matches (the
// most bits) is kept, and numbering the input's rows tells one row's
// matches from another's. The columns it computes on each side are
// named apart from that side's.
func (r *Renderer) ipv4Lookup(n *plan.Ipv4Lookup) string {
	left, right := n.Input.Columns(), n.Lookup.Columns()
	ip, lrn := plan.Apart(left, "_ip"), plan.Apart(left, "_lrn")
	lo, bits := plan.Apart(right, "_lo"), plan.Apart(right, "_bits")
	on := []string{"_l." + ip + " BETWEEN _r." + lo + " AND _r." + lo + " + (CAST(1 AS BIGINT) << (32 - " + "_r." + bits + ")) - 1"}
	for _, k := range n.Keys {
		on = append(on, "_l."+QuoteIdent(k)+" = _r."+QuoteIdent(k))
	}
	prefix := "coalesce(TRY_CAST(nullif(regexp_extract(" + QuoteIdent(n.Range) + ", '/\\s*([0-9]+)\\s*$', 1), '') AS BIGINT), 32)"
	sel := joinSelect(left, right, n.From, n.Result, true)
	join := "JOIN"
	if n.Unmatched {
		join = "LEFT JOIN"
	}
	l := "SELECT *, " + r.Expr(n.Addr) + " AS " + ip + ", row_number() OVER () AS " + lrn + " FROM (" + r.Node(n.Input) + ") AS _t"
	rt := "SELECT * FROM (SELECT *, " + r.Expr(n.Low) + " AS " + lo + ", least(greatest(" + prefix + ", 0), 32) AS " + bits + " FROM (" + r.Node(n.Lookup) + ") AS _t) WHERE " + lo + " IS NOT NULL"
	return "SELECT " + strings.Join(sel, ", ") + " FROM (" + l + ") AS _l " + join + " (" + rt + ") AS _r ON " + strings.Join(on, " AND ") +
		" QUALIFY row_number() OVER (PARTITION BY _l." + lrn + " ORDER BY _r." + bits + " DESC NULLS LAST) = 1"
}

// narrow writes narrow: the rows numbered (in a column named apart from
// the input's), then a row per cell, by unnesting the list of the names
// beside the list of the values.
func (r *Renderer) narrow(n *plan.Narrow) string {
	rn := plan.Apart(n.Input.Columns(), "_rn")
	names := make([]string, len(n.Cells))
	values := make([]string, len(n.Cells))
	for i, cl := range n.Cells {
		names[i] = QuoteString(cl.Name)
		values[i] = r.D.Convert(Arg{SQL: QuoteIdent(cl.Name), Type: cl.Type}, schema.String)
	}
	return "SELECT " + rn + " AS \"Row\", unnest([" + strings.Join(names, ", ") + "]) AS \"Column\", unnest([" + strings.Join(values, ", ") +
		"]) AS \"Value\" FROM (SELECT row_number() OVER () - 1 AS " + rn + ", * FROM (" + r.Node(n.Input) + ") AS _t) ORDER BY " + rn
}

// schemaMerge writes schema_merge: the rows numbered, grouped by column
// name, each group's first row's type, in the order of the first rows.
func (r *Renderer) schemaMerge(n *plan.SchemaMerge) string {
	return "SELECT \"ColumnName\", CAST(row_number() OVER (ORDER BY min(_rn)) - 1 AS INTEGER) AS \"ColumnOrdinal\", arg_min(\"DataType\", _rn) AS \"DataType\", arg_min(\"ColumnType\", _rn) AS \"ColumnType\" " +
		"FROM (SELECT row_number() OVER () AS _rn, * FROM (" + r.Node(n.Input) + ") AS _t) GROUP BY \"ColumnName\" ORDER BY min(_rn)"
}

// rollingPercentile writes rolling_percentile: the distinct bins (with
// the dimensions), each joined with the rows of the bins of its window
// (BinName the bin, RowBin the row's), grouped by bin. A datetime
// index's window reaches back a number of ticks.
func (r *Renderer) rollingPercentile(n *plan.RollingPercentile) string {
	in, bin, size := r.Node(n.Input), r.Expr(n.Bin), r.Expr(n.Size)
	// The earliest bin of a window: the bin minus BinsPerWindow-1 bin sizes.
	var first string
	switch n.Index.Type {
	case schema.DateTime:
		first = n.BinName + " - to_microseconds(CAST((" + r.Expr(n.Window) + " - 1) * (" + size + ") // 10 AS BIGINT))"
	default:
		first = n.BinName + " - (" + r.Expr(n.Window) + " - 1) * (" + size + ")"
	}
	dims := quotedNames(n.Dims)
	on := append([]string{"_v." + n.RowBin + " BETWEEN " + first + " AND " + n.BinName}, matching("_v", "_bn", dims)...)
	windows := "SELECT DISTINCT " + strings.Join(append([]string{bin + " AS " + n.BinName}, dims...), ", ") + " FROM (" + in + ") AS _t"
	rows := "SELECT _v.*, _bn." + n.BinName + " FROM (" + windows + ") AS _bn JOIN (SELECT *, " + bin + " AS " + n.RowBin + " FROM (" + in + ") AS _t) AS _v ON " + strings.Join(on, " AND ")
	sel := append([]string{n.BinName + " AS " + QuoteIdent(n.Index.Name)}, dims...)
	sel = append(sel, r.aggCall(n.Percentile)[0]+" AS "+QuoteIdent(n.Name))
	return "SELECT " + strings.Join(sel, ", ") + " FROM (" + rows + ") AS _t GROUP BY " + strings.Join(append([]string{n.BinName}, dims...), ", ")
}

// activityCounts writes activity_counts_metrics: the rows in the
// period with their windows (_ev), every window for every combination of
// the dimensions (_ws), each id's first window (_f); the windows joined
// with their rows and grouped count them, and a running sum over the
// windows adds up the new ids. The columns the plugin computes beside
// the dimensions are named apart from them.
func (r *Renderer) activityCounts(n *plan.ActivityCounts) string {
	dims := quotedNames(n.Dims)
	id, w, first := plan.Apart(n.Dims, "_id"), plan.Apart(n.Dims, "_w"), plan.Apart(n.Dims, "_first")
	rows, ids, news := plan.Apart(n.Dims, "_n"), plan.Apart(n.Dims, "_d"), plan.Apart(n.Dims, "_new")
	bin := r.Expr(n.Bin)
	sel := append([]string{r.Expr(n.ID) + " AS " + id, bin + " AS " + w}, dims...)
	events := "SELECT " + strings.Join(sel, ", ") + " FROM (" + r.Node(n.Input) + ") AS _t WHERE " + r.Expr(n.Time) + " >= " + r.Expr(n.Start) + " AND " + bin + " <= " + r.Expr(n.End)
	windows := r.renamed(n.Windows, w)
	keys := append([]string{id}, dims...)
	on := append([]string{"_ev." + w + " = _ws." + w}, matching("_ev", "_ws", dims)...)
	firstOn := append([]string{"_f." + id + " IS NOT DISTINCT FROM _ev." + id}, matching("_f", "_ev", dims)...)
	group := append([]string{"_ws." + w}, qualified("_ws", dims)...)
	part := ""
	if len(dims) > 0 {
		windows = crossDims(windows, dims, events)
		part = "PARTITION BY " + strings.Join(dims, ", ") + " "
	}
	firsts := "SELECT " + strings.Join(keys, ", ") + ", min(" + w + ") AS " + first + " FROM (" + events + ") GROUP BY " + strings.Join(keys, ", ")
	counts := "SELECT " + strings.Join(group, ", ") + ", count(_ev." + id + ") AS " + rows + ", count(DISTINCT _ev." + id + ") AS " + ids + ", count(DISTINCT CASE WHEN _f." + first + " = _ws." + w + " THEN _ev." + id + " END) AS " + news + " " +
		"FROM (" + windows + ") AS _ws LEFT JOIN (" + events + ") AS _ev ON " + strings.Join(on, " AND ") + " LEFT JOIN (" + firsts + ") AS _f ON " + strings.Join(firstOn, " AND ") + " GROUP BY " + strings.Join(group, ", ")
	final := append([]string{w + " AS " + QuoteIdent(n.Timeline)}, dims...)
	final = append(final, "CAST("+rows+" AS BIGINT) AS \"count\"", "CAST("+ids+" AS BIGINT) AS \"dcount\"", "CAST("+news+" AS BIGINT) AS \"new_dcount\"",
		"CAST(sum("+news+") OVER ("+part+"ORDER BY "+w+") AS BIGINT) AS \"aggregated_dcount\"")
	return "SELECT " + strings.Join(final, ", ") + " FROM (" + counts + ") ORDER BY " + strings.Join(append([]string{w}, dims...), ", ")
}

// activityEngagement writes activity_engagement: the rows (_e) with
// their inner windows, the distinct windows with activity (_win), each
// joined with the rows of its outer window, grouped; the rows of the
// window itself are those whose inner window is it. The columns the
// plugin computes beside the dimensions are named apart from them.
func (r *Renderer) activityEngagement(n *plan.ActivityEngagement) string {
	dims := quotedNames(n.Dims)
	id, at, w := plan.Apart(n.Dims, "_id"), plan.Apart(n.Dims, "_t"), plan.Apart(n.Dims, "_w")
	t := r.Expr(n.Time)
	sel := append([]string{r.Expr(n.ID) + " AS " + id, t + " AS " + at, r.Expr(n.Bin) + " AS " + w}, dims...)
	events := "SELECT " + strings.Join(sel, ", ") + " FROM (" + r.Node(n.Input) + ") AS _t"
	if n.Start != nil {
		events += " WHERE " + t + " >= " + r.Expr(n.Start) + " AND " + t + " < " + r.Expr(n.End)
	}
	windows := "SELECT DISTINCT " + strings.Join(append([]string{w}, dims...), ", ") + " FROM (" + events + ")"
	on := append(matching("_e", "_win", dims), "_e."+at+" >= "+r.bound(n.OuterStart, "_win."+w), "_e."+at+" < "+r.bound(n.InnerEnd, "_win."+w))
	group := append([]string{"_win." + w}, qualified("_win", dims)...)
	inner := "count(DISTINCT CASE WHEN _e." + w + " = _win." + w + " THEN _e." + id + " END)"
	out := []string{"_win." + w + " AS " + QuoteIdent(n.Timeline),
		inner + " AS \"dcount_activities_inner\"",
		"count(DISTINCT _e." + id + ") AS \"dcount_activities_outer\"",
		"CAST(" + inner + " AS DOUBLE) / count(DISTINCT _e." + id + ") AS \"activity_ratio\""}
	out = append(out, qualified("_win", dims)...)
	return "SELECT " + strings.Join(out, ", ") + " FROM (" + windows + ") AS _win JOIN (" + events + ") AS _e ON " + strings.Join(on, " AND ") + " GROUP BY " + strings.Join(group, ", ") + " ORDER BY _win." + w
}

// slidingWindowCounts writes sliding_window_counts: every bin for every
// combination of the dimensions (_ws), each left joined with the rows
// (_e) of the bins of its lookback, grouped. The columns the plugin
// computes beside the dimensions are named apart from them.
func (r *Renderer) slidingWindowCounts(n *plan.SlidingWindowCounts) string {
	dims := quotedNames(n.Dims)
	id, b, w := plan.Apart(n.Dims, "_id"), plan.Apart(n.Dims, "_b"), plan.Apart(n.Dims, "_w")
	sel := append([]string{r.Expr(n.ID) + " AS " + id, r.Expr(n.Bin) + " AS " + b}, dims...)
	events := "SELECT " + strings.Join(sel, ", ") + " FROM (" + r.Node(n.Input) + ") AS _t WHERE " + r.Expr(n.Time) + " IS NOT NULL"
	bins := n.Bins.Columns()[0].Name
	windows := "SELECT " + bins + " FROM (" + r.Node(n.Bins) + ")"
	if bins != w {
		windows = "SELECT " + bins + " AS " + w + " FROM (" + r.Node(n.Bins) + ")"
	}
	if len(dims) > 0 {
		windows = crossDims(windows, dims, events)
	}
	on := append(matching("_e", "_ws", dims), "_e."+b+" > "+r.bound(n.From, "_ws."+w), "_e."+b+" <= _ws."+w)
	group := append([]string{"_ws." + w}, qualified("_ws", dims)...)
	out := append([]string{"_ws." + w + " AS " + QuoteIdent(n.Timeline)}, qualified("_ws", dims)...)
	out = append(out, "count(_e."+id+") AS \"Count\"", "count(DISTINCT _e."+id+") AS \"Dcount\"")
	return "SELECT " + strings.Join(out, ", ") + " FROM (" + windows + ") AS _ws LEFT JOIN (" + events + ") AS _e ON " + strings.Join(on, " AND ") + " GROUP BY " + strings.Join(group, ", ") + " ORDER BY " + strings.Join(group, ", ")
}

// activeUsers writes active_users_count: the periods each id was active
// in (_a), each joined with the same id's active periods in the lookback
// ending with it (_b), those with enough of them kept, then binned and
// the ids counted per bin. The columns the plugin computes beside the
// dimensions are named apart from them.
func (r *Renderer) activeUsers(n *plan.ActiveUsers) string {
	dims := quotedNames(n.Dims)
	id, p, w := plan.Apart(n.Dims, "_id"), plan.Apart(n.Dims, "_p"), plan.Apart(n.Dims, "_w")
	sel := append([]string{r.Expr(n.ID) + " AS " + id, r.Expr(n.Period) + " AS " + p}, dims...)
	active := "SELECT DISTINCT " + strings.Join(sel, ", ") + " FROM (" + r.Node(n.Input) + ") AS _t WHERE " + r.Expr(n.Time) + " IS NOT NULL"
	on := append([]string{"_b." + id + " IS NOT DISTINCT FROM _a." + id, "_b." + p + " > " + r.bound(n.From, "_a."+p), "_b." + p + " <= _a." + p}, matching("_b", "_a", dims)...)
	keys := append([]string{"_a." + id, "_a." + p}, qualified("_a", dims)...)
	qualifying := "SELECT " + strings.Join(keys, ", ") + " FROM (" + active + ") AS _a JOIN (" + active + ") AS _b ON " + strings.Join(on, " AND ") +
		" WHERE _a." + p + " >= " + r.Expr(n.Start) + " AND _a." + p + " <= " + r.Expr(n.End) + " GROUP BY " + strings.Join(keys, ", ") + " HAVING count(*) >= " + r.Expr(n.Need)
	qualifying = "SELECT *, " + r.bound(n.Bin, QuoteIdent(p)) + " AS " + w + " FROM (" + qualifying + ")"
	group := append([]string{w}, dims...)
	out := append([]string{w + " AS " + QuoteIdent(n.Timeline)}, dims...)
	out = append(out, "count(DISTINCT "+id+") AS \"dcount\"")
	return "SELECT " + strings.Join(out, ", ") + " FROM (" + qualifying + ") GROUP BY " + strings.Join(group, ", ") + " ORDER BY " + strings.Join(group, ", ")
}

// pivot writes pivot: the input with the pivoted value as KeyName (a
// bare identifier), grouped by the keys' expressions, a column per value
// of its aggregate.
func (r *Renderer) pivot(n *plan.Pivot) string {
	in := selectFrom(append(quotedNames(n.Input.Columns()), r.Expr(n.Key)+" AS "+n.KeyName), r.Node(n.Input), "")
	sel, groups := r.grouping(n.By)
	for _, v := range n.Values {
		sel = append(sel, r.aggColumns(v)...)
	}
	return selectFrom(sel, in, groupBy(groups))
}

// PivotValues is the query of the distinct values of pivot's key (as a
// string, over in), in their text's order: the catalog's probe of
// pivot's columns (plan.Builder.PivotValues) runs it while the plan is
// built.
func (r *Renderer) PivotValues(in plan.Node, key plan.Expr) string {
	k := r.Expr(key)
	return "SELECT DISTINCT " + k + " FROM (" + r.Node(in) + ") AS _t WHERE " + k + " IS NOT NULL ORDER BY 1"
}

// BagKeys is the query of the keys of the bags of v (a dynamic value
// over in) with, for each, the list of its values' JSON types: the
// catalog's probe of bag_unpack's columns (plan.Builder.BagKeys) runs it
// while the plan is built. Each
// key's member is read with a JSON pointer made at run time
// (keyPointer). The keys are listed beside the bags alone, not beside
// in's columns, whose names might be theirs.
func (r *Renderer) BagKeys(in plan.Node, v plan.Expr) string {
	x := r.Expr(v)
	return "SELECT _k, list_distinct(list(json_type(json_extract(_v, " + keyPointer("_k") + ")))) FROM (SELECT unnest(json_keys(" + x + ")) AS _k, " + x + " AS _v FROM (" + r.Node(in) + ") AS _t WHERE json_type(" + x + ") = 'OBJECT') GROUP BY _k"
}
