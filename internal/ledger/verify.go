package ledger

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/bits"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Holdings is what verification needs from the store: for each workspace,
// where its ledger is and what it holds. Both iterations go in ascending
// seq order and need keep only one batch in memory at a time.
type Holdings interface {
	// Workspaces lists the ids of the workspaces that have a ledger.
	Workspaces() ([]string, error)
	// LogDir returns the directory of workspace's ledger (OpenLog's dir).
	LogDir(workspace string) string
	// Batches calls fn once for each batch whose original bytes are kept,
	// in ascending seq, with their content type and a reader of exactly
	// those bytes, valid until fn returns.
	Batches(workspace string, fn func(seq uint64, contentType string, raw io.Reader) error) error
	// Rows calls fn once for each batch that has rows stored, in ascending
	// seq (_BatchSeq), with the table they are in and all of the batch's
	// stored rows in _BatchRow order, encoded: the columns and values the
	// store hashed into the leaf's RowsHash. rows is valid until fn
	// returns.
	Rows(workspace string, fn func(seq uint64, table string, rows *RowsEncoder) error) error
	// Damaged calls fn for each file of workspace's data that is missing
	// or not what the store wrote (its checksum differs), naming it and
	// what is wrong. Batches and Rows leave such files out, so one bad
	// file does not stop the check of the others; Verify calls Damaged
	// after them.
	Damaged(workspace string, fn func(file, detail string)) error
}

// ProblemKind names a kind of problem verification finds.
type ProblemKind string

// The problems verification reports.
const (
	// LedgerCorrupt: a ledger's files are unreadable or its stored hashes
	// do not follow from its leaves.
	LedgerCorrupt ProblemKind = "ledger-corrupt"
	// CheckpointBadSignature: a checkpoint is not validly signed by any
	// of the verifier keys.
	CheckpointBadSignature ProblemKind = "checkpoint-bad-signature"
	// CheckpointUnreadable: a line of a checkpoint file is not a record.
	CheckpointUnreadable ProblemKind = "checkpoint-unreadable"
	// CheckpointInconsistent: a ledger's tree is not the one a signed
	// checkpoint recorded, or is shorter: the ledger was rewritten or cut.
	CheckpointInconsistent ProblemKind = "checkpoint-inconsistent"
	// RawMismatch: a batch's original bytes do not hash to its leaf's RawHash.
	RawMismatch ProblemKind = "raw-mismatch"
	// RawMissing: a batch's original bytes are gone and no retention leaf
	// of its table covers it.
	RawMissing ProblemKind = "raw-missing"
	// RawUnaccounted: original bytes are kept for a seq that has no batch leaf.
	RawUnaccounted ProblemKind = "raw-unaccounted"
	// RowsMismatch: a batch's stored rows do not hash to its leaf's RowsHash.
	RowsMismatch ProblemKind = "rows-mismatch"
	// RowsMissing: some or all rows of a batch are gone and no retention
	// leaf of its table covers it.
	RowsMissing ProblemKind = "rows-missing"
	// RowsUnaccounted: stored rows name a seq that has no batch leaf of
	// their table.
	RowsUnaccounted ProblemKind = "rows-unaccounted"
	// RowCountMismatch: a table holds a different number of rows than its
	// batch leaves minus its retention leaves account for.
	RowCountMismatch ProblemKind = "row-count-mismatch"
	// FileDamaged: a file of the store is missing, or its bytes are not
	// those the store wrote (a flipped byte in a segment).
	FileDamaged ProblemKind = "file-damaged"
	// RetentionMismatch: a retention leaf does not hold together: its
	// cutoff is later than its policy allowed when it ran, or it names
	// batches that come after it.
	RetentionMismatch ProblemKind = "retention-mismatch"
	// RederiveMismatch: the rows parsed again from a batch's original
	// bytes do not hash to its leaf's RowsHash, or no longer parse (Deep).
	RederiveMismatch ProblemKind = "rederive-mismatch"
)

// Problem is one thing verification found wrong.
type Problem struct {
	Kind      ProblemKind
	Workspace string
	// Seq is the leaf the problem concerns, or -1.
	Seq    int64
	Detail string
}

