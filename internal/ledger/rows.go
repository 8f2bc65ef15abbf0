package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"sync"
	"time"

	"vigil/internal/schema"
)

// RowsEncoder puts a batch's rows into the canonical encoding a leaf's
// RowsHash is the SHA-256 of, in either leaf version. It is the one place
// that encoding is written: HashRows feeds it Go values, the store feeds
// it DuckDB's vectors, value by value, without boxing them.
//
// Rows are added in order (AddRows, Append); each column's values are
// given in row order through Column(i), a row without a value being null.
// Sum hashes what was added. An encoder is not safe for concurrent use.
type RowsEncoder struct {
	cols []schema.Column
	// byName is the columns' indexes sorted by name, the order both
	// encodings list columns in.
	byName []int
	rows   int
	c      []ColumnEncoder
	buf    []byte
}

// ColumnEncoder holds the values of one column of the rows a RowsEncoder
// has been given.
type ColumnEncoder struct {
	// bits has bit r%8 of byte r/8 set when row r holds a value.
	bits []byte
	// vals is the values end to end, each in the value encoding; ends[k]
	// is where the k-th ends (version 1 hashes them row by row).
	vals []byte
	ends []int
	// last is the last row given a value, -1 for none.
	last int
}

// NewRowsEncoder returns an encoder of rows of cols.
func NewRowsEncoder(cols []schema.Column) *RowsEncoder {
	e := &RowsEncoder{}
	e.reset(cols)
	return e
}

// reset makes e an empty encoder of rows of cols, keeping its buffers.
func (e *RowsEncoder) reset(cols []schema.Column) {
	e.cols = cols
	e.byName = e.byName[:0]
	for i := range cols {
		e.byName = append(e.byName, i)
	}
	sort.Slice(e.byName, func(a, b int) bool { return cols[e.byName[a]].Name < cols[e.byName[b]].Name })
	if cap(e.c) < len(cols) {
		e.c = append(e.c[:cap(e.c)], make([]ColumnEncoder, len(cols)-cap(e.c))...)
	}
	e.c = e.c[:len(cols)]
	e.Reset()
}

// Reset empties e for another batch of the same columns, keeping its
// buffers.
func (e *RowsEncoder) Reset() {
	e.rows = 0
	for i := range e.c {
		c := &e.c[i]
		c.bits, c.vals, c.ends, c.last = c.bits[:0], c.vals[:0], c.ends[:0], -1
	}
}

// Len returns the number of rows added.
func (e *RowsEncoder) Len() int { return e.rows }

// AddRows adds n rows, null in every column until their values are given.
func (e *RowsEncoder) AddRows(n int) { e.rows += n }

// Column returns the encoder of column i (of the columns e was made for).
func (e *RowsEncoder) Column(i int) *ColumnEncoder { return &e.c[i] }

// Append adds rows of canonical Go values (schema/value.go), nil for
// null; a row shorter than the columns is null in the rest. It encodes
// column by column, asserting each value to the Go type its column's type
// holds, so that the store's hash of every batch it accepts pays one type
// check a value; a value of another type is encoded as appendValue does.
func (e *RowsEncoder) Append(rows [][]any) {
	first := e.rows
	e.rows += len(rows)
	nbits := (e.rows + 7) / 8
	for i := range e.c {
		c := &e.c[i]
		if c.last >= first {
			panic(fmt.Sprintf("ledger: rows from %d appended after a value for row %d", first, c.last))
		}
		c.bits = append(c.bits, make([]byte, nbits-len(c.bits))...)
		switch e.cols[i].Type {
		case schema.Bool:
			appendColumn(c, rows, i, first, appendBool)
		case schema.Int:
			appendColumn(c, rows, i, first, appendInt32)
		case schema.Long:
			appendColumn(c, rows, i, first, appendInt64)
		case schema.Real:
			appendColumn(c, rows, i, first, appendReal)
		case schema.DateTime:
			appendColumn(c, rows, i, first, appendTime)
		case schema.Timespan:
			appendColumn(c, rows, i, first, appendDuration)
		case schema.Dynamic:
			appendColumn(c, rows, i, first, appendText[json.RawMessage])
		default:
			appendColumn(c, rows, i, first, appendText[string])
		}
	}
}

