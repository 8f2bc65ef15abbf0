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

func retentionLeaf(rec *retentionRecord) ledger.Leaf {
	return ledger.Leaf{
		Kind: ledger.RetentionLeaf, Workspace: rec.workspace, Seq: rec.seq, Table: rec.table,
		Time: rec.time, Rows: rec.rows, Cutoff: rec.cutoff, Policy: rec.policy,
	}
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
