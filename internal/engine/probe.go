package engine

import (
	"fmt"

	"vigil/internal/plan"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// jsonKindType is the KQL type for values of the JSON types listed (as
// DuckDB's json_type names them).
func jsonKindType(kinds []any) schema.Type {
	var known []string
	for _, k := range kinds {
		if s, ok := k.(string); ok && s != "NULL" {
			known = append(known, s)
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
		kinds, _ := k[1].([]any)
		props[i] = plan.BagProperty{Key: fmt.Sprint(k[0]), Type: jsonKindType(kinds)}
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
		values[i] = fmt.Sprint(v[0])
	}
	return values, nil
}

// probe runs a query while the plan is built, for the operators whose
// output columns depend on the data; each row comes back as the
// driver's values.
func (c *compiler) probe(query string) ([][]any, error) {
	rows, err := c.db.QueryContext(c.ctx, c.r.With(query))
	if err != nil {
		return nil, queryError(c.ctx, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		vals, err := sqlgen.ScanRow(rows, len(cols))
		if err != nil {
			return nil, queryError(c.ctx, err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, queryError(c.ctx, err)
	}
	return out, nil
}
