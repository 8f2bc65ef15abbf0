package sqlgen

import (
	"strconv"
	"strings"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// makeSeries writes make-series over the input, read once as the CTE
// _in though the bounds, the groups and the bins all read it: a grid of
// bin numbers _k crossed with the distinct groups, left-joined to the
// aggregates per group and bin, and folded into one array per series
// per group in bin order. The axis is reckoned in numbers, a datetime as
// microseconds since the epoch, so one arithmetic serves both kinds.
func (r *Renderer) makeSeries(n *plan.MakeSeries) string {
	dt := n.On.Type() == schema.DateTime
	pos := func(s string) string {
		if dt {
			return "CAST(epoch_us(" + s + ") AS DOUBLE)"
		}
		return "CAST(" + s + " AS DOUBLE)"
	}
	axis := r.Expr(n.On)
	step := r.Expr(n.Step)
	if dt {
		step = "CAST((" + step + ") // 10 AS DOUBLE)"
	}
	start := "(SELECT floor(min(" + pos(axis) + ") / " + step + ") * " + step + " FROM _in AS _t)"
	if n.From != nil {
		start = pos(r.Expr(n.From))
	}
	end := "(SELECT max(" + pos(axis) + ") + " + step + " FROM _in AS _t)"
	if n.To != nil {
		end = pos(r.Expr(n.To))
	}
	bin := "CAST(floor((" + pos(axis) + " - " + start + ") / " + step + ") AS BIGINT)"

	bySel, byExprs := r.grouping(n.By)
	var keys []string
	for _, k := range n.By {
		keys = append(keys, QuoteIdent(k.Name))
	}
	var aggSel, finalSel []string
	for i, a := range n.Aggs {
		key := "_a" + strconv.Itoa(i)
		aggSel = append(aggSel, r.aggCall(a.Call)[0]+" AS "+key)
		typ := a.Call.Sig.Results[0]
		def := "NULL"
		switch {
		case a.Default != nil:
			def = r.Expr(a.Default)
		case plan.SeriesZero(typ):
			def = "0"
		}
		val := r.D.Convert(Arg{SQL: "coalesce(_g." + key + ", " + def + ")", Type: typ}, schema.Dynamic)
		finalSel = append(finalSel, "to_json(list("+val+" ORDER BY _grid._k)) AS "+QuoteIdent(a.Name))
	}
	axisVal := "(" + start + " + _grid._k * " + step + ")"
	if dt {
		axisVal = "kql_datetime_json(make_timestamp(CAST(" + axisVal + " AS BIGINT)))"
	} else if n.On.Type() != schema.Real {
		axisVal = "CAST(" + axisVal + " AS BIGINT)"
	}
	finalSel = append(finalSel, "to_json(list("+axisVal+" ORDER BY _grid._k)) AS "+QuoteIdent(n.Axis))

	aggregated := "SELECT " + strings.Join(append(append(bySel, bin+" AS _k"), aggSel...), ", ") +
		" FROM _in AS _t WHERE " + pos(axis) + " >= " + start + " AND " + pos(axis) + " < " + end +
		" GROUP BY " + strings.Join(append(byExprs, bin), ", ")
	groups := "SELECT DISTINCT " + strings.Join(append(bySel, "1 AS _one"), ", ") + " FROM _in AS _t"
	grid := "SELECT generate_series AS _k FROM generate_series(0, CAST(ceil((" + end + " - " + start + ") / " + step + ") AS BIGINT) - 1)"
	on := []string{"_g._k = _grid._k"}
	var outer []string
	for _, k := range keys {
		on = append(on, "_g."+k+" IS NOT DISTINCT FROM _grp."+k)
		outer = append(outer, "_grp."+k+" AS "+k)
	}
	sql := "WITH _in AS (" + r.Node(n.Input) + ") SELECT " + strings.Join(append(outer, finalSel...), ", ") +
		" FROM (" + groups + ") AS _grp CROSS JOIN (" + grid + ") AS _grid LEFT JOIN (" + aggregated + ") AS _g ON " + strings.Join(on, " AND ")
	if len(keys) == 0 {
		return sql + " GROUP BY _grp._one"
	}
	gb := make([]string, len(keys))
	for i, k := range keys {
		gb[i] = "_grp." + k
	}
	return sql + " GROUP BY " + strings.Join(gb, ", ")
}
