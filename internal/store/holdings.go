package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"vigil/internal/ledger"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// Holdings returns what the store holds, in the form ledger.Verify reads:
// each workspace's ledger directory, the original bytes of every batch
// and the stored rows of every batch, streamed in sequence order. Open
// the store read-only to verify a directory another process may own.
func (s *Store) Holdings() ledger.Holdings { return holdings{s} }

type holdings struct{ s *Store }

func (h holdings) Workspaces() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(h.s.dir, "ledger"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids)
	return ids, nil
}

func (h holdings) LogDir(workspace string) string { return LedgerDir(h.s.dir, workspace) }

// CatalogVersion returns the SHA-256 of the data directory's catalog,
// which changes whenever segments are sealed, merged or deleted: a reader
// beside a live server compares it before and after to know whether the
// files it read may have been replaced meanwhile.
func CatalogVersion(dir string) ([32]byte, error) {
	b, err := os.ReadFile(filepath.Join(dir, catalogFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return [32]byte{}, fmt.Errorf("store: %w", err)
	}
	return sha256.Sum256(b), nil
}

// LedgerDir returns the directory of a workspace's ledger (ledger.OpenLog's
// dir) in the data directory dir, for readers that need no open store.
func LedgerDir(dir, workspace string) string {
	return filepath.Join(dir, "ledger", workspace)
}

// snapshot takes references on a workspace's tables' generations and
// segments, for reading them whole; release drops them.
func (h holdings) snapshot(workspace string) (tables []*table, gens [][]*gen, segs [][]*Segment, release func()) {
	s := h.s
	s.mu.Lock()
	for k, t := range s.tables {
		if k.workspace == workspace && t.definition() != nil {
			tables = append(tables, t)
		}
	}
	s.mu.Unlock()
	sort.Slice(tables, func(i, j int) bool { return tables[i].name < tables[j].name })
	for _, t := range tables {
		t.mu.Lock()
		var g []*gen
		for _, x := range []*gen{t.sealing, t.hot} {
			if x != nil {
				x.refs++
				g = append(g, x)
			}
		}
		if t.refs == nil {
			t.refs = map[string]int{}
		}
		sg := append([]*Segment(nil), t.segs...)
		for _, seg := range sg {
			t.refs[seg.Path]++
		}
		t.mu.Unlock()
		gens, segs = append(gens, g), append(segs, sg)
	}
	return tables, gens, segs, func() {
		for i, t := range tables {
			t.release(gens[i], segs[i])
		}
	}
}

// Batches streams the original bytes of every batch kept, in seq order,
// without sorting them in DuckDB (which copied every byte through its
// sort, about half the phase's time). Each file of original bytes holds
// its batches in seq order, as a hot generation gives them, so they are
// merged by seq here: a table's files whose seq ranges (the catalog's)
// do not overlap are read as one source. Each source is a query on its
// own goroutine that hands its batches over through vigil_sink, so
// DuckDB reads the next while fn hashes one (mergeBySeq says when each
// starts). Bytes that come out of order (a file rewritten otherwise, seq
// ranges in the catalog that are not the file's) are an error. A file
// whose checksum is not the catalog's is left out (Damaged names it); a
// source checks its files on its own goroutine, before its query.
func (h holdings) Batches(workspace string, fn func(seq uint64, contentType string, raw io.Reader) error) error {
	s := h.s
	tables, gens, _, release := h.snapshot(workspace)
	defer release()
	s.catMu.Lock()
	raws := s.workspaceRaws(workspace)
	s.catMu.Unlock()
	var queries sync.WaitGroup
	defer queries.Wait()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // before the wait: readers blocked on the merge give up
	files := map[string][]*RawFile{}
	for _, r := range raws {
		files[r.Table] = append(files[r.Table], r)
	}
	var srcs []*rawReader
	for table, fs := range files {
		sort.Slice(fs, func(i, j int) bool { return firstSeq(fs[i].Seqs) < firstSeq(fs[j].Seqs) })
		var src *rawReader
		last := uint64(0)
		for _, f := range fs {
			if src == nil || firstSeq(f.Seqs) <= last {
				src = newRawReader(ctx, s, table, firstSeq(f.Seqs))
				srcs = append(srcs, src)
			}
			src.files = append(src.files, f)
			last = max(last, f.Seqs.max())
		}
	}
	// Hot generations are few: open from the start.
	for i, t := range tables {
		for _, g := range gens[i] {
			src := newRawReader(ctx, s, t.name, 0)
			src.from = g.rawTable()
			srcs = append(srcs, src)
		}
	}
	sort.Slice(srcs, func(i, j int) bool {
		if srcs[i].first != srcs[j].first {
			return srcs[i].first < srcs[j].first
		}
		return srcs[i].table < srcs[j].table
	})
	last := int64(-1)
	return mergeBySeq(srcs, &queries, func(r *rawReader) error {
		if r.head.seq < last {
			return fmt.Errorf("store: the original bytes of table %s hold batch %d, which the catalog's seq ranges put after batch %d", r.table, r.head.seq, last)
		}
		last = r.head.seq
		return fn(uint64(r.head.seq), r.head.contentType, bytes.NewReader(r.head.raw))
	})
}

// seqReader is one query of Batches or Rows, run on its own goroutine,
// whose batches come in ascending seq.
type seqReader interface {
	// opensAt is the reader's first seq by the catalog: the merge needs
	// its batches from there on.
	opensAt() uint64
	// run runs the query until it ends.
	run()
	// next moves the reader on to its next batch; headSeq is that
	// batch's seq, ok false once there is none.
	next() error
	headSeq() (seq int64, ok bool)
}

// mergeBySeq merges readers, sorted by opensAt, by seq and calls emit
// with the reader whose batch is next (on a tie, the first opened). A
// reader is opened when the merge reaches its opensAt, and its query
// started one reader before: a query sorts or reads its first batches
// while the one before it is merged, keeping a second core busy. Open
// are the readers whose seq ranges the merge is in and the one started
// ahead, so memory stays bounded whatever the number of segments or
// files.
func mergeBySeq[R seqReader](readers []R, queries *sync.WaitGroup, emit func(R) error) error {
	var open []R
	started, opened := 0, 0
	startTo := func(n int) {
		for ; started < min(n, len(readers)); started++ {
			queries.Go(readers[started].run)
		}
	}
	for {
		var next R
		nextSeq, found := int64(0), false
		for _, r := range open {
			if seq, ok := r.headSeq(); ok && (!found || seq < nextSeq) {
				next, nextSeq, found = r, seq, true
			}
		}
		if opened < len(readers) && (!found || int64(readers[opened].opensAt()) <= nextSeq) {
			r := readers[opened]
			opened++
			startTo(opened + 1)
			open = append(open, r)
			if err := r.next(); err != nil {
				return err
			}
			continue
		}
		if !found {
			return nil
		}
		if err := emit(next); err != nil {
			return err
		}
		if err := next.next(); err != nil {
			return err
		}
	}
}

// firstSeq returns the first seq of a file's ranges.
func firstSeq(r rangeSet) uint64 {
	if len(r) == 0 {
		return 0
	}
	return r[0][0]
}

// workspaceRaws returns the workspace's files of original bytes. Called
// with catMu held.
func (s *Store) workspaceRaws(workspace string) []*RawFile {
	var out []*RawFile
	for _, r := range s.cat.Raws {
		if r.Workspace == workspace {
			out = append(out, r)
		}
	}
	return out
}

// rawIntact checks a file of original bytes against its checksum in the
// catalog, once per process as segments are.
func (h holdings) rawIntact(r *RawFile) error {
	if _, ok := h.s.verified.Load(r.Path); ok {
		return nil
	}
	sum, _, err := fileSum(filepath.Join(h.s.dir, r.Path), false)
	if err != nil {
		return fmt.Errorf("original bytes of table %s are missing or unreadable: %v", r.Table, err)
	}
	if sum != r.SHA256 {
		return fmt.Errorf("original bytes of table %s are corrupt: the file's checksum does not match the catalog", r.Table)
	}
	h.s.verified.Store(r.Path, true)
	return nil
}

// Damaged checks every segment and file of original bytes of the
// workspace against the checksum the catalog recorded when it was written.
func (h holdings) Damaged(workspace string, fn func(file, detail string)) error {
	tables, _, segs, release := h.snapshot(workspace)
	defer release()
	for i := range tables {
		for _, seg := range segs[i] {
			if err := h.s.verifySegment(seg); err != nil {
				fn(seg.Path, err.Error())
			}
			if err := h.s.checkTermIndex(seg); err != nil {
				fn(seg.Path+termSuffix, err.Error())
			}
		}
	}
	h.s.catMu.Lock()
	raws := h.s.workspaceRaws(workspace)
	h.s.catMu.Unlock()
	for _, r := range raws {
		if err := h.rawIntact(r); err != nil {
			fn(r.Path, err.Error())
		}
	}
	return nil
}

// Rows streams every table's stored rows (record columns, as hashed into
// the leaves) grouped by batch, merging the tables in sequence order.
// Retention is not applied here: expired rows still on disk are shown,
// and the ledger's retention leaves account for those already deleted.
//
// A table is read by one query a group of segments whose seq ranges (the
// catalog's) overlap, and one for its hot generations; mergeBySeq runs
// them on goroutines of their own, the next one beside the one being
// merged. DuckDB sorts a group's rows by (_BatchSeq, _BatchRow) and
// passes them, a chunk at a time, to vigil_sink, where they are encoded
// into the ledger's rows encoding straight from DuckDB's vectors: no Go
// value is made of a string, and no row goes through database/sql. Two
// encoders a query take turns, so DuckDB encodes a batch while fn hashes
// the last. Sorting a group, not the whole table, keeps what DuckDB
// holds to a group's rows and lets the first batches through after a
// group's sort, not the table's. A batch's rows are all in one group by
// the catalog; should they not be (seq ranges that are not the files'),
// fn sees the batch twice, in part, and the ledger names it. A damaged
// segment (its checksum not the catalog's) is left out, so the ledger
// names each batch it held as missing, and Damaged names the file; a
// query checks its segments on its own goroutine, before it runs.
func (h holdings) Rows(workspace string, fn func(seq uint64, table string, rows *ledger.RowsEncoder) error) error {
	tables, gens, segs, release := h.snapshot(workspace)
	defer release()
	var queries sync.WaitGroup
	defer queries.Wait()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // before the wait: readers blocked on the merge give up
	var readers []*rowsReader
	for i, t := range tables {
		def := t.definition()
		cols := recordColumns(def)
		add := func(first uint64, gs []*gen, group []*Segment) {
			r := newRowsReader(ctx, h.s, t.name, cols, first)
			r.gens, r.segs = gs, group
			r.relation = func(gs []*gen, intact []*Segment) string {
				return t.relationSQL(def, sqlgen.StorageType, gs, intact, nil, time.Time{}, time.Time{})
			}
			readers = append(readers, r)
		}
		all := append([]*Segment(nil), segs[i]...)
		known := true
		for _, seg := range all {
			known = known && len(seg.Seqs) > 0
		}
		if !known {
			// A segment whose seqs the catalog does not record may hold
			// any batch: the table is one group.
			add(0, gens[i], all)
			continue
		}
		sort.Slice(all, func(a, b int) bool { return firstSeq(all[a].Seqs) < firstSeq(all[b].Seqs) })
		var group []*Segment
		last := uint64(0)
		for _, seg := range all {
			if len(group) > 0 && firstSeq(seg.Seqs) > last {
				add(firstSeq(group[0].Seqs), nil, group)
				group = nil
			}
			group = append(group, seg)
			last = max(last, seg.Seqs.max())
		}
		if len(group) > 0 {
			add(firstSeq(group[0].Seqs), nil, group)
		}
		if len(gens[i]) > 0 {
			// Few, and after the segments in seq: open from the start.
			add(0, gens[i], nil)
		}
	}
	sort.SliceStable(readers, func(i, j int) bool { return readers[i].first < readers[j].first })
	return mergeBySeq(readers, &queries, func(r *rowsReader) error {
		if err := fn(uint64(r.head.seq), r.table, r.head.enc); err != nil {
			return err
		}
		r.free <- r.head.enc
		return nil
	})
}

// Rederive returns the rows of b, a batch parsed again from original bytes
// the store holds, as Append would have stored them: mapped onto its
// table with b.Received as the time received. Nothing is stored; deep
// verification hashes the result and compares it with the batch's leaf.
func (s *Store) Rederive(b *Batch) ([]schema.Column, [][]any, error) {
	var def *schema.Table
	if t := s.lookup(b.Workspace, b.Table); t != nil {
		def = t.definition()
	}
	_, cols, rows, err := normalize(b.Workspace, def, b, b.Received.UTC().Truncate(time.Microsecond))
	if err != nil {
		return nil, nil, fmt.Errorf("store: %s: %w", b.Table, err)
	}
	return cols, rows, nil
}