// appendColumn adds column i of rows, the first of them being row first,
// to c, whose bitmap already covers them. enc encodes a T exactly as
// appendValue does; values of any other type go to appendValue.
func appendColumn[T any](c *ColumnEncoder, rows [][]any, i, first int, enc func([]byte, T) []byte) {
	vals, ends, bits := c.vals, c.ends, c.bits
	for r, row := range rows {
		if i >= len(row) || row[i] == nil {
			continue
		}
		if v, ok := row[i].(T); ok {
			vals = enc(vals, v)
		} else {
			vals = appendValue(vals, row[i])
		}
		ends = append(ends, len(vals))
		at := first + r
		bits[at>>3] |= 1 << (at & 7)
		c.last = at
	}
	c.vals, c.ends = vals, ends
}

// mark records that row holds the column's next value. Rows come in
// order: the bitmap and the row by row reading of version 1 rely on it.
func (c *ColumnEncoder) mark(row int) {
	if row <= c.last {
		panic(fmt.Sprintf("ledger: row %d given a value after row %d", row, c.last))
	}
	c.last = row
	for len(c.bits) <= row>>3 {
		c.bits = append(c.bits, 0)
	}
	c.bits[row>>3] |= 1 << (row & 7)
}

// Bool gives row the bool v.
func (c *ColumnEncoder) Bool(row int, v bool) {
	c.mark(row)
	c.vals = appendBool(c.vals, v)
	c.ends = append(c.ends, len(c.vals))
}

// Int64 gives row the 8-byte value v: an int or long, a datetime in Unix
// microseconds, a timespan in 100 ns ticks.
func (c *ColumnEncoder) Int64(row int, v int64) {
	c.mark(row)
	c.vals = appendInt64(c.vals, v)
	c.ends = append(c.ends, len(c.vals))
}

// Real gives row the real v.
func (c *ColumnEncoder) Real(row int, v float64) {
	c.mark(row)
	c.vals = appendReal(c.vals, v)
	c.ends = append(c.ends, len(c.vals))
}

// Text gives row the text s: a decimal, string, guid or dynamic value in
// its canonical text.
func (c *ColumnEncoder) Text(row int, s string) {
	c.mark(row)
	c.vals = appendText(c.vals, s)
	c.ends = append(c.ends, len(c.vals))
}

// flushAt is how much encoding is gathered before it is hashed.
const flushAt = 32 << 10

