package engine

import (
	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// sampleDistinct compiles sample-distinct N of Expr: up to N distinct
// values of the expression, chosen at random, in one column named as
// summarize would name it.
func (c *compiler) sampleDistinct(in *relation, op *kql.SampleDistinct) *relation {
	v := c.expr(op.Of.Expr, in)
	name := op.Of.Name
	if name == "" {
		name = plan.ByName(op.Of.Expr, 0)
	}
	cols := []col{{name: name, typ: plan.ColumnType(v.typ)}}
	distinct := &relation{sql: "SELECT DISTINCT " + v.sql + " AS " + sqlgen.QuoteIdent(name) + " FROM (" + in.sql + ") AS _t", cols: cols, render: in.render}
	return c.sample(distinct, op.N)
}

// sample keeps n rows of in chosen uniformly at random. It orders by
// random() under a LIMIT (a top-N, one pass) rather than USING SAMPLE,
// whose size must be a literal: n may be any constant expression.
func (c *compiler) sample(in *relation, n kql.Expr) *relation {
	sel, cols := allCols(in)
	return wrap(in, sel, cols, " ORDER BY random() LIMIT "+c.count(n))
}

// topHitters compiles top-hitters N of Expr [by Sum]: the N values of the
// expression with the most rows (approximate_count_X) or the largest sum
// (approximate_sum_X), largest first. Kusto estimates with a count-min
// sketch; the counts here are exact.
func (c *compiler) topHitters(in *relation, op *kql.TopHitters) *relation {
	v := c.expr(op.Of.Expr, in)
	name := op.Of.Name
	if name == "" {
		name = plan.ByName(op.Of.Expr, 0)
	}
	agg, aggName, typ := "count(*)", "approximate_count_"+name, schema.Long
	if op.By != nil {
		s := c.expr(op.By, in)
		if !plan.IsNumeric(s.typ) {
			c.fail(op.By, "top-hitters sums a number, not %s", s.typ)
		}
		agg, aggName, typ = "sum("+s.sql+")", "approximate_sum_"+name, plan.SumType(s.typ)
		agg = "CAST(" + agg + " AS " + sqlgen.DuckDBType(typ) + ")"
	}
	key, aggCol := sqlgen.QuoteIdent(name), sqlgen.QuoteIdent(aggName)
	return &relation{
		sql: "SELECT " + v.sql + " AS " + key + ", " + agg + " AS " + aggCol + " FROM (" + in.sql + ") AS _t GROUP BY ALL ORDER BY " +
			aggCol + " DESC NULLS LAST, " + key + " LIMIT " + c.count(op.N),
		cols:   []col{{name: name, typ: plan.ColumnType(v.typ)}, {name: aggName, typ: typ}},
		render: in.render,
	}
}

// count compiles a constant row count (of take, sample, top-hitters, ...)
// to a BIGINT.
func (c *compiler) count(e kql.Expr) string { return c.r.Expr(c.rowCount(e)) }

// rowCount is a constant row count (count's, active_users_count's number
// of active periods) as a long.
func (c *compiler) rowCount(e kql.Expr) plan.Expr {
	n := c.expr(e, nil)
	if !plan.IsNumeric(n.typ) {
		c.fail(e, "A number of rows must be a number, not %s", n.typ)
	}
	return c.converted(n, schema.Long, e)
}
