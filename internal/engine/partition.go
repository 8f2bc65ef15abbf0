package engine

import (
	"vigil/internal/kql"
	"vigil/internal/plan"
)

// partition runs the subquery once per distinct value of the partition
// column and unions the results (plan.Partition). Every strategy
// hint gives the same result (Kusto's strategies differ only in how they
// run), so the hints are accepted and ignored. In the braces form the
// subquery has a source of its own and the column's name, or
// toscalar(Column), is the partition's value.
func (c *compiler) partition(in *relation, op *kql.Partition) *relation {
	found, ok := in.find(op.By)
	if !ok {
		c.fail(op, "Failed to resolve column or scalar expression named '%s'", op.By)
	}
	key := plan.Column{Name: found.name, Type: found.typ}
	c.applyDepth++
	defer func() { c.applyDepth-- }()
	value := plan.Outer{Partition: true, Depth: c.applyDepth}
	// Names the subquery binds (as) read the partition's value, so they
	// stay inside it.
	savedScope := c.b.Scope
	c.b.Scope = plan.NewScope(savedScope)
	var sub *relation
	if op.Source {
		c.b.Scope.BindScalar(key.Name, &plan.OuterValue{Of: value, Column: key})
		c.b.Scope.BindTable(key.Name, c.rendered(&plan.OuterRow{Of: value, Cols: []plan.Column{key}}))
		sub = c.tabular(op.Sub)
	} else {
		saved := c.applySrc
		c.applySrc = c.rendered(&plan.PartitionRows{Input: in, Key: key, Depth: c.applyDepth})
		sub = c.tabular(op.Sub)
		c.applySrc = saved
	}
	c.b.Scope = savedScope
	out := c.rendered(&plan.Partition{Input: in, Key: key, Depth: c.applyDepth, Sub: sub})
	out.render = sub.render
	return out
}
