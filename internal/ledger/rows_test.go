package ledger

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
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

// referenceAppend is RowsEncoder.Append as it was before it encoded
// column by column: each value through mark and appendValue's type
// switch. The differential tests hold Append to it, bit for bit.
func referenceAppend(e *RowsEncoder, rows [][]any) {
	first := e.rows
	e.rows += len(rows)
	for i := range e.c {
		c := &e.c[i]
		for r, row := range rows {
			if i < len(row) && row[i] != nil {
				c.mark(first + r)
				c.vals = appendValue(c.vals, row[i])
				c.ends = append(c.ends, len(c.vals))
			}
		}
	}
}

// fuzzRows turns data into columns of every type and rows holding, per
// cell, null, the column type's canonical Go value or a value of another
// type (a string in a long column, an int in a string column), rows
// shorter than the columns among them, split into parts appended one
// after the other.
func fuzzRows(data []byte) ([]schema.Column, [][][]any) {
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	types := []schema.Type{schema.Bool, schema.Int, schema.Long, schema.Real, schema.Decimal, schema.String,
		schema.DateTime, schema.Timespan, schema.GUID, schema.Dynamic}
	cols := make([]schema.Column, 1+int(next())%12)
	for i := range cols {
		cols[i] = schema.Column{Name: string(rune('a' + int(next())%8 + 8*i)), Type: types[int(next())%len(types)]}
	}
	reals := []float64{math.NaN(), math.Copysign(0, -1), 0, math.Inf(1), -1.5, 5e-324}
	canonical := func(t schema.Type, b byte) any {
		n := int64(b) - 100
		switch t {
		case schema.Bool:
			return b%2 == 0
		case schema.Int:
			return int32(n) << 20
		case schema.Long:
			return n << 50
		case schema.Real:
			return reals[int(b)%len(reals)]
		case schema.DateTime:
			return time.Unix(n*1e6, int64(b)*1001).UTC()
		case schema.Timespan:
			return time.Duration(n) * 1234567
		case schema.Dynamic:
			return json.RawMessage(`{"k":` + string(rune('0'+b%10)) + `}`)
		}
		return strings.Repeat("é", int(b)%5)
	}
	var parts [][][]any
	for len(data) > 0 && len(parts) < 8 {
		part := make([][]any, int(next())%20)
		for r := range part {
			row := make([]any, int(next())%(len(cols)+1))
			for i := range row {
				switch b := next(); b % 4 {
				case 0:
				case 1:
					row[i] = canonical(types[int(b/4)%len(types)], next())
				default:
					row[i] = canonical(cols[i].Type, next())
				}
			}
			part[r] = row
		}
		parts = append(parts, part)
	}
	return cols, parts
}

// checkAppend fails t unless Append leaves an encoder as referenceAppend
// does, value for value, and hashes as it does in both leaf versions.
func checkAppend(t *testing.T, cols []schema.Column, parts [][][]any) {
	t.Helper()
	got, want := NewRowsEncoder(cols), NewRowsEncoder(cols)
	var all [][]any
	for _, part := range parts {
		got.Append(part)
		referenceAppend(want, part)
		all = append(all, part...)
	}
	nbits := (want.rows + 7) / 8
	for i := range cols {
		g, w := got.Column(i), want.Column(i)
		if g.last != w.last || !bytes.Equal(g.vals, w.vals) || !slices.Equal(g.ends, w.ends) ||
			!bytes.Equal(g.bits[:min(nbits, len(g.bits))], append(w.bits, make([]byte, nbits-len(w.bits))...)) {
			t.Fatalf("column %s (%s) encoded as %x, want %x", cols[i].Name, cols[i].Type, g.vals, w.vals)
		}
	}
	for _, v := range []uint8{0, 1} {
		if got.Sum(v) != want.Sum(v) || (Leaf{Version: v}).HashRows(cols, all) != want.Sum(v) {
			t.Fatalf("version %d hashes differ from the reference's", max(v, 2))
		}
	}
}

// TestAppendMatchesReference: the column by column Append encodes rows of
// every column type, canonical and not, null and missing, exactly as the
// value by value reference does.
func TestAppendMatchesReference(t *testing.T) {
	seed := make([]byte, 4096)
	for i := range seed {
		seed[i] = byte(i*131 + i>>3)
	}
	for at := 0; at < len(seed); at += 512 {
		cols, parts := fuzzRows(seed[at:])
		checkAppend(t, cols, parts)
	}
}

// FuzzAppend holds Append to the reference on any rows.
func FuzzAppend(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 9, 12, 2, 3, 1, 5, 6, 7, 8})
	f.Add(bytes.Repeat([]byte{5, 6, 255, 2, 7, 13, 1}, 40))
	f.Fuzz(func(t *testing.T, data []byte) {
		cols, parts := fuzzRows(data)
		checkAppend(t, cols, parts)
	})
}