func (p Problem) String() string {
	if p.Seq >= 0 {
		return fmt.Sprintf("%s: workspace %s seq %d: %s", p.Kind, p.Workspace, p.Seq, p.Detail)
	}
	if p.Workspace != "" {
		return fmt.Sprintf("%s: workspace %s: %s", p.Kind, p.Workspace, p.Detail)
	}
	return fmt.Sprintf("%s: %s", p.Kind, p.Detail)
}

// VerifyOptions configures Verify.
type VerifyOptions struct {
	// VerifierKeys are the public keys (note.NewVerifier's form) a
	// checkpoint must be signed by. At least one is required.
	VerifierKeys []string
	// CheckpointFiles are copies of checkpoints kept outside the data
	// directory, to check each ledger against: a single note, or JSON
	// lines of CheckpointRecord (a copy file). Each ledger's own history
	// is always checked too.
	CheckpointFiles []string
	// Deep also parses each batch's original bytes again with Rederive
	// and compares the rows that gives with the leaf's RowsHash.
	Deep bool
	// Rederive, required with Deep, turns a batch's original bytes back
	// into rows the way ingestion did and returns their rows hash
	// (Leaf.HashRows). It is called from several goroutines at once. ok is
	// false when the batch cannot be re-derived from its bytes alone (its
	// rows carry what the bytes do not, such as a sender's address); such
	// batches are counted in Report.Underived. An error is a batch whose
	// bytes no longer parse the way they did.
	Rederive func(lf Leaf, contentType string, raw []byte) (sum [32]byte, ok bool, err error)
	// Progress, if set, is called as verification advances.
	Progress func(Progress)
	// MaxProblems bounds the problems kept in the report (default 1000);
	// the rest are only counted.
	MaxProblems int
}

// Progress says how far verification is.
type Progress struct {
	Workspace string
	// Phase is "ledger", "raw" or "rows".
	Phase string
	// Done of Total leaves of the workspace are through this phase.
	Done, Total uint64
	// Bytes is the original bytes hashed so far in all workspaces.
	Bytes int64
}

// Report is the outcome of Verify.
type Report struct {
	Workspaces  int
	Leaves      uint64
	Checkpoints int
	// RawBytes is how many original bytes were hashed.
	RawBytes int64
	// Rows is how many stored rows were hashed.
	Rows int64
	// Rederived and Underived count the batches Deep parsed again and
	// compared, and those it could not (Rederive's ok false).
	Rederived, Underived int64
	Problems             []Problem
	// Dropped counts problems beyond MaxProblems.
	Dropped int
}

// OK reports whether verification found no problem.
func (r *Report) OK() bool { return len(r.Problems) == 0 && r.Dropped == 0 }

// progressEvery is how many leaves pass between progress reports.
const progressEvery = 1 << 14

