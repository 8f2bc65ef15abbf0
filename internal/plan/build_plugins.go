package plan

import (
	"sort"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// evaluate builds a plugin's node over in.
func (b *Builder) evaluate(in Node, op *kql.Evaluate) Node {
	switch op.Name {
	case "pivot":
		return b.pivot(in, op)
	case "rolling_percentile":
		return b.rollingPercentile(in, op)
	case "active_users_count":
		return b.activeUsers(in, op)
	case "bag_unpack":
		return b.bagUnpack(in, op)
	case "ipv4_lookup":
		return b.ipv4Lookup(in, op)
	case "narrow":
		n := NewNarrow(in)
		if len(n.Cells) == 0 {
			fail(op, "narrow needs columns")
		}
		return n
	case "schema_merge":
		for _, name := range []string{"ColumnName", "ColumnOrdinal", "DataType", "ColumnType"} {
			if _, ok := columnNamed(in.Columns(), name); !ok {
				fail(op, "schema_merge needs getschema's columns; the input lacks '%s'", name)
			}
		}
		return &SchemaMerge{Input: in}
	case "activity_counts_metrics":
		return b.activityCounts(in, op)
	case "activity_engagement":
		return b.activityEngagement(in, op)
	case "sliding_window_counts":
		return b.slidingWindowCounts(in, op)
	}
	fail(op, "The plugin '%s' is not supported", op.Name)
	return nil
}

// bagUnpack builds evaluate bag_unpack(Column [, Prefix]
// [, columnsConflict=] [, ignoredProperties=]): the properties of a
// dynamic column as columns, in the order of their names (BagUnpack).
// Which properties exist, and their types, the data says (BagKeys).
func (b *Builder) bagUnpack(in Node, op *kql.Evaluate) Node {
	if len(op.Args) < 1 {
		fail(op, "bag_unpack needs the dynamic column to unpack")
	}
	x := b.expr(op.Args[0], in.Columns())
	if x.Type() != schema.Dynamic {
		fail(op.Args[0], "bag_unpack needs a dynamic column, not %s", x.Type())
	}
	prefix := ""
	if len(op.Args) > 1 {
		prefix = b.constString(op.Args[1])
	}
	conflict := "error"
	if e, ok := op.Named["columnsConflict"]; ok {
		conflict = b.constString(e)
	}
	ignored := map[string]bool{}
	if e, ok := op.Named["ignoredProperties"]; ok {
		for _, k := range b.constStrings(e) {
			ignored[k] = true
		}
	}
	if b.BagKeys == nil {
		fail(op, "This operator needs to read the data to know its columns")
	}
	props, err := b.BagKeys(in, x)
	check(err)
	sort.Slice(props, func(i, j int) bool { return props[i].Key < props[j].Key })
	var source string
	if id, ok := op.Args[0].(*kql.Ident); ok {
		source = id.Name
	}
	n, err := BagUnpack(in, x, source, props, prefix, conflict, ignored, op.P)
	check(err)
	return n
}

// pivot builds evaluate pivot(Column [, Aggregate] [, By ...]) (Pivot):
// per distinct value of the column (the data says which, PivotValues,
// in their text's order) a column of the aggregate (count() by default)
// over that value's rows.
func (b *Builder) pivot(in Node, op *kql.Evaluate) Node {
	if len(op.Args) < 1 {
		fail(op, "pivot needs the column whose values become columns")
	}
	n := &Pivot{Input: in, Key: convert(b.expr(op.Args[0], in.Columns()), schema.String, op.Args[0]), KeyName: Apart(in.Columns(), "_pv")}
	agg := &kql.Call{P: op.P, Name: "count"}
	rest := op.Args[1:]
	if len(rest) > 0 {
		if call, ok := rest[0].(*kql.Call); ok {
			if IsAgg(call.Name) {
				agg, rest = call, rest[1:]
			}
		}
	}
	for i, by := range rest {
		n.By = append(n.By, Named{Name: ByName(by, i), Expr: b.expr(by, in.Columns())})
	}
	if b.PivotValues == nil {
		fail(op, "This operator needs to read the data to know its columns")
	}
	values, err := b.PivotValues(in, n.Key)
	check(err)
	// Each value's aggregate sees only its rows: the argument is nulled
	// elsewhere (aggregates skip nulls), count() becomes countif().
	withKey := append(append([]Column(nil), in.Columns()...), Column{Name: n.KeyName, Type: schema.String, Hidden: true})
	for _, v := range values {
		match := &kql.Binary{P: op.P, Op: "==", L: &kql.Ident{P: op.P, Name: n.KeyName}, R: &kql.Literal{P: op.P, Kind: kql.LitString, Value: v}}
		call := &kql.Call{P: agg.P, Name: "countif", Args: []kql.Expr{match}}
		if agg.Name != "count" || len(agg.Args) > 0 {
			if len(agg.Args) == 0 {
				fail(agg, "pivot needs an aggregate of a column, such as sum(x)")
			}
			args := append([]kql.Expr{&kql.Call{P: agg.P, Name: "iff", Args: []kql.Expr{match, agg.Args[0], &kql.Literal{P: agg.P, Kind: kql.LitNull}}}}, agg.Args[1:]...)
			call = &kql.Call{P: agg.P, Name: agg.Name, Args: args}
		}
		a, _ := b.aggCall(call, withKey)
		if len(a.Sig.Results) != 1 {
			fail(agg, "pivot takes an aggregate of one value, not %s", agg.Name)
		}
		n.Values = append(n.Values, AggItem{Call: a, Names: []string{v}})
	}
	if len(n.By)+len(n.Values) == 0 {
		fail(op, "pivot leaves no columns")
	}
	return n
}

// rollingPercentile builds evaluate rolling_percentile(Value,
// Percentile, Index, BinSize, BinsPerWindow [, Dim ...])
// (RollingPercentile): the percentile's column is named
// rolling_<BinsPerWindow>_percentile_<Value>_<Percentile>.
func (b *Builder) rollingPercentile(in Node, op *kql.Evaluate) Node {
	if len(op.Args) < 5 {
		fail(op, "rolling_percentile needs the value, the percentile, the index column, the bin size and the bins per window")
	}
	index := identArg(op, 2, "the index column")
	window := b.expr(op.Args[4], nil)
	if !IsNumeric(window.Type()) {
		fail(op.Args[4], "rolling_percentile's bins per window must be a number, not %s", window.Type())
	}
	size := b.expr(op.Args[3], nil)
	bin := b.expr(&kql.Call{P: op.P, Name: "bin", Args: []kql.Expr{op.Args[2], op.Args[3]}}, in.Columns())
	idx, ok := columnNamed(in.Columns(), index)
	if !ok {
		// A let of the name is a value, not the column the rows are
		// binned by and the result's first column is named after.
		fail(op.Args[2], "rolling_percentile's index must be a column of the input, not '%s'", index)
	}
	n := &RollingPercentile{Input: in, Index: idx, Bin: bin, Size: size, Window: convert(window, schema.Long, op)}
	n.Dims = dimensions(in, op, 5)
	lit, ok := op.Args[1].(*kql.Literal)
	if !ok {
		fail(op.Args[1], "rolling_percentile's percentile must be a number literal")
	}
	valName := identArg(op, 0, "the value column")
	n.Name = "rolling_" + kql.FormatExpr(op.Args[4]) + "_percentile_" + valName + "_" + lit.Value
	n.BinName, n.RowBin = Apart(in.Columns(), "_rb"), Apart(in.Columns(), "_vb")
	joined := append(append([]Column(nil), in.Columns()...), Column{Name: n.BinName, Type: idx.Type, Hidden: true})
	n.Percentile, _ = b.aggCall(&kql.Call{P: op.P, Name: "percentile", Args: []kql.Expr{op.Args[0], op.Args[1]}}, joined)
	return n
}

// activeUsers builds evaluate active_users_count(Id, Timeline, Start,
// End, Lookback, Period, ActivePeriods, Bin [, Dim ...]) (ActiveUsers).
// The lookback's start and the bin are expressions over the plugin's
// own period column _p, which the renderer binds while it writes the
// node.
func (b *Builder) activeUsers(in Node, op *kql.Evaluate) Node {
	if len(op.Args) < 8 {
		fail(op, "active_users_count needs the id column, the time column, start, end, the lookback window, the period, the number of active periods and the bin")
	}
	n := &ActiveUsers{Activity: b.timeline(in, op)}
	for _, e := range []kql.Expr{op.Args[4], op.Args[5], op.Args[7]} {
		if x := b.expr(e, nil); x.Type() != schema.Timespan {
			fail(e, "active_users_count's lookback, period and bin must be timespans, not %s", x.Type())
		}
	}
	n.ID = b.expr(op.Args[0], in.Columns())
	n.Start = convert(b.expr(op.Args[2], nil), schema.DateTime, op.Args[2])
	n.End = convert(b.expr(op.Args[3], nil), schema.DateTime, op.Args[3])
	n.Need = b.rowCount(op.Args[6])
	n.Period = b.expr(&kql.Call{P: op.P, Name: "bin_at", Args: []kql.Expr{op.Args[1], op.Args[5], op.Args[2]}}, in.Columns())
	n.Dims = dimensions(in, op, 8)
	p := []Column{{Name: "_p", Type: schema.DateTime}}
	n.From = b.expr(&kql.Binary{P: op.P, Op: "-", L: &kql.Ident{P: op.P, Name: "_p"}, R: op.Args[4]}, p)
	n.Bin = b.expr(&kql.Call{P: op.P, Name: "bin_at", Args: []kql.Expr{&kql.Ident{P: op.P, Name: "_p"}, op.Args[7], op.Args[2]}}, p)
	return n
}

// identArg is the column name a plugin's argument i must be.
func identArg(op *kql.Evaluate, i int, what string) string {
	if i >= len(op.Args) {
		fail(op, "%s needs %s", op.Name, what)
	}
	id, ok := op.Args[i].(*kql.Ident)
	if !ok {
		fail(op.Args[i], "%s needs %s, a column name", op.Name, what)
	}
	return id.Name
}

// dimensions are a plugin's dimension columns of in, its arguments from
// on.
func dimensions(in Node, op *kql.Evaluate, from int) []Column {
	var cols []Column
	for i := from; i < len(op.Args); i++ {
		d := identArg(op, i, "dimension columns")
		dc, ok := columnNamed(in.Columns(), d)
		if !ok {
			fail(op.Args[i], "Failed to resolve column or scalar expression named '%s'", d)
		}
		cols = append(cols, dc)
	}
	return cols
}

// ipv4Lookup builds evaluate ipv4_lookup(LookupTable, SourceIPv4Key,
// IPv4LookupRange [, ExtraKey ...] [, return_unmatched = bool])
// (Ipv4Lookup). Rows without a match are dropped unless
// return_unmatched is true.
func (b *Builder) ipv4Lookup(in Node, op *kql.Evaluate) Node {
	if len(op.Args) < 3 {
		fail(op, "ipv4_lookup needs a lookup table, the address column and the lookup table's range column")
	}
	lookup := b.tableArg(op.Args[0])
	ip := b.expr(op.Args[1], in.Columns())
	if ip.Type() != schema.String {
		fail(op.Args[1], "ipv4_lookup needs an address of type string, not %s", ip.Type())
	}
	rangeName := identArg(op, 2, "the lookup table's range column")
	rangeCol, ok := columnNamed(lookup.Columns(), rangeName)
	if !ok || rangeCol.Type != schema.String {
		fail(op.Args[2], "The lookup table has no string column '%s'", rangeName)
	}
	n := &Ipv4Lookup{Input: in, Lookup: lookup, Range: rangeName}
	if e, ok := op.Named["return_unmatched"]; ok {
		unmatched, isBool := b.Scope.Constant(e).(bool)
		if !isBool {
			fail(e, "ipv4_lookup's return_unmatched must be a constant bool")
		}
		n.Unmatched = unmatched
	}
	keys := map[string]bool{}
	for i := 3; i < len(op.Args); i++ {
		k := identArg(op, i, "extra key columns")
		lc, okl := columnNamed(in.Columns(), k)
		rc, okr := columnNamed(lookup.Columns(), k)
		if !okl || !okr || lc.Type != rc.Type {
			fail(op.Args[i], "ipv4_lookup's extra key '%s' must be a column of one type in both tables", k)
		}
		keys[k] = true
		n.Keys = append(n.Keys, k)
	}
	n.Addr = b.expr(&kql.Call{P: op.P, Name: "parse_ipv4", Args: []kql.Expr{op.Args[1]}}, in.Columns())
	n.Low = b.expr(&kql.Call{P: op.P, Name: "parse_ipv4", Args: []kql.Expr{&kql.Ident{P: op.P, Name: rangeName}}}, lookup.Columns())
	n.Result, n.From = JoinColumns(in.Columns(), lookup.Columns(), keys)
	return n
}

// timeline is the time column of an activity plugin over in, its
// argument 1, a datetime; the caller adds the id and the dimensions.
func (b *Builder) timeline(in Node, op *kql.Evaluate) Activity {
	timeline := identArg(op, 1, "the time column")
	t := b.expr(op.Args[1], in.Columns())
	if t.Type() != schema.DateTime {
		fail(op.Args[1], "%s needs a datetime time column, not %s", op.Name, t.Type())
	}
	return Activity{Input: in, Time: t, Timeline: timeline}
}

// activityCounts builds evaluate activity_counts_metrics(Id, Timeline,
// Start, End, Window [, Dim ...]) (ActivityCounts).
func (b *Builder) activityCounts(in Node, op *kql.Evaluate) Node {
	if len(op.Args) < 5 {
		fail(op, "activity_counts_metrics needs the id column, the time column, start, end and the window")
	}
	if len(op.Args) > 5 {
		if lit, ok := op.Args[5].(*kql.Literal); ok && lit.Kind == kql.LitString {
			fail(op.Args[5], "activity_counts_metrics with a cohort is not supported yet")
		}
	}
	n := &ActivityCounts{Activity: b.timeline(in, op)}
	n.ID = b.expr(op.Args[0], in.Columns())
	n.Start = convert(b.expr(op.Args[2], nil), schema.DateTime, op.Args[2])
	n.End = convert(b.expr(op.Args[3], nil), schema.DateTime, op.Args[3])
	n.Bin = b.expr(&kql.Call{P: op.P, Name: "bin_at", Args: []kql.Expr{op.Args[1], op.Args[4], op.Args[2]}}, in.Columns())
	n.Windows = b.tabular(&kql.Range{P: op.P, Col: "_w", From: op.Args[2], To: op.Args[3], Step: op.Args[4]})
	n.Dims = dimensions(in, op, 5)
	return n
}

// activityEngagement builds evaluate activity_engagement(Id, Timeline,
// [Start, End,] Inner, Outer [, Dim ...]) (ActivityEngagement). The
// windows' ends are expressions over the plugin's own window column _w,
// which the renderer binds while it writes the node.
func (b *Builder) activityEngagement(in Node, op *kql.Evaluate) Node {
	if len(op.Args) < 4 {
		fail(op, "activity_engagement needs the id column, the time column, the inner and the outer window")
	}
	n := &ActivityEngagement{Activity: b.timeline(in, op)}
	n.ID = b.expr(op.Args[0], in.Columns())
	windowsAt := 2
	var origin kql.Expr = &kql.TypedLit{P: op.P, Type: "datetime", Text: "1970-01-01"}
	if start := b.expr(op.Args[2], nil); start.Type() == schema.DateTime {
		if len(op.Args) < 6 {
			fail(op, "activity_engagement with a start and an end needs the inner and the outer window after them")
		}
		origin, windowsAt = op.Args[2], 4
		n.Start = start
		n.End = b.expr(&kql.Binary{P: op.P, Op: "+", L: op.Args[3], R: op.Args[4]}, nil)
	}
	inner, outer := op.Args[windowsAt], op.Args[windowsAt+1]
	for _, e := range []kql.Expr{inner, outer} {
		if x := b.expr(e, nil); x.Type() != schema.Timespan {
			fail(e, "activity_engagement's windows must be timespans, not %s", x.Type())
		}
	}
	n.Bin = b.expr(&kql.Call{P: op.P, Name: "bin_at", Args: []kql.Expr{op.Args[1], inner, origin}}, in.Columns())
	w := []Column{{Name: "_w", Type: schema.DateTime}}
	end := &kql.Binary{P: op.P, Op: "+", L: &kql.Ident{P: op.P, Name: "_w"}, R: inner}
	n.InnerEnd = b.expr(end, w)
	n.OuterStart = b.expr(&kql.Binary{P: op.P, Op: "-", L: end, R: outer}, w)
	n.Dims = dimensions(in, op, windowsAt+2)
	return n
}

// slidingWindowCounts builds evaluate sliding_window_counts(Id,
// Timeline, Start, End, Lookback, Bin [, Dim ...]) (SlidingWindowCounts).
func (b *Builder) slidingWindowCounts(in Node, op *kql.Evaluate) Node {
	if len(op.Args) < 6 {
		fail(op, "sliding_window_counts needs the id column, the time column, start, end, the lookback window and the bin")
	}
	n := &SlidingWindowCounts{Activity: b.timeline(in, op)}
	for _, e := range op.Args[4:6] {
		if x := b.expr(e, nil); x.Type() != schema.Timespan {
			fail(e, "sliding_window_counts' lookback and bin must be timespans, not %s", x.Type())
		}
	}
	n.ID = b.expr(op.Args[0], in.Columns())
	n.Bin = b.expr(&kql.Call{P: op.P, Name: "bin_at", Args: []kql.Expr{op.Args[1], op.Args[5], op.Args[2]}}, in.Columns())
	n.Bins = b.tabular(&kql.Range{P: op.P, Col: "_w", From: op.Args[2], To: op.Args[3], Step: op.Args[5]})
	n.From = b.expr(&kql.Binary{P: op.P, Op: "-", L: &kql.Ident{P: op.P, Name: "_w"}, R: op.Args[4]}, []Column{{Name: "_w", Type: schema.DateTime}})
	n.Dims = dimensions(in, op, 6)
	return n
}
