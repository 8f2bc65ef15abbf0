package store

import (
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"sort"

	"vigil/internal/ledger"
	"vigil/internal/wal"
)

// Every WAL record of a workspace is the leaf of the same index in the
// workspace's ledger. A leaf is made when its record is numbered, queued,
// and appended once its record is durable; records become durable in WAL
// order, so when one is durable every earlier leaf of its workspace is too.

// queuedLeaf is a leaf waiting for its record to become durable.
type queuedLeaf struct {
	lsn  wal.LSN
	leaf ledger.Leaf
}

// batchLeaf returns the leaf of a batch record (seq set later).
func batchLeaf(rec *batchRecord) ledger.Leaf {
	return ledger.Leaf{
		Kind: ledger.BatchLeaf, Workspace: rec.workspace, Seq: rec.seq, Table: rec.table,
		Time: rec.received, Rows: int64(len(rec.rows)),
		RawHash: sha256.Sum256(rec.raw), RowsHash: ledger.HashRows(rec.cols, rec.rows),
	}
}

// retentionLeaf returns the leaf of a retention record. A record from a
// WAL written before retention recorded its batches gets the version 1
// leaf that binary would have made, which verification reads as
// covering every earlier batch of its table.
func retentionLeaf(rec *retentionRecord) ledger.Leaf {
	lf := ledger.Leaf{
		Kind: ledger.RetentionLeaf, Workspace: rec.workspace, Seq: rec.seq, Table: rec.table,
		Time: rec.time, Rows: rec.rows, Cutoff: rec.cutoff, Policy: rec.policy,
	}
	if len(rec.batches) == 0 {
		lf.Version = 1
	}
	for _, r := range rec.batches {
		lf.Batches = append(lf.Batches, ledger.SeqRange{First: r[0], Last: r[1]})
	}
	return lf
}

// retainedBatches returns the batches a retention leaf records: the seqs
// of the deleted segments' batches, widened over the gaps between them
// that hold no batch the table keeps. Seqs interleave across a
// workspace's tables, so the exact set would fall apart into about a
// range per batch; a seq in a gap is covered only if it is sealed (not
// in memory or in flight) and in none of the table's kept segments or
// hot generations: a record of another table, which a leaf of this table
// does not speak for, or a batch of this table an earlier retention
// removed.
func retainedBatches(gone, kept, sealed rangeSet) rangeSet {
	if len(gone) == 0 {
		return nil
	}
	window := rangeSet{{gone[0][0], gone[len(gone)-1][1]}}
	return gone.union(window.intersect(sealed).minus(kept))
}

// intersect returns the seqs in both sets.
func (r rangeSet) intersect(o rangeSet) rangeSet {
	var out rangeSet
	for i, j := 0, 0; i < len(r) && j < len(o); {
		lo, hi := max(r[i][0], o[j][0]), min(r[i][1], o[j][1])
		if lo <= hi {
			out = append(out, [2]uint64{lo, hi})
		}
		if r[i][1] < o[j][1] {
			i++
		} else {
			j++
		}
	}
	return out
}

// minus returns the seqs of r not in o.
func (r rangeSet) minus(o rangeSet) rangeSet {
	var out rangeSet
	j := 0
	for _, x := range r {
		lo, rest := x[0], true
		for j < len(o) && o[j][1] < lo {
			j++
		}
		for k := j; rest && k < len(o) && o[k][0] <= x[1]; k++ {
			if o[k][0] > lo {
				out = append(out, [2]uint64{lo, o[k][0] - 1})
			}
			if o[k][1] >= x[1] {
				rest = false
			} else {
				lo = o[k][1] + 1
			}
		}
		if rest {
			out = append(out, [2]uint64{lo, x[1]})
		}
	}
	return out
}

