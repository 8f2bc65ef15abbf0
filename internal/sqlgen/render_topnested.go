package sqlgen

import (
	"strconv"
	"strings"

	"vigil/internal/plan"
)

// topNested writes top-nested: per level, a grouping of Input by the
// values of the levels so far with the level's aggregate (_agg), of
// which row_number() within the group above keeps the top N (QUALIFY),
// with others a UNION ALL of the rest's one row (nestedOthers); each
// level is LEFT JOINed to the groups kept above it on their values (an
// others row above has no groups below it). The groups are keyed by the
// values' expressions, not by their names, which an input column of the
// same name would shadow.
func (r *Renderer) topNested(n *plan.TopNested) string {
	in := r.Node(n.Input)
	var keys, keyExprs []string // the levels' columns so far
	var prev string             // the SQL of the previous level's kept groups
	for _, lv := range n.Levels {
		v := r.Expr(lv.Value)
		agg := r.aggCall(lv.Agg)[0]
		key := QuoteIdent(lv.Name)
		group := append(append([]string{}, keyExprs...), v)
		var sel []string
		for j, k := range keys {
			sel = append(sel, keyExprs[j]+" AS "+k)
		}
		sel = append(sel, v+" AS "+key, agg+" AS _agg")
		grouped := "SELECT " + strings.Join(sel, ", ") + " FROM (" + in + ") AS _t GROUP BY " + strings.Join(group, ", ")
		dir := "DESC"
		if lv.Asc {
			dir = "ASC"
		}
		partition := ""
		if len(keys) > 0 {
			partition = "PARTITION BY " + strings.Join(keys, ", ") + " "
		}
		level := "SELECT * FROM (" + grouped + ")"
		if lv.N != nil {
			rank := "row_number() OVER (" + partition + "ORDER BY _agg " + dir + " NULLS LAST, " + key + ")"
			level += " QUALIFY " + rank + " <= " + r.Expr(lv.N)
		}
		if lv.Others != nil {
			level = r.nestedOthers(in, lv, v, agg, keyExprs, keys, key, level)
		}
		aggCol := QuoteIdent(lv.AggName)
		if prev == "" {
			prev = "SELECT " + key + ", _agg AS " + aggCol + " FROM (" + level + ")"
		} else {
			var on []string
			for _, k := range keys {
				on = append(on, "_p."+k+" IS NOT DISTINCT FROM _l."+k)
			}
			prev = "SELECT _p.*, _l." + key + ", _l._agg AS " + aggCol + " FROM (" + prev + ") AS _p LEFT JOIN (" + level + ") AS _l ON " + strings.Join(on, " AND ")
		}
		keys = append(keys, key)
		keyExprs = append(keyExprs, v)
	}
	return prev
}

// nestedOthers adds to a level's kept groups, within each group of the
// levels above, one row valued lv.Others whose aggregate is over all the
// rows whose group was not kept (an ANTI JOIN of the rows, marked with
// their levels' values, against the kept groups). in is the input's SQL,
// v and agg the level's value and aggregate, keyExprs and keys the values
// and columns of the levels above, key the level's column and kept its
// kept groups.
func (r *Renderer) nestedOthers(in string, lv plan.NestedLevel, v, agg string, keyExprs, keys []string, key, kept string) string {
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
	marked = append(marked, v+" AS _nv")
	sel = append(sel, r.Expr(lv.Others)+" AS "+key, agg+" AS _agg")
	rest := "SELECT " + strings.Join(sel, ", ") + " FROM (SELECT _t.*, " + strings.Join(marked, ", ") + " FROM (" + in + ") AS _t) AS _o ANTI JOIN (" + kept + ") AS _k ON " + strings.Join(on, " AND ")
	if len(group) > 0 {
		rest += " GROUP BY " + strings.Join(group, ", ")
	} else {
		// Over no rows an aggregate still gives a row; the others row
		// stands only for rows left out.
		rest += " HAVING count(*) > 0"
	}
	return "SELECT * FROM (" + kept + ") UNION ALL SELECT * FROM (" + rest + ")"
}
