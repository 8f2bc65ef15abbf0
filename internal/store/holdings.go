package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duckdb/duckdb-go/v2"

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
// when the merge reaches its first seq, so few are open at once. Bytes
// that come out of order (a file rewritten otherwise, seq ranges in the
// catalog that are not the file's) are an error.
func (h holdings) Batches(workspace string, fn func(seq uint64, contentType string, raw io.Reader) error) error {
	s := h.s
	tables, gens, _, release := h.snapshot(workspace)
	defer release()
	s.catMu.Lock()
	raws := s.workspaceRaws(workspace)
	s.catMu.Unlock()
	files := map[string][]*RawFile{}
	for _, r := range raws {
		if h.rawIntact(r) == nil {
			files[r.Table] = append(files[r.Table], r)
		}
	}
	var srcs []*rawCursor
	for table, fs := range files {
		sort.Slice(fs, func(i, j int) bool { return firstSeq(fs[i].Seqs) < firstSeq(fs[j].Seqs) })
		var paths []string
		var src *rawCursor
		last := uint64(0)
		for _, f := range fs {
			if src == nil || firstSeq(f.Seqs) <= last {
				src = &rawCursor{table: table, first: firstSeq(f.Seqs), seq: -1}
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
			srcs = append(srcs, &rawCursor{table: t.name, from: g.rawTable(), seq: -1})
		}
	}
	sort.Slice(srcs, func(i, j int) bool {
		if srcs[i].first != srcs[j].first {
			return srcs[i].first < srcs[j].first
		}
		return srcs[i].table < srcs[j].table
	})
	var open []*rawCursor
	defer func() {
		for _, c := range open {
			c.rows.Close()
		}
	}()
	last := int64(-1)
	for {
		var next *rawCursor
		for _, c := range open {
			if !c.done && (next == nil || c.seq < next.seq) {
				next = c
			}
		}
		if len(srcs) > 0 && (next == nil || int64(srcs[0].first) <= next.seq) {
			c := srcs[0]
			srcs = srcs[1:]
			rows, err := s.db.Query("SELECT seq, content_type, raw FROM " + c.from)
			if err != nil {
				return fmt.Errorf("store: reading original bytes of table %s: %w", c.table, err)
			}
			c.rows = rows
			open = append(open, c)
			if err := c.advance(); err != nil {
				return err
			}
			continue
		}
		if next == nil {
			return nil
		}
		if next.seq < last {
			return fmt.Errorf("store: the original bytes of table %s hold batch %d, which the catalog's seq ranges put after batch %d", next.table, next.seq, last)
		}
		last = next.seq
		if err := fn(uint64(next.seq), next.contentType.String, bytes.NewReader(next.raw)); err != nil {
			return err
		}
		if err := next.advance(); err != nil {
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

// rawCursor reads one source of original bytes for Batches: files of a
// table, or a hot generation.
type rawCursor struct {
	table string
	from  string // the SQL source
	first uint64 // its first seq, by the catalog
	rows  *sql.Rows
	done  bool
	seq   int64
	// contentType and raw are the current batch's; raw is the driver's
	// copy of the bytes, read in place, not copied again, and valid until
	// the next advance.
	contentType sql.NullString
	raw         sql.RawBytes
}

func (c *rawCursor) advance() error {
	if !c.rows.Next() {
		c.done = true
		return c.rows.Err()
	}
	last := c.seq
	if err := c.rows.Scan(&c.seq, &c.contentType, &c.raw); err != nil {
		return err
	}
	if c.seq < last {
		return fmt.Errorf("store: the original bytes of table %s hold batch %d after batch %d: a file is not in seq order, as Vigil writes them", c.table, c.seq, last)
	}
	return nil
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
// the scalar function vigil_rows_encode, which encodes them into the
// ledger's rows encoding straight from DuckDB's vectors: no Go value is
// made of a string, and no row goes through database/sql. Two encoders a
// table take turns, so DuckDB encodes a batch while fn hashes the last.
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
		queries.Go(func() { r.run(h.s.db, q) })
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

// rowsBatch is one batch's rows, encoded.
type rowsBatch struct {
	seq int64
	enc *ledger.RowsEncoder
}

// rowsReader is one table's query of Holdings.Rows and, while DuckDB runs
// it, the state of vigil_rows_encode.
type rowsReader struct {
	id    int64
	ctx   context.Context
	table string
	cols  []schema.Column
	// full carries the encoded batches in seq order to the merge, and is
	// closed when the query ends, err saying why if it failed. free brings
	// the encoders back.
	full chan rowsBatch
	free chan *ledger.RowsEncoder
	err  error

	// cur is the batch being encoded and row the _BatchRow last seen:
	// DuckDB calls the function with one chunk at a time, in order (the
	// query's plan runs it on one thread; the order is checked).
	cur  rowsBatch
	row  int32
	rows int64 // rows encoded, to compare with what the query counted
}

// rowsReaders are the readers vigil_rows_encode serves, by id: a query
// names its reader in the function's first argument.
var (
	rowsReaders  sync.Map // int64 -> *rowsReader
	rowsReaderID atomic.Int64
)

func newRowsReader(ctx context.Context, table string, cols []schema.Column) *rowsReader {
	r := &rowsReader{id: rowsReaderID.Add(1), ctx: ctx, table: table, cols: cols,
		full: make(chan rowsBatch, 1), free: make(chan *ledger.RowsEncoder, 2)}
	r.free <- ledger.NewRowsEncoder(cols)
	r.free <- ledger.NewRowsEncoder(cols)
	return r
}

// query returns the SQL that feeds the relation's rows (columns in their
// storage types) to the reader in (_BatchSeq, _BatchRow) order. The LIMIT,
// which never limits, keeps the order: DuckDB runs a streaming limit on
// one thread when insertion order is preserved (its default), and with it
// the function below it; count(x) makes DuckDB call the function.
func (r *rowsReader) query(relation string) string {
	sel := []string{sqlgen.QuoteIdent(schema.ColBatchSeq) + " AS s", sqlgen.QuoteIdent(schema.ColBatchRow) + " AS r"}
	args := []string{strconv.FormatInt(r.id, 10), "s", "r"}
	for i, c := range r.cols {
		sel = append(sel, fmt.Sprintf("%s AS c%d", sqlgen.QuoteIdent(c.Name), i))
		args = append(args, fmt.Sprintf("c%d", i))
	}
	return fmt.Sprintf("SELECT count(x) FROM (SELECT %s(%s) AS x FROM (SELECT %s FROM %s ORDER BY s, r) LIMIT %d)",
		rowsEncodeFunc, strings.Join(args, ", "), strings.Join(sel, ", "), relation, int64(math.MaxInt64))
}

// run runs the query, hands over the last batch and closes full.
func (r *rowsReader) run(db *sql.DB, q string) {
	rowsReaders.Store(r.id, r)
	defer rowsReaders.Delete(r.id)
	defer close(r.full)
	var n int64
	if err := db.QueryRowContext(r.ctx, q).Scan(&n); err != nil {
		r.err = fmt.Errorf("store: reading table %s: %w", r.table, err)
		return
	}
	if n != r.rows {
		r.err = fmt.Errorf("store: reading table %s: the query passed %d rows, %d were encoded", r.table, n, r.rows)
		return
	}
	if r.cur.enc != nil {
		r.err = r.send()
	}
}

// next puts the reader's next batch in b, or none when it has ended.
func (r *rowsReader) next(b *rowsBatch) error {
	var ok bool
	if *b, ok = <-r.full; !ok {
		*b = rowsBatch{}
		return r.err
	}
	return nil
}

// send hands the batch being encoded to the merge.
func (r *rowsReader) send() error {
	select {
	case r.full <- r.cur:
		r.cur = rowsBatch{}
		return nil
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
}

// rowsEncodeFunc is the scalar function that encodes a table's rows for
// Holdings.Rows: vigil_rows_encode(reader, _BatchSeq, _BatchRow, value...).
// Its result is never set: only that it was called for every row counts.
const rowsEncodeFunc = "vigil_rows_encode"

type rowsEncodeUDF struct{}

func (rowsEncodeUDF) Config() duckdb.ScalarFuncConfig {
	return duckdb.ScalarFuncConfig{
		InputTypeInfos:      []duckdb.TypeInfo{bigintType},
		VariadicTypeInfo:    mustType(duckdb.NewTypeInfo(duckdb.TYPE_ANY)),
		ResultTypeInfo:      mustType(duckdb.NewTypeInfo(duckdb.TYPE_BOOLEAN)),
		Volatile:            true,
		SpecialNullHandling: true,
	}
}

func (rowsEncodeUDF) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{ChunkContextExecutor: func(_ context.Context, st *duckdb.ChunkIteratorState) error {
		ch := st.GetInputChunk()
		if ch.GetSize() == 0 {
			return nil
		}
		id, err := ch.GetValue(0, 0)
		if err != nil {
			return err
		}
		r, ok := rowsReaders.Load(id)
		if !ok {
			return fmt.Errorf("%s: no reader %v", rowsEncodeFunc, id)
		}
		return r.(*rowsReader).chunk(ch)
	}}
}

// registerRowsEncode registers vigil_rows_encode in the store's database.
func (s *Store) registerRowsEncode() error {
	conn, err := s.db.Conn(context.Background())
	if err != nil {
		return err
	}
	defer conn.Close()
	return duckdb.RegisterScalarUDF(conn, rowsEncodeFunc, rowsEncodeUDF{})
}

// firstValueArg is the argument of vigil_rows_encode that holds the
// table's first column.
const firstValueArg = 3

// chunk encodes one chunk of the table's rows, handing each batch that
// ends in it to the merge.
func (r *rowsReader) chunk(ch *duckdb.DataChunk) error {
	n := ch.GetSize()
	from := 0
	for i := range n {
		seq, row, err := r.position(ch, i)
		if err != nil {
			return err
		}
		if r.cur.enc != nil && seq == r.cur.seq {
			if row < r.row {
				return r.outOfOrder()
			}
			r.row = row
			continue
		}
		if r.cur.enc != nil {
			if seq < r.cur.seq {
				return r.outOfOrder()
			}
			if err := r.encode(ch, from, i); err != nil {
				return err
			}
			if err := r.send(); err != nil {
				return err
			}
		}
		select {
		case enc := <-r.free:
			enc.Reset()
			r.cur, r.row, from = rowsBatch{seq, enc}, row, i
		case <-r.ctx.Done():
			return r.ctx.Err()
		}
	}
	return r.encode(ch, from, n)
}

func (r *rowsReader) outOfOrder() error {
	return fmt.Errorf("store: rows of table %s came out of (_BatchSeq, _BatchRow) order", r.table)
}

// position returns row i's _BatchSeq and _BatchRow.
func (r *rowsReader) position(ch *duckdb.DataChunk, i int) (int64, int32, error) {
	s, err := ch.GetValue(1, i)
	if err != nil {
		return 0, 0, err
	}
	w, err := ch.GetValue(2, i)
	if err != nil {
		return 0, 0, err
	}
	seq, ok := s.(int64)
	row, ok2 := w.(int32)
	if !ok || !ok2 {
		return 0, 0, fmt.Errorf("store: a row of table %s has _BatchSeq %v and _BatchRow %v", r.table, s, w)
	}
	return seq, row, nil
}

// encode adds the chunk's rows [from, to), all of the current batch, to
// its encoder, column by column.
func (r *rowsReader) encode(ch *duckdb.DataChunk, from, to int) error {
	if from == to {
		return nil
	}
	e := r.cur.enc
	base := e.Len() - from // the batch's row of the chunk's row k is base+k
	e.AddRows(to - from)
	r.rows += int64(to - from)
	for j, col := range r.cols {
		c := e.Column(j)
		arg := firstValueArg + j
		if col.Type == schema.String || col.Type == schema.Dynamic {
			// Read in place: DuckDB's bytes go straight into the encoding.
			vec, err := ch.GetVector(arg)
			if err != nil {
				return err
			}
			view, err := duckdb.GetVectorView[string](vec)
			if err != nil {
				return fmt.Errorf("store: table %s, column %s: %w", r.table, col.Name, err)
			}
			for k := from; k < to; k++ {
				s, ok, err := view.GetValueBorrowed(k)
				if err != nil {
					return err
				}
				if ok {
					c.Text(base+k, s)
				}
			}
			continue
		}
		for k := from; k < to; k++ {
			v, err := ch.GetValue(arg, k)
			if err != nil {
				return err
			}
			if v == nil {
				continue
			}
			if err := encodeValue(c, col.Type, base+k, v); err != nil {
				return fmt.Errorf("store: table %s, column %s: %w", r.table, col.Name, err)
			}
		}
	}
	return nil
}

// encodeValue encodes v, as DuckDB gives a value of a column of type t in
// the reader's query, as row's value.
func encodeValue(c *ledger.ColumnEncoder, t schema.Type, row int, v any) error {
	switch x := v.(type) {
	case bool:
		if t == schema.Bool {
			c.Bool(row, x)
			return nil
		}
	case int32:
		if t == schema.Int {
			c.Int64(row, int64(x))
			return nil
		}
	case int64:
		// Longs, and timespans in ticks.
		if t == schema.Long || t == schema.Timespan {
			c.Int64(row, x)
			return nil
		}
	case time.Time:
		// Not epoch_us in the query: it makes infinity NULL.
		if t == schema.DateTime {
			c.Int64(row, x.UnixMicro())
			return nil
		}
	case float64:
		if t == schema.Real {
			c.Real(row, x)
			return nil
		}
	}
	if t == schema.Decimal || t == schema.GUID {
		// Rare types, made canonical as every other reader does.
		s, err := sqlgen.FromDuckDB(t, v)
		if err != nil {
			return err
		}
		if s, ok := s.(string); ok {
			c.Text(row, s)
			return nil
		}
	}
	return fmt.Errorf("a %s column holds %T", t, v)
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
