package engine

import (
	"vigil/internal/kql"
	"vigil/internal/plan"
)

// find compiles the find operator: the predicate runs over each table
// (the ones listed, or every table of the workspace) that has the columns
// it reads, with the columns plan.TypeFind gives the result.
func (c *compiler) find(f *kql.Find) *relation {
	type branch struct {
		name string
		rel  *relation
	}
	var candidates []branch
	add := func(name string, rel *relation) { candidates = append(candidates, branch{name: name, rel: rel}) }
	if len(f.Tables) == 0 {
		if c.req.Tables == nil {
			c.fail(f, "find without 'in' needs a workspace's tables")
		}
		for _, n := range c.req.Tables.Names() {
			add(n, c.tabular(&kql.TableRef{P: f.P, Name: n}))
		}
	}
	for i, t := range f.Tables {
		if matched, ok := c.tablePattern(t); ok {
			for _, m := range matched {
				add(m.name, m.rel)
			}
			continue
		}
		add(plan.FindSourceName(t, i), c.tabular(t))
	}
	reads := plan.FindNames(f.Pred)
	bound := func(name string) bool {
		_, isScalar := c.b.Scope.Scalar(name)
		_, isTable := c.b.Scope.Table(name)
		return isScalar || isTable
	}
	n := &plan.FindNode{}
	var inputs [][]plan.Column
	for _, b := range candidates {
		cols := b.rel.Columns()
		if !plan.FindSearches(cols, reads, bound) {
			continue
		}
		p := c.expr(f.Pred, b.rel)
		if err := plan.CheckBool(f.Pred, p.typ, "find predicate"); err != nil {
			panic(failure{err})
		}
		n.Inputs, n.Sources, n.Preds = append(n.Inputs, b.rel), append(n.Sources, b.name), append(n.Preds, p.x)
		inputs = append(inputs, cols)
	}
	typed, err := plan.TypeFind(f, inputs)
	if err != nil {
		panic(failure{err})
	}
	n.Find = typed
	return c.rendered(n)
}
