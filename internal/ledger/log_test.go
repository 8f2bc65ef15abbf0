package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"vigil/internal/schema"
)

// testLeaf returns a batch leaf with seq i whose raw bytes are rawFor(i).
func testLeaf(ws string, i uint64) Leaf {
	return Leaf{
		Kind:      BatchLeaf,
		Workspace: ws,
		Seq:       i,
		Table:     "Syslog",
		Time:      time.Date(2026, 11, 1, 0, 0, 0, int(i)*1000, time.UTC),
		Rows:      int64(i%7 + 1),
		RawHash:   sha256.Sum256(rawFor(i)),
	}
}

func rawFor(i uint64) []byte {
	return fmt.Appendf(nil, "<34>Nov  1 00:00:00 host app: message %d\n", i)
}

func appendN(t testing.TB, l *Log, ws string, n uint64) {
	t.Helper()
	for range n {
		if err := l.Append(testLeaf(ws, l.Size())); err != nil {
			t.Fatal(err)
		}
	}
}

// memTree is the tree computed in memory from leaves, the reference the
// log's stored hashes must agree with.
func memTree(t testing.TB, leaves []Leaf) tlog.Hash {
	t.Helper()
	var stored []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, lf := range leaves {
		hs, err := tlog.StoredHashes(int64(i), lf.Encode(), r)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, hs...)
	}
	h, err := tlog.TreeHash(int64(len(leaves)), r)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestLogAppendReopen(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, l, "ws", 100)
	// Reads see pending leaves before any sync.
	lf, err := l.Leaf(99)
	if err != nil || !reflect.DeepEqual(lf, testLeaf("ws", 99)) {
		t.Fatalf("Leaf(99) = %+v, %v", lf, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = OpenLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Size() != 100 {
		t.Fatalf("size after reopen = %d, want 100", l.Size())
	}
	appendN(t, l, "ws", 37)
	var want []Leaf
	for i := range uint64(137) {
		want = append(want, testLeaf("ws", i))
	}
	i := 0
	for lf, err := range l.Leaves(0, 1000) {
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(lf, want[i]) {
			t.Fatalf("leaf %d = %+v, want %+v", i, lf, want[i])
		}
		i++
	}
	if i != 137 {
		t.Fatalf("Leaves yielded %d, want 137", i)
	}
	tree, err := l.Tree()
	if err != nil {
		t.Fatal(err)
	}
	if tree.N != 137 || tree.Hash != memTree(t, want) {
		t.Fatalf("tree = %v, want size 137 hash %v", tree, memTree(t, want))
	}
}

func TestLogAppendWrongSeq(t *testing.T) {
	l, err := OpenLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	appendN(t, l, "ws", 3)
	err = l.Append(testLeaf("ws", 5))
	if err == nil || !strings.Contains(err.Error(), "seq 5 to log of size 3") {
		t.Fatalf("append out of order: err = %v", err)
	}
	if err := l.Append(testLeaf("ws", 3), Leaf{Seq: 4}); err == nil {
		t.Fatal("append of a leaf without a kind succeeded")
	}
	if err := l.Append(testLeaf("ws", 3), testLeaf("ws", 5)); err == nil {
		t.Fatal("append of leaves with a gap succeeded")
	}
	if l.Size() != 3 {
		t.Fatalf("size = %d after rejected appends, want 3: a rejected call must add nothing", l.Size())
	}
}

func TestLogRecoversTornTail(t *testing.T) {
	cases := []struct {
		name string
		// damage changes the files of a synced log of 50 leaves.
		damage func(t *testing.T, dir string)
		size   uint64
	}{
		{"torn last record", func(t *testing.T, dir string) {
			truncateBy(t, filepath.Join(dir, leavesFile), 5)
		}, 49},
		{"torn header", func(t *testing.T, dir string) {
			appendBytes(t, filepath.Join(dir, leavesFile), []byte{0, 0, 0})
		}, 50},
		{"zeros after leaves", func(t *testing.T, dir string) {
			appendBytes(t, filepath.Join(dir, leavesFile), make([]byte, 4096))
		}, 50},
		{"corrupt last record", func(t *testing.T, dir string) {
			flipLastByte(t, filepath.Join(dir, leavesFile))
		}, 49},
		{"index lost", func(t *testing.T, dir string) {
			if err := os.Truncate(filepath.Join(dir, indexFile), 0); err != nil {
				t.Fatal(err)
			}
		}, 50},
		{"index short and zero-filled", func(t *testing.T, dir string) {
			truncateBy(t, filepath.Join(dir, indexFile), 8*10)
			appendBytes(t, filepath.Join(dir, indexFile), make([]byte, 8*4))
		}, 50},
		{"hashes lost", func(t *testing.T, dir string) {
			if err := os.Truncate(filepath.Join(dir, hashesFile), 0); err != nil {
				t.Fatal(err)
			}
		}, 50},
		{"hashes zero-filled at the end", func(t *testing.T, dir string) {
			truncateBy(t, filepath.Join(dir, hashesFile), 32*9)
			appendBytes(t, filepath.Join(dir, hashesFile), make([]byte, 32*9+7))
		}, 50},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			l, err := OpenLog(dir)
			if err != nil {
				t.Fatal(err)
			}
			appendN(t, l, "ws", 50)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			tc.damage(t, dir)
			l, err = OpenLog(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if l.Size() != tc.size {
				t.Fatalf("size after recovery = %d, want %d", l.Size(), tc.size)
			}
			// The store appends again what was lost; the tree must then be
			// the one of the full, undamaged log.
			appendN(t, l, "ws", 60-l.Size())
			var want []Leaf
			for i := range uint64(60) {
				want = append(want, testLeaf("ws", i))
			}
			if h, err := l.TreeHash(60); err != nil || h != memTree(t, want) {
				t.Fatalf("tree hash after recovery = %v, %v; want %v", h, err, memTree(t, want))
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(filepath.Join(dir, hashesFile))
			if err != nil || st.Size() != tlog.StoredHashCount(60)*tlog.HashSize {
				t.Fatalf("hashes file = %v, %v; want %d bytes", st.Size(), err, tlog.StoredHashCount(60)*tlog.HashSize)
			}
		})
	}
}

func TestLogProofs(t *testing.T) {
	l, err := OpenLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	appendN(t, l, "ws", 77)
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	appendN(t, l, "ws", 23) // some pending, some written
	for _, size := range []uint64{1, 2, 3, 64, 77, 100} {
		th, err := l.TreeHash(size)
		if err != nil {
			t.Fatal(err)
		}
		for _, idx := range []uint64{0, size / 2, size - 1} {
			p, err := l.InclusionProof(idx, size)
			if err != nil {
				t.Fatal(err)
			}
			lf, _ := l.Leaf(idx)
			if err := tlog.CheckRecord(p, int64(size), th, int64(idx), lf.Hash()); err != nil {
				t.Errorf("inclusion of %d in %d: %v", idx, size, err)
			}
			other := testLeaf("ws", idx)
			other.Rows++
			if tlog.CheckRecord(p, int64(size), th, int64(idx), other.Hash()) == nil {
				t.Errorf("inclusion of an altered leaf %d in %d checked", idx, size)
			}
		}
		for _, old := range []uint64{1, max(size/3, 1), size} {
			oh, _ := l.TreeHash(old)
			p, err := l.ConsistencyProof(old, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.CheckTree(p, int64(size), th, int64(old), oh); err != nil {
				t.Errorf("consistency %d -> %d: %v", old, size, err)
			}
		}
	}
	if _, err := l.InclusionProof(100, 100); err == nil {
		t.Error("inclusion proof of a leaf past the tree succeeded")
	}
	if _, err := l.ConsistencyProof(0, 10); err == nil {
		t.Error("consistency proof from the empty tree succeeded")
	}
	if _, err := l.ConsistencyProof(10, 101); err == nil {
		t.Error("consistency proof to a size past the log succeeded")
	}
}

func truncateBy(t *testing.T, path string, n int64) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, st.Size()-n); err != nil {
		t.Fatal(err)
	}
}

func appendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func flipLastByte(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHashRowsEncoding pins the documented row encodings: an auditor who
// re-hashes rows by hand from docs/ledger.md gets the leaf's RowsHash, in
// the current version and in version 1, which old ledgers hold.
func TestHashRowsEncoding(t *testing.T) {
	cols := []schema.Column{
		{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "Score", Type: schema.Real},
		{Name: "Computer", Type: schema.String}, {Name: "EventID", Type: schema.Long}, {Name: "Props", Type: schema.Dynamic},
		{Name: "Added", Type: schema.String},
	}
	at := time.Date(2026, 11, 23, 9, 0, 0, 123456000, time.UTC)
	rows := [][]any{{at, nil, "h", int64(5), json.RawMessage(`{}`)}}
	var want []byte
	want = binary.BigEndian.AppendUint64(want, 1) // rows
	want = append(want, 4)                        // non-null cells, sorted by name:
	want = append(want, 8)
	want = append(append(want, "Computer"...), byte(schema.String), 1, 'h')
	want = append(want, 7)
	want = binary.BigEndian.AppendUint64(append(append(want, "EventID"...), byte(schema.Long)), 5)
	want = append(want, 5)
	want = append(append(want, "Props"...), byte(schema.Dynamic), 2, '{', '}')
	want = append(want, 13)
	want = binary.BigEndian.AppendUint64(append(append(want, "TimeGenerated"...), byte(schema.DateTime)), uint64(at.UnixMicro()))
	if got := (Leaf{Version: 1}).HashRows(cols, rows); got != sha256.Sum256(want) {
		t.Fatalf("version 1 HashRows does not follow the documented encoding")
	}

	// Version 2: columns named once, then column by column a bitmap of
	// the rows with a value and those values. Score and Added hold none.
	rows = append(rows, []any{at, nil, nil, int64(-1), nil})
	want = binary.BigEndian.AppendUint64(nil, 2) // rows
	want = append(want, 4)                       // columns with a value, sorted by name:
	want = append(append(append(want, 8), "Computer"...), byte(schema.String))
	want = append(append(append(want, 7), "EventID"...), byte(schema.Long))
	want = append(append(append(want, 5), "Props"...), byte(schema.Dynamic))
	want = append(append(append(want, 13), "TimeGenerated"...), byte(schema.DateTime))
	want = append(want, 0b01, 1, 'h')
	want = binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(append(want, 0b11), 5), 1<<64-1)
	want = append(want, 0b01, 2, '{', '}')
	want = binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(append(want, 0b11), uint64(at.UnixMicro())), uint64(at.UnixMicro()))
	if got := HashRows(cols, rows); got != sha256.Sum256(want) || (Leaf{}).HashRows(cols, rows) != got {
		t.Fatalf("HashRows does not follow the documented encoding")
	}
}

