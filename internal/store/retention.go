package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"vigil/internal/sqlgen"
)

// SetRetention sets how many days rows are kept. With table "" it sets
// the workspace default (1 to 3650, or 0 for unlimited); for a table,
// 1 to 3650, -1 for unlimited, or 0 to follow the workspace default.
func (s *Store) SetRetention(workspace, table string, days int) error {
	if s.wal == nil {
		return errors.New("store: opened read-only")
	}
	switch {
	case days > 3650:
		return fmt.Errorf("retention of %d days is over the maximum of 3650", days)
	case table == "" && days < 0:
		return fmt.Errorf("workspace default retention must be 1 to 3650 days, or 0 for unlimited")
	case days < -1:
		return fmt.Errorf("retention of %d days: use 1 to 3650, -1 for unlimited or 0 for the workspace default", days)
	}
	s.catMu.Lock()
	defer s.catMu.Unlock()
	m := s.cat.ws(workspace)
	if table == "" {
		m.RetentionDays = days
	} else {
		if m.TableRetention == nil {
			m.TableRetention = map[string]int{}
		}
		if days == 0 {
			delete(m.TableRetention, table)
		} else {
			m.TableRetention[table] = days
		}
	}
	return s.cat.save(s.dir)
}

// Retention returns the days a table's rows are kept (0: unlimited) and
// the policy's name.
func (s *Store) Retention(workspace, table string) (days int, policy string) {
	s.catMu.Lock()
	defer s.catMu.Unlock()
	m := s.cat.Workspaces[workspace]
	if m == nil {
		return 0, ""
	}
	if d, ok := m.TableRetention[table]; ok {
		if d < 0 {
			return 0, ""
		}
		return d, fmt.Sprintf("table %s %dd", table, d)
	}
	if m.RetentionDays > 0 {
		return m.RetentionDays, fmt.Sprintf("workspace default %dd", m.RetentionDays)
	}
	return 0, ""
}

// cutoff is the time before which a table's rows have expired, or zero.
func (s *Store) cutoff(workspace, table string) (time.Time, string) {
	days, policy := s.Retention(workspace, table)
	if days == 0 {
		return time.Time{}, ""
	}
	return s.opts.Now().UTC().Add(-time.Duration(days) * 24 * time.Hour), policy
}

// ApplyRetention deletes the segments whose rows have all expired. Each
// deletion is first recorded in the WAL as a retention record, which takes
// the workspace's next sequence number (and so its ledger leaf), then the
// catalog drops the segments and the files go. The store runs it every
// RetentionInterval; calling it applies retention now.
func (s *Store) ApplyRetention() error {
	s.mu.Lock()
	ts := make([]*table, 0, len(s.tables))
	for _, t := range s.tables {
		ts = append(ts, t)
	}
	s.mu.Unlock()
	for _, t := range ts {
		cutoff, policy := s.cutoff(t.workspace, t.name)
		if cutoff.IsZero() {
			continue
		}
		if err := t.expire(cutoff, policy); err != nil {
			return err
		}
	}
	return nil
}

