package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/duckdb/duckdb-go/v2"

	"vigil/internal/schema"
	"vigil/internal/source"
)

// A hot generation's rows live in Go, column by column, and DuckDB reads
// them through two table functions, registered once per store:
//
//	vigil_hot(gen, rows, from, to)   the first rows rows of generation gen
//	                                  whose TimeGenerated (Unix µs) is in
//	                                  [from, to), with _BatchSeq, _BatchRow
//	vigil_seal(day)                  the rows of one day of a generation
//	                                  being sealed, in the segment's order
//	vigil_hot_raw(gen)               the generation's original bytes:
//	                                  seq, content_type, received, raw
//
// Putting a batch in costs a copy of its values into typed slices, with
// no transaction, no appender and no second copy when DuckDB commits:
// DuckDB is handed the rows only when it reads them, a query or the seal.
// A generation only grows, so the first rows rows a relation names stay
// what they were when it named them, and a batch's rows are counted in
// rows only once all of them are in: a query sees a batch whole or not
// at all.

// hotColumn is one column of a generation. Every slice of it has one
// element a row except the one its type does not use.
type hotColumn struct {
	typ   schema.Type
	valid []bool
	// nums holds Bool (0 or 1), Int, Long, Timespan (in ticks) and
	// DateTime (Unix microseconds).
	nums  []int64
	reals []float64
	// text holds String and Dynamic values end to end; ends[i] is where
	// row i's value ends.
	text []byte
	ends []int
	// other holds the rare GUID and Decimal values as their canonical
	// strings, converted for DuckDB when read.
	other []any
}

// hotRaw is one batch's original bytes: at off in the generation's spill
// file, or in raw when the file could not take them.
type hotRaw struct {
	seq         int64
	contentType string
	received    time.Time
	off         int64
	n           int
	spilled     bool
	raw         []byte
}

// hotView is what a generation holds at one moment. Views share their
// slices' arrays with the generation, which only appends beyond every
// view's length, so a view never changes.
type hotView struct {
	rows     int
	names    []string
	cols     []hotColumn
	batchSeq []int64
	batchRow []int32
	raws     []hotRaw
	spill    *os.File
}

// rawOf returns a batch's original bytes.
func (v *hotView) rawOf(r *hotRaw) ([]byte, error) {
	if !r.spilled {
		return r.raw, nil
	}
	b := make([]byte, r.n)
	if _, err := v.spill.ReadAt(b, r.off); err != nil {
		return nil, fmt.Errorf("store: reading original bytes of batch %d back from %s: %w", r.seq, v.spill.Name(), err)
	}
	return b, nil
}

// hotData is a generation's rows as they are written, under the table's
// appendMu.
type hotData struct {
	names    []string
	cols     []hotColumn
	batchSeq []int64
	batchRow []int32
	raws     []hotRaw
	rows     int
	// room is how much to make room for at once.
	room hotSize
	// spill holds the batches' original bytes, which the generation needs
	// only when sealed or asked for one: on disk (and in the page cache
	// while they are fresh) rather than on the heap, they are half a
	// generation's memory less. spillEnd is where the next goes.
	spill    *os.File
	spillEnd int64
}

// hotSize is how many rows a generation holds and how many bytes of text
// each of its columns.
type hotSize struct {
	rows int
	text []int
}

func (d *hotData) size() hotSize {
	sz := hotSize{rows: d.rows}
	for _, c := range d.cols {
		sz.text = append(sz.text, len(c.text))
	}
	return sz
}

