package sqlgen

import (
	"testing"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
)

// joinTestOp parses "L | op" and gives op.
func joinTestOp(t *testing.T, op string) kql.Operator {
	t.Helper()
	q, err := kql.Parse("L | " + op)
	if err != nil {
		t.Fatal(err)
	}
	return q.Body.(*kql.Pipe).Op
}

func TestRenderJoin(t *testing.T) {
	left := rows("SELECT 1", plan.Column{Name: "k", Type: schema.Long}, plan.Column{Name: "a", Type: schema.String})
	right := rows("SELECT 2", plan.Column{Name: "k", Type: schema.Long}, plan.Column{Name: "a", Type: schema.String}, plan.Column{Name: "b", Type: schema.String})
	for _, c := range []struct{ op, want string }{
		// innerunique keeps the first left row per key; the right's a is
		// renamed a1 and selected by that name.
		{"join (R) on k", `SELECT _l."k", _l."a", _r."k" AS "k1", _r."a" AS "a1", _r."b" AS "b" FROM (SELECT * FROM (SELECT 1) QUALIFY row_number() OVER (PARTITION BY "k") = 1) AS _l INNER JOIN (SELECT 2) AS _r ON _l."k" = _r."k"`},
		{"join kind=inner (R) on k, $left.a == $right.b", `SELECT _l."k", _l."a", _r."k" AS "k1", _r."a" AS "a1", _r."b" AS "b" FROM (SELECT 1) AS _l INNER JOIN (SELECT 2) AS _r ON _l."k" = _r."k" AND _l."a" = _r."b"`},
		{"join kind=fullouter (R) on k", `SELECT _l."k", _l."a", _r."k" AS "k1", _r."a" AS "a1", _r."b" AS "b" FROM (SELECT 1) AS _l FULL OUTER JOIN (SELECT 2) AS _r ON _l."k" = _r."k"`},
		// lookup leaves out the right's key.
		{"lookup (R) on k", `SELECT _l."k", _l."a", _r."a" AS "a1", _r."b" AS "b" FROM (SELECT 1) AS _l LEFT JOIN (SELECT 2) AS _r ON _l."k" = _r."k"`},
		{"join kind=leftsemi (R) on $left.a == $right.b", `SELECT _l."k", _l."a" FROM (SELECT 1) AS _l WHERE EXISTS (SELECT 1 FROM (SELECT 2) AS _r WHERE _l."a" = _r."b")`},
		{"join kind=anti (R) on k", `SELECT _l."k", _l."a" FROM (SELECT 1) AS _l WHERE NOT EXISTS (SELECT 1 FROM (SELECT 2) AS _r WHERE _l."k" = _r."k")`},
		// The right kinds keep the right's columns by their own names.
		{"join kind=rightanti (R) on k", `SELECT _r."k", _r."a", _r."b" FROM (SELECT 2) AS _r WHERE NOT EXISTS (SELECT 1 FROM (SELECT 1) AS _l WHERE _l."k" = _r."k")`},
		{"join kind=rightsemi (R) on k", `SELECT _r."k", _r."a", _r."b" FROM (SELECT 2) AS _r WHERE EXISTS (SELECT 1 FROM (SELECT 1) AS _l WHERE _l."k" = _r."k")`},
	} {
		var j plan.Join
		var err error
		switch op := joinTestOp(t, c.op).(type) {
		case *kql.Join:
			j, err = plan.TypeJoin(op, left.Cols, right.Cols)
		case *kql.Lookup:
			j, err = plan.TypeLookup(op, left.Cols, right.Cols)
		}
		if err != nil {
			t.Fatalf("%s: %v", c.op, err)
		}
		if got := testRenderer().Node(&plan.JoinNode{Left: left, Right: right, Join: j}); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.op, got, c.want)
		}
	}
}

func TestRenderUnion(t *testing.T) {
	l := rows("SELECT 1", plan.Column{Name: "k", Type: schema.Long}, plan.Column{Name: "a", Type: schema.String})
	r := rows("SELECT 2", plan.Column{Name: "k", Type: schema.String}, plan.Column{Name: "b", Type: schema.Real})
	for _, c := range []struct{ op, want string }{
		// An input without a column fills it with a typed null; k, of two
		// types, is a column per type.
		{"union R", `SELECT "k" AS "k_long", "a" AS "a", CAST(NULL AS VARCHAR) AS "k_string", CAST(NULL AS DOUBLE) AS "b" FROM (SELECT 1) UNION ALL SELECT CAST(NULL AS BIGINT) AS "k_long", CAST(NULL AS VARCHAR) AS "a", "k" AS "k_string", "b" AS "b" FROM (SELECT 2)`},
		// withsource= names each input's rows.
		{"union withsource=S kind=inner R", `SELECT 'L''s' AS "S" FROM (SELECT 1) UNION ALL SELECT 'R' AS "S" FROM (SELECT 2)`},
	} {
		u := joinTestOp(t, c.op).(*kql.Union)
		typed, err := plan.TypeUnion(u, [][]plan.Column{l.Cols, r.Cols})
		if err != nil {
			t.Fatalf("%s: %v", c.op, err)
		}
		n := &plan.UnionNode{Inputs: []plan.Node{l, r}, Sources: []string{"L's", "R"}, Union: typed}
		if got := testRenderer().Node(n); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.op, got, c.want)
		}
	}
}
