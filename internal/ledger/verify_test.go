package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"vigil/internal/schema"
)

// fileHoldings holds what a store would, in real files: per workspace a
// ledger, each batch's original bytes in raw/<seq>, and each batch's rows
// in rows/<seq>.json as JSON values of typed columns, read back through
// schema.Convert as the store reads its segments back into canonical values.
type fileHoldings struct{ root string }

type rowsFile struct {
	Table   string          `json:"table"`
	Columns []schema.Column `json:"columns"`
	Rows    [][]any         `json:"rows"`
}

func (h fileHoldings) Workspaces() ([]string, error) {
	ents, err := os.ReadDir(h.root)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

func (h fileHoldings) LogDir(ws string) string { return filepath.Join(h.root, ws, "ledger") }

// seqFiles lists the files of dir named by seq, in ascending seq.
func seqFiles(dir string) ([]uint64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, e := range ents {
		n, err := strconv.ParseUint(strings.TrimSuffix(e.Name(), ".json"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: not a seq: %w", e.Name(), err)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

func (h fileHoldings) Batches(ws string, fn func(uint64, string, io.Reader) error) error {
	dir := filepath.Join(h.root, ws, "raw")
	seqs, err := seqFiles(dir)
	if err != nil {
		return err
	}
	for _, s := range seqs {
		f, err := os.Open(filepath.Join(dir, strconv.FormatUint(s, 10)))
		if err != nil {
			return err
		}
		err = fn(s, "application/json", f)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (h fileHoldings) Rows(ws string, fn func(uint64, string, *RowsEncoder) error) error {
	dir := filepath.Join(h.root, ws, "rows")
	seqs, err := seqFiles(dir)
	if err != nil {
		return err
	}
	for _, s := range seqs {
		b, err := os.ReadFile(filepath.Join(dir, strconv.FormatUint(s, 10)+".json"))
		if err != nil {
			return err
		}
		var rf rowsFile
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&rf); err != nil {
			return err
		}
		for _, row := range rf.Rows {
			for i, v := range row {
				if row[i], err = schema.Convert(rf.Columns[i].Type, v); err != nil {
					return err
				}
			}
		}
		e := NewRowsEncoder(rf.Columns)
		e.Append(rf.Rows)
		if err := fn(s, rf.Table, e); err != nil {
			return err
		}
	}
	return nil
}

// Damaged reports the files listed in the workspace's "damaged" file, one
// a line: the store finds its damaged files by their checksums.
func (h fileHoldings) Damaged(ws string, fn func(file, detail string)) error {
	b, err := os.ReadFile(filepath.Join(h.root, ws, "damaged"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	for _, name := range strings.Fields(string(b)) {
		fn(name, "its checksum does not match the catalog")
	}
	return err
}

var testCols = []schema.Column{
	{Name: schema.ColTimeGenerated, Type: schema.DateTime},
	{Name: "Computer", Type: schema.String},
	{Name: "EventID", Type: schema.Long},
	{Name: "Score", Type: schema.Real},
	{Name: "Props", Type: schema.Dynamic},
	{Name: schema.ColBatchSeq, Type: schema.Long},
	{Name: schema.ColBatchRow, Type: schema.Int},
}

// fixture is a data directory of one workspace built through the real
// ledger: 40 batches alternating Syslog and Heartbeat, with the Syslog
// batches of the first ten days then removed by a retention leaf.
type fixture struct {
	h      fileHoldings
	ws     string
	signer note.Signer
	vkey   string
	// outside is a copy file of checkpoints, as CopyFile would hold.
	outside string
}

var fixtureStart = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{h: fileHoldings{t.TempDir()}, ws: "ws-a"}
	f.signer, f.vkey = testKey(t)
	f.outside = filepath.Join(t.TempDir(), "copy.jsonl")
	for _, d := range []string{"raw", "rows"} {
		if err := os.MkdirAll(filepath.Join(f.h.root, f.ws, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	l, err := OpenLog(f.h.LogDir(f.ws))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := range uint64(40) {
		lf, write := f.batch(t, i)
		if err := write(); err != nil {
			t.Fatal(err)
		}
		if err := l.Append(lf); err != nil {
			t.Fatal(err)
		}
		if i%10 == 9 {
			f.checkpoint(t, l)
		}
	}
	// Retention removes Syslog rows generated before day 10: the whole of
	// batches 0, 2, ..., 18, original bytes included. The odd seqs between
	// are Heartbeat batches, which a Syslog leaf does not speak for, so
	// its range is 0 to 18, as the store records it.
	cutoff := fixtureStart.AddDate(0, 0, 10)
	var removed int64
	for i := uint64(0); i < 20; i += 2 {
		rf := f.readRows(t, i)
		removed += int64(len(rf.Rows))
		f.remove(t, "raw", i)
		f.remove(t, "rows", i)
	}
	if err := l.Append(Leaf{Kind: RetentionLeaf, Workspace: f.ws, Seq: 40, Table: "Syslog", Time: fixtureStart.AddDate(0, 1, 10), Rows: removed, Cutoff: cutoff, Policy: "table Syslog 30d",
		Batches: []SeqRange{{0, 18}}}); err != nil {
		t.Fatal(err)
	}
	f.checkpoint(t, l)
	return f
}

// batch returns batch i's leaf and a function that writes its bytes and
// rows.
func (f *fixture) batch(t *testing.T, i uint64) (Leaf, func() error) {
	table := "Syslog"
	if i%2 == 1 {
		table = "Heartbeat"
	}
	raw := fmt.Appendf(nil, `{"batch":%d,"payload":%q}`, i, strings.Repeat("x", int(i)*13))
	rf := rowsFile{Table: table, Columns: testCols, Rows: batchRows(i)}
	b, err := json.Marshal(rf)
	if err != nil {
		t.Fatal(err)
	}
	write := func() error {
		return errors.Join(os.WriteFile(f.path("raw", i), raw, 0o644), os.WriteFile(f.path("rows", i), b, 0o644))
	}
	return Leaf{
		Kind: BatchLeaf, Workspace: f.ws, Seq: i, Table: table,
		Time:     fixtureStart.AddDate(0, 0, int(i)/2),
		Rows:     int64(len(rf.Rows)),
		RawHash:  sha256.Sum256(raw),
		RowsHash: HashRows(testCols, rf.Rows),
	}, write
}

// batchRows returns the rows of the fixture's batch i: what its original
// bytes, which name i, parse to.
func batchRows(i uint64) [][]any {
	var rows [][]any
	for r := range int(i%4) + 1 {
		rows = append(rows, []any{
			fixtureStart.AddDate(0, 0, int(i)/2).Add(time.Duration(r) * time.Second),
			fmt.Sprintf("host-%d", r),
			int64(4624 + r),
			float64(r) / 4,
			json.RawMessage(fmt.Sprintf(`{"r":%d}`, r)),
			int64(i),
			int32(r),
		})
	}
	return rows
}

// rederive parses a fixture batch's original bytes the way its
// "ingestion" made its rows.
func rederive(lf Leaf, contentType string, raw []byte) ([32]byte, bool, error) {
	var b struct{ Batch *uint64 }
	if err := json.Unmarshal(raw, &b); err != nil || b.Batch == nil {
		return [32]byte{}, false, fmt.Errorf("not a batch: %q", raw)
	}
	return lf.HashRows(testCols, batchRows(*b.Batch)), true, nil
}

func (f *fixture) checkpoint(t *testing.T, l *Log) {
	t.Helper()
	tree, err := l.Tree()
	if err != nil {
		t.Fatal(err)
	}
	msg, err := SignTree(f.signer, f.ws, tree)
	if err != nil {
		t.Fatal(err)
	}
	rec := record(f.ws, time.Now(), tree, msg)
	if err := saveCheckpoint(l.Dir(), rec); err != nil {
		t.Fatal(err)
	}
	if err := appendRecord(f.outside, rec); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) path(kind string, seq uint64) string {
	name := strconv.FormatUint(seq, 10)
	if kind == "rows" {
		name += ".json"
	}
	return filepath.Join(f.h.root, f.ws, kind, name)
}

func (f *fixture) write(t *testing.T, kind string, seq uint64, b []byte) {
	t.Helper()
	if err := os.WriteFile(f.path(kind, seq), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) remove(t *testing.T, kind string, seq uint64) {
	t.Helper()
	if err := os.Remove(f.path(kind, seq)); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) readRows(t *testing.T, seq uint64) rowsFile {
	t.Helper()
	b, err := os.ReadFile(f.path("rows", seq))
	if err != nil {
		t.Fatal(err)
	}
	var rf rowsFile
	if err := json.Unmarshal(b, &rf); err != nil {
		t.Fatal(err)
	}
	return rf
}

// rewriteLedger replaces the ledger with one built from its leaves as
// edit changes them, with fresh local checkpoints signed by the real key:
// what an attacker with the host's key and data directory can do.
func (f *fixture) rewriteLedger(t *testing.T, edit func([]Leaf) []Leaf) {
	t.Helper()
	l, err := OpenLog(f.h.LogDir(f.ws))
	if err != nil {
		t.Fatal(err)
	}
	var leaves []Leaf
	for lf, err := range l.Leaves(0, l.Size()) {
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, lf)
	}
	l.Close()
	if err := os.RemoveAll(f.h.LogDir(f.ws)); err != nil {
		t.Fatal(err)
	}
	l, err = OpenLog(f.h.LogDir(f.ws))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Append(edit(leaves)...); err != nil {
		t.Fatal(err)
	}
	tree, _ := l.Tree()
	msg, err := SignTree(f.signer, f.ws, tree)
	if err != nil {
		t.Fatal(err)
	}
	if err := saveCheckpoint(l.Dir(), record(f.ws, time.Now(), tree, msg)); err != nil {
		t.Fatal(err)
	}
}

func flipByteAt(t *testing.T, path string, off int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x01
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// version1 turns a fixture's leaves into the version 1 leaves a ledger
// written before version 2 holds.
func version1(ls []Leaf) []Leaf {
	for i := range ls {
		ls[i].Version, ls[i].Batches = 1, nil
		if ls[i].Kind == BatchLeaf {
			ls[i].RowsHash = ls[i].HashRows(testCols, batchRows(ls[i].Seq))
		}
	}
	return ls
}

type wantProblem struct {
	kind ProblemKind
	seq  int64
}

func TestVerify(t *testing.T) {
	cases := []struct {
		name    string
		tamper  func(t *testing.T, f *fixture)
		deep    bool
		outside bool
		want    []wantProblem
	}{
		{name: "untouched", deep: true, outside: true},
		{name: "untouched, shallow", outside: true},
		{name: "original bytes altered", tamper: func(t *testing.T, f *fixture) {
			flipByteAt(t, f.path("raw", 21), 3)
		}, want: []wantProblem{{RawMismatch, 21}}},
		{name: "original bytes removed", tamper: func(t *testing.T, f *fixture) {
			f.remove(t, "raw", 25)
		}, want: []wantProblem{{RawMissing, 25}}},
		{name: "Heartbeat bytes removed: Syslog retention does not cover them", tamper: func(t *testing.T, f *fixture) {
			f.remove(t, "raw", 3)
		}, want: []wantProblem{{RawMissing, 3}}},
		{name: "Syslog bytes removed while its rows remain: retention does not explain it", tamper: func(t *testing.T, f *fixture) {
			f.remove(t, "raw", 22)
		}, want: []wantProblem{{RawMissing, 22}}},
		{name: "Syslog batch after the retention's range removed", tamper: func(t *testing.T, f *fixture) {
			f.remove(t, "raw", 20)
			f.remove(t, "rows", 20)
		}, want: []wantProblem{{RawMissing, 20}, {RowsMissing, 20}, {RowCountMismatch, -1}}},
		{name: "bytes of a batch retention covers removed while its rows remain", tamper: func(t *testing.T, f *fixture) {
			f.rewriteLedger(t, func(ls []Leaf) []Leaf {
				ls[40].Batches = []SeqRange{{0, 22}}
				return ls
			})
			os.Remove(filepath.Join(f.h.LogDir(f.ws), historyFile))
			f.remove(t, "raw", 22)
		}, want: []wantProblem{{RawMissing, 22}}},
		{name: "old ledger: a version 1 retention leaf excuses every earlier batch of its table", tamper: func(t *testing.T, f *fixture) {
			f.rewriteLedger(t, func(ls []Leaf) []Leaf {
				ls[40].Version, ls[40].Batches = 1, nil
				return ls
			})
			os.Remove(filepath.Join(f.h.LogDir(f.ws), historyFile))
		}},
		{name: "old ledger: its row counts still catch a batch removed", tamper: func(t *testing.T, f *fixture) {
			f.rewriteLedger(t, func(ls []Leaf) []Leaf {
				ls[40].Version, ls[40].Batches = 1, nil
				return ls
			})
			os.Remove(filepath.Join(f.h.LogDir(f.ws), historyFile))
			f.remove(t, "raw", 20)
			f.remove(t, "rows", 20)
		}, want: []wantProblem{{RowCountMismatch, -1}}},
		{name: "old ledger of version 1 leaves only", deep: true, tamper: func(t *testing.T, f *fixture) {
			f.rewriteLedger(t, version1)
			os.Remove(filepath.Join(f.h.LogDir(f.ws), historyFile))
		}},
		{name: "old ledger of version 1 leaves: a row altered", tamper: func(t *testing.T, f *fixture) {
			f.rewriteLedger(t, version1)
			os.Remove(filepath.Join(f.h.LogDir(f.ws), historyFile))
			rf := f.readRows(t, 23)
			rf.Rows[0][1] = "other-host"
			b, _ := json.Marshal(rf)
			f.write(t, "rows", 23, b)
		}, want: []wantProblem{{RowsMismatch, 23}}},
		{name: "retention cutoff later than its policy allowed", tamper: func(t *testing.T, f *fixture) {
			f.rewriteLedger(t, func(ls []Leaf) []Leaf {
				ls[40].Cutoff = ls[40].Time.AddDate(0, 0, -29)
				return ls
			})
			os.Remove(filepath.Join(f.h.LogDir(f.ws), historyFile))
		}, want: []wantProblem{{RetentionMismatch, 40}}},
		{name: "retention names batches after itself", tamper: func(t *testing.T, f *fixture) {
			f.rewriteLedger(t, func(ls []Leaf) []Leaf {
				ls[40].Batches = append(ls[40].Batches, SeqRange{40, 44})
				return ls
			})
			os.Remove(filepath.Join(f.h.LogDir(f.ws), historyFile))
		}, want: []wantProblem{{RetentionMismatch, 40}}},
		{name: "original bytes inserted", tamper: func(t *testing.T, f *fixture) {
			f.write(t, "raw", 40, []byte("forged"))
			f.write(t, "raw", 41, []byte("forged"))
		}, want: []wantProblem{{RawUnaccounted, 40}, {RawUnaccounted, 41}}},
		{name: "row altered", tamper: func(t *testing.T, f *fixture) {
			rf := f.readRows(t, 23)
			rf.Rows[0][1] = "other-host"
			b, _ := json.Marshal(rf)
			f.write(t, "rows", 23, b)
		}, want: []wantProblem{{RowsMismatch, 23}}},
		{name: "file damaged", tamper: func(t *testing.T, f *fixture) {
			if err := os.WriteFile(filepath.Join(f.h.root, f.ws, "damaged"), []byte("segments/x.parquet\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, want: []wantProblem{{FileDamaged, -1}}},
		{name: "row removed", tamper: func(t *testing.T, f *fixture) {
			rf := f.readRows(t, 27)
			rf.Rows = rf.Rows[1:]
			b, _ := json.Marshal(rf)
			f.write(t, "rows", 27, b)
		}, want: []wantProblem{{RowsMissing, 27}, {RowCountMismatch, -1}}},
		{name: "batch's rows removed", tamper: func(t *testing.T, f *fixture) {
			f.remove(t, "rows", 31)
		}, want: []wantProblem{{RowsMissing, 31}, {RowCountMismatch, -1}}},
		{name: "rows inserted", tamper: func(t *testing.T, f *fixture) {
			b, _ := json.Marshal(f.readRows(t, 21))
			f.write(t, "rows", 40, b) // the retention leaf's seq
			f.write(t, "rows", 45, b) // past the ledger
		}, want: []wantProblem{{RowsUnaccounted, 40}, {RowsUnaccounted, 45}, {RowCountMismatch, -1}}},
		{name: "stored hash altered", tamper: func(t *testing.T, f *fixture) {
			flipByteAt(t, filepath.Join(f.h.LogDir(f.ws), hashesFile), 32*7+5)
		}, want: []wantProblem{{LedgerCorrupt, -1}}},
		{name: "ledger rewritten to match altered bytes", outside: true, tamper: func(t *testing.T, f *fixture) {
			flipByteAt(t, f.path("raw", 21), 3)
			b, _ := os.ReadFile(f.path("raw", 21))
			f.rewriteLedger(t, func(ls []Leaf) []Leaf {
				ls[21].RawHash = sha256.Sum256(b)
				return ls
			})
			// The local history is rewritten too.
			os.Remove(filepath.Join(f.h.LogDir(f.ws), historyFile))
			// The copies at 10 and 20 leaves predate leaf 21 and still hold.
		}, want: []wantProblem{{CheckpointInconsistent, -1}, {CheckpointInconsistent, -1}, {CheckpointInconsistent, -1}}},
		{name: "ledger rewritten, no outside copy to catch it", tamper: func(t *testing.T, f *fixture) {
			flipByteAt(t, f.path("raw", 21), 3)
			b, _ := os.ReadFile(f.path("raw", 21))
			f.rewriteLedger(t, func(ls []Leaf) []Leaf {
				ls[21].RawHash = sha256.Sum256(b)
				return ls
			})
			os.Remove(filepath.Join(f.h.LogDir(f.ws), historyFile))
		}},
		{name: "ledger cut back with its latest batches", outside: true, tamper: func(t *testing.T, f *fixture) {
			for i := uint64(35); i < 40; i++ {
				f.remove(t, "raw", i)
				f.remove(t, "rows", i)
			}
			f.rewriteLedger(t, func(ls []Leaf) []Leaf {
				ret := ls[40]
				ret.Seq = 35
				return append(ls[:35:35], ret)
			})
			os.Remove(filepath.Join(f.h.LogDir(f.ws), historyFile))
		}, want: []wantProblem{{CheckpointInconsistent, -1}, {CheckpointInconsistent, -1}}},
		{name: "checkpoint copy forged", outside: true, tamper: func(t *testing.T, f *fixture) {
			b, _ := os.ReadFile(f.outside)
			b = bytes.Replace(b, []byte(`\n30\n`), []byte(`\n31\n`), 1)
			os.WriteFile(f.outside, b, 0o644)
		}, want: []wantProblem{{CheckpointBadSignature, -1}}},
		{name: "checkpoint copy with an unreadable line", outside: true, tamper: func(t *testing.T, f *fixture) {
			appendBytes(t, f.outside, []byte("not json\n"))
		}, want: []wantProblem{{CheckpointUnreadable, -1}}},
		{name: "checkpoint by another key", outside: true, tamper: func(t *testing.T, f *fixture) {
			other, _ := testKey(t)
			l, _ := OpenLog(f.h.LogDir(f.ws))
			defer l.Close()
			tree, _ := l.Tree()
			msg, _ := SignTree(other, f.ws, tree)
			appendRecord(f.outside, record(f.ws, time.Now(), tree, msg))
		}, want: []wantProblem{{CheckpointBadSignature, -1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.tamper != nil {
				tc.tamper(t, f)
			}
			opts := VerifyOptions{VerifierKeys: []string{f.vkey}, Deep: tc.deep}
			if tc.deep {
				opts.Rederive = rederive
			}
			if tc.outside {
				opts.CheckpointFiles = []string{f.outside}
			}
			var phases []string
			opts.Progress = func(p Progress) {
				if p.Done == p.Total {
					phases = append(phases, p.Phase)
				}
			}
			rep, err := Verify(f.h, opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []wantProblem
			for _, p := range rep.Problems {
				got = append(got, wantProblem{p.Kind, p.Seq})
			}
			sortProblems(got)
			sortProblems(tc.want)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("problems:\n%s\nwant %v", problemList(rep), tc.want)
			}
			if rep.OK() != (len(tc.want) == 0) {
				t.Fatalf("OK() = %v with %d problems", rep.OK(), len(rep.Problems))
			}
			if len(tc.want) == 0 {
				if rep.Leaves != 41 || rep.RawBytes == 0 {
					t.Fatalf("report = %+v", rep)
				}
				// The ledger first; raw and rows run side by side.
				wantPhases := []string{"ledger", "raw", "rows"}
				if len(phases) > 1 {
					slices.Sort(phases[1:])
				}
				if !slices.Equal(phases, wantPhases) {
					t.Fatalf("completed phases = %v, want %v", phases, wantPhases)
				}
			}
		})
	}
}

// liveHoldings is fileHoldings of a server that keeps accepting: before
// the store's batches and rows are read, one more batch arrives.
type liveHoldings struct {
	fileHoldings
	arrive func() error
}

func (h liveHoldings) Batches(ws string, fn func(uint64, string, io.Reader) error) error {
	if err := h.arrive(); err != nil {
		return err
	}
	return h.fileHoldings.Batches(ws, fn)
}

// TestVerifyLive: batches accepted while verification runs are neither
// checked nor reported, but bytes and rows past the ledger still are.
func TestVerifyLive(t *testing.T) {
	f := newFixture(t)
	l, err := OpenLog(f.h.LogDir(f.ws))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h := liveHoldings{f.h, func() error {
		if l.Size() != 41 {
			return nil
		}
		// As the store does (Store.Append): the leaf first, then the
		// batch's bytes and rows. The rows phase runs beside the raw
		// phase, where this arrives, and may come to batch 41 at any
		// moment after.
		lf, write := f.batch(t, 41)
		if err := l.Append(lf); err != nil {
			return err
		}
		if err := l.Sync(); err != nil {
			return err
		}
		return write()
	}}
	f.write(t, "raw", 50, []byte("forged"))
	rep, err := Verify(h, VerifyOptions{VerifierKeys: []string{f.vkey}, Deep: true, Rederive: rederive})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Kind != RawUnaccounted || rep.Problems[0].Seq != 50 || rep.Leaves != 41 {
		t.Fatalf("live verify: %d leaves, problems:\n%s", rep.Leaves, problemList(rep))
	}
}

// TestVerifyDeep: deep verification parses each batch's bytes again and
// names the batches whose rows the ledger recorded differently; batches
// that cannot be re-derived are counted, not reported.
func TestVerifyDeep(t *testing.T) {
	f := newFixture(t)
	rep, err := Verify(f.h, VerifyOptions{VerifierKeys: []string{f.vkey}, Deep: true,
		Rederive: func(lf Leaf, ct string, raw []byte) ([32]byte, bool, error) {
			switch lf.Seq {
			case 23: // a parser that makes other rows than ingestion did
				return HashRows(testCols, batchRows(22)), true, nil
			case 25:
				return [32]byte{}, false, nil
			case 27:
				return rederive(lf, ct, []byte("garbage"))
			}
			return rederive(lf, ct, raw)
		}})
	if err != nil {
		t.Fatal(err)
	}
	got := problemList(rep)
	if len(rep.Problems) != 2 || rep.Problems[0].Seq != 23 || rep.Problems[1].Seq != 27 ||
		rep.Problems[0].Kind != RederiveMismatch || !strings.Contains(got, "do not hash") || !strings.Contains(got, "no longer parse") {
		t.Fatalf("problems:\n%s", got)
	}
	// 30 batches keep their bytes; one of them cannot be re-derived.
	if rep.Rederived != 29 || rep.Underived != 1 {
		t.Fatalf("rederived %d, underived %d", rep.Rederived, rep.Underived)
	}
	if _, err := Verify(f.h, VerifyOptions{VerifierKeys: []string{f.vkey}, Deep: true}); err == nil {
		t.Fatal("deep verification without a Rederive function ran")
	}
}

func sortProblems(ps []wantProblem) {
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].kind != ps[j].kind {
			return ps[i].kind < ps[j].kind
		}
		return ps[i].seq < ps[j].seq
	})
}

func problemList(r *Report) string {
	var b strings.Builder
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "  %s\n", p)
	}
	return b.String()
}

func TestVerifyNeedsKey(t *testing.T) {
	if _, err := Verify(fileHoldings{t.TempDir()}, VerifyOptions{}); err == nil || !strings.Contains(err.Error(), "verifier key") {
		t.Fatalf("err = %v", err)
	}
}