// TestLeafVersions: leaves of version 1, which ledgers written before
// version 2 hold, still decode to what they encoded and hash the same;
// version 2 adds retention's batch ranges, in one encoding only.
func TestLeafVersions(t *testing.T) {
	// A version 1 retention leaf, byte by byte as docs/ledger.md lays it out.
	var v1 []byte
	v1 = append(v1, 1, byte(RetentionLeaf), 2, 'w', 's')
	v1 = binary.BigEndian.AppendUint64(v1, 40)
	v1 = append(v1, 6, 'S', 'y', 's', 'l', 'o', 'g')
	v1 = binary.BigEndian.AppendUint64(v1, uint64(time.Unix(100, 0).UnixNano()))
	v1 = binary.BigEndian.AppendUint64(v1, 12)
	v1 = append(v1, make([]byte, 64)...)
	v1 = binary.BigEndian.AppendUint64(v1, uint64(time.Unix(50, 0).UnixNano()))
	v1 = append(v1, 9, 't', 'a', 'b', 'l', 'e', ' ', '3', '0', 'd')
	lf, err := DecodeLeaf(v1)
	if err != nil {
		t.Fatal(err)
	}
	want := Leaf{Version: 1, Kind: RetentionLeaf, Workspace: "ws", Seq: 40, Table: "Syslog", Time: time.Unix(100, 0).UTC(),
		Rows: 12, Cutoff: time.Unix(50, 0).UTC(), Policy: "table 30d"}
	if !reflect.DeepEqual(lf, want) || !bytes.Equal(lf.Encode(), v1) || lf.Hash() != tlog.RecordHash(v1) {
		t.Fatalf("version 1 leaf decoded to %+v", lf)
	}

	// Version 2: the same fields, then the batch ranges.
	lf.Version, lf.Batches = 0, []SeqRange{{0, 18}, {21, 21}}
	v2 := append([]byte{2}, v1[1:]...)
	v2 = append(v2, 2)
	for _, x := range []uint64{0, 18, 21, 21} {
		v2 = binary.BigEndian.AppendUint64(v2, x)
	}
	if !bytes.Equal(lf.Encode(), v2) {
		t.Fatalf("version 2 encoding %x, want %x", lf.Encode(), v2)
	}
	if back, err := DecodeLeaf(v2); err != nil || !reflect.DeepEqual(back, lf) {
		t.Fatalf("version 2 leaf decoded to %+v, %v", back, err)
	}
	for _, bad := range []struct {
		name    string
		batches []SeqRange
		kind    LeafKind
	}{
		{"adjacent ranges", []SeqRange{{0, 18}, {19, 21}}, RetentionLeaf},
		{"overlapping ranges", []SeqRange{{0, 18}, {10, 21}}, RetentionLeaf},
		{"descending ranges", []SeqRange{{21, 21}, {0, 18}}, RetentionLeaf},
		{"range backwards", []SeqRange{{18, 0}}, RetentionLeaf},
		{"ranges on a batch leaf", []SeqRange{{0, 18}}, BatchLeaf},
	} {
		l := lf
		l.Batches, l.Kind = bad.batches, bad.kind
		if _, err := DecodeLeaf(l.Encode()); err == nil {
			t.Errorf("%s: decoded", bad.name)
		}
	}
	if _, err := DecodeLeaf(append([]byte{3}, v2[1:]...)); err == nil || !strings.Contains(err.Error(), "version 3") {
		t.Fatalf("version 3 leaf: %v", err)
	}
}
