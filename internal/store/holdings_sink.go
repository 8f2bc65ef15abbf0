package store

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"

	"vigil/internal/ledger"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// Verification reads what the store holds through vigil_sink, a chunk
// scalar function: a query passes rows to vigil_sink(id, column...) and
// DuckDB calls it with a chunk of them at a time, which it hands to the
// sink registered under id. The sink reads DuckDB's vectors in place
// where it can (strings borrowed, not copied), nothing is materialized
// for database/sql, and the query streams: a sink that waits for its
// reader holds DuckDB back.
const sinkFunc = "vigil_sink"

// chunkSink takes the rows a query passes to vigil_sink, one chunk at a
// time, in the query's order. Argument 0 is the sink's id.
type chunkSink interface {
	chunk(ch *duckdb.DataChunk) error
}

var (
	sinks  sync.Map // int64 -> chunkSink
	sinkID atomic.Int64
)

// sinkSQL returns a query that passes args, columns of src, to the sink
// id row by row in src's order, and counts them. The LIMIT, which never
// limits, keeps that order: DuckDB runs a streaming limit on one thread
// while insertion order is preserved (its default), and with it the
// function below it. count(x) makes DuckDB call the function, whose
// result is never set.
func sinkSQL(id int64, args []string, src string) string {
	return fmt.Sprintf("SELECT count(x) FROM (SELECT %s(%d, %s) AS x FROM %s LIMIT %d)",
		sinkFunc, id, strings.Join(args, ", "), src, int64(math.MaxInt64))
}

// runSink runs q with sink registered under id and returns how many rows
// the query passed it.
func (s *Store) runSink(ctx context.Context, id int64, sink chunkSink, q string) (int64, error) {
	sinks.Store(id, sink)
	defer sinks.Delete(id)
	var n int64
	err := s.db.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}

type sinkUDF struct{}

func (sinkUDF) Config() duckdb.ScalarFuncConfig {
	return duckdb.ScalarFuncConfig{
		InputTypeInfos:      []duckdb.TypeInfo{bigintType},
		VariadicTypeInfo:    mustType(duckdb.NewTypeInfo(duckdb.TYPE_ANY)),
		ResultTypeInfo:      mustType(duckdb.NewTypeInfo(duckdb.TYPE_BOOLEAN)),
		Volatile:            true,
		SpecialNullHandling: true,
	}
}

func (sinkUDF) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{ChunkContextExecutor: func(_ context.Context, st *duckdb.ChunkIteratorState) error {
		ch := st.GetInputChunk()
		if ch.GetSize() == 0 {
			return nil
		}
		id, err := ch.GetValue(0, 0)
		if err != nil {
			return err
		}
		sink, ok := sinks.Load(id)
		if !ok {
			return fmt.Errorf("%s: no sink %v", sinkFunc, id)
		}
		return sink.(chunkSink).chunk(ch)
	}}
}

// registerSink registers vigil_sink in the store's database.
func (s *Store) registerSink() error {
	conn, err := s.db.Conn(context.Background())
	if err != nil {
		return err
	}
	defer conn.Close()
	return duckdb.RegisterScalarUDF(conn, sinkFunc, sinkUDF{})
}

// rawBatch is one batch's original bytes, borrowed from DuckDB's vector:
// the sink waits for the merge to be done with them.
type rawBatch struct {
	seq         int64
	contentType string
	raw         []byte
}

// rawReader reads one source of original bytes for Batches (a table's
// files, or a hot generation) in the order they are stored, which must
// be seq order.
type rawReader struct {
	id    int64
	ctx   context.Context
	st    *Store
	table string
	// files are the source's files of original bytes, in seq order; a
	// hot generation's source has none, and from, its SQL source (seq,
	// content_type, raw), instead.
	files []*RawFile
	from  string
	first uint64 // its first seq, by the catalog
	// batches carries the batches to the merge, and is closed when the
	// query ends, err saying why if it failed. ack tells the sink that
	// the merge is done with the batch it was given, whose bytes are
	// DuckDB's until the sink returns.
	batches chan rawBatch
	ack     chan struct{}
	err     error
	last    int64 // the seq last read
	n       int64 // batches read

	// head is the merge's current batch; done once there is none; held
	// while the sink waits for head's ack.
	head rawBatch
	done bool
	held bool
}