// add appends a batch whose columns are a prefix of the generation's or
// extend them, and returns the bytes it added.
func (d *hotData) add(rec *batchRecord) int64 {
	if d.batchSeq == nil {
		d.batchSeq = make([]int64, 0, d.room.rows)
		d.batchRow = make([]int32, 0, d.room.rows)
	}
	for j := len(d.cols); j < len(rec.cols); j++ {
		c := hotColumn{typ: rec.cols[j].Type}
		c.makeRoom(d.room, j)
		for range d.rows {
			c.appendNull()
		}
		d.cols = append(d.cols, c)
		d.names = append(d.names, rec.cols[j].Name)
	}
	size := int64(len(rec.raw))
	for j := range d.cols {
		c := &d.cols[j]
		before := len(c.text)
		if j >= len(rec.cols) {
			for range rec.rows {
				c.appendNull()
			}
		} else {
			for _, row := range rec.rows {
				c.append(row[j])
			}
		}
		size += int64(len(c.text)-before) + hotValueBytes*int64(len(rec.rows))
	}
	for i := range rec.rows {
		d.batchSeq = append(d.batchSeq, int64(rec.seq))
		d.batchRow = append(d.batchRow, int32(i))
	}
	size += 12 * int64(len(rec.rows))
	raw := hotRaw{seq: int64(rec.seq), contentType: rec.contentType, received: rec.received, n: len(rec.raw)}
	if d.spill != nil {
		if _, err := d.spill.WriteAt(rec.raw, d.spillEnd); err == nil {
			raw.off, raw.spilled = d.spillEnd, true
			d.spillEnd += int64(len(rec.raw))
		}
	}
	if !raw.spilled {
		// The batch's bytes are the caller's (or the WAL reader's)
		// buffer, which may be used again once the batch is in.
		raw.raw = bytes.Clone(rec.raw)
	}
	d.raws = append(d.raws, raw)
	d.rows += len(rec.rows)
	return size
}

// hotValueBytes is what a value costs beside its text: its validity and
// its number or its text's end.
const hotValueBytes = 9

// view returns what d holds now.
func (d *hotData) view() *hotView {
	return &hotView{rows: d.rows, names: d.names[:len(d.names):len(d.names)], cols: append([]hotColumn(nil), d.cols...),
		batchSeq: d.batchSeq, batchRow: d.batchRow, raws: d.raws, spill: d.spill}
}

// makeRoom gives a new column j the room of the generation's expected
// size.
func (c *hotColumn) makeRoom(room hotSize, j int) {
	n := room.rows
	if n == 0 {
		return
	}
	c.valid = make([]bool, 0, n)
	switch c.typ {
	case schema.String, schema.Dynamic:
		c.ends = make([]int, 0, n)
		if j < len(room.text) {
			c.text = make([]byte, 0, room.text[j])
		}
	case schema.Real:
		c.reals = make([]float64, 0, n)
	case schema.GUID, schema.Decimal:
		c.other = make([]any, 0, n)
	default:
		c.nums = make([]int64, 0, n)
	}
}

func (c *hotColumn) appendNull() {
	c.valid = append(c.valid, false)
	switch c.typ {
	case schema.String, schema.Dynamic:
		c.ends = append(c.ends, len(c.text))
	case schema.Real:
		c.reals = append(c.reals, 0)
	case schema.GUID, schema.Decimal:
		c.other = append(c.other, nil)
	default:
		c.nums = append(c.nums, 0)
	}
}

// append adds a canonical value (internal/schema/value.go) of the
// column's type.
func (c *hotColumn) append(v any) {
	if v == nil {
		c.appendNull()
		return
	}
	c.valid = append(c.valid, true)
	switch c.typ {
	case schema.String:
		c.text = append(c.text, v.(string)...)
		c.ends = append(c.ends, len(c.text))
	case schema.Dynamic:
		c.text = append(c.text, v.(json.RawMessage)...)
		c.ends = append(c.ends, len(c.text))
	case schema.Real:
		c.reals = append(c.reals, v.(float64))
	case schema.GUID, schema.Decimal:
		c.other = append(c.other, v)
	case schema.Bool:
		var n int64
		if v.(bool) {
			n = 1
		}
		c.nums = append(c.nums, n)
	case schema.Int:
		c.nums = append(c.nums, int64(v.(int32)))
	case schema.Long:
		c.nums = append(c.nums, v.(int64))
	case schema.Timespan:
		c.nums = append(c.nums, int64(v.(time.Duration)/schema.Tick))
	case schema.DateTime:
		c.nums = append(c.nums, v.(time.Time).UnixMicro())
	}
}

