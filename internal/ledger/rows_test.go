package ledger

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"vigil/internal/schema"
)

// TestRowsEncoderValueByValue: rows given value by value through the typed
// methods, a few rows at a time, as the store reads them from DuckDB's
// vectors, hash as HashRows hashes the same rows as Go values, in both
// leaf versions, also when the encoder is used again; a byte changed in
// one value's canonical form changes the hash.
func TestRowsEncoderValueByValue(t *testing.T) {
	cols := []schema.Column{
		{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "B", Type: schema.Bool}, {Name: "I", Type: schema.Int},
		{Name: "L", Type: schema.Long}, {Name: "R", Type: schema.Real}, {Name: "D", Type: schema.Decimal},
		{Name: "S", Type: schema.String}, {Name: "T", Type: schema.Timespan}, {Name: "G", Type: schema.GUID},
		{Name: "Y", Type: schema.Dynamic}, {Name: "Never", Type: schema.String},
	}
	reals := []any{math.NaN(), math.Copysign(0, -1), math.Inf(-1), 5e-324, 0.1, nil}
	strs := []any{"", "héllo wörld ✓", "line\nbreak", nil, "a"}
	t0 := time.Date(1965, 3, 1, 0, 0, 0, 123456000, time.UTC)
	var rows [][]any
	for i := range 40 {
		row := []any{t0.Add(time.Duration(i) * time.Hour), i%3 == 0, int32(-i), int64(i) << 40, reals[i%len(reals)], "-12.5",
			strs[i%len(strs)], time.Duration(i-20) * time.Millisecond, "0f8fad5b-d9cb-469f-a165-70867728950e",
			json.RawMessage(`{"k":"ü"}`), nil}
		if i%4 == 1 {
			for j := 1; j < len(row); j++ {
				row[j] = nil
			}
		}
		rows = append(rows, row)
	}
	v2, v1 := HashRows(cols, rows), Leaf{Version: 1}.HashRows(cols, rows)
	if v2 == v1 {
		t.Fatal("the versions hash alike")
	}
	feed := func(e *RowsEncoder, rows [][]any) {
		for at := 0; at < len(rows); at += 7 {
			part := rows[at:min(at+7, len(rows))]
			first := e.Len()
			e.AddRows(len(part))
			for j, col := range cols {
				c := e.Column(j)
				for k, row := range part {
					if row[j] == nil {
						continue
					}
					r := first + k
					switch col.Type {
					case schema.Bool:
						c.Bool(r, row[j].(bool))
					case schema.Int:
						c.Int64(r, int64(row[j].(int32)))
					case schema.Long:
						c.Int64(r, row[j].(int64))
					case schema.DateTime:
						c.Int64(r, row[j].(time.Time).UnixMicro())
					case schema.Timespan:
						c.Int64(r, int64(row[j].(time.Duration)/schema.Tick))
					case schema.Real:
						c.Real(r, row[j].(float64))
					case schema.Dynamic:
						c.Text(r, string(row[j].(json.RawMessage)))
					default:
						c.Text(r, row[j].(string))
					}
				}
			}
		}
	}
	e := NewRowsEncoder(cols)
	for range 2 {
		e.Reset()
		feed(e, rows)
		if e.Len() != len(rows) || e.Sum(0) != v2 || e.Sum(LeafVersion) != v2 || e.Sum(1) != v1 {
			t.Fatalf("rows given value by value hash otherwise than as Go values")
		}
	}

	rows[39][6] = "b" // "a" was there
	e.Reset()
	feed(e, rows)
	if e.Sum(0) == v2 || e.Sum(1) == v1 {
		t.Fatal("a changed byte left the hash as it was")
	}

	defer func() {
		if recover() == nil {
			t.Fatal("a value for an earlier row was taken")
		}
	}()
	e.Column(0).Int64(3, 0)
}
