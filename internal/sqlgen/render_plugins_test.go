package sqlgen

import (
	"testing"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// TestRenderPlugins pins the SQL of evaluate's plugins where it has
// logic: the dimensions that join and group (or do not), the period that
// bounds activity_engagement's rows, the window of a datetime index, and
// a column of a plugin's own relation, bound to the alias of the rows it
// is read from in one expression and not in the next.
func TestRenderPlugins(t *testing.T) {
	in := rows("SELECT * FROM T", plan.Column{Name: "k", Type: schema.String}, plan.Column{Name: "ts", Type: schema.DateTime})
	x := func(name string, typ schema.Type) plan.Expr { return ref(name, typ) }
	k := []plan.Column{{Name: "k", Type: schema.String}}
	activity := func(dims []plan.Column) plan.Activity {
		return plan.Activity{Input: in, ID: x("id", schema.String), Time: x("t", schema.DateTime), Timeline: "ts", Dims: dims}
	}
	w := &plan.ColumnRef{Name: "_w", T: schema.DateTime}
	p := &plan.ColumnRef{Name: "_p", T: schema.DateTime}
	rolling := func(index schema.Type) *plan.RollingPercentile {
		pct := &plan.AggCall{Name: "percentile", Sig: plan.AggSig{Params: []schema.Type{0, 0}, Results: []schema.Type{schema.Long}},
			Args: []plan.Expr{x("v", schema.Long), &plan.Literal{T: schema.Long, Value: int64(50)}}}
		return &plan.RollingPercentile{Input: in, Index: plan.Column{Name: "ix", Type: index}, Bin: x("b", index), Size: x("sz", schema.Timespan),
			Window: lit(schema.Long, int64(3)), Dims: k, Name: "p", Percentile: pct, BinName: "_rb", RowBin: "_vb"}
	}
	active := `SELECT DISTINCT "id" AS _id, "per" AS _p, "k" FROM (SELECT * FROM T) AS _t WHERE "t" IS NOT NULL`
	for _, c := range []struct {
		name string
		n    plan.Node
		want string
	}{
		{"active_users_count: From reads the period of _a, Bin its own column _p", &plan.ActiveUsers{Activity: activity(k),
			Period: x("per", schema.DateTime), Start: x("s0", schema.DateTime), End: x("e0", schema.DateTime), Need: lit(schema.Long, int64(2)), From: p, Bin: p},
			`SELECT _w AS "ts", "k", count(DISTINCT _id) AS "dcount" FROM (SELECT *, "_p" AS _w FROM (SELECT _a._id, _a._p, _a."k" FROM (` + active + `) AS _a JOIN (` + active +
				`) AS _b ON _b._id IS NOT DISTINCT FROM _a._id AND _b._p > _a._p AND _b._p <= _a._p AND _b."k" IS NOT DISTINCT FROM _a."k" WHERE _a._p >= "s0" AND _a._p <= "e0" GROUP BY _a._id, _a._p, _a."k" HAVING count(*) >= CAST(2 AS BIGINT))) GROUP BY _w, "k" ORDER BY _w, "k"`},
		{"sliding_window_counts without dimensions: the bins alone", &plan.SlidingWindowCounts{Activity: activity(nil),
			Bins: rows("SELECT 1 AS _w", plan.Column{Name: "_w", Type: schema.DateTime}), Bin: x("b", schema.DateTime), From: w},
			`SELECT _ws._w AS "ts", count(_e._id) AS "Count", count(DISTINCT _e._id) AS "Dcount" FROM (SELECT _w FROM (SELECT 1 AS _w)) AS _ws LEFT JOIN (SELECT "id" AS _id, "b" AS _b FROM (SELECT * FROM T) AS _t WHERE "t" IS NOT NULL) AS _e ON _e._b > _ws._w AND _e._b <= _ws._w GROUP BY _ws._w ORDER BY _ws._w`},
		{"sliding_window_counts: the bins of every combination of the dimensions", &plan.SlidingWindowCounts{Activity: activity(k),
			Bins: rows("SELECT 1 AS _w", plan.Column{Name: "_w", Type: schema.DateTime}), Bin: x("b", schema.DateTime), From: w},
			`SELECT _ws._w AS "ts", _ws."k", count(_e._id) AS "Count", count(DISTINCT _e._id) AS "Dcount" FROM (SELECT * FROM (SELECT _w FROM (SELECT 1 AS _w)), (SELECT DISTINCT "k" FROM (SELECT "id" AS _id, "b" AS _b, "k" FROM (SELECT * FROM T) AS _t WHERE "t" IS NOT NULL))) AS _ws ` +
				`LEFT JOIN (SELECT "id" AS _id, "b" AS _b, "k" FROM (SELECT * FROM T) AS _t WHERE "t" IS NOT NULL) AS _e ON _e."k" IS NOT DISTINCT FROM _ws."k" AND _e._b > _ws._w AND _e._b <= _ws._w GROUP BY _ws._w, _ws."k" ORDER BY _ws._w, _ws."k"`},
		{"sliding_window_counts by a dimension named _w: the plugin's own _w is named apart", &plan.SlidingWindowCounts{Activity: activity([]plan.Column{{Name: "_w", Type: schema.String}}),
			Bins: rows("SELECT 1 AS _w", plan.Column{Name: "_w", Type: schema.DateTime}), Bin: x("b", schema.DateTime), From: w},
			`SELECT _ws._w1 AS "ts", _ws."_w", count(_e._id) AS "Count", count(DISTINCT _e._id) AS "Dcount" FROM (SELECT * FROM (SELECT _w AS _w1 FROM (SELECT 1 AS _w)), (SELECT DISTINCT "_w" FROM (SELECT "id" AS _id, "b" AS _b, "_w" FROM (SELECT * FROM T) AS _t WHERE "t" IS NOT NULL))) AS _ws ` +
				`LEFT JOIN (SELECT "id" AS _id, "b" AS _b, "_w" FROM (SELECT * FROM T) AS _t WHERE "t" IS NOT NULL) AS _e ON _e."_w" IS NOT DISTINCT FROM _ws."_w" AND _e._b > _ws._w1 AND _e._b <= _ws._w1 GROUP BY _ws._w1, _ws."_w" ORDER BY _ws._w1, _ws."_w"`},
		{"activity_engagement with a period", &plan.ActivityEngagement{Activity: activity(nil), Bin: x("b", schema.DateTime),
			Start: x("s0", schema.DateTime), End: x("e0", schema.DateTime), InnerEnd: w, OuterStart: w},
			`SELECT _win._w AS "ts", count(DISTINCT CASE WHEN _e._w = _win._w THEN _e._id END) AS "dcount_activities_inner", count(DISTINCT _e._id) AS "dcount_activities_outer", ` +
				`CAST(count(DISTINCT CASE WHEN _e._w = _win._w THEN _e._id END) AS DOUBLE) / count(DISTINCT _e._id) AS "activity_ratio" FROM (SELECT DISTINCT _w FROM (SELECT "id" AS _id, "t" AS _t, "b" AS _w FROM (SELECT * FROM T) AS _t WHERE "t" >= "s0" AND "t" < "e0")) AS _win ` +
				`JOIN (SELECT "id" AS _id, "t" AS _t, "b" AS _w FROM (SELECT * FROM T) AS _t WHERE "t" >= "s0" AND "t" < "e0") AS _e ON _e._t >= _win._w AND _e._t < _win._w GROUP BY _win._w ORDER BY _win._w`},
		{"activity_engagement without a period, by a dimension", &plan.ActivityEngagement{Activity: activity(k), Bin: x("b", schema.DateTime), InnerEnd: w, OuterStart: w},
			`SELECT _win._w AS "ts", count(DISTINCT CASE WHEN _e._w = _win._w THEN _e._id END) AS "dcount_activities_inner", count(DISTINCT _e._id) AS "dcount_activities_outer", ` +
				`CAST(count(DISTINCT CASE WHEN _e._w = _win._w THEN _e._id END) AS DOUBLE) / count(DISTINCT _e._id) AS "activity_ratio", _win."k" FROM (SELECT DISTINCT _w, "k" FROM (SELECT "id" AS _id, "t" AS _t, "b" AS _w, "k" FROM (SELECT * FROM T) AS _t)) AS _win ` +
				`JOIN (SELECT "id" AS _id, "t" AS _t, "b" AS _w, "k" FROM (SELECT * FROM T) AS _t) AS _e ON _e."k" IS NOT DISTINCT FROM _win."k" AND _e._t >= _win._w AND _e._t < _win._w GROUP BY _win._w, _win."k" ORDER BY _win._w`},
		{"rolling_percentile over a datetime index: the window reaches back a number of ticks", rolling(schema.DateTime),
			`SELECT _rb AS "ix", "k", quantile_disc("v", CAST(50 AS BIGINT) / 100.0) AS "p" FROM (SELECT _v.*, _bn._rb FROM (SELECT DISTINCT "b" AS _rb, "k" FROM (SELECT * FROM T) AS _t) AS _bn JOIN (SELECT *, "b" AS _vb FROM (SELECT * FROM T) AS _t) AS _v ` +
				`ON _v._vb BETWEEN _rb - to_microseconds(CAST((CAST(3 AS BIGINT) - 1) * ("sz") // 10 AS BIGINT)) AND _rb AND _v."k" IS NOT DISTINCT FROM _bn."k") AS _t GROUP BY _rb, "k"`},
		{"rolling_percentile over a number", rolling(schema.Long),
			`SELECT _rb AS "ix", "k", quantile_disc("v", CAST(50 AS BIGINT) / 100.0) AS "p" FROM (SELECT _v.*, _bn._rb FROM (SELECT DISTINCT "b" AS _rb, "k" FROM (SELECT * FROM T) AS _t) AS _bn JOIN (SELECT *, "b" AS _vb FROM (SELECT * FROM T) AS _t) AS _v ` +
				`ON _v._vb BETWEEN _rb - (CAST(3 AS BIGINT) - 1) * ("sz") AND _rb AND _v."k" IS NOT DISTINCT FROM _bn."k") AS _t GROUP BY _rb, "k"`},
	} {
		if got := testRenderer().Node(c.n); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}
