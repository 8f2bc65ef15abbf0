package engine

import (
	"strconv"
	"strings"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// makeSeries compiles make-series: the rows are binned along the axis
// from From (inclusive) to To (exclusive) in steps, aggregated per group
// and bin, and every group gets one array per aggregate with a value (or
// the default) for every bin, plus the array of bin starts. Groups are
// those of the input, so a group without data in the range gets a series
// of defaults; an empty input gives no rows.
func (c *compiler) makeSeries(in *relation, op *kql.MakeSeries) *relation {
	axis := c.expr(op.On, in)
	step := c.expr(op.Step, nil)
	dt := axis.typ == schema.DateTime
	if !dt && !plan.IsNumeric(axis.typ) {
		c.fail(op.On, "make-series needs a datetime or numeric axis, not %s", axis.typ)
	}
	// pos maps an axis value to a number, so one arithmetic serves both
	// kinds of axis: datetimes as microseconds since the epoch.
	pos := func(s string) string {
		if dt {
			return "CAST(epoch_us(" + s + ") AS DOUBLE)"
		}
		return "CAST(" + s + " AS DOUBLE)"
	}
	var stepSQL string
	if dt {
		stepSQL = "CAST((" + c.convert(step, schema.Timespan, op.Step) + ") // 10 AS DOUBLE)"
	} else {
		stepSQL = c.convert(step, schema.Real, op.Step)
	}
	// The input is read three times (bounds, groups, bins): once, as _in.
	inSQL := "_in"
	var start, end string
	if op.From != nil {
		start = pos(c.convert(c.expr(op.From, nil), axis.typ, op.From))
	} else {
		start = "(SELECT floor(min(" + pos(axis.sql) + ") / " + stepSQL + ") * " + stepSQL + " FROM " + inSQL + " AS _t)"
	}
	if op.To != nil {
		end = pos(c.convert(c.expr(op.To, nil), axis.typ, op.To))
	} else {
		end = "(SELECT max(" + pos(axis.sql) + ") + " + stepSQL + " FROM " + inSQL + " AS _t)"
	}
	bin := "CAST(floor((" + pos(axis.sql) + " - " + start + ") / " + stepSQL + ") AS BIGINT)"

	var bySel, byExprs, byNames []string
	var cols []col
	for i, by := range op.By {
		v := c.expr(by.Expr, in)
		name := by.Name
		if name == "" {
			name = plan.ByName(by.Expr, i)
		}
		bySel = append(bySel, v.sql+" AS "+sqlgen.QuoteIdent(name))
		byExprs = append(byExprs, v.sql)
		byNames = append(byNames, sqlgen.QuoteIdent(name))
		cols = append(cols, col{name: name, typ: v.typ})
	}
	var aggSel, finalSel []string
	for i, agg := range op.Aggs {
		call, ok := agg.Expr.(*kql.Call)
		if !ok {
			c.fail(agg.Expr, "make-series needs an aggregation function, such as count() or avg(x)")
		}
		sqls, types, names := c.aggregate(in, call)
		if len(sqls) != 1 {
			c.fail(call, "make-series takes aggregates of one value, not %s", call.Name)
		}
		name := names[0]
		if agg.Name != "" {
			name = agg.Name
		}
		key := "_a" + strconv.Itoa(i)
		aggSel = append(aggSel, sqls[0]+" AS "+key)
		def := "NULL"
		switch {
		case agg.Default != nil:
			def = c.convert(c.expr(agg.Default, nil), types[0], agg.Default)
		case plan.IsNumeric(types[0]) || types[0] == schema.Timespan:
			def = "0"
		}
		val := c.convert(scalar{sql: "coalesce(_g." + key + ", " + def + ")", typ: types[0]}, schema.Dynamic, call)
		finalSel = append(finalSel, "to_json(list("+val+" ORDER BY _grid._k)) AS "+sqlgen.QuoteIdent(name))
		cols = append(cols, col{name: name, typ: schema.Dynamic})
	}
	axisName := plan.ByName(op.On, 0)
	axisVal := "(" + start + " + _grid._k * " + stepSQL + ")"
	if dt {
		axisVal = "kql_datetime_json(make_timestamp(CAST(" + axisVal + " AS BIGINT)))"
	} else if axis.typ != schema.Real {
		axisVal = "CAST(" + axisVal + " AS BIGINT)"
	}
	finalSel = append(finalSel, "to_json(list("+axisVal+" ORDER BY _grid._k)) AS "+sqlgen.QuoteIdent(axisName))
	cols = append(cols, col{name: axisName, typ: schema.Dynamic})

	groupKeys := byNames
	aggregated := "SELECT " + strings.Join(append(append(bySel, bin+" AS _k"), aggSel...), ", ") +
		" FROM " + inSQL + " AS _t WHERE " + pos(axis.sql) + " >= " + start + " AND " + pos(axis.sql) + " < " + end +
		" GROUP BY " + strings.Join(append(byExprs, bin), ", ")
	groups := "SELECT DISTINCT " + strings.Join(append(bySel, "1 AS _one"), ", ") + " FROM " + inSQL + " AS _t"
	grid := "SELECT generate_series AS _k FROM generate_series(0, CAST(ceil((" + end + " - " + start + ") / " + stepSQL + ") AS BIGINT) - 1)"
	on := []string{"_g._k = _grid._k"}
	var outer []string
	for _, k := range groupKeys {
		on = append(on, "_g."+k+" IS NOT DISTINCT FROM _grp."+k)
		outer = append(outer, "_grp."+k+" AS "+k)
	}
	sql := "WITH _in AS (" + in.sql + ") SELECT " + strings.Join(append(outer, finalSel...), ", ") +
		" FROM (" + groups + ") AS _grp CROSS JOIN (" + grid + ") AS _grid LEFT JOIN (" + aggregated + ") AS _g ON " + strings.Join(on, " AND ")
	if len(groupKeys) > 0 {
		var gb []string
		for _, k := range groupKeys {
			gb = append(gb, "_grp."+k)
		}
		sql += " GROUP BY " + strings.Join(gb, ", ")
	} else {
		sql += " GROUP BY _grp._one"
	}
	return &relation{sql: sql, cols: cols, render: in.render}
}
