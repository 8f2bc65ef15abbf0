package sqlgen

import (
	"testing"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// TestSortRendering pins the SQL of sort, top, take and the sampling
// operators: the row-keeping ones select every input column, hidden
// ones too, by quoted name; each sort key spells its direction and its
// nulls' place; top-hitters orders by its count, ties by value.
func TestSortRendering(t *testing.T) {
	in := rows("SELECT * FROM t",
		plan.Column{Name: "a", Type: schema.Long},
		plan.Column{Name: `q"x`, Type: schema.String},
		plan.Column{Name: "h", Type: schema.DateTime, Hidden: true},
	)
	r := testRenderer()
	a := ref("a", schema.Long)
	n := lit(schema.Long, int64(5))
	lower := &plan.Call{Name: "tolower", Args: []plan.Expr{ref(`q"x`, schema.String)},
		Sig: plan.Sig{Params: []schema.Type{schema.String}, Result: schema.String}}
	keys := []plan.SortKey{
		{Expr: a, Desc: true},
		{Expr: lower, NullsFirst: true},
		{Expr: a, Desc: true, NullsFirst: true},
		{Expr: a},
	}
	const order = ` ORDER BY "a" DESC NULLS LAST, lower("q""x") ASC NULLS FIRST, "a" DESC NULLS FIRST, "a" ASC NULLS LAST`
	for _, tc := range []struct {
		name string
		node plan.Node
		want string
	}{
		{"sort", &plan.Sort{Input: in, Keys: keys},
			`SELECT "a", "q""x", "h" FROM (SELECT * FROM t) AS _t` + order},
		{"top", &plan.Top{Input: in, Keys: keys[:1], N: n},
			`SELECT "a", "q""x", "h" FROM (SELECT * FROM t) AS _t ORDER BY "a" DESC NULLS LAST LIMIT CAST(5 AS BIGINT)`},
		{"take", &plan.Limit{Input: in, N: n},
			`SELECT "a", "q""x", "h" FROM (SELECT * FROM t) AS _t LIMIT CAST(5 AS BIGINT)`},
		{"sample", &plan.Sample{Input: in, N: n},
			`SELECT "a", "q""x", "h" FROM (SELECT * FROM t) AS _t ORDER BY random() LIMIT CAST(5 AS BIGINT)`},
		// sample's SELECT over the distinct values, in their own column.
		{"sample-distinct", &plan.SampleDistinct{Input: in, Of: ref(`q"x`, schema.String), Name: `v"`, N: n},
			`SELECT "v""" FROM (SELECT DISTINCT "q""x" AS "v""" FROM (SELECT * FROM t) AS _t) AS _t ORDER BY random() LIMIT CAST(5 AS BIGINT)`},
		{"top-hitters", &plan.TopHitters{Input: in, Of: a, Name: "a", N: n},
			`SELECT "a" AS "a", count(*) AS "approximate_count_a" FROM (SELECT * FROM t) AS _t GROUP BY ALL ORDER BY "approximate_count_a" DESC NULLS LAST, "a" LIMIT CAST(5 AS BIGINT)`},
		// The sum is cast to its column's type: sum() of ints is a long.
		{"top-hitters by", &plan.TopHitters{Input: in, Of: a, Name: "k", By: ref("i", schema.Int), N: n},
			`SELECT "a" AS "k", CAST(sum("i") AS BIGINT) AS "approximate_sum_k" FROM (SELECT * FROM t) AS _t GROUP BY ALL ORDER BY "approximate_sum_k" DESC NULLS LAST, "k" LIMIT CAST(5 AS BIGINT)`},
		{"top-hitters by real", &plan.TopHitters{Input: in, Of: a, Name: "a", By: ref("r", schema.Real), N: n},
			`SELECT "a" AS "a", CAST(sum("r") AS DOUBLE) AS "approximate_sum_a" FROM (SELECT * FROM t) AS _t GROUP BY ALL ORDER BY "approximate_sum_a" DESC NULLS LAST, "a" LIMIT CAST(5 AS BIGINT)`},
	} {
		if got := r.Node(tc.node); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}
