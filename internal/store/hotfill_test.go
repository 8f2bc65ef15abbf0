package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"vigil/internal/schema"
	"vigil/internal/source"
)

// TestChunksCarryEveryValue checks the values DuckDB reads from the hot
// buffer, through vigil_hot and through the segment vigil_seal writes,
// against the values appended (not against each other, since both go
// through the same column writer): more rows than two chunks, sealed in
// another order than appended, strings on both sides of DuckDB's 12-byte
// inline limit and multi-byte ones, nulls in every column, the columns
// read in another order and only some of them. A string that is not
// valid UTF-8 reads as null, as it did when values were written one by
// one (DuckDB's string assignment checks); ASCII with NUL bytes is kept.
func TestChunksCarryEveryValue(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	const n = 5000
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	cols := []schema.Column{{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "B", Type: schema.Bool},
		{Name: "I", Type: schema.Int}, {Name: "L", Type: schema.Long}, {Name: "R", Type: schema.Real},
		{Name: "S", Type: schema.String}, {Name: "T", Type: schema.Timespan}, {Name: "Y", Type: schema.Dynamic},
		{Name: "W", Type: schema.DateTime}}
	// Strings that are not UTF-8 (a Latin-1 byte, a surrogate, past
	// U+10FFFF, an overlong NUL) and ones that are, NUL bytes in ASCII
	// included, short and long.
	notUTF8 := map[int]string{17: "caf\xe9", 2100: "\xed\xa0\x80", 2101: "\xf4\x90\x80\x80", 4999: "ascii then \xc0\x80"}
	utf8WithNUL := map[int]string{18: "a\x00b", 19: "a\x00bcdefghijklmnop", 20: "\U0010FFFF"}
	b := &Batch{Workspace: ws, Table: "Chunks_CL", Raw: []byte("rows"), ContentType: "text/plain", Columns: cols}
	// want holds each row as read by `SELECT _BatchRow, W, Y, T, S, R,
	// L, I, B, TimeGenerated`.
	want := make([][]any, n)
	for i := range n {
		tg := t0.Add(time.Duration(i*7919%n) * time.Second)
		str := strings.Repeat("é", i%9) + strings.Repeat("x", i%17)
		row := []any{tg, i%3 == 0, int32(i-n/2) * 1000, int64(i)<<33 - 5, float64(i)/7 - 100, str,
			time.Duration(i) * time.Millisecond, json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)), t0.Add(-time.Duration(i) * time.Microsecond)}
		for j := 1; j < len(row); j++ {
			if (i+j)%11 == 0 {
				row[j] = nil
			}
		}
		if bad, ok := notUTF8[i]; ok {
			row[5] = bad
		}
		if s, ok := utf8WithNUL[i]; ok {
			row[5] = s
		}
		b.Rows = append(b.Rows, row)
		read := []any{int32(i), row[8], row[7], row[6], row[5], row[4], row[3], row[2], row[1], tg}
		if y, ok := row[7].(json.RawMessage); ok {
			read[2] = string(y)
		}
		if d, ok := row[6].(time.Duration); ok {
			read[3] = int64(d / schema.Tick)
		}
		if _, ok := notUTF8[i]; ok {
			read[4] = nil
		}
		want[i] = read
	}
	if _, err := s.Append(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	const all = `SELECT _BatchRow, W, CAST(Y AS VARCHAR), T, S, R, L, I, B, TimeGenerated FROM {T} ORDER BY _BatchRow`
	const some = `SELECT S, _BatchRow FROM {T} ORDER BY _BatchRow`
	check := func(where string) {
		t.Helper()
		got := query(t, s, "Chunks_CL", source.Scan{}, all)
		if len(got) != n {
			t.Fatalf("%s: %d rows, want %d", where, len(got), n)
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("%s: row %d is\n%v, want\n%v", where, i, got[i], want[i])
			}
		}
		for i, row := range query(t, s, "Chunks_CL", source.Scan{}, some) {
			if row[0] != want[i][4] || row[1] != want[i][0] {
				t.Fatalf("%s: S and _BatchRow only: row %d is %v, want [%v %v]", where, i, row, want[i][4], want[i][0])
			}
		}
		// The rows of the second hour only: vigil_hot leaves the others
		// out of its chunks.
		scoped := source.Scan{From: t0.Add(time.Hour), To: t0.Add(2 * time.Hour)}
		var rows, strs int64
		for _, w := range want {
			if tg := w[9].(time.Time); !tg.Before(scoped.From) && tg.Before(scoped.To) {
				rows++
				if w[4] != nil {
					strs++
				}
			}
		}
		if got := query(t, s, "Chunks_CL", scoped, `SELECT count(*), count(S) FROM {T}`)[0]; got[0] != rows || got[1] != strs {
			t.Fatalf("%s: rows and strings of the second hour: %v, want [%d %d]", where, got, rows, strs)
		}
	}
	check("hot")
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Segments != 1 || st.Tables[0].HotRows != 0 {
		t.Fatalf("after flush: %+v", st)
	}
	check("sealed")
}
