package sqlgen

import (
	"slices"
	"testing"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

func TestRenderApply(t *testing.T) {
	k := plan.Column{Name: "K", Type: schema.String}
	x := plan.Column{Name: "x", Type: schema.Long}
	in := rows("SELECT * FROM T", k, x)
	r := testRenderer()
	// Partition's subquery counts its rows, over the rows of its
	// partition: the outer value is the partition's at its depth.
	pr := &plan.PartitionRows{Input: in, Key: k, Depth: 1}
	part := &plan.Partition{Input: in, Key: k, Depth: 1, Sub: &plan.Count{Input: pr}}
	// mv-apply nested in a partition's subquery, the second join: the
	// subquery's source is the outer row.
	row := &plan.OuterRow{Of: plan.Outer{Depth: 2}, Cols: []plan.Column{k, x}}
	apply := plan.NewApply(pr, nil, 2, &plan.Count{Input: row})
	// The braces form reads the partition's value, as a value and as a
	// table.
	value := &plan.OuterValue{Of: plan.Outer{Partition: true, Depth: 1}, Column: k}
	for _, tc := range []struct {
		name string
		n    plan.Node
		want string
		cols []plan.Column
	}{
		{"a partition's rows", pr,
			`SELECT * FROM (SELECT * FROM T) AS _pr WHERE _pr."K" IS NOT DISTINCT FROM _pk1."K"`, []plan.Column{k, x}},
		{"partition: its values joined to the subquery's rows", part,
			`SELECT _s."Count" FROM (SELECT DISTINCT "K" FROM (SELECT * FROM T)) AS _pk1, LATERAL (SELECT count(*) AS "Count" FROM (` +
				`SELECT * FROM (SELECT * FROM T) AS _pr WHERE _pr."K" IS NOT DISTINCT FROM _pk1."K")) AS _s`,
			[]plan.Column{{Name: "Count", Type: schema.Long}}},
		{"mv-apply at depth 2: the row's columns from the row, the subquery's from its rows", apply,
			`SELECT _o2."K", _o2."x", _s."Count" FROM (SELECT * FROM (SELECT * FROM T) AS _pr WHERE _pr."K" IS NOT DISTINCT FROM _pk1."K") AS _o2, ` +
				`LATERAL (SELECT count(*) AS "Count" FROM (SELECT _o2."K" AS "K", _o2."x" AS "x")) AS _s`,
			[]plan.Column{k, x, {Name: "Count", Type: schema.Long}}},
		{"the partition's value as a table", &plan.OuterRow{Of: value.Of, Cols: []plan.Column{k}},
			`SELECT _pk1."K" AS "K"`, []plan.Column{k}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.Node(tc.n); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			if got := tc.n.Columns(); !slices.Equal(got, tc.cols) {
				t.Errorf("columns %v, want %v", got, tc.cols)
			}
		})
	}
	if got, want := r.Expr(value), `_pk1."K"`; got != want {
		t.Errorf("the partition's value: got %s, want %s", got, want)
	}
}
