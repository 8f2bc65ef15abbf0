package sqlgen

import (
	"strings"
	"testing"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// TestScanRowAndLayout checks what the names of a scan step's row read
// in each check (the state of step from, none for from 0), and the
// accumulator's fields: b, which no step reads, is neither carried nor
// read; s1.total and s1.a are kept in the state of every step from s1
// on; output=last gives s1 a pending output.
func TestScanRowAndLayout(t *testing.T) {
	in := rows("SELECT * FROM T", plan.Column{Name: "a", Type: schema.Long}, plan.Column{Name: "b", Type: schema.String})
	n := &plan.Sequence{Input: in, Declared: []plan.Declared{{Column: plan.Column{Name: "total", Type: schema.Long}}},
		Steps: []plan.Step{{Name: "s1", Output: "last"}, {Name: "s2"}}, Used: []bool{true, false},
		States: []plan.State{{Step: 1, Col: 2}, {Step: 1, Col: 0}}}
	p := &scanPlan{n: n, cols: append(in.Columns(), n.Declared[0].Column), declared: 2, defaults: []string{"5"}}
	p.layout()
	var fields []string
	for _, f := range p.fields {
		fields = append(fields, f.name+" "+f.typ)
	}
	out := "STRUCT(rn BIGINT, mid BIGINT, d0 BIGINT)"
	if got, want := strings.Join(fields, ", "), "rn BIGINT, c0 BIGINT, mid BIGINT, o "+out+"[], "+
		"a1 BOOLEAN, m1 BIGINT, k1_1_2 BIGINT, k1_1_0 BIGINT, p1 "+out+", a2 BOOLEAN, m2 BIGINT, k2_1_2 BIGINT, k2_1_0 BIGINT"; got != want {
		t.Errorf("fields\n%s\nwant\n%s", got, want)
	}
	for _, tc := range []struct {
		from int
		want map[string]string
	}{
		{0, map[string]string{"a": "_sx.c0", "b": "CAST(NULL AS VARCHAR)", "total": "5",
			"s1.total": "5", "s1.a": "CAST(NULL AS BIGINT)"}},
		{1, map[string]string{"a": "_sx.c0", "total": "5",
			"s1.total": "CASE WHEN _sacc.a1 THEN _sacc.k1_1_2 ELSE 5 END",
			"s1.a":     "CASE WHEN _sacc.a1 THEN _sacc.k1_1_0 ELSE CAST(NULL AS BIGINT) END"}},
		{2, map[string]string{"s1.total": "CASE WHEN _sacc.a2 THEN _sacc.k2_1_2 ELSE 5 END"}},
	} {
		row := p.row("_sacc", tc.from)
		for name, want := range tc.want {
			if got := row(name); got != want {
				t.Errorf("from %d: %s reads %s, want %s", tc.from, name, got, want)
			}
		}
	}
}

// TestColumnBindingStaysInItsNode checks that a binding of names the
// renderer set for a node's expressions (scan's row) does not reach the
// nodes they hold: toscalar's table reads its own rows' columns.
func TestColumnBindingStaysInItsNode(t *testing.T) {
	in := rows("SELECT * FROM T", plan.Column{Name: "a", Type: schema.Bool})
	r := testRenderer()
	r.Column = func(name string) string { return "_sx." + name }
	a := ref("a", schema.Bool)
	x := &plan.Binary{Op: "and", L: a, R: &plan.ToScalar{Table: &plan.Filter{Input: in, Pred: a}},
		Sig: plan.BinarySig{L: schema.Bool, R: schema.Bool, Result: schema.Bool}}
	got := r.Expr(x)
	if !strings.HasPrefix(got, "(_sx.a AND ") || !strings.Contains(got, `WHERE "a"`) || strings.Count(got, "_sx.") != 1 {
		t.Errorf("got %s: the row's a bound, the subquery's its own", got)
	}
}
