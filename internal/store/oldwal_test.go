package store

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestOpenVersion1WAL opens a data directory written before the WAL's
// version 2 format (testdata/v1-wal: 60 rows of Old_CL in two version 1
// WAL segments, none sealed): its rows are all there, appends go on, and
// the directory reopens with old and new rows.
func TestOpenVersion1WAL(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/v1-wal")); err != nil {
		t.Fatal(err)
	}
	s := open(t, dir, Options{WALSegmentSize: 4096})
	if n := count(t, s, "Old_CL"); n != 60 {
		t.Fatalf("%d rows from the version 1 WAL, want 60", n)
	}
	ack, err := s.Append(context.Background(), customBatch("Old_CL", 60, 10, time.Date(2024, 3, 1, 23, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	if ack.Seq != 6 {
		t.Fatalf("first new batch got seq %d, want 6", ack.Seq)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, Options{WALSegmentSize: 4096})
	defer s.Close()
	if n := count(t, s, "Old_CL"); n != 70 {
		t.Fatalf("%d rows after reopening, want 70", n)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "Old_CL"); n != 70 {
		t.Fatalf("%d rows after sealing, want 70", n)
	}
}
