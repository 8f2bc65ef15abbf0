package engine

import (
	"fmt"
	"strings"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// evaluate runs the plugins the plan does not build yet.
func (c *compiler) evaluate(in *relation, op *kql.Evaluate) *relation {
	switch op.Name {
	case "pivot":
		return c.pivot(in, op)
	case "rolling_percentile":
		return c.rollingPercentile(in, op)
	case "active_users_count":
		return c.activeUsersCount(in, op)
	}
	c.fail(op, "The plugin '%s' is not supported", op.Name)
	return nil
}

// pivot turns the distinct values of a column into columns (plan.Pivot):
// per value the aggregate (count() by default) over that value's rows.
// The values are read from the data when the query is compiled, in their
// text's order.
func (c *compiler) pivot(in *relation, op *kql.Evaluate) *relation {
	if len(op.Args) < 1 {
		c.fail(op, "pivot needs the column whose values become columns")
	}
	n := &plan.Pivot{Input: in, Key: c.converted(c.expr(op.Args[0], in), schema.String, op.Args[0]), KeyName: plan.Apart(in.Columns(), "_pv")}
	agg := &kql.Call{P: op.P, Name: "count"}
	rest := op.Args[1:]
	if len(rest) > 0 {
		if call, ok := rest[0].(*kql.Call); ok {
			if plan.IsAgg(call.Name) {
				agg, rest = call, rest[1:]
			}
		}
	}
	for i, by := range rest {
		n.By = append(n.By, plan.Named{Name: plan.ByName(by, i), Expr: c.expr(by, in).x})
	}
	if c.b.PivotValues == nil {
		c.fail(op, "This operator needs to read the data to know its columns")
	}
	values, err := c.b.PivotValues(in, n.Key)
	if err != nil {
		panic(failure{err})
	}
	// Each value's aggregate sees only its rows: the argument is nulled
	// elsewhere (aggregates skip nulls), count() becomes countif().
	withKey := &relation{cols: append(append([]col{}, in.cols...), col{name: n.KeyName, typ: schema.String, hidden: true})}
	for _, v := range values {
		match := &kql.Binary{P: op.P, Op: "==", L: &kql.Ident{P: op.P, Name: n.KeyName}, R: &kql.Literal{P: op.P, Kind: kql.LitString, Value: v}}
		call := &kql.Call{P: agg.P, Name: "countif", Args: []kql.Expr{match}}
		if agg.Name != "count" || len(agg.Args) > 0 {
			if len(agg.Args) == 0 {
				c.fail(agg, "pivot needs an aggregate of a column, such as sum(x)")
			}
			args := append([]kql.Expr{&kql.Call{P: agg.P, Name: "iff", Args: []kql.Expr{match, agg.Args[0], &kql.Literal{P: agg.P, Kind: kql.LitNull}}}}, agg.Args[1:]...)
			call = &kql.Call{P: agg.P, Name: agg.Name, Args: args}
		}
		a, _, err := c.b.AggCall(call, withKey.Columns())
		if err != nil {
			panic(failure{err})
		}
		if len(a.Sig.Results) != 1 {
			c.fail(agg, "pivot takes an aggregate of one value, not %s", agg.Name)
		}
		n.Values = append(n.Values, plan.AggItem{Call: a, Names: []string{v}})
	}
	if len(n.By)+len(n.Values) == 0 {
		c.fail(op, "pivot leaves no columns")
	}
	out := c.rendered(n)
	out.render = in.render
	return out
}

// jsonKindType is the KQL type for values of the JSON types listed (as
// DuckDB's json_type names them, in a list's text form).
func jsonKindType(kinds string) schema.Type {
	list := strings.Split(strings.Trim(kinds, "[]"), ", ")
	var known []string
	for _, k := range list {
		if k != "NULL" && k != "" {
			known = append(known, k)
		}
	}
	if len(known) != 1 {
		return schema.Dynamic
	}
	switch known[0] {
	case "BIGINT", "UBIGINT":
		return schema.Long
	case "DOUBLE":
		return schema.Real
	case "VARCHAR":
		return schema.String
	case "BOOLEAN":
		return schema.Bool
	}
	return schema.Dynamic
}

// bagKeys is the catalog's probe of bag_unpack's properties
// (plan.Builder.BagKeys): a property whose values all have one JSON
// type gets that type, otherwise it stays dynamic.
func (c *compiler) bagKeys(in plan.Node, x plan.Expr) ([]plan.BagProperty, error) {
	rows, err := c.probe(c.r.BagKeys(in, x))
	if err != nil {
		return nil, err
	}
	props := make([]plan.BagProperty, len(rows))
	for i, k := range rows {
		props[i] = plan.BagProperty{Key: k[0], Type: jsonKindType(k[1])}
	}
	return props, nil
}

// pivotValues is the catalog's probe of pivot's values
// (plan.Builder.PivotValues).
func (c *compiler) pivotValues(in plan.Node, key plan.Expr) ([]string, error) {
	rows, err := c.probe(c.r.PivotValues(in, key))
	if err != nil {
		return nil, err
	}
	values := make([]string, len(rows))
	for i, v := range rows {
		values[i] = v[0]
	}
	return values, nil
}

// probe runs a query while the query compiles, for the operators whose
// output columns depend on the data; each row comes back as text.
func (c *compiler) probe(query string) ([][]string, error) {
	rows, err := c.db.QueryContext(c.ctx, c.r.With(query))
	if err != nil {
		return nil, queryError(c.ctx, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals, err := sqlgen.ScanRow(rows, len(cols))
		if err != nil {
			return nil, queryError(c.ctx, err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			switch x := v.(type) {
			case []any:
				var parts []string
				for _, e := range x {
					parts = append(parts, fmt.Sprint(e))
				}
				row[i] = "[" + strings.Join(parts, ", ") + "]"
			default:
				row[i] = fmt.Sprint(v)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, queryError(c.ctx, err)
	}
	return out, nil
}