func newRawReader(ctx context.Context, st *Store, table string, first uint64) *rawReader {
	return &rawReader{id: sinkID.Add(1), ctx: ctx, st: st, table: table, first: first, last: -1,
		batches: make(chan rawBatch), ack: make(chan struct{}, 1)}
}

func (r *rawReader) opensAt() uint64 { return r.first }

func (r *rawReader) headSeq() (int64, bool) { return r.head.seq, !r.done }

// run runs the source's query, on the files whose checksum is the
// catalog's, and closes batches.
func (r *rawReader) run() {
	defer close(r.batches)
	if r.files != nil {
		var paths []string
		for _, f := range r.files {
			if (holdings{r.st}).rawIntact(f) == nil {
				paths = append(paths, sqlgen.QuoteString(filepath.Join(r.st.dir, f.Path)))
			}
		}
		if len(paths) == 0 {
			return
		}
		r.from = "read_parquet([" + strings.Join(paths, ", ") + "])"
	}
	n, err := r.st.runSink(r.ctx, r.id, r, sinkSQL(r.id, []string{"seq", "content_type", "raw"}, r.from))
	switch {
	case err != nil:
		r.err = fmt.Errorf("store: reading original bytes of table %s: %w", r.table, err)
	case n != r.n:
		r.err = fmt.Errorf("store: reading original bytes of table %s: the query passed %d batches, %d were read", r.table, n, r.n)
	}
}

// next lets the sink go on from the batch in head, then puts the next one
// there, or marks the reader done.
func (r *rawReader) next() error {
	if r.held {
		r.ack <- struct{}{}
		r.held = false
	}
	var ok bool
	if r.head, ok = <-r.batches; !ok {
		r.done = true
		return r.err
	}
	r.held = true
	return nil
}

// chunk hands the chunk's batches to the merge one at a time, their bytes
// in place (hashing them is what the merge does with them: a copy would
// cost as much again), waiting for the merge to be done with each.
func (r *rawReader) chunk(ch *duckdb.DataChunk) error {
	seqs, err := readColumn(ch, 1, mapping.TypeBigInt)
	if err != nil {
		return err
	}
	types, err := readColumn(ch, 2, mapping.TypeVarchar)
	if err != nil {
		return err
	}
	raws, err := readColumn(ch, 3, mapping.TypeBlob)
	if err != nil {
		return err
	}
	n := ch.GetSize()
	for _, c := range []sinkColumn{seqs, types, raws} {
		c.rows(0, n)
	}
	for i := range n {
		if seqs.null(i) || raws.null(i) {
			return fmt.Errorf("store: original bytes of table %s: a batch without a seq or without bytes", r.table)
		}
		seq := fixedAt[int64](seqs, i)
		if seq < r.last {
			return fmt.Errorf("store: the original bytes of table %s hold batch %d after batch %d: a file is not in seq order, as Vigil writes them", r.table, seq, r.last)
		}
		var ct string
		if !types.null(i) {
			ct = strings.Clone(textAt(types, i))
		}
		raw := textAt(raws, i)
		r.last = seq
		r.n++
		select {
		case r.batches <- rawBatch{seq, ct, unsafe.Slice(unsafe.StringData(raw), len(raw))}:
		case <-r.ctx.Done():
			return r.ctx.Err()
		}
		select {
		case <-r.ack:
		case <-r.ctx.Done():
			return r.ctx.Err()
		}
	}
	return nil
}

// rowsBatch is one batch's rows, encoded.
type rowsBatch struct {
	seq int64
	enc *ledger.RowsEncoder
}

