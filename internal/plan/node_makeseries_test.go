package plan

import (
	"testing"

	"vigil/internal/schema"
)

func TestTypeSeriesAxis(t *testing.T) {
	on := parseExpr(t, "T")
	for _, typ := range []schema.Type{schema.DateTime, schema.Int, schema.Long, schema.Real, schema.Decimal} {
		if err := TypeSeriesAxis(on, typ); err != nil {
			t.Errorf("an axis of %v: %v", typ, err)
		}
	}
	for _, typ := range []schema.Type{schema.String, schema.Timespan, schema.Dynamic} {
		if err := TypeSeriesAxis(on, typ); err == nil {
			t.Errorf("an axis of %v is no error", typ)
		}
	}
}

func TestSeriesZero(t *testing.T) {
	for typ, want := range map[schema.Type]bool{
		schema.Long: true, schema.Real: true, schema.Timespan: true,
		schema.DateTime: false, schema.String: false, schema.Dynamic: false, schema.Bool: false,
	} {
		if got := SeriesZero(typ); got != want {
			t.Errorf("SeriesZero(%v) = %v", typ, got)
		}
	}
}

// TestMakeSeriesColumns checks the keys' columns keep their types and
// every series, and the axis, is a dynamic array.
func TestMakeSeriesColumns(t *testing.T) {
	x := &ColumnRef{Name: "k", T: schema.String}
	n := &MakeSeries{
		By:   []Named{{Name: "k", Expr: x}},
		Aggs: []SeriesAgg{{Name: "n", Call: &AggCall{Name: "count", Sig: AggSig{Results: []schema.Type{schema.Long}}}}},
		Axis: "t",
	}
	want := []Column{{Name: "k", Type: schema.String}, {Name: "n", Type: schema.Dynamic}, {Name: "t", Type: schema.Dynamic}}
	got := n.Columns()
	if len(got) != len(want) {
		t.Fatalf("columns %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("column %d = %v, want %v", i, got[i], want[i])
		}
	}
}
