package ingest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"vigil/internal/source"
	"vigil/internal/store"
)

func TestRejectRecorderStoresSampledRejects(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := NewRejectRecorder(st, 3)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	big := bytes.Repeat([]byte{'x'}, MaxRejectSample+10)
	rejects := []Reject{
		{Reason: "no PRI", Raw: []byte("garbage\xff"), Offset: 0},
		{Reason: "too long", Raw: big, Offset: 9},
		{Reason: "third", Raw: []byte("c"), Offset: 20},
		{Reason: "fourth, over the sample", Raw: []byte("d"), Offset: 30},
	}
	ctx := context.Background()
	if err := rec.Record(ctx, "ws1", "syslog-tcp", "syslog", "127.0.0.1:5000", rejects, at); err != nil {
		t.Fatal(err)
	}
	// Same second: the sample is used up, nothing more is stored.
	if err := rec.Record(ctx, "ws1", "syslog-tcp", "syslog", "", rejects[:1], at); err != nil {
		t.Fatal(err)
	}
	// Next second: stored again.
	if err := rec.Record(ctx, "ws1", "syslog-tcp", "syslog", "", rejects[:1], at.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := rec.Counts()[RejectSource{"syslog-tcp", "syslog"}]; got != 6 {
		t.Errorf("counted %d rejects, want 6", got)
	}
	rel, err := st.Tables("ws1").Relation(ctx, RejectTable, source.Scan{})
	if err != nil {
		t.Fatal(err)
	}
	defer rel.Release()
	rows, err := st.DB().Query(`SELECT Reason, "Offset", length(RawData), RawTruncated, coalesce(RemoteAddress, '') FROM ` + rel.SQL + ` ORDER BY TimeGenerated, "Offset"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type row struct {
		reason string
		offset int64
		n      int
		cut    bool
		remote string
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.reason, &r.offset, &r.n, &r.cut, &r.remote); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	want := []row{
		{"no PRI", 0, 8, false, "127.0.0.1:5000"},
		{"too long", 9, MaxRejectSample, true, "127.0.0.1:5000"},
		{"third", 20, 1, false, "127.0.0.1:5000"},
		{"no PRI", 0, 8, false, ""},
	}
	if len(got) != len(want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
