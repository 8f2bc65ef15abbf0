package engine

import (
	"vigil/internal/kql"
	"vigil/internal/plan"
)

// sort compiles sort (order by) into a plan.Sort.
func (c *compiler) sort(in *relation, op *kql.Sort) *relation {
	return c.kept(&plan.Sort{Input: in, Keys: c.sortKeys(in, op.Keys)}, in)
}

// top compiles top into a plan.Top.
func (c *compiler) top(in *relation, op *kql.Top) *relation {
	n := c.expr(op.N, nil).x
	return c.kept(&plan.Top{Input: in, Keys: c.sortKeys(in, op.Keys), N: n}, in)
}

// take compiles take (limit) into a plan.Limit.
func (c *compiler) take(in *relation, op *kql.Take) *relation {
	return c.kept(&plan.Limit{Input: in, N: c.expr(op.N, nil).x}, in)
}

// sortKeys compiles the keys of sort or top over in.
func (c *compiler) sortKeys(in *relation, keys []kql.SortKey) []plan.SortKey {
	out := make([]plan.SortKey, len(keys))
	for i, k := range keys {
		out[i] = plan.NewSortKey(k, c.expr(k.Expr, in).x)
	}
	return out
}

// kept is the relation of n, a node that keeps in's rows with their
// values as they are (sort, top, take): in's render and what is known
// of its columns still hold.
func (c *compiler) kept(n plan.Node, in *relation) *relation {
	out := c.rendered(n)
	out.render, out.notNull = in.render, in.notNull
	return out
}
