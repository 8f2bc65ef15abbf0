package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"vigil/internal/schema"
)

// A WAL record is one batch or one retention deletion of one workspace.
// Layout: kind (1 byte), seq (8 bytes, big-endian, at a fixed offset so
// it can be set after encoding, under the lock that orders the WAL), then
// the kind's fields. Strings and byte strings are uvarint-length-prefixed;
// times are Unix nanoseconds.
const (
	recBatch     byte = 1
	recRetention byte = 2
	seqOffset         = 1
)

// batchRecord is a normalized batch as the WAL holds it: rows in the
// canonical values of their columns, ready to be put in the hot buffer.
type batchRecord struct {
	seq         uint64
	workspace   string
	table       string
	contentType string
	received    time.Time
	cols        []schema.Column
	rows        [][]any
	raw         []byte
}

// retentionRecord is a deletion by retention policy.
type retentionRecord struct {
	seq       uint64
	workspace string
	table     string
	time      time.Time
	cutoff    time.Time
	policy    string
	rows      int64
	// batches are the seqs of the batches whose rows the deleted
	// segments held. Records written before this field have none.
	batches rangeSet
}

// encode returns the record's encoding in two parts, to be written one
// after the other: everything up to the original bytes, and the original
// bytes themselves, which the WAL writes from the batch's own slice
// instead of a copy (they are most of a record).
func (r *batchRecord) encode() (head, raw []byte) {
	b := make([]byte, 0, 16*len(r.rows)*len(r.cols)+256)
	b = append(b, recBatch)
	b = binary.BigEndian.AppendUint64(b, r.seq)
	b = appendStr(b, r.workspace)
	b = appendStr(b, r.table)
	b = appendStr(b, r.contentType)
	b = binary.BigEndian.AppendUint64(b, uint64(r.received.UnixNano()))
	b = binary.AppendUvarint(b, uint64(len(r.cols)))
	for _, c := range r.cols {
		b = appendStr(b, c.Name)
		b = append(b, byte(c.Type))
	}
	b = binary.AppendUvarint(b, uint64(len(r.rows)))
	for _, row := range r.rows {
		for i, c := range r.cols {
			b = appendValue(b, c.Type, row[i])
		}
	}
	return binary.AppendUvarint(b, uint64(len(r.raw))), r.raw
}

func (r *retentionRecord) encode() []byte {
	b := []byte{recRetention}
	b = binary.BigEndian.AppendUint64(b, r.seq)
	b = appendStr(b, r.workspace)
	b = appendStr(b, r.table)
	b = binary.BigEndian.AppendUint64(b, uint64(r.time.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, uint64(r.cutoff.UnixNano()))
	b = appendStr(b, r.policy)
	b = binary.BigEndian.AppendUint64(b, uint64(r.rows))
	b = binary.AppendUvarint(b, uint64(len(r.batches)))
	for _, x := range r.batches {
		b = binary.AppendUvarint(b, x[0])
		b = binary.AppendUvarint(b, x[1])
	}
	return b
}

// setSeq writes seq into an encoded record.
func setSeq(rec []byte, seq uint64) {
	binary.BigEndian.PutUint64(rec[seqOffset:], seq)
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendValue writes a presence byte and, when present, the value in the
// column type's fixed form.
func appendValue(b []byte, t schema.Type, v any) []byte {
	if v == nil {
		return append(b, 0)
	}
	b = append(b, 1)
	switch t {
	case schema.Bool:
		if v.(bool) {
			return append(b, 1)
		}
		return append(b, 0)
	case schema.Int:
		return binary.AppendVarint(b, int64(v.(int32)))
	case schema.Long:
		return binary.AppendVarint(b, v.(int64))
	case schema.Real:
		return binary.BigEndian.AppendUint64(b, math.Float64bits(v.(float64)))
	case schema.DateTime:
		return binary.AppendVarint(b, v.(time.Time).UnixMicro())
	case schema.Timespan:
		return binary.AppendVarint(b, int64(v.(time.Duration)/schema.Tick))
	case schema.Dynamic:
		return appendStr(b, string(v.(json.RawMessage)))
	default: // string, decimal, guid
		return appendStr(b, v.(string))
	}
}

var errShortRecord = errors.New("store: WAL record is truncated")

type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil || n < 0 || len(r.b) < n {
		r.err = errShortRecord
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u8() byte {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShortRecord
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errShortRecord
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err = errShortRecord
		return nil
	}
	return r.take(int(n))
}

func (r *reader) str() string { return string(r.bytes()) }

func (r *reader) value(t schema.Type) any {
	if r.u8() == 0 {
		return nil
	}
	switch t {
	case schema.Bool:
		return r.u8() == 1
	case schema.Int:
		return int32(r.varint())
	case schema.Long:
		return r.varint()
	case schema.Real:
		return math.Float64frombits(r.u64())
	case schema.DateTime:
		return time.UnixMicro(r.varint()).UTC()
	case schema.Timespan:
		return time.Duration(r.varint()) * schema.Tick
	case schema.Dynamic:
		return json.RawMessage(r.bytes())
	default:
		return r.str()
	}
}

// decodeRecord parses a WAL record into a *batchRecord or a *retentionRecord.
func decodeRecord(b []byte) (any, error) {
	r := &reader{b: b}
	kind := r.u8()
	seq := r.u64()
	switch kind {
	case recBatch:
		rec := &batchRecord{seq: seq, workspace: r.str(), table: r.str(), contentType: r.str()}
		rec.received = time.Unix(0, int64(r.u64())).UTC()
		ncols := r.uvarint()
		if ncols > uint64(len(r.b)) {
			return nil, errShortRecord
		}
		rec.cols = make([]schema.Column, ncols)
		for i := range rec.cols {
			rec.cols[i] = schema.Column{Name: r.str(), Type: schema.Type(r.u8())}
		}
		nrows := r.uvarint()
		if nrows > uint64(len(r.b)) {
			return nil, errShortRecord
		}
		rec.rows = make([][]any, nrows)
		for i := range rec.rows {
			row := make([]any, ncols)
			for j, c := range rec.cols {
				row[j] = r.value(c.Type)
			}
			rec.rows[i] = row
		}
		rec.raw = r.bytes()
		if r.err != nil {
			return nil, r.err
		}
		return rec, nil
	case recRetention:
		rec := &retentionRecord{seq: seq, workspace: r.str(), table: r.str()}
		rec.time = time.Unix(0, int64(r.u64())).UTC()
		rec.cutoff = time.Unix(0, int64(r.u64())).UTC()
		rec.policy = r.str()
		rec.rows = int64(r.u64())
		if len(r.b) > 0 {
			n := r.uvarint()
			if n > uint64(len(r.b)) {
				return nil, errShortRecord
			}
			for range n {
				rec.batches = append(rec.batches, [2]uint64{r.uvarint(), r.uvarint()})
			}
		}
		if r.err != nil {
			return nil, r.err
		}
		return rec, nil
	}
	return nil, fmt.Errorf("store: unknown WAL record kind %d", kind)
}
