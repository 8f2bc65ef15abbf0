package plan

import (
	"reflect"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// TestSamplingColumns pins the columns of sample-distinct and
// top-hitters: named as summarize names a key, an untyped null's values
// a string, the count a long and a sum typed as sum() types it.
func TestSamplingColumns(t *testing.T) {
	in := rows(Column{Name: "a", Type: schema.Int})
	n := typed(schema.Long)
	for _, c := range []struct {
		op     string
		of, by Expr
		want   []Column
	}{
		{"sample-distinct 3 of a", typed(schema.Int), nil, []Column{{Name: "a", Type: schema.Int}}},
		{"sample-distinct 3 of v = bin(a, 2)", typed(schema.Int), nil, []Column{{Name: "v", Type: schema.Int}}},
		{"sample-distinct 3 of bin(a, 2)", typed(schema.Int), nil, []Column{{Name: "a", Type: schema.Int}}},
		{"sample-distinct 3 of a + 1", typed(schema.Long), nil, []Column{{Name: "Column1", Type: schema.Long}}},
		{"sample-distinct 3 of a", typed(0), nil, []Column{{Name: "a", Type: schema.String}}},
		{"top-hitters 2 of a", typed(schema.Int), nil,
			[]Column{{Name: "a", Type: schema.Int}, {Name: "approximate_count_a", Type: schema.Long}}},
		{"top-hitters 2 of v = a by a", typed(0), typed(schema.Int),
			[]Column{{Name: "v", Type: schema.String}, {Name: "approximate_sum_v", Type: schema.Long}}},
		{"top-hitters 2 of a by a * 1.5", typed(schema.Int), typed(schema.Real),
			[]Column{{Name: "a", Type: schema.Int}, {Name: "approximate_sum_a", Type: schema.Real}}},
		{"top-hitters 2 of a by d", typed(schema.Int), typed(schema.Decimal),
			[]Column{{Name: "a", Type: schema.Int}, {Name: "approximate_sum_a", Type: schema.Decimal}}},
	} {
		var node Node
		switch op := parseOp(t, c.op).(type) {
		case *kql.SampleDistinct:
			node = NewSampleDistinct(op, in, c.of, n)
		case *kql.TopHitters:
			if c.by != nil {
				if err := CheckTopHittersBy(op, c.by.Type()); err != nil {
					t.Errorf("%s: %v", c.op, err)
				}
			}
			node = NewTopHitters(op, in, c.of, c.by, n)
		}
		if got := node.Columns(); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", c.op, got, c.want)
		}
	}
	op := parseOp(t, "top-hitters 2 of a by tostring(a)").(*kql.TopHitters)
	wantErr(t, CheckTopHittersBy(op, schema.String), "top-hitters sums a number, not string", 1, 27)
}