// days returns the UTC days of the view's TimeGenerated, in order, as
// yyyy-mm-dd.
func (v *hotView) days() []string {
	seen := map[int64]bool{}
	var days []string
	for j, name := range v.names {
		if name != schema.ColTimeGenerated {
			continue
		}
		const day = int64(24 * time.Hour / time.Microsecond)
		for _, us := range v.cols[j].nums[:v.rows] {
			d := us / day
			if us < 0 && us%day != 0 {
				d--
			}
			if !seen[d] {
				seen[d] = true
				days = append(days, time.UnixMicro(d*day).UTC().Format(time.DateOnly))
			}
		}
	}
	sort.Strings(days)
	return days
}

// hotDay is the rows of a view with TimeGenerated in one day, in the
// order the day's segment holds them.
type hotDay struct {
	view *hotView
	// order is the rows by TimeGenerated, _BatchSeq and _BatchRow, the
	// order writeSegment writes.
	order []int
	tg    int
}

// day returns the view's rows with TimeGenerated in [from, to).
func (v *hotView) day(from, to time.Time) hotDay {
	d := hotDay{view: v, tg: slices.Index(v.names, schema.ColTimeGenerated)}
	lo, hi := from.UnixMicro(), to.UnixMicro()
	times := v.cols[d.tg].nums
	for r := range v.rows {
		if times[r] >= lo && times[r] < hi {
			d.order = append(d.order, r)
		}
	}
	slices.SortFunc(d.order, func(a, b int) int {
		if c := cmp.Compare(times[a], times[b]); c != 0 {
			return c
		}
		if c := cmp.Compare(v.batchSeq[a], v.batchSeq[b]); c != 0 {
			return c
		}
		return cmp.Compare(v.batchRow[a], v.batchRow[b])
	})
	return d
}

// stats returns what a segment's catalog entry says of the day's rows.
func (d *hotDay) stats() (rows int64, minTime, maxTime time.Time, seqs []int64) {
	if len(d.order) == 0 {
		return 0, time.Time{}, time.Time{}, nil
	}
	times := d.view.cols[d.tg].nums
	minTime = time.UnixMicro(times[d.order[0]]).UTC()
	maxTime = time.UnixMicro(times[d.order[len(d.order)-1]]).UTC()
	for _, r := range d.order {
		seqs = append(seqs, d.view.batchSeq[r])
	}
	slices.Sort(seqs)
	return int64(len(d.order)), minTime, maxTime, slices.Compact(seqs)
}

// unitRows is the rows of the day's unit u (its rows termUnitRows*u
// onwards).
func (d *hotDay) unitRows(u int) []int {
	return d.order[u*termUnitRows : min((u+1)*termUnitRows, len(d.order))]
}

// unitTerms calls add with the index terms of the string values of the
// day's unit u, and of its dynamic values too if dynamic is set (see
// plainDynamic). A value met again in the unit (hosts, programs, levels)
// is not split again: seen remembers, by a hash of the value, a row that
// held it, and the bytes are compared.
func (d *hotDay) unitTerms(u int, dynamic bool, add func([]byte)) {
	rows := d.unitRows(u)
	var seen [1024]int32
	for j := range d.view.cols {
		c := &d.view.cols[j]
		if c.typ != schema.String && (c.typ != schema.Dynamic || !dynamic) {
			continue
		}
		clear(seen[:])
		for _, r := range rows {
			if !c.valid[r] {
				continue
			}
			text := c.textAt(r)
			slot := &seen[xxhash.Sum64(text)&1023]
			if *slot > 0 && bytes.Equal(c.textAt(int(*slot-1)), text) {
				continue
			}
			*slot = int32(r + 1)
			source.ForIndexTerms(text, add)
		}
	}
}

