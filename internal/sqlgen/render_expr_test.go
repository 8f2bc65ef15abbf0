package sqlgen

import (
	"math"
	"testing"
	"time"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// TestRenderExpr pins the SQL of expression trees: literals as their
// type (so SQL does not guess a narrower one), conversions and the
// constants a spelling reads, and subqueries over the rows of a node.
func TestRenderExpr(t *testing.T) {
	r := testRenderer()
	n := ref("n", schema.Long)
	table := rows("SELECT * FROM t", plan.Column{Name: "v", Type: schema.String})
	for _, tc := range []struct {
		name string
		x    plan.Expr
		want string
	}{
		{"untyped null", &plan.Literal{}, "NULL"},
		{"typed null", &plan.Literal{T: schema.DateTime}, "CAST(NULL AS TIMESTAMP)"},
		{"long", &plan.Literal{T: schema.Long, Value: int64(-1)}, "CAST(-1 AS BIGINT)"},
		{"int", &plan.Literal{T: schema.Int, Value: int64(5)}, "CAST(5 AS INTEGER)"},
		{"timespan", &plan.Literal{T: schema.Timespan, Value: int64(36_000_000_000)}, "CAST(36000000000 AS BIGINT)"},
		{"real", &plan.Literal{T: schema.Real, Value: 2.5}, "CAST(2.5 AS DOUBLE)"},
		{"nan", &plan.Literal{T: schema.Real, Value: math.NaN()}, "CAST('NaN' AS DOUBLE)"},
		{"bool", &plan.Literal{T: schema.Bool, Value: false}, "FALSE"},
		{"string", &plan.Literal{T: schema.String, Value: "it's"}, "'it''s'"},
		{"guid", &plan.Literal{T: schema.GUID, Value: "74be27de-1e4e-49d9-b579-fe0b331d3642"}, "CAST('74be27de-1e4e-49d9-b579-fe0b331d3642' AS UUID)"},
		{"dynamic", &plan.Literal{T: schema.Dynamic, Value: `{"a":1}`}, `CAST('{"a":1}' AS JSON)`},
		{"datetime", &plan.Literal{T: schema.DateTime, Value: time.Date(2024, 2, 3, 4, 5, 6, 7000, time.UTC)}, "TIMESTAMP '2024-02-03 04:05:06.000007'"},
		{"convert", &plan.Convert{X: n, To: schema.Real}, `CAST("n" AS DOUBLE)`},
		// has reads its term from the constant, not from SQL text.
		{"has", &plan.Binary{Op: "has", L: &plan.ColumnRef{Name: "s", T: schema.String},
			R: &plan.Literal{T: schema.String, Value: "a-b", Plain: true}, Sig: plan.BinarySig{Result: schema.Bool}},
			`(contains(lower("s"), 'a-b') AND regexp_matches("s", '(?i)(^|[^0-9A-Za-z])a-b($|[^0-9A-Za-z])'))`},
		{"in table", &plan.InTable{Op: "!in", X: n, Table: table},
			`coalesce(("n" NOT IN (SELECT "v" FROM (SELECT * FROM t) WHERE "v" IS NOT NULL)), true)`},
		{"toscalar", &plan.ToScalar{Table: table}, `(SELECT "v" FROM (SELECT * FROM t) LIMIT 1)`},
		{"path", &plan.Path{Base: &plan.ColumnRef{Name: "d", T: schema.Dynamic}, Steps: []plan.PathStep{{Key: "a"}, {Index: &plan.Literal{T: schema.Long, Value: int64(0), Plain: true}}}},
			`json_extract("d", '$.a[' || CAST(CAST(0 AS BIGINT) AS VARCHAR) || ']')`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.Expr(tc.x); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
