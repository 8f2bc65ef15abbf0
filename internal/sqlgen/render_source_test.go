package sqlgen

import (
	"testing"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

func TestRenderSources(t *testing.T) {
	one := lit(schema.Long, int64(1))
	for _, c := range []struct {
		name string
		node plan.Node
		want string
	}{
		{"datatable", &plan.Values{
			Cols: []plan.Column{{Name: "a", Type: schema.Int}, {Name: "b c", Type: schema.String}},
			Rows: [][]plan.Expr{{lit(schema.Int, int64(1)), lit(schema.String, "x")}, {lit(schema.Int, int64(2)), lit(schema.String, nil)}},
		}, `SELECT * FROM (VALUES (CAST(1 AS INTEGER), 'x'), (CAST(2 AS INTEGER), CAST(NULL AS VARCHAR))) AS _v("a", "b c")`},
		// Without rows, typed nulls keep the columns' types.
		{"empty datatable", &plan.Values{
			Cols: []plan.Column{{Name: "a", Type: schema.Int}, {Name: "t", Type: schema.DateTime}},
		}, `SELECT CAST(NULL AS INTEGER) AS "a", CAST(NULL AS TIMESTAMP) AS "t" WHERE false`},
		{"range of longs", &plan.Range{
			Column: plan.Column{Name: "x", Type: schema.Long}, From: one, To: lit(schema.Long, int64(10)), Step: lit(schema.Long, int64(2)),
		}, `SELECT generate_series AS "x" FROM generate_series(CAST(CAST(1 AS BIGINT) AS BIGINT), CAST(CAST(10 AS BIGINT) AS BIGINT), CAST(CAST(2 AS BIGINT) AS BIGINT))`},
		{"range of timespans", &plan.Range{
			Column: plan.Column{Name: "x", Type: schema.Timespan}, From: lit(schema.Timespan, int64(0)), To: lit(schema.Timespan, int64(600000000)), Step: lit(schema.Timespan, int64(10000000)),
		}, `SELECT generate_series AS "x" FROM generate_series(CAST(CAST(0 AS BIGINT) AS BIGINT), CAST(CAST(600000000 AS BIGINT) AS BIGINT), CAST(CAST(10000000 AS BIGINT) AS BIGINT))`},
		// generate_series has no DOUBLE form: the steps that fit are counted.
		{"range of reals", &plan.Range{
			Column: plan.Column{Name: "x", Type: schema.Real}, From: lit(schema.Real, 0.5), To: lit(schema.Long, int64(3)), Step: lit(schema.Real, 0.5),
		}, `SELECT CAST(CAST(0.5 AS DOUBLE) + i * (CAST(0.5 AS DOUBLE)) AS DOUBLE) AS "x" FROM generate_series(0, CAST(floor((CAST(3 AS BIGINT) - CAST(0.5 AS DOUBLE)) / (CAST(0.5 AS DOUBLE))) AS BIGINT)) AS _g(i)`},
		// A step of ticks becomes microseconds.
		{"range of datetimes", &plan.Range{
			Column: plan.Column{Name: "t", Type: schema.DateTime}, From: ref("a", schema.DateTime), To: ref("b", schema.DateTime), Step: lit(schema.Timespan, int64(36000000000)),
		}, `SELECT generate_series AS "t" FROM generate_series("a", "b", to_microseconds((CAST(36000000000 AS BIGINT)) // 10))`},
		// Values are cast to their types but for a null literal and an
		// element of a tuple, which have theirs.
		{"print", &plan.Print{
			Cols: []plan.Column{{Name: "print_0", Type: schema.Long}, {Name: "n", Type: schema.String}, {Name: "a", Type: schema.Dynamic}, {Name: "b", Type: schema.Dynamic}},
			Items: []plan.Expr{one, &plan.Literal{T: schema.String},
				&plan.Element{X: ref("s", schema.Dynamic), Index: 0, T: schema.Dynamic}, &plan.Element{X: ref("s", schema.Dynamic), Index: 1, T: schema.Dynamic}},
		}, `SELECT CAST(CAST(1 AS BIGINT) AS BIGINT) AS "print_0", CAST(NULL AS VARCHAR) AS "n", json_extract("s", '$[0]') AS "a", json_extract("s", '$[1]') AS "b"`},
	} {
		if got := testRenderer().Node(c.node); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

// TestRenderMaterialize checks that a materialize node is computed by
// one CTE however often it is read, after the CTEs its input reads.
func TestRenderMaterialize(t *testing.T) {
	r := testRenderer()
	if got := r.With("SELECT 1"); got != "SELECT 1" {
		t.Errorf("a statement without materialize: %s", got)
	}
	cols := []plan.Column{{Name: "a", Type: schema.Long}}
	inner := &plan.Materialize{Input: rows("SELECT 1 AS a", cols...)}
	outer := &plan.Materialize{Input: &plan.Count{Input: inner}}
	if got := r.Node(outer); got != `SELECT * FROM "_mat1"` {
		t.Errorf("outer: %s", got)
	}
	if got := r.Node(inner); got != `SELECT * FROM "_mat0"` {
		t.Errorf("inner read again: %s", got)
	}
	want := `WITH "_mat0" AS MATERIALIZED (SELECT 1 AS a), "_mat1" AS MATERIALIZED (SELECT count(*) AS "Count" FROM (SELECT * FROM "_mat0")) SELECT * FROM "_mat1"`
	if got := r.With(r.Node(outer)); got != want {
		t.Errorf("statement:\n got %s\nwant %s", got, want)
	}
}

// TestRenderFind checks find's select list per input: the source's name,
// a column converted to the result's type, a null where the input has
// no such column, and pack_ of no columns as an empty bag.
func TestRenderFind(t *testing.T) {
	t1 := rows("SELECT 1", plan.Column{Name: "a", Type: schema.Int}, plan.Column{Name: "b", Type: schema.String})
	t2 := rows("SELECT 2", plan.Column{Name: "c", Type: schema.Real}, plan.Column{Name: "a", Type: schema.Long})
	n := &plan.FindNode{
		Inputs:  []plan.Node{t1, t2},
		Sources: []string{"T1", "T'2"},
		Preds:   []plan.Expr{ref("p1", schema.Bool), ref("p2", schema.Bool)},
		Find: plan.Find{
			Columns: []plan.Column{{Name: "source_", Type: schema.String}, {Name: "a", Type: schema.Long}, {Name: "c", Type: schema.Real}, {Name: "pack_", Type: schema.Dynamic}},
			Feeds:   [][]int{{plan.FeedSource, 0, plan.FeedNull, plan.FeedPack}, {plan.FeedSource, 1, 0, plan.FeedPack}},
			Pack:    [][]int{{1}, nil},
		},
	}
	got := testRenderer().Node(n)
	want := `SELECT 'T1' AS "source_", CAST("a" AS BIGINT) AS "a", CAST(NULL AS DOUBLE) AS "c", ` +
		`CAST(kql_bag_drop_empty(CAST(json_object('b', to_json("b")) AS VARCHAR)) AS JSON) AS pack_ FROM (SELECT 1) AS _t WHERE "p1"` +
		` UNION ALL SELECT 'T''2' AS "source_", "a" AS "a", "c" AS "c", CAST('{}' AS JSON) AS pack_ FROM (SELECT 2) AS _t WHERE "p2"`
	if got != want {
		t.Errorf("find:\n got %s\nwant %s", got, want)
	}
}
