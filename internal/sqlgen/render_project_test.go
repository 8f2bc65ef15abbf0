package sqlgen

import (
	"testing"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// TestRenderProject pins where, extend and project: a predicate over a
// window function is computed as a column first, since SQL allows none
// in WHERE; the columns a window function's spelling hoists come before
// the operator; an extended item replaces the column of its name in
// place; distinct of columns is one SELECT DISTINCT.
func TestRenderProject(t *testing.T) {
	in := rows("SELECT * FROM t", plan.Column{Name: "k", Type: schema.String}, plan.Column{Name: "n", Type: schema.Long})
	r := testRenderer()
	k, n := ref("k", schema.String), ref("n", schema.Long)
	one := &plan.Literal{T: schema.Long, Value: int64(1), Plain: true}
	prev := &plan.Call{Name: "prev", Args: []plan.Expr{k}, Sig: plan.Sig{Params: []schema.Type{0}, Result: schema.String}, Window: true}
	restart := &plan.Binary{Op: "!=", L: k, R: prev, Sig: plan.BinarySig{Result: schema.Bool}}
	cumsum := &plan.Call{Name: "row_cumsum", Args: []plan.Expr{n, restart},
		Sig: plan.Sig{Params: []schema.Type{0, schema.Bool}, Result: schema.Long}, Window: true}
	for _, tc := range []struct {
		name string
		node plan.Node
		want string
	}{
		{"where", &plan.Filter{Input: in, Pred: &plan.Binary{Op: ">", L: n, R: one, Sig: plan.BinarySig{Result: schema.Bool}}},
			`SELECT "k", "n" FROM (SELECT * FROM t) AS _t WHERE ("n" > CAST(1 AS BIGINT))`},
		{"where over a window function", &plan.Filter{Input: in, Pred: restart},
			`SELECT "k", "n" FROM (SELECT *, (coalesce("k", '') != coalesce(lag("k", 1, NULL) OVER (), '')) AS _where FROM (SELECT * FROM t)) AS _t WHERE _where`},
		{"extend in place, with a restart hoisted", &plan.Project{Input: in, Items: []plan.Expr{cumsum},
			Slots: plan.Extend(in.Cols, []plan.Column{{Name: "n", Type: schema.Long}})},
			`SELECT "k", sum(_w0) OVER (ROWS BETWEEN _w2 - _w4 PRECEDING AND CURRENT ROW) AS "n" FROM ` +
				`(SELECT *, max(CASE WHEN _w3 THEN _w2 END) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS _w4 FROM ` +
				`(SELECT *, row_number() OVER () AS _w2, (_w1 OR row_number() OVER () = 1) AS _w3 FROM ` +
				`(SELECT *, "n" AS _w0, coalesce((coalesce("k", '') != coalesce(lag("k", 1, NULL) OVER (), '')), false) AS _w1 FROM (SELECT * FROM t)))) AS _t`},
		{"distinct of columns", &plan.Project{Input: in, Items: []plan.Expr{k}, Distinct: true,
			Slots: plan.Extend(nil, []plan.Column{{Name: "k", Type: schema.String}})},
			`SELECT DISTINCT "k" AS "k" FROM (SELECT * FROM t) AS _t`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.Node(tc.node); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
