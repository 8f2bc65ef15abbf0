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
	"strings"
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
// do not overlap are read as one source, and a source is opened only
// when the merge reaches its first seq, so few are open at once. Each
// source is a query on its own goroutine that hands its batches over
// through vigil_sink, so DuckDB reads the next while fn hashes one.
// Bytes that come out of order (a file rewritten otherwise, seq ranges in
// the catalog that are not the file's) are an error.
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
		if h.rawIntact(r) == nil {
			files[r.Table] = append(files[r.Table], r)
		}
	}
	var srcs []*rawReader
	for table, fs := range files {
		sort.Slice(fs, func(i, j int) bool { return firstSeq(fs[i].Seqs) < firstSeq(fs[j].Seqs) })
		var paths []string
		var src *rawReader
		last := uint64(0)
		for _, f := range fs {
			if src == nil || firstSeq(f.Seqs) <= last {
				src = newRawReader(ctx, table, firstSeq(f.Seqs))
				srcs = append(srcs, src)
				paths = nil
			}
			paths = append(paths, sqlgen.QuoteString(filepath.Join(s.dir, f.Path)))
			src.from = "read_parquet([" + strings.Join(paths, ", ") + "])"
			if n := len(f.Seqs); n > 0 {
				last = max(last, f.Seqs[n-1][1])
			}
		}
	}
	// Hot generations are few: open from the start.
	for i, t := range tables {
		for _, g := range gens[i] {
			src := newRawReader(ctx, t.name, 0)
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
	var open []*rawReader
	last := int64(-1)
	for {
		var next *rawReader
		for _, r := range open {
			if !r.done && (next == nil || r.head.seq < next.head.seq) {
				next = r
			}
		}
		if len(srcs) > 0 && (next == nil || int64(srcs[0].first) <= next.head.seq) {
			r := srcs[0]
			srcs = srcs[1:]
			queries.Go(func() { r.run(s) })
			open = append(open, r)
			if err := r.next(); err != nil {
				return err
			}
			continue
		}
		if next == nil {
			return nil
		}
		if next.head.seq < last {
			return fmt.Errorf("store: the original bytes of table %s hold batch %d, which the catalog's seq ranges put after batch %d", next.table, next.head.seq, last)
		}
		last = next.head.seq
		if err := fn(uint64(next.head.seq), next.head.contentType, bytes.NewReader(next.head.raw)); err != nil {
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
// Each table is one query on its own goroutine. DuckDB sorts the table's
// rows by (_BatchSeq, _BatchRow) and passes them, a chunk at a time, to
// vigil_sink, where they are encoded into the ledger's rows encoding
// straight from DuckDB's vectors: no Go value is made of a string, and no
// row goes through database/sql. Two encoders a table take turns, so
// DuckDB encodes a batch while fn hashes the last.
func (h holdings) Rows(workspace string, fn func(seq uint64, table string, rows *ledger.RowsEncoder) error) error {
	tables, gens, segs, release := h.snapshot(workspace)
	defer release()
	var queries sync.WaitGroup
	defer queries.Wait()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // before the wait: readers blocked on the merge give up
	readers := make([]*rowsReader, len(tables))
	for i, t := range tables {
		// Damaged segments are reported by Damaged; their rows are left
		// out, so the ledger names each batch they held as missing.
		var intact []*Segment
		for _, seg := range segs[i] {
			if h.s.verifySegment(seg) == nil {
				intact = append(intact, seg)
			}
		}
		r := newRowsReader(ctx, t.name, recordColumns(t.definition()))
		readers[i] = r
		q := r.query(t.relationSQL(t.definition(), sqlgen.StorageType, gens[i], intact, nil, time.Time{}, time.Time{}))
		queries.Go(func() { r.run(h.s, q) })
	}
	heads := make([]rowsBatch, len(readers))
	for i, r := range readers {
		if err := r.next(&heads[i]); err != nil {
			return err
		}
	}
	for {
		// The table with the lowest seq next; on a tie (rows of two
		// tables naming one seq) the first, so the other is unaccounted.
		k := -1
		for i := range heads {
			if heads[i].enc != nil && (k < 0 || heads[i].seq < heads[k].seq) {
				k = i
			}
		}
		if k < 0 {
			return nil
		}
		if err := fn(uint64(heads[k].seq), readers[k].table, heads[k].enc); err != nil {
			return err
		}
		readers[k].free <- heads[k].enc
		if err := readers[k].next(&heads[k]); err != nil {
			return err
		}
	}
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
