package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vigil/internal/schema"
	"vigil/internal/source"
)

// TestHotRowsReadAsSealed checks that every column type, nulls, empty
// strings and a column a later batch adds read the same from the hot
// buffer (the vigil_hot table function) as from the segments they are
// sealed into, whole and in a time range.
func TestHotRowsReadAsSealed(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	t0 := time.Date(2024, 3, 1, 23, 58, 0, 0, time.UTC)
	first := &Batch{Workspace: ws, Table: "Types_CL", Raw: []byte("first"), Columns: []schema.Column{
		{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "B", Type: schema.Bool}, {Name: "I", Type: schema.Int},
		{Name: "L", Type: schema.Long}, {Name: "R", Type: schema.Real}, {Name: "D", Type: schema.Decimal},
		{Name: "S", Type: schema.String}, {Name: "T", Type: schema.Timespan}, {Name: "G", Type: schema.GUID},
		{Name: "Y", Type: schema.Dynamic}, {Name: "W", Type: schema.DateTime}}}
	for i := range 5 {
		first.Rows = append(first.Rows, []any{t0.Add(time.Duration(i) * time.Minute), i%2 == 0, int32(-i), int64(i) << 40,
			float64(i) / 3, fmt.Sprintf("%d.000000000000000001", i), fmt.Sprintf("text %d ünïcode", i), time.Duration(i) * time.Second,
			fmt.Sprintf("0f8fad5b-d9cb-469f-a165-7086772895%02d", i), json.RawMessage(fmt.Sprintf(`{"k":[%d,"v"]}`, i)), t0.Add(-time.Duration(i) * time.Hour)})
	}
	first.Rows = append(first.Rows, []any{t0.Add(5 * time.Minute), nil, nil, nil, nil, nil, "", nil, nil, nil, nil})
	second := &Batch{Workspace: ws, Table: "Types_CL", Raw: []byte("second"), Columns: []schema.Column{
		{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "S", Type: schema.String}, {Name: "New", Type: schema.Long}}}
	second.Rows = [][]any{{t0.Add(time.Minute), "late", int64(7)}, {t0.Add(3 * time.Minute), nil, nil}}
	for _, b := range []*Batch{first, second} {
		if _, err := s.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	const all = `SELECT TimeGenerated, B, I, L, R, D, S, T, G, CAST(Y AS VARCHAR), W, New, _BatchSeq, _BatchRow FROM {T} ORDER BY _BatchSeq, _BatchRow`
	scoped := source.Scan{From: t0.Add(time.Minute), To: t0.Add(3 * time.Minute)}
	const some = `SELECT S, New, _ItemId FROM {T} ORDER BY _BatchSeq, _BatchRow`
	if raw, _, err := s.Raw(ws, 0); err != nil || string(raw) != "first" {
		t.Fatalf("Raw(0) of a hot batch = %q, %v", raw, err)
	}
	if spills, _ := filepath.Glob(filepath.Join(s.scratch, spillPrefix+"*")); len(spills) != 1 {
		t.Fatalf("spill files of the hot generation: %v", spills)
	}
	hot := fmt.Sprint(query(t, s, "Types_CL", source.Scan{}, all))
	hotScoped := fmt.Sprint(query(t, s, "Types_CL", scoped, some))
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Segments != 2 || st.Tables[0].HotRows != 0 {
		t.Fatalf("after flush: %+v", st)
	}
	if sealed := fmt.Sprint(query(t, s, "Types_CL", source.Scan{}, all)); sealed != hot {
		t.Fatalf("hot rows read\n%s\nsealed\n%s", hot, sealed)
	}
	if sealed := fmt.Sprint(query(t, s, "Types_CL", scoped, some)); sealed != hotScoped {
		t.Fatalf("hot rows in range read\n%s\nsealed\n%s", hotScoped, sealed)
	}
	got := query(t, s, "Types_CL", scoped, "SELECT count(*), count(New), string_agg(S, ',' ORDER BY S) FROM {T}")[0]
	if fmt.Sprint(got) != "[3 1 late,text 1 ünïcode,text 2 ünïcode]" {
		t.Fatalf("rows in [t0+1m, t0+3m): %v", got)
	}
	raw, _, err := s.Raw(ws, 1)
	if err != nil || string(raw) != "second" {
		t.Fatalf("Raw(1) after seal = %q, %v", raw, err)
	}
	if spills, _ := filepath.Glob(filepath.Join(s.scratch, spillPrefix+"*")); len(spills) != 0 {
		t.Fatalf("spill files left after the seal: %v", spills)
	}
}

// TestQueriesSeeWholeBatchesWhileAppending reads a table while writers
// append to it: every count is whole batches, never falls, and covers
// every batch acknowledged before the query began.
func TestQueriesSeeWholeBatchesWhileAppending(t *testing.T) {
	s := open(t, t.TempDir(), Options{SealRows: 3000})
	defer s.Close()
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	const batch, batches = 50, 120
	if _, err := s.Append(context.Background(), customBatch("Live_CL", 0, batch, t0)); err != nil {
		t.Fatal(err)
	}
	var acked, next atomic.Int64
	acked.Store(1)
	next.Store(1)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := next.Add(1) - 1; k < batches; k = next.Add(1) - 1 {
				if _, err := s.Append(context.Background(), customBatch("Live_CL", int(k)*batch, batch, t0)); err != nil {
					t.Error(err)
					return
				}
				acked.Add(1)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	last := int64(0)
	for reading := true; reading; {
		select {
		case <-done:
			reading = false
		default:
		}
		before := acked.Load()
		n := count(t, s, "Live_CL")
		if n%batch != 0 || n < last || n < before*batch {
			t.Fatalf("read %d rows after %d (%d batches acknowledged before the query)", n, last, before)
		}
		last = n
	}
	if n := count(t, s, "Live_CL"); n != batch*batches {
		t.Fatalf("%d rows at the end, want %d", n, batch*batches)
	}
}

// TestSealIndexesRowsWhereTheFileHasThem seals rows appended out of
// order by concurrent writers, with many equal times, into a segment of
// several row groups, and checks that the file is in TimeGenerated,
// _BatchSeq, _BatchRow order and, for a sample of rows, that the term
// index (built from memory in the order the seal hands DuckDB the rows)
// points at the row group that holds each row's own token in the file.
func TestSealIndexesRowsWhereTheFileHasThem(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	const batches, per = 40, 1000
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := int(next.Add(1) - 1); k < batches; k = int(next.Add(1) - 1) {
				b := &Batch{Workspace: ws, Table: "Order_CL", Raw: []byte("x"), Columns: []schema.Column{
					{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "Msg", Type: schema.String}}}
				for i := range per {
					// Seven distinct times: most rows tie with thousands.
					b.Rows = append(b.Rows, []any{t0.Add(time.Duration((k*per+i)%7) * time.Second), fmt.Sprintf("tok%dx", k*per+i)})
				}
				if _, err := s.Append(context.Background(), b); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	segs := s.cat.Segments
	if len(segs) != 1 || segs[0].Rows != batches*per {
		t.Fatalf("want one segment of %d rows: %+v", batches*per, segs)
	}
	seg := segs[0]
	var unordered int64
	err := s.DB().QueryRow(fmt.Sprintf(`SELECT count(*) FROM (SELECT (TimeGenerated, _BatchSeq, _BatchRow) < lag((TimeGenerated, _BatchSeq, _BatchRow)) OVER (ORDER BY file_row_number) AS back
		FROM read_parquet('%s/%s', file_row_number=true)) WHERE back`, s.dir, seg.Path)).Scan(&unordered)
	if err != nil || unordered != 0 {
		t.Fatalf("%d rows of the segment come before the row above them (%v)", unordered, err)
	}
	rows, err := s.DB().Query(fmt.Sprintf("SELECT file_row_number, Msg FROM read_parquet('%s/%s', file_row_number=true) USING SAMPLE 300 ROWS", s.dir, seg.Path))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	checked := 0
	for rows.Next() {
		var at int64
		var msg string
		if err := rows.Scan(&at, &msg); err != nil {
			t.Fatal(err)
		}
		ranges, err := s.segmentRows(seg, []uint64{termHash([]byte(msg))})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(ranges, func(r [2]int64) bool { return r[0] <= at && at < r[1] }) {
			t.Fatalf("row %d of the file holds %q, but the index points at %v", at, msg, ranges)
		}
		checked++
	}
	if checked != 300 {
		t.Fatalf("checked %d rows", checked)
	}
}

// TestOriginalBytesRowGroups checks that sealing writes a generation's
// original bytes in row groups of about rawGroupBytes, whatever the size
// of its batches (so writing the file never holds much more than that in
// DuckDB's memory), and that every batch reads back whole.
func TestOriginalBytesRowGroups(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	defer s.Close()
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	// Small batches, batches of a few megabytes like 5,000 JSON records,
	// and one larger than a row group.
	sizes := []int{}
	for range 40 {
		sizes = append(sizes, 300<<10)
	}
	sizes = append(sizes, 3<<20, 3<<20, 3<<20, 9<<20, 1<<10)
	var raws [][]byte
	for i, size := range sizes {
		b := customBatch("Raw_CL", i, 1, t0)
		b.Raw = bytes.Repeat([]byte{byte('a' + i%26)}, size)
		copy(b.Raw, fmt.Sprintf("batch %d ", i))
		if _, err := s.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		raws = append(raws, b.Raw)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "raw", ws, "Raw_CL", "*.parquet"))
	if len(files) != 1 {
		t.Fatalf("original-bytes files: %v", files)
	}
	rows, err := s.DB().Query(`SELECT row_group_num_rows, row_group_bytes FROM parquet_metadata(?) WHERE path_in_schema = 'raw' ORDER BY row_group_id`, files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	next, groups := 0, 0
	for rows.Next() {
		var n, stored int
		if err := rows.Scan(&n, &stored); err != nil {
			t.Fatal(err)
		}
		// A group holds whole batches until they reach rawGroupBytes, or
		// one batch larger than that.
		total := 0
		for _, size := range sizes[next : next+n] {
			total += size
		}
		if n > 1 && total-sizes[next+n-1] >= rawGroupBytes {
			t.Errorf("row group %d: %d batches of %d bytes, more than a row group's %d", groups, n, total, rawGroupBytes)
		}
		if next+n < len(sizes) && total < rawGroupBytes {
			t.Errorf("row group %d ends after %d bytes, before it reached %d", groups, total, rawGroupBytes)
		}
		next += n
		groups++
	}
	if next != len(sizes) || groups < 5 {
		t.Fatalf("%d row groups hold %d batches, want all %d", groups, next, len(sizes))
	}
	for seq, want := range raws {
		got, _, err := s.Raw(ws, uint64(seq))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("Raw(%d) = %d bytes %q..., %v; want %d bytes %q...", seq, len(got), got[:min(len(got), 12)], err, len(want), want[:12])
		}
	}
}
