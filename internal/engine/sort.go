package engine

import (
	"vigil/internal/kql"
	"vigil/internal/plan"
)

// sort compiles sort (order by) into a plan.Sort.
func (c *compiler) sort(in *relation, op *kql.Sort) *relation {
	return c.relationOf(&plan.Sort{Input: in, Keys: c.sortKeys(in, op.Keys)})
}

// top compiles top into a plan.Top.
func (c *compiler) top(in *relation, op *kql.Top) *relation {
	n := c.expr(op.N, nil).x
	return c.relationOf(&plan.Top{Input: in, Keys: c.sortKeys(in, op.Keys), N: n})
}

// take compiles take (limit) into a plan.Limit.
func (c *compiler) take(in *relation, op *kql.Take) *relation {
	return c.relationOf(&plan.Limit{Input: in, N: c.expr(op.N, nil).x})
}

// sortKeys compiles the keys of sort or top over in.
func (c *compiler) sortKeys(in *relation, keys []kql.SortKey) []plan.SortKey {
	out := make([]plan.SortKey, len(keys))
	for i, k := range keys {
		out[i] = plan.NewSortKey(k, c.expr(k.Expr, in).x)
	}
	return out
}
