package engine

import (
	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
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

// dimensions resolves a plugin's dimension columns, arguments from on.
func (c *compiler) dimensions(in *relation, op *kql.Evaluate, from int) []plan.Column {
	var cols []plan.Column
	for i := from; i < len(op.Args); i++ {
		d := c.identArg(op, i, "dimension columns")
		dc, ok := in.find(d)
		if !ok {
			c.fail(op.Args[i], "Failed to resolve column or scalar expression named '%s'", d)
		}
		cols = append(cols, planColumns([]col{dc})[0])
	}
	return cols
}

// over builds e over cols, the columns of a relation of a plugin's own
// (plan.ActivityEngagement's window, _w, and the like), which the
// renderer binds while it writes the plugin.
func (c *compiler) over(e kql.Expr, cols ...plan.Column) plan.Expr {
	x, err := c.b.Expr(e, cols)
	if err != nil {
		panic(failure{err})
	}
	return x
}

// timeline is the time column of an activity plugin over in, its
// argument 1, a datetime; the caller adds the id and the dimensions.
func (c *compiler) timeline(in *relation, op *kql.Evaluate) plan.Activity {
	timeline := c.identArg(op, 1, "the time column")
	t := c.expr(op.Args[1], in)
	if t.typ != schema.DateTime {
		c.fail(op.Args[1], "%s needs a datetime time column, not %s", op.Name, t.typ)
	}
	return plan.Activity{Input: in, Time: t.x, Timeline: timeline}
}

// ipv4Lookup compiles evaluate ipv4_lookup(LookupTable, SourceIPv4Key,
// IPv4LookupRange [, ExtraKey ...] [, return_unmatched = bool])
// (plan.Ipv4Lookup). Rows without a match are dropped unless
// return_unmatched is true.
func (c *compiler) ipv4Lookup(in *relation, op *kql.Evaluate) *relation {
	if len(op.Args) < 3 {
		c.fail(op, "ipv4_lookup needs a lookup table, the address column and the lookup table's range column")
	}
	n, err := c.b.TableArg(op.Args[0])
	if err != nil {
		panic(failure{err})
	}
	lookup := c.relationOf(n)
	ip := c.expr(op.Args[1], in)
	if ip.typ != schema.String {
		c.fail(op.Args[1], "ipv4_lookup needs an address of type string, not %s", ip.typ)
	}
	rangeName := c.identArg(op, 2, "the lookup table's range column")
	rangeCol, ok := lookup.find(rangeName)
	if !ok || rangeCol.typ != schema.String {
		c.fail(op.Args[2], "The lookup table has no string column '%s'", rangeName)
	}
	node := &plan.Ipv4Lookup{Input: in, Lookup: lookup, Range: rangeName}
	if e, ok := op.Named["return_unmatched"]; ok {
		b, isBool := c.constant(e).(bool)
		if !isBool {
			c.fail(e, "ipv4_lookup's return_unmatched must be a constant bool")
		}
		node.Unmatched = b
	}
	keys := map[string]bool{}
	for i := 3; i < len(op.Args); i++ {
		k := c.identArg(op, i, "extra key columns")
		lc, okl := in.find(k)
		rc, okr := lookup.find(k)
		if !okl || !okr || lc.typ != rc.typ {
			c.fail(op.Args[i], "ipv4_lookup's extra key '%s' must be a column of one type in both tables", k)
		}
		keys[k] = true
		node.Keys = append(node.Keys, k)
	}
	node.Addr = c.expr(&kql.Call{P: op.P, Name: "parse_ipv4", Args: []kql.Expr{op.Args[1]}}, in).x
	node.Low = c.expr(&kql.Call{P: op.P, Name: "parse_ipv4", Args: []kql.Expr{&kql.Ident{P: op.P, Name: rangeName}}}, lookup).x
	node.Result, node.From = plan.JoinColumns(in.Columns(), lookup.Columns(), keys)
	out := c.rendered(node)
	out.render = in.render
	return out
}

// narrow compiles evaluate narrow() (plan.Narrow).
func (c *compiler) narrow(in *relation, op *kql.Evaluate) *relation {
	n := plan.NewNarrow(in)
	if len(n.Cells) == 0 {
		c.fail(op, "narrow needs columns")
	}
	return c.rendered(n)
}

// schemaMerge compiles evaluate schema_merge() over the union of
// getschema results (plan.SchemaMerge).
func (c *compiler) schemaMerge(in *relation, op *kql.Evaluate) *relation {
	for _, n := range []string{"ColumnName", "ColumnOrdinal", "DataType", "ColumnType"} {
		if _, ok := in.find(n); !ok {
			c.fail(op, "schema_merge needs getschema's columns; the input lacks '%s'", n)
		}
	}
	return c.rendered(&plan.SchemaMerge{Input: in})
}

// rollingPercentile compiles evaluate rolling_percentile(Value,
// Percentile, Index, BinSize, BinsPerWindow [, Dim ...])
// (plan.RollingPercentile): the percentile's column is named
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
	n := &plan.RollingPercentile{Input: in, Index: planColumns([]col{idx})[0], Bin: bin.x, Size: size.x,
		Window: c.converted(window, schema.Long, op)}
	n.Dims = c.dimensions(in, op, 5)
	lit, ok := op.Args[1].(*kql.Literal)
	if !ok {
		c.fail(op.Args[1], "rolling_percentile's percentile must be a number literal")
	}
	valName := c.identArg(op, 0, "the value column")
	n.Name = "rolling_" + kql.FormatExpr(op.Args[4]) + "_percentile_" + valName + "_" + lit.Value
	n.BinName, n.RowBin = plan.Apart(in.Columns(), "_rb"), plan.Apart(in.Columns(), "_vb")
	joined := &relation{cols: append(append([]col(nil), in.cols...), col{name: n.BinName, typ: idx.typ, hidden: true})}
	percentile, _, err := c.b.AggCall(&kql.Call{P: op.P, Name: "percentile", Args: []kql.Expr{op.Args[0], op.Args[1]}}, joined.Columns())
	if err != nil {
		panic(failure{err})
	}
	n.Percentile = percentile
	return c.rendered(n)
}