// Verify checks the ledgers of h against what h holds and against signed
// checkpoints, and reports every problem it finds. It reads the ledger
// files without changing them, so it may run beside a live server; leaves
// appended after it starts are not checked. Memory stays bounded: leaves,
// bytes and rows are streamed, and what is kept per workspace is, per
// table, a row count and the seq of its last retention leaf. An error
// means verification could not run (bad options, unreadable holdings),
// not that it found problems.
func Verify(h Holdings, opts VerifyOptions) (*Report, error) {
	if len(opts.VerifierKeys) == 0 {
		return nil, errors.New("ledger: verify: no checkpoint verifier key")
	}
	if opts.Deep && opts.Rederive == nil {
		return nil, errors.New("ledger: verify: deep verification needs a Rederive function")
	}
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = 1000
	}
	v := &verifier{opts: opts, rep: &Report{}, logs: map[string]*snapshot{}}
	defer v.close()
	wss, err := h.Workspaces()
	if err != nil {
		return nil, fmt.Errorf("ledger: verify: %w", err)
	}
	v.rep.Workspaces = len(wss)
	for _, ws := range wss {
		s, err := openSnapshot(h.LogDir(ws))
		if err != nil {
			v.problem(LedgerCorrupt, ws, -1, "%v", err)
			continue
		}
		v.logs[ws] = s
		v.rep.Leaves += s.size
		if !v.checkLedger(ws, s) {
			// Nothing else can be judged against a ledger that is wrong.
			delete(v.logs, ws)
			s.close()
		}
	}
	for _, ws := range wss {
		if s := v.logs[ws]; s != nil {
			if err := v.checkCheckpointFile(filepath.Join(s.dir, historyFile), ws); err != nil {
				return nil, err
			}
		}
	}
	for _, f := range opts.CheckpointFiles {
		if err := v.checkCheckpointFile(f, ""); err != nil {
			return nil, err
		}
	}
	for _, ws := range wss {
		s := v.logs[ws]
		if s == nil {
			continue
		}
		// The two phases read different files and each keeps a core
		// busy (hashing bytes; decoding and hashing rows), so they run
		// side by side; what one tells the other is checked after. The
		// store checks each file's checksum as the phases come to it,
		// on their goroutines, and leaves out damaged files; Damaged,
		// after, names them (and checks what the phases do not read).
		var rawErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			rawErr = v.checkRaw(h, ws, s)
		}()
		rowsErr := v.checkRows(h, ws, s)
		<-done
		if err := errors.Join(rawErr, rowsErr); err != nil {
			return nil, err
		}
		v.checkRawRetained(ws, s)
		err := h.Damaged(ws, func(file, detail string) {
			v.problem(FileDamaged, ws, -1, "%s: %s", file, detail)
		})
		if err != nil {
			return nil, fmt.Errorf("ledger: verify: workspace %s: %w", ws, err)
		}
	}
	sort.SliceStable(v.rep.Problems, func(i, j int) bool {
		a, b := v.rep.Problems[i], v.rep.Problems[j]
		if a.Workspace != b.Workspace {
			return a.Workspace < b.Workspace
		}
		return a.Seq < b.Seq
	})
	return v.rep, nil
}

type verifier struct {
	opts VerifyOptions
	// mu guards rep and the Progress callback: the raw and rows phases
	// run at once.
	mu   sync.Mutex
	rep  *Report
	logs map[string]*snapshot
}

func (v *verifier) problem(kind ProblemKind, ws string, seq int64, format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.rep.Problems) >= v.opts.MaxProblems {
		v.rep.Dropped++
		return
	}
	v.rep.Problems = append(v.rep.Problems, Problem{Kind: kind, Workspace: ws, Seq: seq, Detail: fmt.Sprintf(format, args...)})
}

func (v *verifier) progress(ws, phase string, done, total uint64) {
	if v.opts.Progress != nil && (done%progressEvery == 0 || done == total) {
		v.mu.Lock()
		defer v.mu.Unlock()
		v.opts.Progress(Progress{Workspace: ws, Phase: phase, Done: done, Total: total, Bytes: v.rep.RawBytes})
	}
}

func (v *verifier) close() {
	for _, s := range v.logs {
		s.close()
	}
}

// snapshot is a read-only view of a log directory, as of when it was
// opened: the leaves that its index and stored hashes both cover.
type snapshot struct {
	dir            string
	leaves, hashes *os.File
	size           uint64
	leavesLen      int64
	// lastRetention is the seq of each table's last version 1 retention
	// leaf, which does not say which batches it touched.
	lastRetention map[string]uint64
	// retained is, per table, the batches its retention leaves cover.
	retained map[string][]SeqRange
	// rawRetained has a bit set for each batch whose original bytes the
	// raw phase found gone and put down to retention: the store deletes
	// a batch's bytes only once none of its rows are left, which the rows
	// phase then checks. One bit a leaf, allocated on first use.
	rawRetained []uint64
	// rowsHeld has a bit set for each batch the rows phase found rows of.
	rowsHeld []uint64
}

func openSnapshot(dir string) (*snapshot, error) {
	s := &snapshot{dir: dir, lastRetention: map[string]uint64{}, retained: map[string][]SeqRange{}}
	var err error
	if s.leaves, err = os.Open(filepath.Join(dir, leavesFile)); err != nil {
		return nil, fmt.Errorf("ledger %s: %w", dir, err)
	}
	if s.hashes, err = os.Open(filepath.Join(dir, hashesFile)); err != nil {
		s.close()
		return nil, fmt.Errorf("ledger %s: %w", dir, err)
	}
	idx, err := os.Stat(filepath.Join(dir, indexFile))
	if err != nil {
		s.close()
		return nil, fmt.Errorf("ledger %s: %w", dir, err)
	}
	hs, err := fileSize(s.hashes)
	if err == nil {
		s.leavesLen, err = fileSize(s.leaves)
	}
	if err != nil {
		s.close()
		return nil, fmt.Errorf("ledger %s: %w", dir, err)
	}
	// A live log writes leaves, then index, then hashes: the leaves both
	// later files cover are whole.
	s.size = uint64(idx.Size() / 8)
	for s.size > 0 && tlog.StoredHashCount(int64(s.size))*tlog.HashSize > hs {
		s.size--
	}
	return s, nil
}

