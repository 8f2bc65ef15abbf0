package sqlgen

import (
	"testing"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

func TestRenderAggregate(t *testing.T) {
	in := rows("SELECT * FROM T", plan.Column{Name: "k", Type: schema.String}, plan.Column{Name: "x", Type: schema.Long})
	k := ref("k", schema.String)
	x := ref("x", schema.Long)
	long := []schema.Type{schema.Long}
	count := &plan.AggCall{Name: "count", Sig: plan.AggSig{Results: long}}
	sum := &plan.AggCall{Name: "sum", Sig: plan.AggSig{Params: []schema.Type{0}, Results: long}, Args: []plan.Expr{x}}
	// stdev reads its values as reals: the renderer converts them.
	stdev := &plan.AggCall{Name: "stdev", Sig: plan.AggSig{Params: []schema.Type{schema.Real}, Results: []schema.Type{schema.Real}},
		Args: []plan.Expr{x}}
	// arg_max(_argkey0, x) whose key is no column, k a by column.
	argMax := &plan.AggCall{Name: "arg_max", Args: []plan.Expr{&plan.ColumnRef{Name: "_argkey0", T: schema.Real}, x},
		Sig: plan.AggSig{Params: []schema.Type{0, 0}, Results: []schema.Type{schema.Real, schema.Long}}}
	for _, tc := range []struct {
		name string
		n    *plan.Aggregate
		want string
		cols []plan.Column
	}{
		{"no keys: one group",
			&plan.Aggregate{Input: in, Items: []plan.AggItem{{Call: count, Names: []string{"count_"}}}},
			`SELECT count(*) AS "count_" FROM (SELECT * FROM T) AS _t`,
			[]plan.Column{{Name: "count_", Type: schema.Long}}},
		{"grouped by a key's expression",
			&plan.Aggregate{Input: in, Keys: []plan.Named{{Name: "K", Expr: k}},
				Items: []plan.AggItem{{Call: count, Names: []string{"n"}}, {Call: sum, Names: []string{"sum_x"}},
					{Call: stdev, Names: []string{"stdev_x"}}}},
			`SELECT "k" AS "K", count(*) AS "n", CAST(sum("x") AS BIGINT) AS "sum_x", stddev_samp(CAST("x" AS DOUBLE)) AS "stdev_x" ` +
				`FROM (SELECT * FROM T) AS _t GROUP BY "k"`,
			[]plan.Column{{Name: "K", Type: schema.String}, {Name: "n", Type: schema.Long}, {Name: "sum_x", Type: schema.Long},
				{Name: "stdev_x", Type: schema.Real}}},
		{"a per-row key below the grouping; a result that is no column",
			&plan.Aggregate{Input: in, RowKeys: []plan.Named{{Name: "_argkey0", Expr: &plan.Call{Name: "rand", Sig: plan.Sig{Result: schema.Real}}}},
				Keys:  []plan.Named{{Name: "max_", Expr: k}},
				Items: []plan.AggItem{{Call: argMax, Names: []string{"", "x"}}}},
			`SELECT "k" AS "max_", CASE WHEN max("_argkey0") IS NULL THEN first("x") ELSE arg_max_null("x", "_argkey0") END AS "x" ` +
				`FROM (SELECT *, random() AS "_argkey0" FROM (SELECT * FROM T)) AS _t GROUP BY "k"`,
			[]plan.Column{{Name: "max_", Type: schema.String}, {Name: "x", Type: schema.Long}}},
		{"an expression over aggregates above the grouping",
			&plan.Aggregate{Input: in, Keys: []plan.Named{{Name: "k", Expr: k}},
				Items: []plan.AggItem{
					{Names: []string{"r"}, Expr: &plan.Binary{Op: "*", L: ref("_agg", schema.Long), R: lit(schema.Long, int64(2)), Sig: plan.BinarySig{L: schema.Long, R: schema.Long, Result: schema.Long}},
						Over: []plan.AggItem{{Call: count, Names: []string{"_agg"}}}},
					{Call: sum, Names: []string{"s"}}}},
			`SELECT "k", ("_agg" * CAST(2 AS BIGINT)) AS "r", "s" FROM (SELECT "k" AS "k", count(*) AS "_agg", CAST(sum("x") AS BIGINT) AS "s" ` +
				`FROM (SELECT * FROM T) AS _t GROUP BY "k") AS _t`,
			[]plan.Column{{Name: "k", Type: schema.String}, {Name: "r", Type: schema.Long}, {Name: "s", Type: schema.Long}}},
	} {
		if got := testRenderer().Node(tc.n); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
		if got := tc.n.Columns(); len(got) != len(tc.cols) {
			t.Errorf("%s: columns %v, want %v", tc.name, got, tc.cols)
		} else {
			for i := range got {
				if got[i] != tc.cols[i] {
					t.Errorf("%s: columns %v, want %v", tc.name, got, tc.cols)
					break
				}
			}
		}
	}
}

// A key known never to be null spares arg_max its fallback for a group
// whose keys are all null.
func TestRenderAggregateNotNull(t *testing.T) {
	a := &plan.AggCall{Name: "arg_min", Args: []plan.Expr{&plan.ColumnRef{Name: "t", T: schema.DateTime}, ref("u", schema.String)},
		NotNull: true, Sig: plan.AggSig{Params: []schema.Type{0, 0}, Results: []schema.Type{schema.DateTime, schema.String}}}
	got := testRenderer().aggCall(a)
	want := []string{`min("t")`, `arg_min_null("u", "t")`}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %q, want %q", got, want)
	}
}