// activityCountsMetrics compiles evaluate activity_counts_metrics(Id,
// Timeline, Start, End, Window [, Dim ...]) (plan.ActivityCounts).
func (c *compiler) activityCountsMetrics(in *relation, op *kql.Evaluate) *relation {
	if len(op.Args) < 5 {
		c.fail(op, "activity_counts_metrics needs the id column, the time column, start, end and the window")
	}
	if len(op.Args) > 5 {
		if lit, ok := op.Args[5].(*kql.Literal); ok && lit.Kind == kql.LitString {
			c.fail(op.Args[5], "activity_counts_metrics with a cohort is not supported yet")
		}
	}
	n := &plan.ActivityCounts{Activity: c.timeline(in, op)}
	n.ID = c.expr(op.Args[0], in).x
	n.Start = c.converted(c.expr(op.Args[2], nil), schema.DateTime, op.Args[2])
	n.End = c.converted(c.expr(op.Args[3], nil), schema.DateTime, op.Args[3])
	n.Bin = c.expr(&kql.Call{P: op.P, Name: "bin_at", Args: []kql.Expr{op.Args[1], op.Args[4], op.Args[2]}}, in).x
	n.Windows = c.tabular(&kql.Range{P: op.P, Col: "_w", From: op.Args[2], To: op.Args[3], Step: op.Args[4]})
	n.Dims = c.dimensions(in, op, 5)
	return c.rendered(n)
}

// activityEngagement compiles evaluate activity_engagement(Id, Timeline,
// [Start, End,] Inner, Outer [, Dim ...]) (plan.ActivityEngagement).
func (c *compiler) activityEngagement(in *relation, op *kql.Evaluate) *relation {
	if len(op.Args) < 4 {
		c.fail(op, "activity_engagement needs the id column, the time column, the inner and the outer window")
	}
	n := &plan.ActivityEngagement{Activity: c.timeline(in, op)}
	n.ID = c.expr(op.Args[0], in).x
	windowsAt := 2
	var origin kql.Expr = &kql.TypedLit{P: op.P, Type: "datetime", Text: "1970-01-01"}
	if c.expr(op.Args[2], nil).typ == schema.DateTime {
		if len(op.Args) < 6 {
			c.fail(op, "activity_engagement with a start and an end needs the inner and the outer window after them")
		}
		origin, windowsAt = op.Args[2], 4
		n.Start = c.converted(c.expr(op.Args[2], nil), schema.DateTime, op.Args[2])
		n.End = c.expr(&kql.Binary{P: op.P, Op: "+", L: op.Args[3], R: op.Args[4]}, nil).x
	}
	inner, outer := op.Args[windowsAt], op.Args[windowsAt+1]
	for _, e := range []kql.Expr{inner, outer} {
		if v := c.expr(e, nil); v.typ != schema.Timespan {
			c.fail(e, "activity_engagement's windows must be timespans, not %s", v.typ)
		}
	}
	n.Bin = c.expr(&kql.Call{P: op.P, Name: "bin_at", Args: []kql.Expr{op.Args[1], inner, origin}}, in).x
	w := plan.Column{Name: "_w", Type: schema.DateTime}
	end := &kql.Binary{P: op.P, Op: "+", L: &kql.Ident{P: op.P, Name: "_w"}, R: inner}
	n.InnerEnd = c.over(end, w)
	n.OuterStart = c.over(&kql.Binary{P: op.P, Op: "-", L: end, R: outer}, w)
	n.Dims = c.dimensions(in, op, windowsAt+2)
	return c.rendered(n)
}

