package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func testKey(t testing.TB) (note.Signer, string) {
	t.Helper()
	s, vkey, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "keys", "checkpoint.key"), "vigil-test")
	if err != nil {
		t.Fatal(err)
	}
	return s, vkey
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkpoint.key")
	s1, v1, err := LoadOrCreateKey(path, "vigil-host1")
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}
	s2, v2, err := LoadOrCreateKey(path, "ignored-when-loading")
	if err != nil {
		t.Fatal(err)
	}
	if v1 != v2 || s2.Name() != "vigil-host1" || s1.KeyHash() != s2.KeyHash() {
		t.Fatalf("reloaded key differs: %q %q %s", v1, v2, s2.Name())
	}
	if v, err := ReadVerifierKey(path + ".pub"); err != nil || v != v1 {
		t.Fatalf("ReadVerifierKey = %q, %v; want %q", v, err, v1)
	}
	bad := filepath.Join(t.TempDir(), "bad.pub")
	writeTestFile(t, bad, []byte("vigil-host1+1234+notakey\n"))
	if _, err := ReadVerifierKey(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("ReadVerifierKey of a malformed key: err = %v", err)
	}
	if _, err := ReadVerifierKey(filepath.Join(filepath.Dir(path), "missing.pub")); err == nil {
		t.Fatal("ReadVerifierKey of a missing file succeeded")
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateKey(path, "vigil-host1"); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("group-readable key: err = %v", err)
	}
}

func TestCheckpointSignVerify(t *testing.T) {
	s, vkey := testKey(t)
	_, otherKey := testKey(t)
	tree := tlog.Tree{N: 137, Hash: tlog.RecordHash([]byte("root"))}
	msg, err := SignTree(s, "ws-1", tree)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := OpenCheckpoint(msg, vkey)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Workspace != "ws-1" || cp.Tree != tree {
		t.Fatalf("checkpoint = %+v", cp)
	}
	// Standard tooling reads the tree from the note text.
	if parsed, err := tlog.ParseTree(msg[:bytes.Index(msg, []byte("\n\n"))+1]); err != nil || parsed != tree {
		t.Fatalf("tlog.ParseTree = %v, %v", parsed, err)
	}

	bad := []struct {
		name string
		msg  []byte
		key  string
		want string
	}{
		{"size changed", bytes.Replace(msg, []byte("\n137\n"), []byte("\n138\n"), 1), vkey, "invalid signature"},
		{"workspace changed", bytes.Replace(msg, []byte("ws-1"), []byte("ws-2"), 1), vkey, "invalid signature"},
		{"signed by another key", msg, otherKey, "no verifiable signatures"},
		{"not a note", []byte("hello"), vkey, "malformed"},
	}
	for _, tc := range bad {
		if _, err := OpenCheckpoint(tc.msg, tc.key); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

// copySink is a real HTTP server receiving copied checkpoints; it refuses
// the first failFirst posts to exercise retry.
type copySink struct {
	mu        sync.Mutex
	failFirst int
	calls     int
	got       []CheckpointRecord
}

func (s *copySink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.calls <= s.failFirst {
		http.Error(w, "not now", http.StatusServiceUnavailable)
		return
	}
	var rec CheckpointRecord
	if r.Header.Get("Authorization") != "Bearer audit-token" {
		http.Error(w, "who are you", http.StatusUnauthorized)
		return
	}
	if err := json.NewDecoder(r.Body).Decode(&rec); err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad checkpoint", http.StatusBadRequest)
		return
	}
	s.got = append(s.got, rec)
}

func (s *copySink) records() []CheckpointRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CheckpointRecord(nil), s.got...)
}

