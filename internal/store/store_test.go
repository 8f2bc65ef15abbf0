package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"vigil/internal/schema"
	"vigil/internal/source"
	"vigil/internal/sqlgen"
)

const ws = "0f8fad5b-d9cb-469f-a165-70867728950e"

// customBatch makes a batch of n rows for table T_CL with a message, a
// number and a time, starting at t0 one minute apart.
func customBatch(table string, first, n int, t0 time.Time) *Batch {
	b := &Batch{Workspace: ws, Table: table, ContentType: "application/json",
		Columns: []schema.Column{{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "Msg", Type: schema.String}, {Name: "N", Type: schema.Long}}}
	var raw strings.Builder
	for i := first; i < first+n; i++ {
		b.Rows = append(b.Rows, []any{t0.Add(time.Duration(i) * time.Minute), fmt.Sprintf("message %d", i), int64(i)})
		fmt.Fprintf(&raw, `{"Msg":"message %d","N":%d}`+"\n", i, i)
	}
	b.Raw = []byte(raw.String())
	return b
}

func open(t *testing.T, dir string, opts Options) *Store {
	t.Helper()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// query runs SQL over a table's relation with {T} standing for it.
func query(t *testing.T, s *Store, table string, scan source.Scan, sqlText string) [][]any {
	t.Helper()
	rel, err := s.Tables(ws).Relation(context.Background(), table, scan)
	if err != nil {
		t.Fatal(err)
	}
	defer rel.Release()
	rows, err := s.DB().Query(strings.ReplaceAll(sqlText, "{T}", rel.SQL))
	if err != nil {
		t.Fatalf("%v\n%s", err, rel.SQL)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		vals, err := sqlgen.ScanRow(rows, len(cols))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	return out
}

func count(t *testing.T, s *Store, table string) int64 {
	return query(t, s, table, source.Scan{}, "SELECT count(*) FROM {T}")[0][0].(int64)
}

func TestAppendQuerySealRestart(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	t0 := time.Date(2024, 3, 1, 23, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		ack, err := s.Append(context.Background(), customBatch("App_CL", i*100, 100, t0))
		if err != nil {
			t.Fatal(err)
		}
		if ack.Seq != uint64(i) {
			t.Fatalf("batch %d got seq %d", i, ack.Seq)
		}
	}
	if n := count(t, s, "App_CL"); n != 300 {
		t.Fatalf("hot rows visible: %d, want 300", n)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	// The 300 minutes from 23:00 cross midnight: two day segments.
	st := s.Stats()
	if st.Segments != 2 || st.Tables[0].SegmentRows != 300 || st.Tables[0].HotRows != 0 {
		t.Fatalf("after flush: %+v", st)
	}
	if _, err := s.Append(context.Background(), customBatch("App_CL", 300, 10, t0)); err != nil {
		t.Fatal(err)
	}
	got := query(t, s, "App_CL", source.Scan{}, "SELECT count(*), count(DISTINCT _ItemId), min(N), max(N), max(_BatchSeq) FROM {T}")[0]
	if fmt.Sprint(got) != "[310 310 0 309 3]" {
		t.Fatalf("segments + hot: %v", got)
	}
	s.Close()

	s = open(t, dir, Options{})
	defer s.Close()
	got2 := query(t, s, "App_CL", source.Scan{}, "SELECT count(*), count(DISTINCT _ItemId), min(N), max(N), max(_BatchSeq) FROM {T}")[0]
	if fmt.Sprint(got2) != fmt.Sprint(got) {
		t.Fatalf("after restart %v, before %v", got2, got)
	}
	ack, err := s.Append(context.Background(), customBatch("App_CL", 310, 1, t0))
	if err != nil || ack.Seq != 4 {
		t.Fatalf("seq after restart = %d, %v; want 4", ack.Seq, err)
	}
	// Time range: [t0+10m, t0+20m) holds rows 10..19.
	r := query(t, s, "App_CL", source.Scan{From: t0.Add(10 * time.Minute), To: t0.Add(20 * time.Minute)}, "SELECT count(*), min(N) FROM {T}")[0]
	if fmt.Sprint(r) != "[10 10]" {
		t.Fatalf("time-scoped: %v", r)
	}
	raw, ct, err := s.Raw(ws, 1)
	if err != nil || !strings.HasPrefix(string(raw), `{"Msg":"message 100"`) || ct != "application/json" {
		t.Fatalf("Raw(1) = %.40q, %q, %v", raw, ct, err)
	}
}