func (t *table) expire(cutoff time.Time, policy string) error {
	s := t.store
	t.sealMu.Lock() // no seal of this table adds segments meanwhile
	defer t.sealMu.Unlock()
	s.catMu.Lock()
	var sealed rangeSet
	if m := s.cat.Workspaces[t.workspace]; m != nil {
		sealed = m.Sealed
	}
	s.catMu.Unlock()
	t.mu.Lock()
	var gone []*Segment
	var rows int64
	var goneSeqs, kept rangeSet
	for _, seg := range t.segs {
		if seg.MaxTime.Before(cutoff) {
			gone = append(gone, seg)
			rows += seg.Rows
			goneSeqs = append(goneSeqs, seg.Seqs...)
		} else {
			kept = append(kept, seg.Seqs...)
		}
	}
	for _, g := range []*gen{t.hot, t.sealing} {
		if g != nil {
			kept = append(kept, g.seqs...)
		}
	}
	batches := retainedBatches(goneSeqs.merge(), kept.merge(), sealed)
	t.mu.Unlock()
	if len(gone) == 0 {
		return nil
	}
	rec := &retentionRecord{workspace: t.workspace, table: t.name, time: s.opts.Now().UTC(), cutoff: cutoff, policy: policy, rows: rows, batches: batches}
	lsn, seq, err := s.writeRecord(t.workspace, retentionLeaf(rec), rec.encode())
	if err != nil {
		return err
	}
	if err := s.wal.Sync(lsn); err != nil {
		return fmt.Errorf("store: recording retention: %w", err)
	}
	err = s.appendLeaves(t.workspace, seq)
	s.forget(lsn)
	if err == nil {
		// The catalog below marks the record done: its leaf must be on disk.
		err = s.syncLedgers()
	}
	if err != nil {
		return fmt.Errorf("store: recording retention: %w", err)
	}

	s.catMu.Lock()
	t.mu.Lock()
	doomed := paths(gone)
	prevCat, prevSegs, prevRaws := s.cat.Segments, t.segs, s.cat.Raws
	s.cat.Segments = without(s.cat.Segments, doomed)
	t.segs = without(t.segs, doomed)
	// Original bytes go when no kept segment holds a row of their batches.
	var live rangeSet
	for _, seg := range t.segs {
		live = live.union(seg.Seqs)
	}
	var rawGone []string
	raws := s.cat.Raws[:0:0]
	for _, r := range s.cat.Raws {
		if r.Workspace == t.workspace && r.Table == t.name && !overlaps(r.Seqs, live) && !t.hotHolds(r.Seqs) {
			rawGone = append(rawGone, r.Path)
			continue
		}
		raws = append(raws, r)
	}
	s.cat.Raws = raws
	m := s.cat.ws(t.workspace)
	m.Sealed = m.Sealed.add(seq)
	if m.NextSeq <= seq {
		m.NextSeq = seq + 1
	}
	err = s.cat.save(s.dir)
	var remove []string
	if err == nil {
		remove = t.retire(doomed)
	} else {
		// The catalog on disk still lists the segments: so must memory.
		s.cat.Segments, t.segs, s.cat.Raws = prevCat, prevSegs, prevRaws
	}
	t.mu.Unlock()
	s.catMu.Unlock()
	if err != nil {
		return err
	}
	for _, p := range remove {
		s.removeSegment(p)
	}
	for _, p := range rawGone {
		os.Remove(filepath.Join(s.dir, p))
	}
	s.log.Info("retention deleted segments", "workspace", t.workspace, "table", t.name, "segments", len(gone), "rows", rows, "cutoff", cutoff, "policy", policy, "seq", seq)
	return nil
}

// hotHolds reports whether a hot generation holds any of seqs. Called
// with t.mu held.
func (t *table) hotHolds(seqs rangeSet) bool {
	for _, g := range []*gen{t.hot, t.sealing} {
		if g != nil && overlaps(g.seqs, seqs) {
			return true
		}
	}
	return false
}

func overlaps(a, b rangeSet) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i][1] < b[j][0] {
			i++
		} else if b[j][1] < a[i][0] {
			j++
		} else {
			return true
		}
	}
	return false
}

// Raw returns the original bytes of a batch and their content type.
func (s *Store) Raw(workspace string, seq uint64) ([]byte, string, error) {
	var src []string
	s.mu.Lock()
	for k, t := range s.tables {
		if k.workspace != workspace {
			continue
		}
		t.mu.Lock()
		for _, g := range []*gen{t.hot, t.sealing} {
			if g == nil || !g.seqs.has(seq) {
				continue
			}
			// Read under t.mu, which keeps the generation from being
			// dropped meanwhile.
			v := g.view.Load()
			for i := range v.raws {
				if r := &v.raws[i]; r.seq == int64(seq) {
					raw, err := v.rawOf(r)
					t.mu.Unlock()
					s.mu.Unlock()
					return raw, r.contentType, err
				}
			}
		}
		t.mu.Unlock()
	}
	s.mu.Unlock()
	s.catMu.Lock()
	for _, r := range s.cat.Raws {
		if r.Workspace == workspace && r.Seqs.has(seq) {
			src = append(src, "read_parquet("+sqlgen.QuoteString(filepath.Join(s.dir, r.Path))+")")
		}
	}
	s.catMu.Unlock()
	for _, from := range src {
		var raw []byte
		var ct string
		err := s.db.QueryRowContext(context.Background(), "SELECT raw, content_type FROM "+from+" WHERE seq = ?", int64(seq)).Scan(&raw, &ct)
		if err == nil {
			return raw, ct, nil
		}
		if !strings.Contains(err.Error(), "no rows") {
			return nil, "", fmt.Errorf("store: reading original bytes of batch %d: %w", seq, err)
		}
	}
	return nil, "", fmt.Errorf("store: no original bytes for batch %d of workspace %s (never accepted, or deleted by retention)", seq, workspace)
}

// removeOrphans deletes segment and raw files the catalog does not list:
// what a crash left behind mid-seal, mid-compaction or mid-retention.
func (s *Store) removeOrphans() error {
	listed := map[string]bool{}
	for _, seg := range s.cat.Segments {
		listed[seg.Path] = true
		if seg.TermsSHA256 != "" {
			listed[seg.Path+termSuffix] = true
		}
	}
	for _, r := range s.cat.Raws {
		listed[r.Path] = true
	}
	for _, top := range []string{"segments", "raw"} {
		err := filepath.WalkDir(filepath.Join(s.dir, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(s.dir, path)
			if !listed[rel] {
				s.log.Info("removing file a crash left unlisted", "file", rel)
				return os.Remove(path)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	return nil
}
