package engine

import (
	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
)

// scan compiles Kusto's scan operator (plan.Sequence): its declared
// columns, its steps, and what the steps read, their conditions and
// assignments built over the columns of the row a step sees
// (plan.Sequence.Row).
func (c *compiler) scan(in *relation, op *kql.Scan) *relation {
	n := &plan.Sequence{Input: in, MatchID: op.MatchID}
	for _, d := range op.Declare {
		typ, err := schema.ParseType(d.Type)
		if err != nil {
			c.fail(op, "scan declares %s: %v", d.Name, err)
		}
		if _, dup := n.Find(d.Name); dup {
			c.fail(op, "scan declares column '%s', which the input already has", d.Name)
		}
		dc := plan.Declared{Column: plan.Column{Name: d.Name, Type: typ}}
		if d.Default != nil {
			dc.Default = c.converted(c.expr(d.Default, nil), typ, d.Default)
		}
		n.Declared = append(n.Declared, dc)
	}
	if op.MatchID != "" {
		if _, dup := n.Find(op.MatchID); dup {
			c.fail(op, "with_match_id names column '%s', which the output already has", op.MatchID)
		}
	}
	for _, st := range op.Steps {
		for _, named := range n.Steps {
			if named.Name == st.Name {
				c.fail(op, "scan has two steps named '%s'", st.Name)
			}
		}
		n.Steps = append(n.Steps, plan.Step{Name: st.Name, Output: st.Output})
	}
	track := func(e kql.Expr) {
		if err := n.Track(e); err != nil {
			panic(failure{err})
		}
	}
	for _, st := range op.Steps {
		track(st.Cond)
		for _, a := range st.Assign {
			if i, ok := n.Find(a.Name); !ok || i < len(in.cols) {
				c.fail(a.Expr, "A scan step assigns only declared columns, not '%s'", a.Name)
			}
			track(a.Expr)
		}
	}
	row := n.Row()
	build := func(e kql.Expr) scalar {
		x, err := c.b.Expr(e, row)
		if err != nil {
			panic(failure{err})
		}
		return scalar{typ: x.Type(), x: x}
	}
	// From the last step to the first, as the steps run.
	for k := len(op.Steps) - 1; k >= 0; k-- {
		st, step := op.Steps[k], &n.Steps[k]
		cond := build(st.Cond)
		if err := plan.CheckBool(st.Cond, cond.typ, "condition of scan step '"+st.Name+"'"); err != nil {
			panic(failure{err})
		}
		step.Cond = cond.x
		step.Assign = make([]plan.Expr, len(n.Declared))
		for di, d := range n.Declared {
			for _, a := range st.Assign {
				if a.Name == d.Name {
					step.Assign[di] = c.converted(build(a.Expr), d.Type, a.Expr)
				}
			}
		}
	}
	out := c.rendered(n)
	out.render = in.render
	return out
}
