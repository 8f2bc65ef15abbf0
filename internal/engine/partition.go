package engine

import (
	"strconv"
	"strings"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/sqlgen"
)

// partition runs the subquery once per distinct value of the partition
// column, through a LATERAL join, and unions the results. Every strategy
// hint gives the same result (Kusto's strategies differ only in how they
// run), so the hints are accepted and ignored. In the braces form the
// subquery has a source of its own and the column's name, or
// toscalar(Column), is the partition's value.
func (c *compiler) partition(in *relation, op *kql.Partition) *relation {
	key, ok := in.find(op.By)
	if !ok {
		c.fail(op, "Failed to resolve column or scalar expression named '%s'", op.By)
	}
	c.applyDepth++
	defer func() { c.applyDepth-- }()
	outer := "_pk" + strconv.Itoa(c.applyDepth)
	ref := sqlgen.QuoteIdent(key.name)
	value := outer + "." + ref
	// Names the subquery binds (as) read the partition's value, so they
	// stay inside it.
	savedScope := c.b.Scope
	c.b.Scope = plan.NewScope(savedScope)
	var sub *relation
	if op.Source {
		c.b.Scope.BindScalar(key.name, scalar{sql: value, typ: key.typ})
		c.b.Scope.BindTable(key.name, &relation{sql: "SELECT " + value + " AS " + ref, cols: []col{key}})
		sub = c.tabular(op.Sub)
	} else {
		saved := c.applySrc
		c.applySrc = &relation{sql: "SELECT * FROM (" + in.sql + ") AS _pr WHERE _pr." + ref + " IS NOT DISTINCT FROM " + value, cols: in.cols}
		sub = c.tabular(op.Sub)
		c.applySrc = saved
	}
	c.b.Scope = savedScope
	sel := make([]string, len(sub.cols))
	for i, cl := range sub.cols {
		sel[i] = "_s." + sqlgen.QuoteIdent(cl.name)
	}
	return &relation{
		sql:    "SELECT " + strings.Join(sel, ", ") + " FROM (SELECT DISTINCT " + ref + " FROM (" + in.sql + ")) AS " + outer + ", LATERAL (" + sub.sql + ") AS _s",
		cols:   append([]col(nil), sub.cols...),
		render: sub.render,
	}
}