// plainDynamic reports whether every dynamic value of the day's unit u
// is plainJSON, so that its terms can be taken from memory.
func (d *hotDay) plainDynamic(u int) bool {
	for j := range d.view.cols {
		c := &d.view.cols[j]
		if c.typ != schema.Dynamic {
			continue
		}
		for _, r := range d.unitRows(u) {
			if c.valid[r] && !plainJSON(c.textAt(r)) {
				return false
			}
		}
	}
	return true
}

// plainJSON reports whether the JSON text b has every term of the text
// DuckDB makes of it (json_extract_string(b, '$'), which the index holds
// the terms of for a dynamic column, since the engine's string operators
// see that text). DuckDB writes the value again: it decodes escapes
// ("\u0041" becomes "A") and writes numbers its own way (12.50 as 12.5,
// 1e5 as 100000.0, an integer past 64 bits as a real), and those can
// make terms b lacks. Everything else is written as b has it (b is
// compact, as the store keeps dynamic values), so b without escapes,
// fractions, exponents and integers over 18 digits is plain; that is
// most of what receivers send, such as OTLP attributes.
func plainJSON(b []byte) bool {
	in := false
	digits := 0
	for _, c := range b {
		switch {
		case c == '\\':
			return false
		case c == '"':
			in, digits = !in, 0
		case in:
		case c >= '0' && c <= '9':
			if digits++; digits > 18 {
				return false
			}
		case digits > 0 && (c == '.' || c == 'e' || c == 'E'):
			return false
		default:
			digits = 0
		}
	}
	return true
}

// textAt returns row r's text, sharing the column's array.
func (c *hotColumn) textAt(r int) []byte {
	start := 0
	if r > 0 {
		start = c.ends[r-1]
	}
	return c.text[start:c.ends[r]:c.ends[r]]
}

// hotTypes are the DuckDB types the table functions give each column
// type: the types of the hot tables they replace (sqlgen.StorageType).
var hotTypes = func() map[schema.Type]duckdb.TypeInfo {
	m := map[schema.Type]duckdb.TypeInfo{}
	for t, dt := range map[schema.Type]duckdb.Type{
		schema.Bool: duckdb.TYPE_BOOLEAN, schema.Int: duckdb.TYPE_INTEGER, schema.Long: duckdb.TYPE_BIGINT,
		schema.Timespan: duckdb.TYPE_BIGINT, schema.Real: duckdb.TYPE_DOUBLE, schema.DateTime: duckdb.TYPE_TIMESTAMP,
		schema.String: duckdb.TYPE_VARCHAR, schema.Dynamic: duckdb.TYPE_VARCHAR, schema.GUID: duckdb.TYPE_UUID,
	} {
		m[t] = mustType(duckdb.NewTypeInfo(dt))
	}
	m[schema.Decimal] = mustType(duckdb.NewDecimalInfo(38, 18))
	return m
}()

var (
	bigintType    = mustType(duckdb.NewTypeInfo(duckdb.TYPE_BIGINT))
	integerType   = mustType(duckdb.NewTypeInfo(duckdb.TYPE_INTEGER))
	varcharType   = mustType(duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR))
	timestampType = mustType(duckdb.NewTypeInfo(duckdb.TYPE_TIMESTAMP))
	blobType      = mustType(duckdb.NewTypeInfo(duckdb.TYPE_BLOB))
)

// mustType panics on an error that only a wrong constant above can cause.
func mustType(t duckdb.TypeInfo, err error) duckdb.TypeInfo {
	if err != nil {
		panic(err)
	}
	return t
}

