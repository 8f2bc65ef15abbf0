package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

// makeSeries builds make-series (MakeSeries): its axis over the input's
// rows (TypeSeriesAxis), the step a timespan on a datetime axis and a
// real on a numeric one, the bounds of the axis's type, the keys, and
// per series its aggregate of one value and its default, of the
// aggregate's type.
func (b *Builder) makeSeries(in Node, op *kql.MakeSeries) Node {
	cols := in.Columns()
	axis := b.expr(op.On, cols)
	step := b.expr(op.Step, nil)
	check(TypeSeriesAxis(op.On, axis.Type()))
	n := &MakeSeries{Input: in, On: axis, Axis: ByName(op.On, 0)}
	if axis.Type() == schema.DateTime {
		n.Step = convert(step, schema.Timespan, op.Step)
	} else {
		n.Step = convert(step, schema.Real, op.Step)
	}
	if op.From != nil {
		n.From = convert(b.expr(op.From, nil), axis.Type(), op.From)
	}
	if op.To != nil {
		n.To = convert(b.expr(op.To, nil), axis.Type(), op.To)
	}
	for i, by := range op.By {
		name := by.Name
		if name == "" {
			name = ByName(by.Expr, i)
		}
		n.By = append(n.By, Named{Name: name, Expr: b.expr(by.Expr, cols)})
	}
	for _, agg := range op.Aggs {
		call, ok := agg.Expr.(*kql.Call)
		if !ok {
			fail(agg.Expr, "make-series needs an aggregation function, such as count() or avg(x)")
		}
		a, names := b.aggCall(call, cols)
		if len(a.Sig.Results) != 1 {
			fail(call, "make-series takes aggregates of one value, not %s", call.Name)
		}
		s := SeriesAgg{Name: names[0], Call: a}
		if agg.Name != "" {
			s.Name = agg.Name
		}
		if agg.Default != nil {
			s.Default = convert(b.expr(agg.Default, nil), a.Sig.Results[0], agg.Default)
		}
		n.Aggs = append(n.Aggs, s)
	}
	return n
}
