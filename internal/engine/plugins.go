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
