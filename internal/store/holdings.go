package store

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
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

func (h holdings) Batches(workspace string, fn func(seq uint64, contentType string, raw io.Reader) error) error {
	s := h.s
	tables, gens, _, release := h.snapshot(workspace)
	defer release()
	var srcs []string
	for i := range tables {
		for _, g := range gens[i] {
			srcs = append(srcs, "SELECT seq, content_type, raw FROM "+g.rawTable())
		}
	}
	s.catMu.Lock()
	raws := s.workspaceRaws(workspace)
	s.catMu.Unlock()
	for _, r := range raws {
		if h.rawIntact(r) == nil {
			srcs = append(srcs, "SELECT seq, content_type, raw FROM read_parquet("+sqlgen.QuoteString(filepath.Join(s.dir, r.Path))+")")
		}
	}
	if len(srcs) == 0 {
		return nil
	}
	rows, err := s.db.Query("SELECT seq, content_type, raw FROM (" + strings.Join(srcs, " UNION ALL ") + ") ORDER BY seq")
	if err != nil {
		return fmt.Errorf("store: reading original bytes: %w", err)
	}
	defer rows.Close()
	// RawBytes: the driver's copy of the bytes is read in place, not
	// copied again; fn reads them before the next row.
	var raw sql.RawBytes
	for rows.Next() {
		var seq int64
		var ct sql.NullString
		if err := rows.Scan(&seq, &ct, &raw); err != nil {
			return err
		}
		if err := fn(uint64(seq), ct.String, bytes.NewReader(raw)); err != nil {
			return err
		}
	}
	return rows.Err()
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

// tableCursor streams one table's rows in (_BatchSeq, _BatchRow) order.
type tableCursor struct {
	name string
	cols []schema.Column
	rows *sql.Rows
	vals []any
	seq  int64
	done bool
	// raw and ptrs receive each row as the driver gives it.
	raw, ptrs []any
	// slab is where the next rows' values go.
	slab []any
}

// slabRows is how many rows' values a tableCursor allocates at once.
const slabRows = 256

// canonical reports whether v, as the driver gives a value of a column of
// type t, is already the canonical value FromDuckDB would return, so that
// it needs neither conversion nor boxing again.
func canonical(t schema.Type, v any) bool {
	switch x := v.(type) {
	case string:
		return t == schema.String
	case int32:
		return t == schema.Int
	case int64:
		return t == schema.Long
	case float64:
		return t == schema.Real
	case bool:
		return t == schema.Bool
	case time.Time:
		return t == schema.DateTime && x.Location() == time.UTC
	}
	return false
}

func (c *tableCursor) advance() error {
	if !c.rows.Next() {
		c.done = true
		return c.rows.Err()
	}
	if c.ptrs == nil {
		c.raw = make([]any, len(c.cols)+1)
		c.ptrs = make([]any, len(c.raw))
		for i := range c.raw {
			c.ptrs[i] = &c.raw[i]
		}
	}
	if err := c.rows.Scan(c.ptrs...); err != nil {
		return err
	}
	// The batch keeps vals: rows are cut from a slab, so that a batch
	// costs an allocation per slabRows rows, not one a row.
	if len(c.slab) < len(c.cols) {
		c.slab = make([]any, slabRows*len(c.cols))
	}
	vals := c.slab[:len(c.cols):len(c.cols)]
	c.slab = c.slab[len(c.cols):]
	for i, col := range c.cols {
		if canonical(col.Type, c.raw[i]) {
			// Already the canonical value: kept as the driver boxed it.
			vals[i] = c.raw[i]
			continue
		}
		v, err := sqlgen.FromDuckDB(col.Type, c.raw[i])
		if err != nil {
			return fmt.Errorf("table %s, column %s: %w", c.name, col.Name, err)
		}
		vals[i] = v
	}
	c.seq = c.raw[len(c.cols)].(int64)
	c.vals = vals
	return nil
}

// Rows streams every table's stored rows (record columns, as hashed into
// the leaves) grouped by batch, merging the tables in sequence order.
// Retention is not applied here: expired rows still on disk are shown,
// and the ledger's retention leaves account for those already deleted.
func (h holdings) Rows(workspace string, fn func(seq uint64, table string, cols []schema.Column, rows [][]any) error) error {
	tables, gens, segs, release := h.snapshot(workspace)
	defer release()
	var cursors []*tableCursor
	defer func() {
		for _, c := range cursors {
			c.rows.Close()
		}
	}()
	for i, t := range tables {
		// Damaged segments are reported by Damaged; their rows are left
		// out, so the ledger names each batch they held as missing.
		var intact []*Segment
		for _, seg := range segs[i] {
			if h.s.verifySegment(seg) == nil {
				intact = append(intact, seg)
			}
		}
		cols := recordColumns(t.definition())
		var sel []string
		for _, c := range cols {
			expr := sqlgen.QuoteIdent(c.Name)
			if c.Type == schema.Dynamic {
				expr = "CAST(" + expr + " AS VARCHAR)"
			}
			sel = append(sel, expr)
		}
		q := "SELECT " + strings.Join(sel, ", ") + ", " + sqlgen.QuoteIdent(schema.ColBatchSeq) +
			" FROM " + t.relationSQL(t.definition(), gens[i], intact, nil, time.Time{}, time.Time{}) +
			" ORDER BY " + sqlgen.QuoteIdent(schema.ColBatchSeq) + ", " + sqlgen.QuoteIdent(schema.ColBatchRow)
		rows, err := h.s.db.Query(q)
		if err != nil {
			return fmt.Errorf("store: reading table %s: %w", t.name, err)
		}
		c := &tableCursor{name: t.name, cols: cols, rows: rows}
		cursors = append(cursors, c)
		if err := c.advance(); err != nil {
			return err
		}
	}
	for {
		var next *tableCursor
		for _, c := range cursors {
			if !c.done && (next == nil || c.seq < next.seq) {
				next = c
			}
		}
		if next == nil {
			return nil
		}
		seq := next.seq
		var batch [][]any
		for !next.done && next.seq == seq {
			batch = append(batch, next.vals)
			if err := next.advance(); err != nil {
				return err
			}
		}
		if err := fn(uint64(seq), next.name, next.cols, batch); err != nil {
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
