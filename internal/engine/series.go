package engine

import (
	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
)

// makeSeries compiles make-series (plan.MakeSeries): its axis, step and
// bounds converted to the axis's types, its keys and its aggregates of
// one value each, with their defaults.
func (c *compiler) makeSeries(in *relation, op *kql.MakeSeries) *relation {
	axis := c.expr(op.On, in)
	step := c.expr(op.Step, nil)
	if err := plan.TypeSeriesAxis(op.On, axis.typ); err != nil {
		panic(failure{err})
	}
	n := &plan.MakeSeries{Input: in, On: axis.x, Axis: plan.ByName(op.On, 0)}
	if axis.typ == schema.DateTime {
		n.Step = c.converted(step, schema.Timespan, op.Step)
	} else {
		n.Step = c.converted(step, schema.Real, op.Step)
	}
	if op.From != nil {
		n.From = c.converted(c.expr(op.From, nil), axis.typ, op.From)
	}
	if op.To != nil {
		n.To = c.converted(c.expr(op.To, nil), axis.typ, op.To)
	}
	for i, by := range op.By {
		name := by.Name
		if name == "" {
			name = plan.ByName(by.Expr, i)
		}
		n.By = append(n.By, plan.Named{Name: name, Expr: c.expr(by.Expr, in).x})
	}
	for _, agg := range op.Aggs {
		call, ok := agg.Expr.(*kql.Call)
		if !ok {
			c.fail(agg.Expr, "make-series needs an aggregation function, such as count() or avg(x)")
		}
		a, names, err := c.b.AggCall(call, in.Columns())
		if err != nil {
			panic(failure{err})
		}
		if len(a.Sig.Results) != 1 {
			c.fail(call, "make-series takes aggregates of one value, not %s", call.Name)
		}
		s := plan.SeriesAgg{Name: names[0], Call: a}
		if agg.Name != "" {
			s.Name = agg.Name
		}
		if agg.Default != nil {
			s.Default = c.converted(c.expr(agg.Default, nil), a.Sig.Results[0], agg.Default)
		}
		n.Aggs = append(n.Aggs, s)
	}
	out := c.rendered(n)
	out.render = in.render
	return out
}