// rowsReader is one table's query of Holdings.Rows and the state of its
// sink.
type rowsReader struct {
	id    int64
	ctx   context.Context
	st    *Store
	table string
	cols  []schema.Column
	first uint64 // the first seq of its segments, by the catalog
	// gens and segs are what the query reads: the segments whose
	// checksum is the catalog's, in relation's SQL.
	gens     []*gen
	segs     []*Segment
	relation func(gens []*gen, segs []*Segment) string
	head     rowsBatch // the merge's current batch; enc nil once none
	// full carries the encoded batches in seq order to the merge, and is
	// closed when the query ends, err saying why if it failed. free brings
	// the encoders back.
	full chan rowsBatch
	free chan *ledger.RowsEncoder
	err  error

	// cur is the batch being encoded and row the _BatchRow last seen:
	// DuckDB passes one chunk at a time, in order (checked).
	cur  rowsBatch
	row  int32
	rows int64 // rows encoded, to compare with what the query counted
	// types is the DuckDB type of the arguments after the id: _BatchSeq,
	// _BatchRow, then each column read in place (sinkTypes), TypeInvalid
	// for the others; vecs the chunk's columns being read.
	types []mapping.Type
	vecs  []sinkColumn
}

func newRowsReader(ctx context.Context, st *Store, table string, cols []schema.Column, first uint64) *rowsReader {
	r := &rowsReader{id: sinkID.Add(1), ctx: ctx, st: st, table: table, cols: cols, first: first,
		full: make(chan rowsBatch, 1), free: make(chan *ledger.RowsEncoder, 2)}
	r.free <- ledger.NewRowsEncoder(cols)
	r.free <- ledger.NewRowsEncoder(cols)
	r.types = append(r.types, mapping.TypeBigInt, mapping.TypeInteger)
	for _, c := range cols {
		r.types = append(r.types, sinkTypes[c.Type])
	}
	return r
}

// query returns the SQL that passes the relation's rows (columns in their
// storage types) to the reader in (_BatchSeq, _BatchRow) order.
func (r *rowsReader) query(relation string) string {
	sel := []string{sqlgen.QuoteIdent(schema.ColBatchSeq) + " AS s", sqlgen.QuoteIdent(schema.ColBatchRow) + " AS r"}
	args := []string{"s", "r"}
	for i, c := range r.cols {
		sel = append(sel, fmt.Sprintf("%s AS c%d", sqlgen.QuoteIdent(c.Name), i))
		args = append(args, "c"+strconv.Itoa(i))
	}
	return sinkSQL(r.id, args, "(SELECT "+strings.Join(sel, ", ")+" FROM "+relation+" ORDER BY s, r)")
}

func (r *rowsReader) opensAt() uint64 { return r.first }

func (r *rowsReader) headSeq() (int64, bool) { return r.head.seq, r.head.enc != nil }

// run runs the query, hands over the last batch and closes full.
func (r *rowsReader) run() {
	defer close(r.full)
	var intact []*Segment
	for _, seg := range r.segs {
		if r.st.verifySegment(seg) == nil {
			intact = append(intact, seg)
		}
	}
	if len(intact) == 0 && len(r.gens) == 0 {
		return
	}
	n, err := r.st.runSink(r.ctx, r.id, r, r.query(r.relation(r.gens, intact)))
	switch {
	case err != nil:
		r.err = fmt.Errorf("store: reading table %s: %w", r.table, err)
	case n != r.rows:
		r.err = fmt.Errorf("store: reading table %s: the query passed %d rows, %d were encoded", r.table, n, r.rows)
	case r.cur.enc != nil:
		r.err = r.send()
	}
}

