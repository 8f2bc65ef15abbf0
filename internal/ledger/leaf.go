// Package ledger is Vigil's tamper-evident record of what it accepted: one
// leaf per accepted batch or retention deletion in an append-only Merkle
// tree per workspace (RFC 6962 hashing), with signed checkpoints.
package ledger

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// LeafKind says what a leaf records.
type LeafKind uint8

// The kinds of leaf.
const (
	// BatchLeaf records one accepted batch.
	BatchLeaf LeafKind = 1
	// RetentionLeaf records a deletion by retention policy.
	RetentionLeaf LeafKind = 2
)

// Leaf is what one entry of a workspace's Merkle tree commits to.
type Leaf struct {
	Kind      LeafKind
	Workspace string
	// Seq is the workspace's sequence number of the record, which is also
	// the leaf's index in the workspace's tree.
	Seq   uint64
	Table string
	// Time is when the batch was received, or when retention deleted.
	Time time.Time
	// Rows is the batch's row count, or the number of rows retention removed.
	Rows int64
	// RawHash is the SHA-256 of the batch's original bytes (zero for retention).
	RawHash [32]byte
	// RowsHash is HashRows of the batch's rows as stored (zero for retention).
	RowsHash [32]byte
	// Cutoff is, for retention, the time before which rows (by
	// TimeGenerated) of Table were removed.
	Cutoff time.Time
	// Policy names the retention policy that deleted, e.g. "table 30d".
	Policy string
	// Batches are, for retention, the seqs of the batches whose rows it
	// removed (all or some of them), as ascending, disjoint and
	// non-adjacent ranges. Version 1 leaves have none.
	Batches []SeqRange
	// Version is the encoding the leaf was made in: 0 for the current one
	// (LeafVersion), or an older version read from a ledger written
	// before. It decides the leaf's encoding and its rows hash.
	Version uint8
}

// SeqRange is the seqs First to Last, both included.
type SeqRange struct{ First, Last uint64 }

// covers reports whether seq is in one of the ranges, which must be
// ascending (as a leaf's Batches are).
func covers(ranges []SeqRange, seq uint64) bool {
	i := sort.Search(len(ranges), func(i int) bool { return ranges[i].Last >= seq })
	return i < len(ranges) && ranges[i].First <= seq
}

// LeafVersion is the version of the leaves made now, the first byte of
// their encoding. Version 2 added Batches and the column-wise rows hash
// (HashRows); version 1 named the column in every cell (see Leaf.HashRows).
const LeafVersion = 2

func (l Leaf) version() uint8 {
	if l.Version == 0 {
		return LeafVersion
	}
	return l.Version
}

// Encode returns the leaf's canonical encoding, the bytes its leaf hash is
// computed over: version, kind, then each field in declaration order
// (Batches from version 2 on); strings as uvarint length and bytes,
// integers and times (Unix nanoseconds) as 8-byte big-endian, hashes as
// 32 bytes, Batches as a uvarint count and each range's First and Last.
func (l Leaf) Encode() []byte {
	return l.appendEncoding(make([]byte, 0, 128+len(l.Workspace)+len(l.Table)+len(l.Policy)+16*len(l.Batches)))
}

// appendEncoding appends the leaf's encoding to b, so the log can encode
// straight into its write buffer.
func (l Leaf) appendEncoding(b []byte) []byte {
	v := l.version()
	b = append(b, v, byte(l.Kind))
	b = appendText(b, l.Workspace)
	b = binary.BigEndian.AppendUint64(b, l.Seq)
	b = appendText(b, l.Table)
	b = binary.BigEndian.AppendUint64(b, uint64(unixNano(l.Time)))
	b = binary.BigEndian.AppendUint64(b, uint64(l.Rows))
	b = append(b, l.RawHash[:]...)
	b = append(b, l.RowsHash[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(unixNano(l.Cutoff)))
	b = appendText(b, l.Policy)
	if v >= 2 {
		b = binary.AppendUvarint(b, uint64(len(l.Batches)))
		for _, r := range l.Batches {
			b = binary.BigEndian.AppendUint64(b, r.First)
			b = binary.BigEndian.AppendUint64(b, r.Last)
		}
	}
	return b
}

// DecodeLeaf parses the output of Encode, and only that: any other bytes
// are an error.
func DecodeLeaf(b []byte) (Leaf, error) {
	var l Leaf
	d := decoder{b: b}
	v := d.byte()
	if v < 1 || v > LeafVersion {
		return l, fmt.Errorf("ledger: leaf version %d is not 1 to %d", v, LeafVersion)
	}
	if v != LeafVersion {
		l.Version = v
	}
	l.Kind = LeafKind(d.byte())
	l.Workspace = d.string()
	l.Seq = d.uint64()
	l.Table = d.string()
	l.Time = fromUnixNano(int64(d.uint64()))
	l.Rows = int64(d.uint64())
	copy(l.RawHash[:], d.bytes(32))
	copy(l.RowsHash[:], d.bytes(32))
	l.Cutoff = fromUnixNano(int64(d.uint64()))
	l.Policy = d.string()
	if v >= 2 {
		n := d.uvarint()
		if n > uint64(len(d.b))/16 {
			d.fail("ledger: bad batch range count in leaf")
		}
		for i := uint64(0); i < n && d.err == nil; i++ {
			r := SeqRange{d.uint64(), d.uint64()}
			if r.First > r.Last || (i > 0 && r.First <= l.Batches[i-1].Last+1) {
				d.fail("ledger: batch ranges of leaf are not ascending, disjoint and apart")
			}
			l.Batches = append(l.Batches, r)
		}
		if l.Kind != RetentionLeaf && n > 0 {
			d.fail("ledger: batch ranges in a leaf that is not a retention leaf")
		}
	}
	if d.err != nil {
		return Leaf{}, d.err
	}
	if len(d.b) != 0 {
		return Leaf{}, errors.New("ledger: trailing bytes after leaf")
	}
	if l.Kind != BatchLeaf && l.Kind != RetentionLeaf {
		return Leaf{}, fmt.Errorf("ledger: unknown leaf kind %d", l.Kind)
	}
	// One leaf has one encoding: reject padded lengths and the like, so
	// that bytes which hash differently never read as the same leaf.
	if !bytes.Equal(l.Encode(), b) {
		return Leaf{}, errors.New("ledger: leaf is not in canonical encoding")
	}
	return l, nil
}

// Hash returns the leaf's RFC 6962 record hash: SHA-256(0x00 || Encode()).
func (l Leaf) Hash() tlog.Hash {
	return tlog.RecordHash(l.Encode())
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = errors.New("ledger: leaf is truncated")
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) byte() byte {
	if b := d.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) uint64() uint64 {
	if b := d.bytes(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

func (d *decoder) fail(msg string) {
	if d.err == nil {
		d.err = errors.New(msg)
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	n, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.fail("ledger: bad uvarint in leaf")
		return 0
	}
	d.b = d.b[k:]
	return n
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("ledger: bad string length in leaf")
	}
	if d.err != nil {
		return ""
	}
	return string(d.bytes(int(n)))
}
