package ledger

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// FuzzDecodeLeaf feeds arbitrary bytes to DecodeLeaf, which reads leaves
// from proofs and ledger files an attacker may have written: it must not
// panic, and what it accepts must be the one encoding of the leaf.
func FuzzDecodeLeaf(f *testing.F) {
	f.Add(testLeaf("ws", 0).Encode())
	f.Add(Leaf{Kind: RetentionLeaf, Workspace: "w", Seq: 9, Table: "T", Time: time.Unix(5, 0), Rows: 3, Cutoff: time.Unix(1, 0), Policy: "table 30d"}.Encode())
	f.Add(Leaf{Kind: RetentionLeaf, Workspace: "w", Seq: 9, Table: "T", Time: time.Unix(5, 0), Rows: 3, Cutoff: time.Unix(1, 0), Policy: "table 30d",
		Batches: []SeqRange{{0, 2}, {4, 8}}}.Encode())
	f.Add(Leaf{Version: 1, Kind: RetentionLeaf, Workspace: "w", Seq: 9, Table: "T", Policy: "table 30d"}.Encode())
	f.Add([]byte{1, 1, 0x80, 0x00})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := DecodeLeaf(b)
		if err != nil {
			return
		}
		if !bytes.Equal(l.Encode(), b) {
			t.Fatalf("DecodeLeaf accepted %x, which is not the encoding %x of %+v", b, l.Encode(), l)
		}
	})
}

// FuzzOpenCheckpoint feeds arbitrary notes to OpenCheckpoint, which reads
// checkpoint copies from outside: it must not panic, and must accept only
// what the key signed.
func FuzzOpenCheckpoint(f *testing.F) {
	s, vkey := testKey(f)
	good, err := SignTree(s, "ws-a", tlog.Tree{N: 41, Hash: tlog.RecordHash([]byte("x"))})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(bytes.Replace(good, []byte("41"), []byte("42"), 1))
	f.Add([]byte("go.sum database tree\n1\nAAAA\n\n— x y\n"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		cp, err := OpenCheckpoint(msg, vkey)
		if err != nil {
			return
		}
		signed, err := SignTree(s, cp.Workspace, cp.Tree)
		if err != nil {
			t.Fatalf("accepted checkpoint %+v cannot be signed again: %v", cp, err)
		}
		text := string(signed[:bytes.Index(signed, []byte("\n\n"))+1])
		if !strings.HasPrefix(string(msg), text) {
			t.Fatalf("accepted %q, which is not the signed text %q", msg, text)
		}
	})
}

// FuzzLogRecovery damages the tail of a synced log's files in arbitrary
// ways, as a crash or a bad disk could: OpenLog must recover to a prefix
// of the leaves whose tree is the true tree of that prefix.
func FuzzLogRecovery(f *testing.F) {
	f.Add(uint8(0), uint16(0), []byte(nil))
	f.Add(uint8(0), uint16(5), []byte{0, 0, 0, 9})
	f.Add(uint8(1), uint16(16), make([]byte, 16))
	f.Add(uint8(2), uint16(40), []byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, file uint8, cut uint16, garbage []byte) {
		dir := t.TempDir()
		l, err := OpenLog(dir)
		if err != nil {
			t.Fatal(err)
		}
		const n = 20
		appendN(t, l, "ws", n)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, []string{leavesFile, indexFile, hashesFile}[int(file)%3])
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b = append(b[:len(b)-min(int(cut), len(b))], garbage...)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err = OpenLog(dir)
		if err != nil {
			t.Fatalf("recovery failed: %v", err)
		}
		defer l.Close()
		size := l.Size()
		if size > n || (file%3 != 0 && size != n) {
			// Only damage to the leaves file itself may lose leaves; the
			// index and stored hashes are rebuilt from it.
			t.Fatalf("recovered %d leaves of %d after damage to %s", size, n, filepath.Base(path))
		}
		var want []Leaf
		for i := range size {
			want = append(want, testLeaf("ws", i))
		}
		if h, err := l.TreeHash(size); err != nil || h != memTree(t, want) {
			t.Fatalf("tree of the %d recovered leaves = %v, %v; want %v", size, h, err, memTree(t, want))
		}
		for lf, err := range l.Leaves(0, size) {
			if err != nil || !reflect.DeepEqual(lf, want[lf.Seq]) {
				t.Fatalf("recovered leaf %+v, %v", lf, err)
			}
		}
	})
}
