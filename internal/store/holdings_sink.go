package store

import (
	"context"
	"fmt"
	"math"
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

// rawBatch is one batch's original bytes.
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
	from  string // the SQL source: seq, content_type, raw
	first uint64 // its first seq, by the catalog
	// batches carries the batches to the merge, and is closed when the
	// query ends, err saying why if it failed.
	batches chan rawBatch
	err     error
	last    int64 // the seq last read
	n       int64 // batches read

	// head is the merge's current batch; done once there is none.
	head rawBatch
	done bool
}

func newRawReader(ctx context.Context, st *Store, table string, first uint64) *rawReader {
	return &rawReader{id: sinkID.Add(1), ctx: ctx, st: st, table: table, first: first, last: -1, batches: make(chan rawBatch, 1)}
}

func (r *rawReader) opensAt() uint64 { return r.first }

func (r *rawReader) headSeq() (int64, bool) { return r.head.seq, !r.done }

// run runs the source's query and closes batches.
func (r *rawReader) run() {
	defer close(r.batches)
	n, err := r.st.runSink(r.ctx, r.id, r, sinkSQL(r.id, []string{"seq", "content_type", "raw"}, r.from))
	switch {
	case err != nil:
		r.err = fmt.Errorf("store: reading original bytes of table %s: %w", r.table, err)
	case n != r.n:
		r.err = fmt.Errorf("store: reading original bytes of table %s: the query passed %d batches, %d were read", r.table, n, r.n)
	}
}

// next puts the reader's next batch in head, or marks it done.
func (r *rawReader) next() error {
	var ok bool
	if r.head, ok = <-r.batches; !ok {
		r.done = true
		return r.err
	}
	return nil
}

func (r *rawReader) chunk(ch *duckdb.DataChunk) error {
	vec, err := ch.GetVector(2)
	if err != nil {
		return err
	}
	types, err := duckdb.GetVectorView[string](vec)
	if err != nil {
		return err
	}
	for i := range ch.GetSize() {
		s, err := ch.GetValue(1, i)
		if err != nil {
			return err
		}
		v, err := ch.GetValue(3, i)
		if err != nil {
			return err
		}
		seq, ok := s.(int64)
		raw, ok2 := v.([]byte) // the driver's copy
		if !ok || !ok2 {
			return fmt.Errorf("store: original bytes of table %s: batch %v holds %T", r.table, s, v)
		}
		if seq < r.last {
			return fmt.Errorf("store: the original bytes of table %s hold batch %d after batch %d: a file is not in seq order, as Vigil writes them", r.table, seq, r.last)
		}
		ct, _, err := types.GetValueBorrowed(i)
		if err != nil {
			return err
		}
		r.last = seq
		r.n++
		select {
		case r.batches <- rawBatch{seq, strings.Clone(ct), raw}:
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
	first uint64    // the first seq of its segments, by the catalog
	q     string    // the query
	head  rowsBatch // the merge's current batch; enc nil once none
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
}

func newRowsReader(ctx context.Context, st *Store, table string, cols []schema.Column, first uint64) *rowsReader {
	r := &rowsReader{id: sinkID.Add(1), ctx: ctx, st: st, table: table, cols: cols, first: first,
		full: make(chan rowsBatch, 1), free: make(chan *ledger.RowsEncoder, 2)}
	r.free <- ledger.NewRowsEncoder(cols)
	r.free <- ledger.NewRowsEncoder(cols)
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
	n, err := r.st.runSink(r.ctx, r.id, r, r.q)
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
// its storage type, as row's value.
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