func (s *snapshot) close() {
	if s.leaves != nil {
		s.leaves.Close()
	}
	if s.hashes != nil {
		s.hashes.Close()
	}
}

// scan calls fn with each leaf of the snapshot and its encoded bytes.
func (s *snapshot) scan(fn func(i uint64, lf Leaf, body []byte) error) error {
	return scanRecords(io.NewSectionReader(s.leaves, 0, s.leavesLen), s.leavesLen, 0, s.size, fn)
}

// cursor returns a pull iterator over the snapshot's leaves, for merging
// with what the store holds.
func (s *snapshot) cursor() (next func() (Leaf, bool), stop func()) {
	seq := iter.Seq[Leaf](func(yield func(Leaf) bool) {
		s.scan(func(_ uint64, lf Leaf, _ []byte) error {
			if !yield(lf) {
				return errStop
			}
			return nil
		})
	})
	return iter.Pull(seq)
}

// checkLedger recomputes every stored hash from the leaves and compares it
// with the stored one. Each leaf's hashes are computed from stored hashes
// already checked, so by induction all are checked. It notes each table's
// last retention leaf, and reports whether the ledger is sound.
func (v *verifier) checkLedger(ws string, s *snapshot) bool {
	stored := bufio.NewReaderSize(s.hashes, 256<<10)
	r := &frontier{m: map[int64]tlog.Hash{}, fallback: fileHashReader{s.hashes}}
	var got [tlog.HashSize]byte
	err := s.scan(func(i uint64, lf Leaf, body []byte) error {
		if lf.Workspace != ws {
			return fmt.Errorf("leaf %d belongs to workspace %q", i, lf.Workspace)
		}
		hs, err := tlog.StoredHashesForRecordHash(int64(i), tlog.RecordHash(body), r)
		if err != nil {
			return fmt.Errorf("leaf %d: %w", i, err)
		}
		for k, h := range hs {
			if _, err := io.ReadFull(stored, got[:]); err != nil {
				return fmt.Errorf("stored hash %d: %w", tlog.StoredHashIndex(0, int64(i))+int64(k), err)
			}
			if got != h {
				return fmt.Errorf("stored hash %d does not follow from leaf %d", tlog.StoredHashIndex(0, int64(i))+int64(k), i)
			}
		}
		// Checked, the hashes can serve the leaves that follow.
		r.add(int64(i), hs)
		if lf.Kind == RetentionLeaf {
			v.noteRetention(ws, s, lf)
		}
		v.progress(ws, "ledger", i+1, s.size)
		return nil
	})
	if err != nil {
		v.problem(LedgerCorrupt, ws, -1, "%s: %v", s.dir, err)
		return false
	}
	return true
}

