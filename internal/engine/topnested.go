package engine

import (
	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
)

// topNested compiles top-nested (plan.TopNested): level k groups the
// rows by the values of levels 1..k, aggregates, and keeps the top N
// groups within each group kept by level k-1 (with others = v, the rest
// become one group named v; the levels below it are null). The output
// has, per level, its value and its aggregate (plan.NestedNames).
func (c *compiler) topNested(in *relation, op *kql.TopNested) *relation {
	n := &plan.TopNested{Input: in}
	for i, lv := range op.Levels {
		v := c.expr(lv.Of.Expr, in)
		name, aggName := plan.NestedNames(lv, i)
		call, ok := lv.Agg.Expr.(*kql.Call)
		if !ok {
			c.fail(lv.Agg.Expr, "top-nested needs an aggregation, such as count() or sum(x)")
		}
		agg, _ := c.aggregateCall(in, call)
		if len(agg.Sig.Results) != 1 {
			c.fail(call, "top-nested takes an aggregate of one value, not %s", call.Name)
		}
		level := plan.NestedLevel{Name: name, Value: v.x, AggName: aggName, Agg: agg, Asc: lv.Asc}
		if lv.N != nil {
			level.N = c.converted(c.expr(lv.N, nil), schema.Long, lv.N)
		}
		if lv.Others != nil {
			level.Others = c.converted(c.expr(lv.Others, nil), v.typ, lv.Others)
		}
		n.Levels = append(n.Levels, level)
	}
	out := c.rendered(n)
	out.render = in.render
	return out
}