// registerHot registers the hot buffer's table functions in db (its
// catalog is shared by all its connections): vigil_hot in the store's
// DuckDB, where queries run, vigil_seal in the seal's (see seal.go), and
// vigil_hot_raw in both, since queries read a hot batch's original bytes
// and seals write a generation's.
func (s *Store) registerHot(db *sql.DB, sealing bool) error {
	conn, err := db.Conn(context.Background())
	if err != nil {
		return err
	}
	defer conn.Close()
	if sealing {
		err = duckdb.RegisterTableUDF(conn, "vigil_seal", duckdb.ChunkTableFunction{
			Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{bigintType}},
			BindArguments: func(_ map[string]any, args ...any) (duckdb.ChunkTableSource, error) {
				id, _ := args[0].(int64)
				d, ok := s.sealDays.Load(id)
				if !ok {
					return nil, fmt.Errorf("vigil_seal: no day %d being sealed", id)
				}
				return &sealScan{day: d.(*hotDay)}, nil
			},
		})
	} else {
		err = duckdb.RegisterTableUDF(conn, "vigil_hot", duckdb.ParallelChunkTableFunction{
			Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{bigintType, bigintType, bigintType, bigintType}},
			BindArguments: func(_ map[string]any, args ...any) (duckdb.ParallelChunkTableSource, error) {
				g, err := s.hotGen(args[0])
				if err != nil {
					return nil, err
				}
				v := g.view.Load()
				n := int(args[1].(int64))
				if n > v.rows {
					return nil, fmt.Errorf("vigil_hot: generation %d has %d rows, not %d", g.id, v.rows, n)
				}
				h := &hotScan{view: v, n: n, from: args[2].(int64), to: args[3].(int64), tg: -1}
				for j, name := range v.names {
					if name == schema.ColTimeGenerated {
						h.tg = j
					}
				}
				return h, nil
			},
		})
	}
	if err != nil {
		return err
	}
	return duckdb.RegisterTableUDF(conn, "vigil_hot_raw", duckdb.ChunkTableFunction{
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{bigintType}},
		BindArguments: func(_ map[string]any, args ...any) (duckdb.ChunkTableSource, error) {
			g, err := s.hotGen(args[0])
			if err != nil {
				return nil, err
			}
			// In sequence order, so a raw file is too (one thread
			// reads, and DuckDB keeps its order); readers still sort.
			v := g.view.Load()
			raws := slices.SortedFunc(slices.Values(v.raws), func(a, b hotRaw) int { return cmp.Compare(a.seq, b.seq) })
			return &hotRawScan{view: v, raws: raws}, nil
		},
	})
}

// hotGen returns the live generation a table function argument names.
func (s *Store) hotGen(arg any) (*gen, error) {
	id, _ := arg.(int64)
	g, ok := s.gens.Load(uint64(id))
	if !ok {
		return nil, fmt.Errorf("hot buffer generation %d is gone", id)
	}
	return g.(*gen), nil
}

// hotScanSQL is the table function call reading the first rows rows of
// generation id with TimeGenerated in [from, to) (zero: unbounded).
func hotScanSQL(id uint64, rows int64, from, to time.Time) string {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !from.IsZero() {
		lo = from.UnixMicro()
	}
	if !to.IsZero() {
		hi = to.UnixMicro()
	}
	return fmt.Sprintf("vigil_hot(%d, %d, %d, %d)", id, rows, lo, hi)
}

// hotScan is one read of a view by vigil_hot. Threads take rows in turns
// from next, so DuckDB may read with all its threads.
type hotScan struct {
	view     *hotView
	n        int
	from, to int64
	tg       int // TimeGenerated's column
	next     atomic.Int64
}

// hotLocal is a reading thread's buffer of the rows it puts in a chunk.
type hotLocal struct{ rows []int }

func (h *hotScan) ColumnInfos() []duckdb.ColumnInfo { return h.view.columnInfos() }

// columnInfos is the columns vigil_hot and vigil_seal give: the view's,
// then _BatchSeq and _BatchRow.
func (v *hotView) columnInfos() []duckdb.ColumnInfo {
	infos := make([]duckdb.ColumnInfo, 0, len(v.cols)+2)
	for j, c := range v.cols {
		infos = append(infos, duckdb.ColumnInfo{Name: v.names[j], T: hotTypes[c.typ]})
	}
	return append(infos, duckdb.ColumnInfo{Name: schema.ColBatchSeq, T: bigintType}, duckdb.ColumnInfo{Name: schema.ColBatchRow, T: integerType})
}

