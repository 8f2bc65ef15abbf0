package store

import (
	"path/filepath"
	"sort"
	"strings"

	"vigil/internal/sqlgen"
)

// compactAll merges, per table and day, segments smaller than the seal
// size into one, so a day read by a query is a few large files rather
// than many small ones.
func (s *Store) compactAll() error {
	s.mu.Lock()
	ts := make([]*table, 0, len(s.tables))
	for _, t := range s.tables {
		ts = append(ts, t)
	}
	s.mu.Unlock()
	for _, t := range ts {
		if err := t.compact(); err != nil {
			return err
		}
	}
	return nil
}

// compact merges each day's small segments. The inputs are checked
// against their checksums first, so damage is reported, never copied into
// a new segment with a fresh checksum. The catalog swaps the inputs for
// the output in one write: a crash leaves either the inputs listed or the
// output, and the files the catalog does not list are removed on open.
func (t *table) compact() error {
	s := t.store
	t.sealMu.Lock() // no seal or retention of this table meanwhile
	defer t.sealMu.Unlock()
	t.mu.Lock()
	byDay := map[string][]*Segment{}
	for _, seg := range t.segs {
		if seg.Rows < compactBelow(s.opts) && seg.Bytes < s.opts.SealBytes {
			byDay[seg.Day] = append(byDay[seg.Day], seg)
		}
	}
	t.mu.Unlock()
	days := make([]string, 0, len(byDay))
	for d, segs := range byDay {
		if len(segs) >= s.opts.CompactMinSegments {
			days = append(days, d)
		}
	}
	sort.Strings(days)
	for _, day := range days {
		if err := t.compactDay(day, compactionInputs(byDay[day], int64(s.opts.SealRows))); err != nil {
			return err
		}
	}
	return nil
}

// compactBelow is the row count under which a segment is small enough to
// merge: an eighth of SealRows (62,500 by default). A seal for size (rows or bytes) writes a
// segment as large as a generation may grow, and merging those again
// would double the cost of writing every row of a busy table for little
// gain; the small ones are what age-triggered seals of quiet tables and
// late rows leave.
func compactBelow(o Options) int64 { return int64(o.SealRows) / 8 }

// compactionInputs picks the segments of one compaction: the smallest
// first, while together they stay within two seals' worth of rows, so
// one compaction's sort and index build are bounded however many small
// segments a day has gathered; the rest wait for the next round.
func compactionInputs(segs []*Segment, sealRows int64) []*Segment {
	sort.Slice(segs, func(i, j int) bool { return segs[i].Rows < segs[j].Rows })
	var rows int64
	for i, seg := range segs {
		if i >= 2 && rows+seg.Rows > 2*sealRows {
			return segs[:i]
		}
		rows += seg.Rows
	}
	return segs
}

func (t *table) compactDay(day string, inputs []*Segment) error {
	s := t.store
	for _, seg := range inputs {
		if err := s.verifySegment(seg); err != nil {
			return err
		}
	}
	rec := recordColumns(t.definition())
	width := 0
	var parts []string
	for _, seg := range inputs {
		width = max(width, seg.Columns)
		parts = append(parts, partSQL(rec, seg.Columns, "read_parquet("+sqlgen.QuoteString(filepath.Join(s.dir, seg.Path))+")", sqlgen.DuckDBType))
	}
	rec = rec[:width]
	// Re-select so the union has exactly the output's columns.
	from := "(SELECT * FROM (" + strings.Join(parts, " UNION ALL ") + "))"
	out, err := t.writeSegment(from, rec, filepath.Join("segments", t.workspace, t.name), day, nil)
	if err != nil {
		return err
	}
	var rows int64
	for _, seg := range inputs {
		rows += seg.Rows
	}
	if out.Rows != rows {
		s.removeSegment(out.Path)
		return errorf("compaction of %s %s wrote %d rows for %d", t.name, day, out.Rows, rows)
	}
	gone := paths(inputs)
	swap := func(segs []*Segment) []*Segment { return append(without(segs, gone), out) }
	s.catMu.Lock()
	t.mu.Lock()
	prev := s.cat.Segments
	s.cat.Segments = swap(s.cat.Segments)
	if err := s.cat.save(s.dir); err != nil {
		s.cat.Segments = prev
		t.mu.Unlock()
		s.catMu.Unlock()
		s.removeSegment(out.Path)
		return err
	}
	t.segs = swap(t.segs)
	remove := t.retire(gone)
	t.mu.Unlock()
	s.catMu.Unlock()
	for _, p := range remove {
		s.removeSegment(p)
	}
	s.log.Info("compacted segments", "workspace", t.workspace, "table", t.name, "day", day, "inputs", len(inputs), "rows", rows)
	return nil
}

// retire takes segment files out of use: those no relation holds are
// returned to be removed now, the others are removed when released.
// Called with t.mu held, after the catalog no longer lists them.
func (t *table) retire(paths map[string]bool) []string {
	var now []string
	for p := range paths {
		if t.refs[p] > 0 {
			if t.doomed == nil {
				t.doomed = map[string]bool{}
			}
			t.doomed[p] = true
		} else {
			now = append(now, p)
		}
	}
	return now
}

// paths is the set of segs' paths.
func paths(segs []*Segment) map[string]bool {
	set := make(map[string]bool, len(segs))
	for _, seg := range segs {
		set[seg.Path] = true
	}
	return set
}

// without returns a new list of the segments whose path is not in gone.
func without(segs []*Segment, gone map[string]bool) []*Segment {
	kept := make([]*Segment, 0, len(segs))
	for _, seg := range segs {
		if !gone[seg.Path] {
			kept = append(kept, seg)
		}
	}
	return kept
}
