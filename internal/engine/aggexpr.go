package engine

import (
	"strconv"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/sqlgen"
)

// aggExprs collects the aggregates of a summarize expression that is
// not one aggregate call, such as `100.0 * countif(ok) / count()` or
// `round(avg(x), 2)`: each aggregate becomes a hidden column of the
// grouping SELECT, and the expression is computed over those columns
// (and the by columns) in a SELECT above it.
type aggExprs struct {
	in   *relation      // the summarize input the aggregates read
	over []plan.AggItem // the aggregates, each its hidden column _aggN
	used plan.Names
	// inside is set while an aggregate's arguments compile: they are per
	// row, so another aggregate there is an error.
	inside bool
}

// add compiles the aggregate call e over the summarize input and
// returns the reference to its hidden column.
func (a *aggExprs) add(c *compiler, e *kql.Call) scalar {
	if a.inside {
		c.fail(e, "The aggregate function '%s' cannot be inside another aggregate's arguments", e.Name)
	}
	if e.Name == "arg_max" || e.Name == "arg_min" {
		c.fail(e, "%s gives several columns and cannot be part of an expression", e.Name)
	}
	a.inside = true
	call, _ := c.aggregateCall(a.in, e)
	a.inside = false
	if len(call.Sig.Results) != 1 {
		c.fail(e, "%s gives several columns and cannot be part of an expression", e.Name)
	}
	name := "_agg"
	for i := 0; a.used[name]; i++ {
		name = "_agg" + strconv.Itoa(i)
	}
	a.used[name] = true
	a.over = append(a.over, plan.AggItem{Call: call, Names: []string{name}})
	return scalar{sql: sqlgen.QuoteIdent(name), typ: call.Sig.Results[0]}
}