// Ledger returns the workspace's ledger.
func (s *Store) Ledger(workspace string) (*ledger.Log, error) {
	if !validWorkspace(workspace) {
		return nil, fmt.Errorf("store: invalid workspace id %q", workspace)
	}
	s.ledgerMu.Lock()
	defer s.ledgerMu.Unlock()
	return s.ledgerLocked(workspace)
}

func (s *Store) ledgerLocked(workspace string) (*ledger.Log, error) {
	if l, ok := s.ledgers[workspace]; ok {
		return l, nil
	}
	if s.opts.ReadOnly {
		return nil, fmt.Errorf("store: ledger not available read-only")
	}
	l, err := ledger.OpenLog(filepath.Join(s.dir, "ledger", workspace))
	if err != nil {
		return nil, err
	}
	s.ledgers[workspace] = l
	return l, nil
}

// appendLeaves appends the queued leaves of workspace up to and including
// seq, in order. Called once the record numbered seq is durable.
func (s *Store) appendLeaves(workspace string, seq uint64) error {
	s.ledgerMu.Lock()
	defer s.ledgerMu.Unlock()
	l, err := s.ledgerLocked(workspace)
	if err != nil {
		return err
	}
	q := s.leafQueue[workspace]
	n := 0
	for n < len(q) && q[n].leaf.Seq <= seq {
		n++
	}
	if n == 0 {
		return nil
	}
	leaves := make([]ledger.Leaf, n)
	for i := range leaves {
		leaves[i] = q[i].leaf
	}
	// Leaves below the ledger's size are there already (appended during
	// replay); a leaf beyond it with a gap is a bug worth stopping for.
	for len(leaves) > 0 && leaves[0].Seq < l.Size() {
		leaves = leaves[1:]
	}
	s.leafQueue[workspace] = q[n:]
	if err := l.Append(leaves...); err != nil {
		return fmt.Errorf("store: ledger: %w", err)
	}
	return nil
}

// dropLostLeaves removes queued leaves whose records a failed write lost.
// Called with seqMu held.
func (s *Store) dropLostLeaves(from, to wal.LSN) {
	s.ledgerMu.Lock()
	defer s.ledgerMu.Unlock()
	for ws, q := range s.leafQueue {
		kept := q[:0]
		for _, e := range q {
			if e.lsn <= from || e.lsn > to {
				kept = append(kept, e)
			}
		}
		s.leafQueue[ws] = kept
	}
}

// queueLeaf adds a numbered record's leaf. Called with seqMu held, so
// each workspace's queue is in seq order.
func (s *Store) queueLeaf(lsn wal.LSN, leaf ledger.Leaf) {
	s.ledgerMu.Lock()
	s.leafQueue[leaf.Workspace] = append(s.leafQueue[leaf.Workspace], queuedLeaf{lsn, leaf})
	s.ledgerMu.Unlock()
}

// syncLedgers makes every appended leaf durable; the WAL may only be
// truncated after, since it is where lost leaves are rebuilt from.
func (s *Store) syncLedgers() error {
	s.ledgerMu.Lock()
	defer s.ledgerMu.Unlock()
	ids := make([]string, 0, len(s.ledgers))
	for id := range s.ledgers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if err := s.ledgers[id].Sync(); err != nil {
			return err
		}
	}
	return nil
}

// replayLeaf appends, during recovery, the leaf of a WAL record the
// ledger lost in a crash.
func (s *Store) replayLeaf(leaf ledger.Leaf) error {
	s.ledgerMu.Lock()
	defer s.ledgerMu.Unlock()
	l, err := s.ledgerLocked(leaf.Workspace)
	if err != nil {
		return err
	}
	if leaf.Seq < l.Size() {
		return nil
	}
	if err := l.Append(leaf); err != nil {
		return fmt.Errorf("store: rebuilding ledger from the WAL: %w", err)
	}
	return nil
}

func (s *Store) closeLedgers() error {
	s.ledgerMu.Lock()
	defer s.ledgerMu.Unlock()
	var first error
	for _, l := range s.ledgers {
		if err := l.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
