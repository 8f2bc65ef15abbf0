package engine

import (
	"strings"

	"vigil/internal/kql"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// topNested compiles top-nested: level k groups the rows by the values
// of levels 1..k, aggregates, and keeps the top N groups within each
// group kept by level k-1 (with others = v, the rest become one group
// named v). The output has, per level, its value and its aggregate
// (named aggregated_<value column> unless named).
func (c *compiler) topNested(in *relation, op *kql.TopNested) *relation {
	var keys, keyExprs []string // the levels' columns so far
	var cols []col
	var prev string // SQL of the previous level's kept groups
	for i, lv := range op.Levels {
		v := c.expr(lv.Of.Expr, in)
		name := lv.Of.Name
		if name == "" {
			name = byName(lv.Of.Expr, i)
		}
		call, ok := lv.Agg.Expr.(*kql.Call)
		if !ok {
			c.fail(lv.Agg.Expr, "top-nested needs an aggregation, such as count() or sum(x)")
		}
		sqls, types, _ := c.aggregate(in, call)
		if len(sqls) != 1 {
			c.fail(call, "top-nested takes an aggregate of one value, not %s", call.Name)
		}
		aggName := lv.Agg.Name
		if aggName == "" {
			aggName = "aggregated_" + name
		}
		if lv.Others != nil {
			c.fail(lv.Others, "top-nested with others is not supported yet")
		}
		key := sqlgen.QuoteIdent(name)
		group := append(append([]string{}, keyExprs...), v.sql)
		var sel []string
		for j, k := range keys {
			sel = append(sel, keyExprs[j]+" AS "+k)
		}
		sel = append(sel, v.sql+" AS "+key, sqls[0]+" AS _agg")
		grouped := "SELECT " + strings.Join(sel, ", ") + " FROM (" + in.sql + ") AS _t GROUP BY " + strings.Join(group, ", ")
		dir := "DESC"
		if lv.Asc {
			dir = "ASC"
		}
		partition := ""
		if len(keys) > 0 {
			partition = "PARTITION BY " + strings.Join(keys, ", ") + " "
		}
		rank := "row_number() OVER (" + partition + "ORDER BY _agg " + dir + " NULLS LAST, " + key + ")"
		limit := ""
		if lv.N != nil {
			limit = c.convert(c.expr(lv.N, nil), schema.Long, lv.N)
		}
		level := "SELECT * FROM (" + grouped + ")"
		if limit != "" {
			level += " QUALIFY " + rank + " <= " + limit
		}
		aggCol := sqlgen.QuoteIdent(aggName)
		if prev == "" {
			prev = "SELECT " + key + ", _agg AS " + aggCol + " FROM (" + level + ")"
		} else {
			var on []string
			for _, k := range keys {
				on = append(on, "_p."+k+" IS NOT DISTINCT FROM _l."+k)
			}
			prev = "SELECT _p.*, _l." + key + ", _l._agg AS " + aggCol + " FROM (" + prev + ") AS _p JOIN (" + level + ") AS _l ON " + strings.Join(on, " AND ")
		}
		cols = append(cols, col{name: name, typ: v.typ}, col{name: aggName, typ: types[0]})
		keys = append(keys, key)
		keyExprs = append(keyExprs, v.sql)
	}
	return &relation{sql: prev, cols: cols, render: in.render}
}
