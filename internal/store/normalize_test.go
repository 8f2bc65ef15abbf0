package store

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	"vigil/internal/schema"
)

// TestNormalizeStoresWhatConvertReturns: every value of a batch, of
// every type and in every form a receiver may send, lands in its column
// of the row as what schema.Convert makes of it, so the WAL record, the
// rows hash and the hot buffer see canonical values.
func TestNormalizeStoresWhatConvertReturns(t *testing.T) {
	t0 := time.Date(2024, 3, 1, 10, 0, 0, 123456000, time.UTC)
	cases := []struct {
		t schema.Type
		v any
	}{
		{schema.String, "héllo ✓"}, {schema.String, ""}, {schema.String, []byte("bytes")}, {schema.String, int64(7)},
		{schema.Long, int64(-1) << 40}, {schema.Long, int32(7)}, {schema.Long, json.Number("12")}, {schema.Long, 7},
		{schema.Int, int32(-5)}, {schema.Int, int64(5)},
		{schema.Real, math.Copysign(0, -1)}, {schema.Real, math.Inf(1)}, {schema.Real, int64(2)}, {schema.Real, float32(1.5)},
		{schema.Bool, true}, {schema.Bool, "false"},
		{schema.DateTime, t0}, {schema.DateTime, t0.Add(789)}, {schema.DateTime, t0.In(time.FixedZone("X", 3600))},
		{schema.DateTime, time.Now()}, {schema.DateTime, "2024-03-01T10:00:00.5Z"},
		{schema.Timespan, 1500 * time.Millisecond}, {schema.Timespan, 150 * time.Nanosecond},
		{schema.Dynamic, json.RawMessage(`{ "a" : [1, 2] }`)}, {schema.Dynamic, json.RawMessage(`{"a":[1,2.5e3,null],"s":"x y\" \\ z"}`)},
		{schema.Dynamic, json.RawMessage(`"text with spaces"`)}, {schema.Dynamic, json.RawMessage(` 1`)}, {schema.Dynamic, map[string]any{"k": 1}},
		{schema.GUID, "0F8FAD5B-D9CB-469F-A165-70867728950E"},
		{schema.Decimal, "12.50"}, {schema.String, nil},
	}
	var cols []schema.Column
	var row []any
	for i, c := range cases {
		cols = append(cols, schema.Column{Name: "C" + string(rune('A'+i)), Type: c.t})
		row = append(row, c.v)
	}
	def := &schema.Table{Name: "T_CL", Custom: true, Columns: append(schema.StandardColumns(), cols...)}
	b := &Batch{Table: "T_CL", Columns: cols, Rows: [][]any{row, row}}
	_, got, rows, err := normalize(ws, def, b, t0)
	if err != nil {
		t.Fatal(err)
	}
	at := map[string]int{}
	for i, c := range got {
		at[c.Name] = i
	}
	for _, r := range rows {
		for i, c := range cases {
			want, err := schema.Convert(c.t, c.v)
			if err != nil {
				t.Fatalf("%v %#v: %v", c.t, c.v, err)
			}
			v := r[at[cols[i].Name]]
			if tm, ok := want.(time.Time); ok {
				// A kept time may carry a monotonic reading and its UTC
				// location by pointer: neither is part of its value.
				if g, ok := v.(time.Time); !ok || !g.Equal(tm) || g.Location() != time.UTC {
					t.Errorf("%v %#v: stored %#v, Convert gives %#v", c.t, c.v, v, want)
				}
				continue
			}
			if !reflect.DeepEqual(v, want) {
				t.Errorf("%v %#v: stored %#v, Convert gives %#v", c.t, c.v, v, want)
			}
		}
	}
}

// TestNormalizeAllocatesPerBatch: a batch of canonical values is
// normalized with a few allocations for the whole batch, not one per row
// or value: an allocation a value was a tenth of an append's CPU.
func TestNormalizeAllocatesPerBatch(t *testing.T) {
	b := syslogBatch(0, 1000, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	def := &schema.Table{Name: b.Table, Custom: true, Columns: append(schema.StandardColumns(), syslogColumns...)}
	allocs := testing.AllocsPerRun(5, func() {
		if _, _, _, err := normalize(ws, def, b, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 20 {
		t.Errorf("normalizing 1,000 rows of canonical values took %.0f allocations", allocs)
	}
}