// Sum returns the rows hash of what e holds in the encoding of leaf
// version (Leaf.Version: 0 for LeafVersion, 1 for the first).
func (e *RowsEncoder) Sum(version uint8) [32]byte {
	h := sha256.New()
	if version == 1 {
		e.sumV1(h)
	} else {
		e.sumV2(h)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// sumV2 writes the encoding HashRows documents: the row count, the
// columns holding a value, then each of those columns' bitmap and values.
func (e *RowsEncoder) sumV2(h io.Writer) {
	b := binary.BigEndian.AppendUint64(e.buf[:0], uint64(e.rows))
	present := 0
	for i := range e.c {
		if e.c[i].last >= 0 {
			present++
		}
	}
	b = binary.AppendUvarint(b, uint64(present))
	for _, i := range e.byName {
		if e.c[i].last >= 0 {
			b = append(appendText(b, e.cols[i].Name), byte(e.cols[i].Type))
		}
	}
	nbits := (e.rows + 7) / 8
	for _, i := range e.byName {
		c := &e.c[i]
		if c.last < 0 {
			continue
		}
		if c.last >= e.rows {
			panic(fmt.Sprintf("ledger: row %d given a value in a batch of %d rows", c.last, e.rows))
		}
		b = append(b, c.bits...)
		for range nbits - len(c.bits) {
			b = append(b, 0)
		}
		h.Write(b)
		h.Write(c.vals)
		b = b[:0]
	}
	h.Write(b)
	e.buf = b
}

// sumV1 writes version 1's encoding: the row count, then row by row the
// number of cells holding a value and those cells, by column name, each
// as the column's name, its type and the value.
func (e *RowsEncoder) sumV1(h io.Writer) {
	b := binary.BigEndian.AppendUint64(e.buf[:0], uint64(e.rows))
	next := make([]int, len(e.c)) // each column's next value
	// Each cell starts with its column's name and type: encoded once.
	prefix := make([][]byte, len(e.c))
	for i, c := range e.cols {
		prefix[i] = append(appendText(nil, c.Name), byte(c.Type))
	}
	for r := range e.rows {
		byteAt, bit := r>>3, byte(1)<<(r&7)
		cells := 0
		for i := range e.c {
			if bits := e.c[i].bits; byteAt < len(bits) && bits[byteAt]&bit != 0 {
				cells++
			}
		}
		b = binary.AppendUvarint(b, uint64(cells))
		for _, i := range e.byName {
			c := &e.c[i]
			if byteAt >= len(c.bits) || c.bits[byteAt]&bit == 0 {
				continue
			}
			start := 0
			if k := next[i]; k > 0 {
				start = c.ends[k-1]
			}
			b = append(append(b, prefix[i]...), c.vals[start:c.ends[next[i]]]...)
			next[i]++
		}
		if len(b) > flushAt {
			h.Write(b)
			b = b[:0]
		}
	}
	h.Write(b)
	e.buf = b
}

// encoders keeps encoders for HashRows, which the store calls for every
// batch it accepts: their buffers outlive a call.
var encoders = sync.Pool{New: func() any { return &RowsEncoder{} }}

// HashRows returns the rows hash of a version LeafVersion leaf: the hash
// of rows as stored. Each value must be in the canonical Go form schema
// documents (the form the store holds and reads back). The encoding names
// each column once and then lists its values, column by column:
//
//   - the row count, 8-byte big-endian;
//   - the number of columns that hold a value in some row, uvarint, and
//     for each of those, sorted by name: its name (uvarint length and
//     bytes) and its type (1 byte);
//   - for each of those columns, in the same order: a bitmap of the rows
//     that hold a value ((rows+7)/8 bytes, row r is bit r%8, least
//     significant first, of byte r/8), then each of those values, in row
//     order, in the value encoding below.
//
// Columns with no value in any row are left out, so a column added to a
// table later does not change the hash of older rows. Values:
//
//	bool      1 byte
//	int, long 8-byte big-endian two's complement
//	real      8-byte big-endian IEEE 754 bits (-0 as +0, one NaN)
//	datetime  8-byte big-endian Unix microseconds
//	timespan  8-byte big-endian 100 ns ticks
//	decimal, string, guid, dynamic  uvarint length and the text's bytes
func HashRows(cols []schema.Column, rows [][]any) [32]byte {
	return Leaf{}.HashRows(cols, rows)
}

// HashRows returns the hash of rows in the encoding of the leaf's
// version, to compare with its RowsHash. Version 1 hashes the row count,
// then per row its number of non-null cells (uvarint) and those cells
// sorted by column name, each as its column's name, its type (1 byte) and
// its value encoded as HashRows encodes values.
func (l Leaf) HashRows(cols []schema.Column, rows [][]any) [32]byte {
	e := encoders.Get().(*RowsEncoder)
	e.reset(cols)
	e.Append(rows)
	sum := e.Sum(l.Version)
	e.cols = nil // the caller's
	encoders.Put(e)
	return sum
}

// appendValue appends a canonical Go value in the value encoding.
func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case bool:
		return appendBool(b, x)
	case int32:
		return appendInt32(b, x)
	case int64:
		return appendInt64(b, x)
	case float64:
		return appendReal(b, x)
	case time.Time:
		return appendTime(b, x)
	case time.Duration:
		return appendDuration(b, x)
	case string:
		return appendText(b, x)
	case json.RawMessage:
		return appendText(b, x)
	default:
		// Not a canonical value: hash its printed form so that the hash is
		// still deterministic, and a mismatch shows up in verification.
		return appendText(b, fmt.Sprintf("%T:%v", v, v))
	}
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendInt64(b []byte, v int64) []byte { return binary.BigEndian.AppendUint64(b, uint64(v)) }

func appendInt32(b []byte, v int32) []byte { return appendInt64(b, int64(v)) }

// appendTime appends a datetime as Unix microseconds.
func appendTime(b []byte, v time.Time) []byte { return appendInt64(b, v.UnixMicro()) }

// appendDuration appends a timespan as 100 ns ticks.
func appendDuration(b []byte, v time.Duration) []byte { return appendInt64(b, int64(v/schema.Tick)) }

// appendReal appends v's IEEE 754 bits, with one zero and one NaN.
func appendReal(b []byte, v float64) []byte {
	if v == 0 {
		v = 0
	}
	if math.IsNaN(v) {
		return appendInt64(b, 0x7ff8000000000001)
	}
	return appendInt64(b, int64(math.Float64bits(v)))
}

// appendText appends a uvarint length and the bytes.
func appendText[T ~string | ~[]byte](b []byte, s T) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
