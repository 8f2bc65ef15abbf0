package sqlgen

import (
	"testing"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

func TestRenderMakeSeries(t *testing.T) {
	in := rows("SELECT 1", plan.Column{Name: "t", Type: schema.DateTime}, plan.Column{Name: "k", Type: schema.String}, plan.Column{Name: "v", Type: schema.Long})
	count := &plan.AggCall{Name: "count", Sig: plan.AggSig{Results: []schema.Type{schema.Long}}}
	for _, c := range []struct {
		name string
		node *plan.MakeSeries
		want string
	}{
		// A datetime axis is reckoned in microseconds, its step of ticks
		// divided by 10; a series with default= fills the empty bins with it.
		{"datetime axis", &plan.MakeSeries{
			Input: in, On: ref("t", schema.DateTime), Step: ref("s", schema.Timespan),
			From: ref("f", schema.DateTime), To: ref("e", schema.DateTime),
			By:   []plan.Named{{Name: "k", Expr: ref("k", schema.String)}},
			Aggs: []plan.SeriesAgg{{Name: "n", Call: count, Default: lit(schema.Long, int64(-1))}},
			Axis: "t",
		}, `WITH _in AS (SELECT 1) SELECT _grp."k" AS "k", to_json(list(to_json(coalesce(_g._a0, CAST(-1 AS BIGINT))) ORDER BY _grid._k)) AS "n", ` +
			`to_json(list(kql_datetime_json(make_timestamp(CAST((CAST(epoch_us("f") AS DOUBLE) + _grid._k * CAST(("s") // 10 AS DOUBLE)) AS BIGINT))) ORDER BY _grid._k)) AS "t" ` +
			`FROM (SELECT DISTINCT "k" AS "k", 1 AS _one FROM _in AS _t) AS _grp ` +
			`CROSS JOIN (SELECT generate_series AS _k FROM generate_series(0, CAST(ceil((CAST(epoch_us("e") AS DOUBLE) - CAST(epoch_us("f") AS DOUBLE)) / CAST(("s") // 10 AS DOUBLE)) AS BIGINT) - 1)) AS _grid ` +
			`LEFT JOIN (SELECT "k" AS "k", CAST(floor((CAST(epoch_us("t") AS DOUBLE) - CAST(epoch_us("f") AS DOUBLE)) / CAST(("s") // 10 AS DOUBLE)) AS BIGINT) AS _k, count(*) AS _a0 FROM _in AS _t ` +
			`WHERE CAST(epoch_us("t") AS DOUBLE) >= CAST(epoch_us("f") AS DOUBLE) AND CAST(epoch_us("t") AS DOUBLE) < CAST(epoch_us("e") AS DOUBLE) ` +
			`GROUP BY "k", CAST(floor((CAST(epoch_us("t") AS DOUBLE) - CAST(epoch_us("f") AS DOUBLE)) / CAST(("s") // 10 AS DOUBLE)) AS BIGINT)) AS _g ` +
			`ON _g._k = _grid._k AND _g."k" IS NOT DISTINCT FROM _grp."k" GROUP BY _grp."k"`},
		// Without bounds the data's smallest and largest values give them;
		// without keys every row is one group; a count's empty bin is 0.
		{"long axis", &plan.MakeSeries{
			Input: in, On: ref("v", schema.Long), Step: lit(schema.Real, 2.0),
			Aggs: []plan.SeriesAgg{{Name: "count_", Call: count}},
			Axis: "v",
		}, `WITH _in AS (SELECT 1) SELECT to_json(list(to_json(coalesce(_g._a0, 0)) ORDER BY _grid._k)) AS "count_", ` +
			`to_json(list(CAST(((SELECT floor(min(CAST("v" AS DOUBLE)) / CAST(2 AS DOUBLE)) * CAST(2 AS DOUBLE) FROM _in AS _t) + _grid._k * CAST(2 AS DOUBLE)) AS BIGINT) ORDER BY _grid._k)) AS "v" ` +
			`FROM (SELECT DISTINCT 1 AS _one FROM _in AS _t) AS _grp ` +
			`CROSS JOIN (SELECT generate_series AS _k FROM generate_series(0, CAST(ceil(((SELECT max(CAST("v" AS DOUBLE)) + CAST(2 AS DOUBLE) FROM _in AS _t) - (SELECT floor(min(CAST("v" AS DOUBLE)) / CAST(2 AS DOUBLE)) * CAST(2 AS DOUBLE) FROM _in AS _t)) / CAST(2 AS DOUBLE)) AS BIGINT) - 1)) AS _grid ` +
			`LEFT JOIN (SELECT CAST(floor((CAST("v" AS DOUBLE) - (SELECT floor(min(CAST("v" AS DOUBLE)) / CAST(2 AS DOUBLE)) * CAST(2 AS DOUBLE) FROM _in AS _t)) / CAST(2 AS DOUBLE)) AS BIGINT) AS _k, count(*) AS _a0 FROM _in AS _t ` +
			`WHERE CAST("v" AS DOUBLE) >= (SELECT floor(min(CAST("v" AS DOUBLE)) / CAST(2 AS DOUBLE)) * CAST(2 AS DOUBLE) FROM _in AS _t) AND CAST("v" AS DOUBLE) < (SELECT max(CAST("v" AS DOUBLE)) + CAST(2 AS DOUBLE) FROM _in AS _t) ` +
			`GROUP BY CAST(floor((CAST("v" AS DOUBLE) - (SELECT floor(min(CAST("v" AS DOUBLE)) / CAST(2 AS DOUBLE)) * CAST(2 AS DOUBLE) FROM _in AS _t)) / CAST(2 AS DOUBLE)) AS BIGINT)) AS _g ` +
			`ON _g._k = _grid._k GROUP BY _grp._one`},
	} {
		if got := testRenderer().Node(c.node); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}