// slidingWindowCounts compiles evaluate sliding_window_counts(Id,
// Timeline, Start, End, Lookback, Bin [, Dim ...])
// (plan.SlidingWindowCounts).
func (c *compiler) slidingWindowCounts(in *relation, op *kql.Evaluate) *relation {
	if len(op.Args) < 6 {
		c.fail(op, "sliding_window_counts needs the id column, the time column, start, end, the lookback window and the bin")
	}
	n := &plan.SlidingWindowCounts{Activity: c.timeline(in, op)}
	for _, e := range op.Args[4:6] {
		if v := c.expr(e, nil); v.typ != schema.Timespan {
			c.fail(e, "sliding_window_counts' lookback and bin must be timespans, not %s", v.typ)
		}
	}
	n.ID = c.expr(op.Args[0], in).x
	n.Bin = c.expr(&kql.Call{P: op.P, Name: "bin_at", Args: []kql.Expr{op.Args[1], op.Args[5], op.Args[2]}}, in).x
	n.Bins = c.tabular(&kql.Range{P: op.P, Col: "_w", From: op.Args[2], To: op.Args[3], Step: op.Args[5]})
	n.From = c.over(&kql.Binary{P: op.P, Op: "-", L: &kql.Ident{P: op.P, Name: "_w"}, R: op.Args[4]}, plan.Column{Name: "_w", Type: schema.DateTime})
	n.Dims = c.dimensions(in, op, 6)
	return c.rendered(n)
}

// activeUsersCount compiles evaluate active_users_count(Id, Timeline,
// Start, End, Lookback, Period, ActivePeriods, Bin [, Dim ...])
// (plan.ActiveUsers).
func (c *compiler) activeUsersCount(in *relation, op *kql.Evaluate) *relation {
	if len(op.Args) < 8 {
		c.fail(op, "active_users_count needs the id column, the time column, start, end, the lookback window, the period, the number of active periods and the bin")
	}
	n := &plan.ActiveUsers{Activity: c.timeline(in, op)}
	for _, e := range []kql.Expr{op.Args[4], op.Args[5], op.Args[7]} {
		if v := c.expr(e, nil); v.typ != schema.Timespan {
			c.fail(e, "active_users_count's lookback, period and bin must be timespans, not %s", v.typ)
		}
	}
	n.ID = c.expr(op.Args[0], in).x
	n.Start = c.converted(c.expr(op.Args[2], nil), schema.DateTime, op.Args[2])
	n.End = c.converted(c.expr(op.Args[3], nil), schema.DateTime, op.Args[3])
	n.Need = c.rowCount(op.Args[6])
	n.Period = c.expr(&kql.Call{P: op.P, Name: "bin_at", Args: []kql.Expr{op.Args[1], op.Args[5], op.Args[2]}}, in).x
	n.Dims = c.dimensions(in, op, 8)
	p := plan.Column{Name: "_p", Type: schema.DateTime}
	n.From = c.over(&kql.Binary{P: op.P, Op: "-", L: &kql.Ident{P: op.P, Name: "_p"}, R: op.Args[4]}, p)
	n.Bin = c.over(&kql.Call{P: op.P, Name: "bin_at", Args: []kql.Expr{&kql.Ident{P: op.P, Name: "_p"}, op.Args[7], op.Args[2]}}, p)
	return c.rendered(n)
}
