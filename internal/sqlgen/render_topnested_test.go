package sqlgen

import (
	"testing"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

func TestRenderTopNested(t *testing.T) {
	in := rows("SELECT * FROM T", plan.Column{Name: "a", Type: schema.String}, plan.Column{Name: "b", Type: schema.String})
	long := []schema.Type{schema.Long}
	count := &plan.AggCall{Name: "count", Sig: plan.AggSig{Results: long}}
	two := &plan.Literal{T: schema.Long, Value: int64(2)}
	a := plan.NestedLevel{Name: "A", Value: ref("a", schema.String), AggName: "aggregated_A", Agg: count, N: two}
	for _, tc := range []struct {
		name string
		n    *plan.TopNested
		want string
	}{
		{"one level: the top 2 groups by their count",
			&plan.TopNested{Input: in, Levels: []plan.NestedLevel{a}},
			`SELECT "A", _agg AS "aggregated_A" FROM (SELECT * FROM (SELECT "a" AS "A", count(*) AS _agg FROM (SELECT * FROM T) AS _t GROUP BY "a") ` +
				`QUALIFY row_number() OVER (ORDER BY _agg DESC NULLS LAST, "A") <= CAST(2 AS BIGINT))`},
		{"two levels, the second with others and all its groups, in descending order",
			&plan.TopNested{Input: in, Levels: []plan.NestedLevel{{Name: "A", Value: ref("a", schema.String), AggName: "n", Agg: count, Asc: true, N: two},
				{Name: "B", Value: ref("b", schema.String), AggName: "m", Agg: count, Others: &plan.Literal{T: schema.String, Value: "rest"}}}},
			`SELECT _p.*, _l."B", _l._agg AS "m" FROM (` +
				`SELECT "A", _agg AS "n" FROM (SELECT * FROM (SELECT "a" AS "A", count(*) AS _agg FROM (SELECT * FROM T) AS _t GROUP BY "a") ` +
				`QUALIFY row_number() OVER (ORDER BY _agg ASC NULLS LAST, "A") <= CAST(2 AS BIGINT))` +
				`) AS _p LEFT JOIN (` +
				`SELECT * FROM (SELECT * FROM (SELECT "a" AS "A", "b" AS "B", count(*) AS _agg FROM (SELECT * FROM T) AS _t GROUP BY "a", "b")) ` +
				`UNION ALL SELECT * FROM (SELECT _nk0 AS "A", 'rest' AS "B", count(*) AS _agg ` +
				`FROM (SELECT _t.*, "a" AS _nk0, "b" AS _nv FROM (SELECT * FROM T) AS _t) AS _o ` +
				`ANTI JOIN (SELECT * FROM (SELECT "a" AS "A", "b" AS "B", count(*) AS _agg FROM (SELECT * FROM T) AS _t GROUP BY "a", "b")) AS _k ` +
				`ON _k."A" IS NOT DISTINCT FROM _o._nk0 AND _k."B" IS NOT DISTINCT FROM _o._nv GROUP BY _nk0)` +
				`) AS _l ON _p."A" IS NOT DISTINCT FROM _l."A"`},
		{"others at the first level: a row only where some were left out",
			&plan.TopNested{Input: in, Levels: []plan.NestedLevel{{Name: "A", Value: ref("a", schema.String), AggName: "n", Agg: count, N: two,
				Others: &plan.Literal{T: schema.String, Value: "rest"}}}},
			`SELECT "A", _agg AS "n" FROM (SELECT * FROM (SELECT * FROM (SELECT "a" AS "A", count(*) AS _agg FROM (SELECT * FROM T) AS _t GROUP BY "a") ` +
				`QUALIFY row_number() OVER (ORDER BY _agg DESC NULLS LAST, "A") <= CAST(2 AS BIGINT)) UNION ALL SELECT * FROM (` +
				`SELECT 'rest' AS "A", count(*) AS _agg FROM (SELECT _t.*, "a" AS _nv FROM (SELECT * FROM T) AS _t) AS _o ` +
				`ANTI JOIN (SELECT * FROM (SELECT "a" AS "A", count(*) AS _agg FROM (SELECT * FROM T) AS _t GROUP BY "a") ` +
				`QUALIFY row_number() OVER (ORDER BY _agg DESC NULLS LAST, "A") <= CAST(2 AS BIGINT)) AS _k ON _k."A" IS NOT DISTINCT FROM _o._nv HAVING count(*) > 0))`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := testRenderer().Node(tc.n); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
	cols := (&plan.TopNested{Input: in, Levels: []plan.NestedLevel{a}}).Columns()
	want := []plan.Column{{Name: "A", Type: schema.String}, {Name: "aggregated_A", Type: schema.Long}}
	if len(cols) != 2 || cols[0] != want[0] || cols[1] != want[1] {
		t.Errorf("columns %v, want %v", cols, want)
	}
}