func readRecords(t *testing.T, path string) []CheckpointRecord {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []CheckpointRecord
	err = ReadCheckpointRecords(f, func(line int, r CheckpointRecord, err error) error {
		if err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCheckpointerCopiesOut(t *testing.T) {
	s, vkey := testKey(t)
	sink := &copySink{failFirst: 2}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	copyFile := filepath.Join(t.TempDir(), "outside", "checkpoints.jsonl")
	if err := os.MkdirAll(filepath.Dir(copyFile), 0o755); err != nil {
		t.Fatal(err)
	}
	var errMu sync.Mutex
	var errs []error
	cp, err := NewCheckpointer(CheckpointerConfig{
		Signer:     s,
		Interval:   30 * time.Millisecond,
		CopyFile:   copyFile,
		CopyURL:    srv.URL,
		CopyHeader: http.Header{"Authorization": {"Bearer audit-token"}},
		OnError:    func(err error) { errMu.Lock(); errs = append(errs, err); errMu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	logs := map[string]*Log{}
	for _, ws := range []string{"ws-a", "ws-b", "ws-empty"} {
		l, err := OpenLog(filepath.Join(t.TempDir(), ws))
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		logs[ws] = l
		cp.Add(ws, l)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { cp.Run(ctx); close(done) }()

	// Data arrives over several intervals; each interval with new leaves
	// gets a checkpoint.
	// Data arrives in four rounds; each is checkpointed without a call
	// to Checkpoint, by the interval alone.
	for round := range 4 {
		appendN(t, logs["ws-a"], "ws-a", 10)
		waitFor(t, func() bool {
			msg, err := LatestCheckpoint(logs["ws-a"].Dir())
			c, _ := OpenCheckpoint(msg, vkey)
			return err == nil && c.Tree.N == int64(10*(round+1))
		})
	}
	appendN(t, logs["ws-b"], "ws-b", 5)
	waitFor(t, func() bool {
		rs := sink.records()
		return len(rs) > 0 && latestSize(rs, "ws-a") == 40 && latestSize(rs, "ws-b") == 5
	})
	// With no new data, no new checkpoints.
	before := len(readRecords(t, filepath.Join(logs["ws-a"].Dir(), historyFile)))
	time.Sleep(150 * time.Millisecond)
	if after := len(readRecords(t, filepath.Join(logs["ws-a"].Dir(), historyFile))); after != before {
		t.Fatalf("idle log got %d new checkpoints", after-before)
	}
	appendN(t, logs["ws-b"], "ws-b", 1)
	cancel()
	<-done

	hist := readRecords(t, filepath.Join(logs["ws-a"].Dir(), historyFile))
	if len(hist) < 4 {
		t.Fatalf("ws-a history has %d checkpoints, want one per round of data (>= 4)", len(hist))
	}
	for i, rec := range hist {
		c, err := OpenCheckpoint([]byte(rec.Note), vkey)
		if err != nil || c.Workspace != "ws-a" || c.Tree.N != rec.Size {
			t.Fatalf("history %d: %+v, %v", i, c, err)
		}
		if i > 0 && rec.Size < hist[i-1].Size {
			t.Fatalf("history sizes go back: %d after %d", rec.Size, hist[i-1].Size)
		}
	}
	latest, err := LatestCheckpoint(logs["ws-b"].Dir())
	if err != nil {
		t.Fatal(err)
	}
	if c, err := OpenCheckpoint(latest, vkey); err != nil || c.Tree.N != 6 {
		t.Fatalf("latest ws-b checkpoint after shutdown = %+v, %v; want size 6", c, err)
	}
	if msg, err := LatestCheckpoint(logs["ws-empty"].Dir()); err != nil || msg != nil {
		t.Fatalf("empty log got a checkpoint: %q, %v", msg, err)
	}
	copied := readRecords(t, copyFile)
	if latestSize(copied, "ws-a") != 40 || latestSize(copied, "ws-b") != 6 {
		t.Fatalf("copy file ends at ws-a %d, ws-b %d; want 40, 6", latestSize(copied, "ws-a"), latestSize(copied, "ws-b"))
	}
	if latestSize(sink.records(), "ws-b") != 6 {
		t.Fatalf("HTTP copy of ws-b ends at %d, want the shutdown checkpoint 6", latestSize(sink.records(), "ws-b"))
	}
	errMu.Lock()
	defer errMu.Unlock()
	if len(errs) < 2 || !strings.Contains(errs[0].Error(), "503") {
		t.Fatalf("refused posts were not reported: %v", errs)
	}
}

func TestCheckpointerConfig(t *testing.T) {
	s, _ := testKey(t)
	for _, cfg := range []CheckpointerConfig{
		{Interval: time.Second},
		{Signer: s},
		{Signer: s, Interval: time.Second, CopyURL: "ftp://example/"},
		{Signer: s, Interval: time.Second, CopyURL: "http://"},
	} {
		if _, err := NewCheckpointer(cfg); err == nil {
			t.Errorf("NewCheckpointer(%+v) succeeded", cfg)
		}
	}
}

// TestCheckpointHistoryTornLine: a crash tore the last line of a history
// file; the torn line is left out while it is last, and once more lines
// follow it is named as unreadable, the new lines still read.
func TestCheckpointHistoryTornLine(t *testing.T) {
	s, _ := testKey(t)
	path := filepath.Join(t.TempDir(), historyFile)
	rec := func(n int64) CheckpointRecord {
		tree := tlog.Tree{N: n}
		msg, err := SignTree(s, "ws", tree)
		if err != nil {
			t.Fatal(err)
		}
		return record("ws", time.Now(), tree, msg)
	}
	if err := appendRecord(path, rec(1)); err != nil {
		t.Fatal(err)
	}
	appendBytes(t, path, []byte(`{"workspace":"ws","ti`))
	if got := readRecords(t, path); len(got) != 1 || got[0].Size != 1 {
		t.Fatalf("with a torn last line, read %+v", got)
	}
	if err := appendRecord(path, rec(2)); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var sizes []int64
	var bad []int
	err = ReadCheckpointRecords(f, func(line int, r CheckpointRecord, err error) error {
		if err != nil {
			bad = append(bad, line)
		} else {
			sizes = append(sizes, r.Size)
		}
		return nil
	})
	if err != nil || len(bad) != 1 || bad[0] != 2 || len(sizes) != 2 || sizes[1] != 2 {
		t.Fatalf("after appending past a torn line: sizes %v, bad lines %v, err %v", sizes, bad, err)
	}
}

func latestSize(rs []CheckpointRecord, ws string) int64 {
	n := int64(-1)
	for _, r := range rs {
		if r.Workspace == ws {
			n = r.Size
		}
	}
	return n
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestKeyName: the default key name is one note accepts, whatever the
// host is called.
func TestKeyName(t *testing.T) {
	name := KeyName()
	if !strings.HasPrefix(name, "vigil-") || strings.ContainsAny(name, "+ \t\n") {
		t.Fatalf("KeyName() = %q", name)
	}
	if _, _, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "k"), name); err != nil {
		t.Fatalf("key named %q: %v", name, err)
	}
}
