package engine

import (
	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
)

// rowCount is a constant row count (sample's, sample-distinct's,
// top-hitters', active_users_count's number of active periods) as a long.
func (c *compiler) rowCount(e kql.Expr) plan.Expr {
	n := c.expr(e, nil)
	if !plan.IsNumeric(n.typ) {
		c.fail(e, "A number of rows must be a number, not %s", n.typ)
	}
	return c.converted(n, schema.Long, e)
}
