package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"vigil/internal/ledger"
	"vigil/internal/schema"
)

// allTypesBatch has a column of every KQL type.
func allTypesBatch(i int) *Batch {
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	return &Batch{Workspace: ws, Table: "Types_CL", Raw: []byte(`{"i":` + string(rune('0'+i)) + `}`), ContentType: "application/json",
		Columns: []schema.Column{{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "B", Type: schema.Bool}, {Name: "I", Type: schema.Int},
			{Name: "L", Type: schema.Long}, {Name: "R", Type: schema.Real}, {Name: "D", Type: schema.Decimal}, {Name: "S", Type: schema.String},
			{Name: "T", Type: schema.Timespan}, {Name: "G", Type: schema.GUID}, {Name: "Y", Type: schema.Dynamic}},
		Rows: [][]any{
			{t0.Add(time.Duration(i) * time.Hour), true, int32(-5), int64(1) << 40, 2.5, "12.50", "héllo", 90 * time.Minute,
				"0f8fad5b-d9cb-469f-a165-70867728950e", json.RawMessage(`{"a":[1,"x",null]}`)},
			{t0.Add(time.Duration(i)*time.Hour + time.Microsecond), nil, nil, nil, nil, nil, nil, nil, nil, nil},
		}}
}

func verifyStore(t *testing.T, dir string) *ledger.Report {
	t.Helper()
	_, pub, err := ledger.LoadOrCreateKey(filepath.Join(dir, "ledger-key"), "vigil-test")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := ledger.Verify(s.Holdings(), ledger.VerifyOptions{VerifierKeys: []string{pub}})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestHoldingsVerify(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	for i := 0; i < 4; i++ {
		if _, err := s.Append(context.Background(), allTypesBatch(i)); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			s.Flush() // two batches sealed, two left in the WAL
		}
	}
	s.Close()
	if rep := verifyStore(t, dir); !rep.OK() || rep.Leaves != 4 || rep.Rows != 8 {
		t.Fatalf("intact store: %+v", rep)
	}

	// Rows rewritten into a segment with DuckDB, checksum updated as an
	// attacker with write access would: the row hash still catches it.
	s = open(t, dir, Options{})
	seg := s.cat.Segments[0]
	path := filepath.Join(dir, seg.Path)
	tmp := path + ".evil"
	if _, err := s.DB().Exec(`COPY (SELECT * REPLACE ('evil' AS "S") FROM read_parquet('` + path + `')) TO '` + tmp + `' (FORMAT parquet)`); err != nil {
		t.Fatal(err)
	}
	os.Rename(tmp, path)
	sum, size, _ := fileSum(path, false)
	seg.SHA256, seg.Bytes = sum, size
	s.cat.save(dir)
	s.Close()
	rep := verifyStore(t, dir)
	if rep.OK() || !strings.Contains(problems(rep), "rows-mismatch") {
		t.Fatalf("rewritten rows not detected: %s", problems(rep))
	}
}

