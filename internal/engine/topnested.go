package engine

import (
	"strconv"
	"strings"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// topNested compiles top-nested: level k groups the rows by the values
// of levels 1..k, aggregates, and keeps the top N groups within each
// group kept by level k-1 (with others = v, the rest become one group
// named v; the levels below it are null). The output has, per level, its value and its aggregate
// (named aggregated_<value column> unless named).
func (c *compiler) topNested(in *relation, op *kql.TopNested) *relation {
	var keys, keyExprs []string // the levels' columns so far
	var cols []col
	var prev string // SQL of the previous level's kept groups
	for i, lv := range op.Levels {
		v := c.expr(lv.Of.Expr, in)
		name := lv.Of.Name
		if name == "" {
			name = plan.ByName(lv.Of.Expr, i)
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
		if lv.Others != nil {
			level = c.nestedOthers(in, lv, v, sqls[0], keyExprs, keys, key, level)
		}
		aggCol := sqlgen.QuoteIdent(aggName)
		if prev == "" {
			prev = "SELECT " + key + ", _agg AS " + aggCol + " FROM (" + level + ")"
		} else {
			var on []string
			for _, k := range keys {
				on = append(on, "_p."+k+" IS NOT DISTINCT FROM _l."+k)
			}
			// LEFT: an others row above has no groups below it.
			prev = "SELECT _p.*, _l." + key + ", _l._agg AS " + aggCol + " FROM (" + prev + ") AS _p LEFT JOIN (" + level + ") AS _l ON " + strings.Join(on, " AND ")
		}
		cols = append(cols, col{name: name, typ: v.typ}, col{name: aggName, typ: types[0]})
		keys = append(keys, key)
		keyExprs = append(keyExprs, v.sql)
	}
	return &relation{sql: prev, cols: cols, render: in.render}
}

// nestedOthers adds to a level's kept groups, within each group of the
// levels above, one row valued lv.Others whose aggregate is over all the
// rows whose group was not kept.
func (c *compiler) nestedOthers(in *relation, lv kql.NestedLevel, v scalar, agg string, keyExprs, keys []string, key, kept string) string {
	others := c.expr(lv.Others, nil)
	var sel, group, on []string
	for j, k := range keys {
		sel = append(sel, "_nk"+strconv.Itoa(j)+" AS "+k)
		group = append(group, "_nk"+strconv.Itoa(j))
		on = append(on, "_k."+k+" IS NOT DISTINCT FROM _o._nk"+strconv.Itoa(j))
	}
	on = append(on, "_k."+key+" IS NOT DISTINCT FROM _o._nv")
	var marked []string
	for j, e := range keyExprs {
		marked = append(marked, e+" AS _nk"+strconv.Itoa(j))
	}
	marked = append(marked, v.sql+" AS _nv")
	sel = append(sel, c.convert(others, v.typ, lv.Others)+" AS "+key, agg+" AS _agg")
	rest := "SELECT " + strings.Join(sel, ", ") + " FROM (SELECT _t.*, " + strings.Join(marked, ", ") + " FROM (" + in.sql + ") AS _t) AS _o ANTI JOIN (" + kept + ") AS _k ON " + strings.Join(on, " AND ")
	if len(group) > 0 {
		rest += " GROUP BY " + strings.Join(group, ", ")
	} else {
		// Over no rows an aggregate still gives a row; the others row
		// stands only for rows left out.
		rest += " HAVING count(*) > 0"
	}
	return "SELECT * FROM (" + kept + ") UNION ALL SELECT * FROM (" + rest + ")"
}