// checkCheckpointFile checks each checkpoint in the file at path: its
// signature, and that the ledger of its workspace has its tree as a
// prefix. ws, if set, is the only workspace the file may speak for.
func (v *verifier) checkCheckpointFile(path, ws string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) && ws != "" {
		return nil // no checkpoint made yet
	}
	if err != nil {
		return fmt.Errorf("ledger: verify: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	first, err := br.Peek(1)
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ledger: verify: %s: %w", path, err)
	}
	if first[0] != '{' {
		msg, err := io.ReadAll(io.LimitReader(br, 1<<20))
		if err != nil {
			return fmt.Errorf("ledger: verify: %s: %w", path, err)
		}
		v.checkCheckpoint(path, ws, msg)
		return nil
	}
	err = ReadCheckpointRecords(br, func(line int, rec CheckpointRecord, err error) error {
		if err != nil {
			v.problem(CheckpointUnreadable, ws, -1, "%s: %v", path, err)
		} else {
			v.checkCheckpoint(fmt.Sprintf("%s:%d", path, line), ws, []byte(rec.Note))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ledger: verify: %s: %w", path, err)
	}
	return nil
}

func (v *verifier) checkCheckpoint(where, ws string, msg []byte) {
	v.rep.Checkpoints++
	cp, err := OpenCheckpoint(msg, v.opts.VerifierKeys...)
	if err != nil {
		v.problem(CheckpointBadSignature, ws, -1, "%s: %v", where, err)
		return
	}
	if ws != "" && cp.Workspace != ws {
		v.problem(CheckpointInconsistent, ws, -1, "%s: checkpoint is of workspace %s", where, cp.Workspace)
		return
	}
	s := v.logs[cp.Workspace]
	if s == nil {
		// Either the workspace is unknown, or its ledger already failed.
		v.problem(CheckpointInconsistent, cp.Workspace, -1, "%s: checkpoint of size %d but no sound ledger to check it against", where, cp.Tree.N)
		return
	}
	if uint64(cp.Tree.N) > s.size {
		v.problem(CheckpointInconsistent, cp.Workspace, -1, "%s: checkpoint has %d leaves but the ledger only %d: leaves were removed", where, cp.Tree.N, s.size)
		return
	}
	h, err := tlog.TreeHash(cp.Tree.N, fileHashReader{s.hashes})
	if err != nil {
		v.problem(LedgerCorrupt, cp.Workspace, -1, "tree hash of size %d: %v", cp.Tree.N, err)
		return
	}
	if h != cp.Tree.Hash {
		v.problem(CheckpointInconsistent, cp.Workspace, -1, "%s: the ledger's first %d leaves do not hash to the checkpoint's root: the ledger was rewritten", where, cp.Tree.N)
	}
}

// appendedSince reports whether seq is past the snapshot but in the
// ledger now: a batch a live server accepted while verification ran, which
// this run does not judge. A seq past the ledger now is no batch at all.
func (s *snapshot) appendedSince(seq uint64) bool {
	if seq < s.size {
		return false
	}
	st, err := os.Stat(filepath.Join(s.dir, indexFile))
	return err == nil && uint64(st.Size()/8) > seq
}

// noteRetention checks a retention leaf and notes which batches it
// excuses.
func (v *verifier) noteRetention(ws string, s *snapshot, lf Leaf) {
	if days, ok := policyDays(lf.Policy); !ok || lf.Cutoff.IsZero() || lf.Cutoff.After(lf.Time.Add(-time.Duration(days)*24*time.Hour)) {
		v.problem(RetentionMismatch, ws, int64(lf.Seq), "retention of %s with cutoff %s at %s does not follow from its policy %q",
			lf.Table, lf.Cutoff.Format(time.RFC3339Nano), lf.Time.Format(time.RFC3339Nano), lf.Policy)
	}
	if lf.version() == 1 {
		s.lastRetention[lf.Table] = lf.Seq
		return
	}
	if n := len(lf.Batches); n > 0 && lf.Batches[n-1].Last >= lf.Seq {
		v.problem(RetentionMismatch, ws, int64(lf.Seq), "retention of %s names batches up to %d, after itself", lf.Table, lf.Batches[n-1].Last)
	}
	s.retained[lf.Table] = mergeRanges(s.retained[lf.Table], lf.Batches)
}

// policyDays reads the days a retention policy keeps rows from its name,
// which ends in "<days>d" (e.g. "table Syslog 30d").
func policyDays(policy string) (int, bool) {
	f := strings.Fields(policy)
	if len(f) == 0 || !strings.HasSuffix(f[len(f)-1], "d") {
		return 0, false
	}
	days, err := strconv.Atoi(strings.TrimSuffix(f[len(f)-1], "d"))
	return days, err == nil && days > 0
}

// mergeRanges returns the union of two ascending range lists, ascending,
// disjoint and with adjacent ranges joined.
func mergeRanges(a, b []SeqRange) []SeqRange {
	all := append(append(make([]SeqRange, 0, len(a)+len(b)), a...), b...)
	sort.Slice(all, func(i, j int) bool { return all[i].First < all[j].First })
	var out []SeqRange
	for _, r := range all {
		if n := len(out); n > 0 && r.First <= out[n-1].Last+1 {
			out[n-1].Last = max(out[n-1].Last, r.Last)
			continue
		}
		out = append(out, r)
	}
	return out
}

// excused reports whether a batch of table may have lost data: a
// retention leaf of its table covers it, or (for ledgers written before
// retention leaves named their batches) a version 1 retention leaf of
// its table follows it.
func (s *snapshot) excused(table string, seq uint64) bool {
	if last, ok := s.lastRetention[table]; ok && last > seq {
		return true
	}
	return covers(s.retained[table], seq)
}

// checkRaw hashes each batch's kept original bytes and compares them with
// its leaf, and finds batches whose bytes are gone.
func (v *verifier) checkRaw(h Holdings, ws string, s *snapshot) error {
	next, stop := s.cursor()
	defer stop()
	var cur Leaf
	have := false
	advance := func() {
		cur, have = next()
		if have {
			v.progress(ws, "raw", cur.Seq+1, s.size)
		}
	}
	// missing reports the batch leaf cur whose bytes the store lacks.
	missing := func() {
		if cur.Kind != BatchLeaf {
			return
		}
		if !s.excused(cur.Table, cur.Seq) {
			v.problem(RawMissing, ws, int64(cur.Seq), "original bytes of the %s batch are gone, and no retention leaf of %s covers it", cur.Table, cur.Table)
		} else {
			if s.rawRetained == nil {
				s.rawRetained = make([]uint64, (s.size+63)/64)
			}
			s.rawRetained[cur.Seq/64] |= 1 << (cur.Seq % 64)
		}
	}
	advance()
	// Re-deriving (Deep) parses and normalizes every record, far more
	// work than hashing: batches go to a worker on each core, a few at a
	// time so that memory stays bounded.
	type job struct {
		lf          Leaf
		contentType string
		raw         []byte
	}
	jobs := make(chan job, runtime.GOMAXPROCS(0))
	var workers sync.WaitGroup
	if v.opts.Deep {
		for range runtime.GOMAXPROCS(0) {
			workers.Go(func() {
				for j := range jobs {
					v.rederive(ws, j.lf, j.contentType, j.raw)
				}
			})
		}
	}
	defer workers.Wait()
	defer close(jobs)
	hasher := sha256.New()
	buf := make([]byte, 256<<10)
	err := h.Batches(ws, func(seq uint64, contentType string, raw io.Reader) error {
		if s.appendedSince(seq) {
			return nil
		}
		for have && cur.Seq < seq {
			missing()
			advance()
		}
		if !have || cur.Seq != seq || cur.Kind != BatchLeaf {
			v.problem(RawUnaccounted, ws, int64(seq), "original bytes kept for seq %d, which no batch leaf records", seq)
			return nil
		}
		hasher.Reset()
		var kept bytes.Buffer
		src := raw
		if v.opts.Deep {
			// Re-deriving needs the whole batch; it is one request's body.
			src = io.TeeReader(raw, &kept)
		}
		n, err := io.CopyBuffer(hasher, src, buf)
		if err != nil {
			return fmt.Errorf("ledger: verify: workspace %s batch %d: %w", ws, seq, err)
		}
		v.mu.Lock()
		v.rep.RawBytes += n
		v.mu.Unlock()
		if !bytes.Equal(hasher.Sum(nil), cur.RawHash[:]) {
			v.problem(RawMismatch, ws, int64(seq), "the %d original bytes of the %s batch do not hash to the leaf's RawHash", n, cur.Table)
		} else if v.opts.Deep {
			jobs <- job{cur, contentType, kept.Bytes()}
		}
		advance()
		return nil
	})
	if err != nil {
		return fmt.Errorf("ledger: verify: workspace %s batches: %w", ws, err)
	}
	for have {
		missing()
		advance()
	}
	return nil
}

// checkRawRetained reports the batches whose original bytes the raw phase
// put down to retention while the rows phase found rows of them: the
// store removes a batch's bytes only with its last row.
func (v *verifier) checkRawRetained(ws string, s *snapshot) {
	for w := range min(len(s.rawRetained), len(s.rowsHeld)) {
		both := s.rawRetained[w] & s.rowsHeld[w]
		for both != 0 {
			b := bits.TrailingZeros64(both)
			both &^= 1 << b
			v.problem(RawMissing, ws, int64(w*64+b), "original bytes of the batch are gone while rows of it remain; retention removes the bytes only with the last row")
		}
	}
}

// rederive parses a batch's original bytes again and compares the rows
// with what its leaf recorded.
func (v *verifier) rederive(ws string, lf Leaf, contentType string, raw []byte) {
	sum, ok, err := v.opts.Rederive(lf, contentType, raw)
	v.mu.Lock()
	switch {
	case err != nil:
		v.rep.Rederived++
		v.mu.Unlock()
		v.problem(RederiveMismatch, ws, int64(lf.Seq), "the original bytes of the %s batch (%s) no longer parse: %v", lf.Table, contentType, err)
	case !ok:
		v.rep.Underived++
		v.mu.Unlock()
	default:
		v.rep.Rederived++
		v.mu.Unlock()
		if sum != lf.RowsHash {
			v.problem(RederiveMismatch, ws, int64(lf.Seq), "the rows parsed again from the original bytes of the %s batch (%s) do not hash to the leaf's RowsHash", lf.Table, contentType)
		}
	}
}

// checkRows hashes each batch's stored rows and compares them with its
// leaf, finds rows gone without a retention leaf and rows no leaf
// accounts for, and checks each table's row count against the ledger.
func (v *verifier) checkRows(h Holdings, ws string, s *snapshot) error {
	next, stop := s.cursor()
	defer stop()
	// expect is, per table, rows accepted minus rows retention removed.
	expect, present := map[string]int64{}, map[string]int64{}
	var cur Leaf
	have := false
	advance := func() {
		cur, have = next()
		if !have {
			return
		}
		v.progress(ws, "rows", cur.Seq+1, s.size)
		switch cur.Kind {
		case BatchLeaf:
			expect[cur.Table] += cur.Rows
		case RetentionLeaf:
			expect[cur.Table] -= cur.Rows
		}
	}
	missing := func(have int64) {
		if cur.Kind != BatchLeaf || have >= cur.Rows {
			return
		}
		if !s.excused(cur.Table, cur.Seq) {
			v.problem(RowsMissing, ws, int64(cur.Seq), "%d of the %d rows of the %s batch are gone, and no retention leaf of %s covers it", cur.Rows-have, cur.Rows, cur.Table, cur.Table)
		}
	}
	advance()
	err := h.Rows(ws, func(seq uint64, table string, rows *RowsEncoder) error {
		if s.appendedSince(seq) {
			return nil
		}
		n := int64(rows.Len())
		v.rep.Rows += n
		present[table] += n
		for have && cur.Seq < seq {
			missing(0)
			advance()
		}
		if !have || cur.Seq != seq || cur.Kind != BatchLeaf || cur.Table != table {
			v.problem(RowsUnaccounted, ws, int64(seq), "%d rows of %s name batch %d, which no batch leaf of %s records", n, table, seq, table)
			return nil
		}
		if s.rowsHeld == nil {
			s.rowsHeld = make([]uint64, (s.size+63)/64)
		}
		s.rowsHeld[seq/64] |= 1 << (seq % 64)
		switch {
		case n == cur.Rows:
			if rows.Sum(cur.Version) != cur.RowsHash {
				v.problem(RowsMismatch, ws, int64(seq), "the %d stored rows of the %s batch do not hash to the leaf's RowsHash", n, table)
			}
		case n > cur.Rows:
			v.problem(RowsUnaccounted, ws, int64(seq), "%d rows of %s are stored for a batch of %d", n, table, cur.Rows)
		default:
			// Retention removed some rows: what is left cannot be hashed
			// against the whole batch; the table's count still checks it.
			missing(n)
		}
		advance()
		return nil
	})
	if err != nil {
		return fmt.Errorf("ledger: verify: workspace %s rows: %w", ws, err)
	}
	for have {
		missing(0)
		advance()
	}
	for table, n := range expect {
		if present[table] != n {
			v.problem(RowCountMismatch, ws, -1, "table %s holds %d rows; its batch leaves minus its retention leaves account for %d", table, present[table], n)
		}
	}
	for table, n := range present {
		if _, ok := expect[table]; !ok {
			v.problem(RowCountMismatch, ws, -1, "table %s holds %d rows; the ledger records none", table, n)
		}
	}
	return nil
}