// next puts the reader's next batch in head, or none when it has ended.
func (r *rowsReader) next() error {
	var ok bool
	if r.head, ok = <-r.full; !ok {
		r.head = rowsBatch{}
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

// firstValueArg is the argument of vigil_sink that holds the table's
// first column in a rowsReader's query: after the id, _BatchSeq and
// _BatchRow.
const firstValueArg = 3

// chunk encodes one chunk of the table's rows, handing each batch that
// ends in it to the merge.
func (r *rowsReader) chunk(ch *duckdb.DataChunk) error {
	n := ch.GetSize()
	if err := r.readColumns(ch); err != nil {
		return err
	}
	seqs, rows := r.vecs[0], r.vecs[1]
	seqs.rows(0, n)
	rows.rows(0, n)
	from := 0
	for i := range n {
		if seqs.null(i) || rows.null(i) {
			return fmt.Errorf("store: a row of table %s has no _BatchSeq or _BatchRow", r.table)
		}
		seq, row := fixedAt[int64](seqs, i), fixedAt[int32](rows, i)
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

// sinkTypes is the DuckDB type a rowsReader's query gives a column of each
// type (sqlgen.StorageType), for the types read in place; the rest
// (decimal, guid: rare) are read through duckdb-go's values.
var sinkTypes = map[schema.Type]mapping.Type{
	schema.String: mapping.TypeVarchar, schema.Dynamic: mapping.TypeVarchar, schema.Bool: mapping.TypeBoolean,
	schema.Int: mapping.TypeInteger, schema.Long: mapping.TypeBigInt, schema.Timespan: mapping.TypeBigInt,
	schema.DateTime: mapping.TypeTimestamp, schema.Real: mapping.TypeDouble,
}

// readColumns reads the chunk's _BatchSeq, _BatchRow and the columns of
// sinkTypes into r.vecs, the column of argument firstValueArg+j at 2+j.
func (r *rowsReader) readColumns(ch *duckdb.DataChunk) error {
	r.vecs = r.vecs[:0]
	for j, typ := range r.types {
		var c sinkColumn
		if typ != mapping.TypeInvalid {
			var err error
			if c, err = readColumn(ch, 1+j, typ); err != nil {
				return fmt.Errorf("store: table %s: %w", r.table, err)
			}
		}
		r.vecs = append(r.vecs, c)
	}
	return nil
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
		c, v := e.Column(j), r.vecs[2+j]
		if v.data != nil {
			v.rows(from, to)
		}
		switch col.Type {
		case schema.String, schema.Dynamic:
			// DuckDB's bytes go straight into the encoding.
			for k := from; k < to; k++ {
				if !v.null(k) {
					c.Text(base+k, textAt(v, k))
				}
			}
		case schema.Bool:
			for k := from; k < to; k++ {
				if !v.null(k) {
					c.Bool(base+k, fixedAt[uint8](v, k) != 0)
				}
			}
		case schema.Int:
			for k := from; k < to; k++ {
				if !v.null(k) {
					c.Int64(base+k, int64(fixedAt[int32](v, k)))
				}
			}
		case schema.Long, schema.Timespan, schema.DateTime:
			// A timestamp is its microseconds since the epoch, as the
			// encoding has it (infinity too, which epoch_us would make
			// NULL).
			for k := from; k < to; k++ {
				if !v.null(k) {
					c.Int64(base+k, fixedAt[int64](v, k))
				}
			}
		case schema.Real:
			for k := from; k < to; k++ {
				if !v.null(k) {
					c.Real(base+k, fixedAt[float64](v, k))
				}
			}
		default:
			for k := from; k < to; k++ {
				x, err := ch.GetValue(firstValueArg+j, k)
				if err != nil {
					return err
				}
				if x == nil {
					continue
				}
				if err := encodeValue(c, col.Type, base+k, x); err != nil {
					return fmt.Errorf("store: table %s, column %s: %w", r.table, col.Name, err)
				}
			}
		}
	}
	return nil
}

// encodeValue encodes v, a decimal or guid as duckdb-go gives it, as
// row's value, canonical as every other reader makes it.
func encodeValue(c *ledger.ColumnEncoder, t schema.Type, row int, v any) error {
	s, err := sqlgen.FromDuckDB(t, v)
	if err != nil {
		return err
	}
	text, ok := s.(string)
	if !ok {
		return fmt.Errorf("a %s column holds %T", t, v)
	}
	c.Text(row, text)
	return nil
}