func problems(rep *ledger.Report) string {
	var b strings.Builder
	for _, p := range rep.Problems {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}

// TestRetainedBatches: a retention leaf's range spans the seqs of other
// tables' records between the batches it removed, never a batch the
// table keeps nor a seq not yet sealed.
func TestRetainedBatches(t *testing.T) {
	for _, tc := range []struct {
		name               string
		gone, kept, sealed rangeSet
		want               rangeSet
	}{
		{"one batch", rangeSet{{4, 4}}, nil, rangeSet{{0, 9}}, rangeSet{{4, 4}}},
		{"other tables' seqs between", rangeSet{{0, 0}, {2, 2}, {5, 7}}, nil, rangeSet{{0, 9}}, rangeSet{{0, 7}}},
		{"a kept batch between", rangeSet{{0, 0}, {2, 2}, {6, 6}}, rangeSet{{4, 4}, {8, 9}}, rangeSet{{0, 9}}, rangeSet{{0, 3}, {5, 6}}},
		{"a batch kept in part", rangeSet{{0, 3}}, rangeSet{{2, 2}}, rangeSet{{0, 9}}, rangeSet{{0, 3}}},
		{"an unsealed seq between", rangeSet{{0, 0}, {6, 6}}, nil, rangeSet{{0, 2}, {4, 9}}, rangeSet{{0, 2}, {4, 6}}},
		{"nothing gone", nil, rangeSet{{1, 1}}, rangeSet{{0, 9}}, nil},
	} {
		if got := retainedBatches(tc.gone, tc.kept, tc.sealed); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestRetentionRecordFormats: a retention record round-trips through the
// WAL with its batches, and one a WAL written before batches were
// recorded holds still decodes, to a version 1 leaf, which verification
// reads as covering every earlier batch of its table.
func TestRetentionRecordFormats(t *testing.T) {
	at := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	rec := &retentionRecord{seq: 7, workspace: ws, table: "Ret_CL", time: at, cutoff: at.AddDate(0, 0, -3), policy: "table Ret_CL 3d", rows: 48,
		batches: rangeSet{{0, 3}, {5, 5}}}
	b := rec.encode()
	back, err := decodeRecord(b)
	if err != nil || !reflect.DeepEqual(back, rec) {
		t.Fatalf("decoded %+v, %v", back, err)
	}
	lf := retentionLeaf(back.(*retentionRecord))
	if lf.Version != 0 || !reflect.DeepEqual(lf.Batches, []ledger.SeqRange{{First: 0, Last: 3}, {First: 5, Last: 5}}) {
		t.Fatalf("leaf %+v", lf)
	}

	// The old layout ends after the row count.
	old := b[:len(b)-5]
	back, err = decodeRecord(old)
	if err != nil || back.(*retentionRecord).batches != nil || retentionLeaf(back.(*retentionRecord)).Version != 1 {
		t.Fatalf("old record decoded %+v, %v", back, err)
	}
	if _, err := decodeRecord(append(old, 9, 1)); err == nil {
		t.Fatal("a truncated batch list decoded")
	}
}

// TestVerifyEdgeValues: values whose stored form is easy to get wrong
// read back from DuckDB, sealed into segments or still in hot
// generations, to the rows hash the leaf recorded.
func TestVerifyEdgeValues(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	t0 := time.Date(1965, 3, 1, 0, 0, 0, 123456000, time.UTC)
	cols := []schema.Column{{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "R", Type: schema.Real}, {Name: "D", Type: schema.Decimal},
		{Name: "S", Type: schema.String}, {Name: "B", Type: schema.Bool}, {Name: "T", Type: schema.Timespan}, {Name: "G", Type: schema.GUID},
		{Name: "Y", Type: schema.Dynamic}, {Name: "I", Type: schema.Int}, {Name: "L", Type: schema.Long}}
	reals := []any{math.Inf(1), math.Inf(-1), math.NaN(), math.Copysign(0, -1), 5e-324, math.MaxFloat64, 0.1, -1e-300, 1e16, 123456.789, nil}
	decimals := []any{"0", "-12.5", "100", "0.000000000000000001", "99999999999999999999.123456789012345678", nil}
	strs := []any{"", "héllo wörld ✓", "a:b", "12:34", "line\nbreak", nil}
	var rows [][]any
	for i := range 24 {
		rows = append(rows, []any{t0.Add(time.Duration(i) * time.Microsecond), reals[i%len(reals)], decimals[i%len(decimals)],
			strs[i%len(strs)], i%3 == 0, time.Duration(i-12) * 1500 * time.Millisecond, "0F8FAD5B-D9CB-469F-A165-70867728950E",
			json.RawMessage(`{"k":"ünï","n":[1,2.5,null]}`), int32(-i), int64(i) << 40})
	}
	for i := range 2 {
		b := &Batch{Workspace: ws, Table: "Edge_CL", Raw: []byte{byte(i)}, ContentType: "application/json", Columns: cols, Rows: rows}
		if _, err := s.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			s.Flush()
		}
	}
	s.Close()
	if rep := verifyStore(t, dir); !rep.OK() || rep.Rows != 48 {
		t.Fatalf("edge values: %+v\n%s", rep, problems(rep))
	}

	// One value of the sealed batch changed by the least step of its
	// type (a byte of its canonical form), made null or given a value,
	// the segment's checksum updated as an attacker would: each is caught
	// by the rows hash.
	s = open(t, dir, Options{})
	seg := s.cat.Segments[0]
	path := filepath.Join(dir, seg.Path)
	pristine, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, change := range []string{
		`CASE WHEN "S" = 'a:b' THEN 'a:c' ELSE "S" END AS "S"`,
		`CASE WHEN "_BatchRow" = 5 THEN "L" + 1 ELSE "L" END AS "L"`,
		`CASE WHEN "_BatchRow" = 6 THEN "I" - 1 ELSE "I" END AS "I"`,
		`CASE WHEN "_BatchRow" = 7 THEN nextafter("R", 1e308) ELSE "R" END AS "R"`,
		`CASE WHEN "_BatchRow" = 8 THEN NOT "B" ELSE "B" END AS "B"`,
		`CASE WHEN "_BatchRow" = 9 THEN "TimeGenerated" + INTERVAL 1 MICROSECOND ELSE "TimeGenerated" END AS "TimeGenerated"`,
		`CASE WHEN "_BatchRow" = 10 THEN replace(CAST("Y" AS VARCHAR), '2.5', '2.6') ELSE CAST("Y" AS VARCHAR) END AS "Y"`,
		`CASE WHEN "_BatchRow" = 1 THEN CAST("D" + CAST('0.000000000000000001' AS DECIMAL(38,18)) AS DECIMAL(38,18)) ELSE "D" END AS "D"`,
		`CASE WHEN "_BatchRow" = 3 THEN "T" + 1 ELSE "T" END AS "T"`,
		`CASE WHEN "_BatchRow" = 4 THEN CAST('0f8fad5b-d9cb-469f-a165-70867728950f' AS UUID) ELSE "G" END AS "G"`,
		`CASE WHEN "S" = 'héllo wörld ✓' THEN 'héllo wörld ✔' ELSE "S" END AS "S"`,
		`CASE WHEN "_BatchRow" = 10 THEN 0.0 ELSE "R" END AS "R"`,                      // null to a value
		`CASE WHEN "_BatchRow" = 3 THEN NULL ELSE "S" END AS "S"`,                      // a value to null
		`CASE WHEN "_BatchRow" = 11 THEN '{"k":' ELSE CAST("Y" AS VARCHAR) END AS "Y"`, // not JSON: read as stored, not parsed
	} {
		if err := os.WriteFile(path, pristine, 0o644); err != nil {
			t.Fatal(err)
		}
		s = open(t, dir, Options{})
		tmp := path + ".evil"
		if _, err := s.DB().Exec(`COPY (SELECT * REPLACE (` + change + `) FROM read_parquet('` + path + `')) TO '` + tmp + `' (FORMAT parquet)`); err != nil {
			t.Fatal(err)
		}
		os.Rename(tmp, path)
		seg := s.cat.Segments[0]
		seg.SHA256, seg.Bytes, _ = fileSum(path, false)
		s.cat.save(dir)
		s.Close()
		if rep := verifyStore(t, dir); !strings.Contains(problems(rep), "rows-mismatch: workspace "+ws+" seq 0:") {
			t.Errorf("%s: not detected: %s", change, problems(rep))
		}
	}
}

// TestRowsFromVectors: Holdings.Rows hands over every batch once, in seq
// order across tables, encoded from DuckDB's vectors to the hash its leaf
// recorded: a batch larger than a DuckDB chunk whose rows span two days'
// segments (before and after 1970), small batches sharing a chunk,
// another table's batches between them, a column added to the table
// after its first segment was written, sealed rows and rows still in
// the WAL.
func TestRowsFromVectors(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	midnight := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	cols := []schema.Column{{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "S", Type: schema.String}, {Name: "R", Type: schema.Real}}
	batch := func(table string, cols []schema.Column, n int, from time.Time) *Batch {
		b := &Batch{Workspace: ws, Table: table, Raw: []byte(table), ContentType: "application/json", Columns: cols}
		for i := range n {
			row := []any{from.Add(time.Duration(i) * time.Second), fmt.Sprintf("ü-%d", i), float64(i) / 3}
			if i%5 == 0 {
				row[1] = nil
			}
			for range len(cols) - len(row) {
				row = append(row, strings.Repeat("x", i%40))
			}
			b.Rows = append(b.Rows, row)
		}
		return b
	}
	appendAll := func(bs ...*Batch) {
		for _, b := range bs {
			if _, err := s.Append(context.Background(), b); err != nil {
				t.Fatal(err)
			}
		}
	}
	appendAll(batch("Wide_CL", cols, 5000, midnight.Add(-time.Hour)), batch("Other_CL", cols, 3, midnight))
	for i := range 6 {
		appendAll(batch("Wide_CL", cols, 7, midnight.Add(time.Duration(i)*time.Minute)))
	}
	appendAll(batch("Other_CL", cols, 1, midnight))
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	grown := append(append([]schema.Column(nil), cols...), schema.Column{Name: "Added", Type: schema.String})
	appendAll(batch("Wide_CL", grown, 3000, midnight), batch("Other_CL", cols, 2, midnight))
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	appendAll(batch("Wide_CL", grown, 2, midnight), batch("Other_CL", cols, 2, midnight)) // left in the WAL
	s.Close()

	s = open(t, dir, Options{ReadOnly: true})
	var seqs []uint64
	err := s.Holdings().Rows(ws, func(seq uint64, table string, rows *ledger.RowsEncoder) error {
		lf, err := ledger.ReadLeaf(LedgerDir(dir, ws), seq)
		if err != nil {
			return err
		}
		if lf.Table != table || lf.Rows != int64(rows.Len()) || rows.Sum(lf.Version) != lf.RowsHash {
			t.Errorf("seq %d: %s, %d rows, not the leaf's %s, %d rows or its rows hash", seq, table, rows.Len(), lf.Table, lf.Rows)
		}
		seqs = append(seqs, seq)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 13 || !slices.IsSorted(seqs) || seqs[len(seqs)-1] != 12 {
		t.Fatalf("batches handed over: %v, want seqs 0 to 12 in order", seqs)
	}
	if segs := len(s.cat.Segments); segs < 4 {
		t.Fatalf("%d segments: the batches were meant to span days and seals", segs)
	}

	// A callback's error stops the reading, and every query with it.
	stop := errors.New("enough")
	if err := s.Holdings().Rows(ws, func(uint64, string, *ledger.RowsEncoder) error { return stop }); err != stop {
		t.Fatalf("Rows returned %v, want the callback's error", err)
	}
	s.Close()
	if rep := verifyStore(t, dir); !rep.OK() {
		t.Fatalf("intact store: %s", problems(rep))
	}

	// Rows are read a group of segments at a time, grouped by the seq
	// ranges of the catalog: a catalog that puts one of the two segments
	// of the batch that spans midnight (seq 0) in a group of its own, read
	// last, splits the batch, and verification names it.
	s = open(t, dir, Options{})
	var split *Segment
	for _, seg := range s.cat.Segments {
		if seg.Table == "Wide_CL" && seg.Seqs.has(0) && (split == nil || seg.Day > split.Day) {
			split = seg
		}
	}
	split.Seqs = rangeSet{{100, 100}}
	s.cat.save(dir)
	s.Close()
	if rep := verifyStore(t, dir); rep.OK() || !strings.Contains(problems(rep), "seq 0:") {
		t.Fatalf("a batch split across groups by the catalog: %s", problems(rep))
	}
}

// TestBatchesInStoredOrder: Batches merges the original bytes of tables
// whose files overlap in seq, without sorting them; a file rewritten out
// of seq order (its checksum fixed in the catalog) is an error naming the
// table, not bytes handed over out of order.
func TestBatchesInStoredOrder(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	for i := range 6 {
		b := allTypesBatch(i)
		if i%2 == 1 {
			b.Table = "Types2_CL"
		}
		if _, err := s.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			s.Flush()
		}
	}
	s.Flush()
	s.Close()
	if rep := verifyStore(t, dir); !rep.OK() || rep.RawBytes == 0 {
		t.Fatalf("intact store: %+v\n%s", rep, problems(rep))
	}

	s = open(t, dir, Options{})
	raw := s.cat.Raws[0]
	path := filepath.Join(dir, raw.Path)
	if _, err := s.DB().Exec(`COPY (SELECT * FROM read_parquet('` + path + `') ORDER BY seq DESC) TO '` + path + `.evil' (FORMAT parquet)`); err != nil {
		t.Fatal(err)
	}
	os.Rename(path+".evil", path)
	raw.SHA256, raw.Bytes, _ = fileSum(path, false)
	s.cat.save(dir)
	s.Close()
	_, pub, err := ledger.LoadOrCreateKey(filepath.Join(dir, "ledger-key"), "vigil-test")
	if err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, Options{ReadOnly: true})
	defer s.Close()
	_, err = ledger.Verify(s.Holdings(), ledger.VerifyOptions{VerifierKeys: []string{pub}})
	if err == nil || !strings.Contains(err.Error(), "original bytes of table "+raw.Table) || !strings.Contains(err.Error(), "not in seq order") {
		t.Fatalf("a file out of seq order: %v", err)
	}
}

// TestSinkReadsDeclaredTypes: vigil_sink reads a column in place only
// when DuckDB holds it as the type the rows query casts it to; a column
// of another type is an error naming the argument, never values read
// from the wrong layout.
func TestSinkReadsDeclaredTypes(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	cols := []schema.Column{{Name: "L", Type: schema.Long}, {Name: "S", Type: schema.String}}
	for _, tc := range []struct{ long, err string }{
		{"42::BIGINT", ""},
		{"'42'", "argument 3 is of DuckDB type"},
		{"42::INTEGER", "argument 3 is of DuckDB type"},
	} {
		r := newRowsReader(context.Background(), s, "T_CL", cols, 0)
		relation := `(SELECT 7::BIGINT AS "_BatchSeq", 0::INTEGER AS "_BatchRow", ` + tc.long + ` AS "L", 'x' AS "S")`
		n, err := s.runSink(context.Background(), r.id, r, r.query(relation))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("L as %s: %v, want an error with %q", tc.long, err, tc.err)
			}
			continue
		}
		if err != nil || n != 1 || r.cur.enc == nil || r.cur.seq != 7 {
			t.Fatalf("L as %s: %d rows, batch %d, %v", tc.long, n, r.cur.seq, err)
		}
		if got, want := r.cur.enc.Sum(0), ledger.HashRows(cols, [][]any{{int64(42), "x"}}); got != want {
			t.Errorf("L as %s: the row read in place does not hash as its values do", tc.long)
		}
	}
}
