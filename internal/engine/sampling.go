package engine

import (
	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
)

// sampleDistinct compiles sample-distinct N of Expr into a
// plan.SampleDistinct.
func (c *compiler) sampleDistinct(in *relation, op *kql.SampleDistinct) *relation {
	of := c.expr(op.Of.Expr, in).x
	return c.relationOf(plan.NewSampleDistinct(op, in, of, c.rowCount(op.N)))
}

// sample compiles sample into a plan.Sample.
func (c *compiler) sample(in *relation, op *kql.SampleOp) *relation {
	return c.relationOf(&plan.Sample{Input: in, N: c.rowCount(op.N)})
}

// topHitters compiles top-hitters N of Expr [by Sum] into a
// plan.TopHitters.
func (c *compiler) topHitters(in *relation, op *kql.TopHitters) *relation {
	of := c.expr(op.Of.Expr, in).x
	var by plan.Expr
	if op.By != nil {
		s := c.expr(op.By, in)
		if err := plan.CheckTopHittersBy(op, s.typ); err != nil {
			panic(failure{err})
		}
		by = s.x
	}
	return c.relationOf(plan.NewTopHitters(op, in, of, by, c.rowCount(op.N)))
}

// rowCount is a constant row count (sample's, sample-distinct's,
// top-hitters', active_users_count's number of active periods) as a long.
func (c *compiler) rowCount(e kql.Expr) plan.Expr {
	n := c.expr(e, nil)
	if !plan.IsNumeric(n.typ) {
		c.fail(e, "A number of rows must be a number, not %s", n.typ)
	}
	return c.converted(n, schema.Long, e)
}