func (h *hotScan) Cardinality() *duckdb.CardinalityInfo {
	return &duckdb.CardinalityInfo{Cardinality: uint(h.n)}
}

func (h *hotScan) Init() duckdb.ParallelTableSourceInfo { return duckdb.ParallelTableSourceInfo{} }

func (h *hotScan) NewLocalState() any {
	return &hotLocal{rows: make([]int, 0, duckdb.GetDataChunkCapacity())}
}

// FillChunk fills a chunk with the next rows in the time range, writing
// only the columns the query reads.
func (h *hotScan) FillChunk(state any, chunk duckdb.DataChunk) error {
	local := state.(*hotLocal)
	sel := local.rows[:0]
	capacity := duckdb.GetDataChunkCapacity()
	for len(sel) < capacity {
		// Take no more rows than the chunk has room for, so none taken
		// is left over.
		k := capacity - len(sel)
		start := int(h.next.Add(int64(k))) - k
		if start >= h.n {
			break
		}
		for r := start; r < min(start+k, h.n); r++ {
			if h.tg >= 0 {
				if t := h.view.cols[h.tg].nums[r]; t < h.from || t >= h.to {
					continue
				}
			}
			sel = append(sel, r)
		}
	}
	local.rows = sel
	return h.view.fill(chunk, sel)
}

// sealScan is vigil_seal's read of the day being sealed: its rows in
// the order of the segment, on one thread, so that DuckDB writes them in
// that order (COPY keeps the order of a single source).
type sealScan struct {
	day  *hotDay
	next int
}

func (h *sealScan) ColumnInfos() []duckdb.ColumnInfo { return h.day.view.columnInfos() }

func (h *sealScan) Cardinality() *duckdb.CardinalityInfo {
	return &duckdb.CardinalityInfo{Cardinality: uint(len(h.day.order)), Exact: true}
}

func (h *sealScan) Init() {}

func (h *sealScan) FillChunk(chunk duckdb.DataChunk) error {
	sel := h.day.order[h.next:min(h.next+duckdb.GetDataChunkCapacity(), len(h.day.order))]
	h.next += len(sel)
	return h.day.view.fill(chunk, sel)
}

// hotRawScan is one read of a generation's original bytes.
type hotRawScan struct {
	view *hotView
	raws []hotRaw
	next int
}

func (h *hotRawScan) ColumnInfos() []duckdb.ColumnInfo {
	return []duckdb.ColumnInfo{{Name: "seq", T: bigintType}, {Name: "content_type", T: varcharType},
		{Name: "received", T: timestampType}, {Name: "raw", T: blobType}}
}

func (h *hotRawScan) Cardinality() *duckdb.CardinalityInfo {
	return &duckdb.CardinalityInfo{Cardinality: uint(len(h.raws)), Exact: true}
}

func (h *hotRawScan) Init() {}

// FillChunk gives the next row group's batches (rawGroupBytes) a chunk:
// a full chunk (2,048 batches, a whole generation's original bytes) made
// DuckDB's Parquet writer hold about four times those bytes at once (148
// MiB for a generation of 110 batches of 300 KB, against 28 MiB), which
// was most of the memory outside Go while ingesting.
func (h *hotRawScan) FillChunk(chunk duckdb.DataChunk) error {
	n, size := 0, 0
	for h.next+n < len(h.raws) && n < duckdb.GetDataChunkCapacity() && (n == 0 || size < rawGroupBytes) {
		size += h.raws[h.next+n].n
		n++
	}
	for i := range n {
		r := &h.raws[h.next+i]
		raw, err := h.view.rawOf(r)
		if err != nil {
			return err
		}
		for j, v := range []any{r.seq, r.contentType, r.received, raw} {
			if err := chunk.SetValue(j, i, v); err != nil {
				return err
			}
		}
	}
	h.next += n
	return chunk.SetSize(n)
}
