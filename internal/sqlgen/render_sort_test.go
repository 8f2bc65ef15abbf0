package sqlgen

import (
	"testing"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// sortTestInput is an input the renderer does not know, spelled
// "SELECT * FROM t" by the Input hook.
type sortTestInput struct{ cols []plan.Column }

func (n sortTestInput) Columns() []plan.Column { return n.cols }
func (n sortTestInput) Reads() []plan.Node     { return nil }

// sortTestExpr is an expression the renderer does not know, spelled by
// the Scalar hook as its sql.
type sortTestExpr struct {
	sql string
	typ schema.Type
}

func (x sortTestExpr) Type() schema.Type { return x.typ }

// TestSortRendering pins the SQL of sort, top, take and the sampling
// operators: the row-keeping ones select every input column, hidden
// ones too, by quoted name; each sort key spells its direction and its
// nulls' place; top-hitters orders by its count, ties by value.
func TestSortRendering(t *testing.T) {
	in := sortTestInput{[]plan.Column{
		{Name: "a", Type: schema.Long},
		{Name: `q"x`, Type: schema.String},
		{Name: "h", Type: schema.DateTime, Hidden: true},
	}}
	r := &Renderer{
		Input:  func(plan.Node) string { return "SELECT * FROM t" },
		Scalar: func(x plan.Expr) string { return x.(sortTestExpr).sql },
	}
	a := sortTestExpr{`"a"`, schema.Long}
	n := sortTestExpr{"CAST(5 AS BIGINT)", schema.Long}
	keys := []plan.SortKey{
		{Expr: a, Desc: true},
		{Expr: sortTestExpr{`lower("q""x")`, schema.String}, NullsFirst: true},
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
		{"sample-distinct", &plan.SampleDistinct{Input: in, Of: sortTestExpr{`"q""x"`, schema.String}, Name: `v"`, N: n},
			`SELECT "v""" FROM (SELECT DISTINCT "q""x" AS "v""" FROM (SELECT * FROM t) AS _t) AS _t ORDER BY random() LIMIT CAST(5 AS BIGINT)`},
		{"top-hitters", &plan.TopHitters{Input: in, Of: a, Name: "a", N: n},
			`SELECT "a" AS "a", count(*) AS "approximate_count_a" FROM (SELECT * FROM t) AS _t GROUP BY ALL ORDER BY "approximate_count_a" DESC NULLS LAST, "a" LIMIT CAST(5 AS BIGINT)`},
		// The sum is cast to its column's type: sum() of ints is a long.
		{"top-hitters by", &plan.TopHitters{Input: in, Of: a, Name: "k", By: sortTestExpr{`"i"`, schema.Int}, N: n},
			`SELECT "a" AS "k", CAST(sum("i") AS BIGINT) AS "approximate_sum_k" FROM (SELECT * FROM t) AS _t GROUP BY ALL ORDER BY "approximate_sum_k" DESC NULLS LAST, "k" LIMIT CAST(5 AS BIGINT)`},
		{"top-hitters by real", &plan.TopHitters{Input: in, Of: a, Name: "a", By: sortTestExpr{`"r"`, schema.Real}, N: n},
			`SELECT "a" AS "a", CAST(sum("r") AS DOUBLE) AS "approximate_sum_a" FROM (SELECT * FROM t) AS _t GROUP BY ALL ORDER BY "approximate_sum_a" DESC NULLS LAST, "a" LIMIT CAST(5 AS BIGINT)`},
	} {
		if got := r.Node(tc.node); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}
