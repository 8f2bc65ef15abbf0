package store

import (
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/cespare/xxhash/v2"

	"vigil/internal/schema"
	"vigil/internal/source"
	"vigil/internal/sqlgen"
)

// The term index of a segment is a file next to it (the segment's path
// with termSuffix) holding, for each unit of termUnitRows rows in file
// order, a split-block bloom filter over the terms (as KQL's `has` splits
// text) of the unit's string and dynamic columns. A relation whose scan
// carries terms reads only the units whose filter may hold one of them:
// none of a segment when no unit may, a few row ranges of it when some
// may. Bloom filters have false positives, never false negatives, so a
// row holding a term is never skipped.
const (
	termSuffix = ".terms"
	// termUnitRows is also the Parquet row group size writeSegment uses,
	// so a unit read is a row group read. Small row groups let a term
	// found in a few scattered rows skip most of a segment; at this size
	// they cost neither disk (zstd compresses pages, not row groups) nor
	// scan speed measurably.
	termUnitRows = 8192
	// termBitsPerTerm sizes a unit's filter: about 1% false positives.
	termBitsPerTerm = 10
	// termMaxBlocks bounds a unit's filter (32 bytes a block: 4 MiB).
	termMaxBlocks = 1 << 17
	// termMaxRanges is how many separate row ranges of one segment a
	// relation reads before it reads the whole segment instead.
	termMaxRanges = 64
	termMagic     = "VGTI"
	termVersion   = 1
)

// bloomSalt are the split-block bloom filter's odd multipliers (those of
// the Parquet format's filter): each sets one bit in each of a block's
// eight 32-bit words.
var bloomSalt = [8]uint32{0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31}

// bloom is a split-block bloom filter: blocks of eight words. A term's
// 64-bit hash picks a block with its high half and one bit in each word
// with its low half.
type bloom []uint32

func (b bloom) block(h uint64) []uint32 {
	i := blockIndex(h, uint64(len(b)/8))
	return b[i*8 : i*8+8]
}

// blockIndex maps the hash's high half onto n blocks by multiplication,
// so n need not be a power of two.
func blockIndex(h, n uint64) uint64 { return ((h >> 32) * n) >> 32 }

func (b bloom) add(h uint64) {
	blk := b.block(h)
	x := uint32(h)
	for i, s := range bloomSalt {
		blk[i] |= 1 << ((x * s) >> 27)
	}
}

// blockHas reports whether the block of eight words may hold hash h.
func blockHas(blk []uint32, h uint64) bool {
	x := uint32(h)
	for i, s := range bloomSalt {
		if blk[i]&(1<<((x*s)>>27)) == 0 {
			return false
		}
	}
	return true
}

// sizedBloom builds a filter over hashes (which may repeat) with
// termBitsPerTerm bits for each distinct one. The distinct count is
// estimated from a first filter as large as if all were distinct: with
// eight bits set per term, the share z of bits left clear after n
// distinct terms in m bits is about exp(-8n/m).
func sizedBloom(hashes []uint64) bloom {
	if len(hashes) == 0 {
		return nil
	}
	probe := newBloom(len(hashes) * 16)
	for _, h := range hashes {
		probe.add(h)
	}
	clear := 0
	for _, w := range probe {
		clear += 32 - bits.OnesCount32(w)
	}
	m := float64(len(probe) * 32)
	distinct := -m / 8 * math.Log(float64(clear)/m)
	if clear == 0 {
		distinct = float64(len(hashes))
	}
	b := newBloom(int(math.Ceil(distinct * termBitsPerTerm)))
	if len(b) >= len(probe) {
		return probe
	}
	for _, h := range hashes {
		b.add(h)
	}
	return b
}

// newBloom returns an empty filter of at least bits bits (at least one
// block, at most termMaxBlocks).
func newBloom(bits int) bloom {
	blocks := min(max((bits+255)/256, 1), termMaxBlocks)
	return make(bloom, blocks*8)
}

func termHash(term []byte) uint64 { return xxhash.Sum64(term) }

// termColumns returns the SQL of the text a query's string operators see
// in each string or dynamic column of cols: dynamic values as the engine
// converts them to string.
func termColumns(cols []schema.Column) []string {
	var out []string
	for _, c := range cols {
		switch c.Type {
		case schema.String:
			out = append(out, sqlgen.QuoteIdent(c.Name))
		case schema.Dynamic:
			out = append(out, "json_extract_string("+sqlgen.QuoteIdent(c.Name)+", '$')")
		}
	}
	return out
}

// termBuild is a term index being built: each unit's filter, or, for a
// unit whose terms are not all in yet, the hashes of those that are.
type termBuild struct {
	filters []bloom
	// read tells the units whose filter waits for terms from the file,
	// and pending holds the hashes of those units' terms memory had.
	read    []bool
	pending [][]uint64
	// exprs are the text of the columns read back from the file for the
	// pending units.
	exprs []string
}

// startTermIndex starts the term index of a Parquet file of rows rows and
// columns cols, one unit at a time, with the terms memory has. With hot (the rows of a
// generation being sealed, in the file's order) the terms of string
// columns come from memory, and those of dynamic columns too where their
// JSON is plain (plainJSON): such a unit's filter is made at once, with
// no file yet, so it can be built while the file is written. Other
// units' dynamic columns are read back, since their text is what DuckDB
// makes of the JSON; without hot, every unit's columns are.
func startTermIndex(cols []schema.Column, rows int64, hot *hotDay) *termBuild {
	read := cols
	if hot != nil {
		read = nil
		for _, c := range cols {
			if c.Type == schema.Dynamic {
				read = append(read, c)
			}
		}
	}
	units := int((rows + termUnitRows - 1) / termUnitRows)
	b := &termBuild{filters: make([]bloom, units), pending: make([][]uint64, units), read: make([]bool, units), exprs: termColumns(read)}
	var tc termCollector
	for u := range units {
		tc.reset()
		fromMemory := len(b.exprs) == 0 || hot != nil && hot.plainDynamic(u)
		if hot != nil {
			hot.unitTerms(u, fromMemory, tc.add)
		}
		if fromMemory {
			b.filters[u] = sizedBloom(tc.hashes)
		} else {
			b.pending[u], b.read[u] = slices.Clone(tc.hashes), true
		}
	}
	return b
}

// finish reads the terms of the pending units back from the file at
// path and returns the index.
func (b *termBuild) finish(s *Store, path string) ([]byte, error) {
	var tc termCollector
	for u, hashes := range b.pending {
		if !b.read[u] {
			continue
		}
		tc.reset()
		tc.hashes = append(tc.hashes, hashes...)
		// One value a row: a space between columns is a term boundary,
		// so the terms are those of each column, for a fraction of the
		// values crossing from DuckDB.
		q := fmt.Sprintf("SELECT concat_ws(' ', %s) FROM read_parquet(%s, file_row_number=true) WHERE file_row_number >= %d AND file_row_number < %d",
			strings.Join(b.exprs, ", "), sqlgen.QuoteString(path), int64(u)*termUnitRows, int64(u+1)*termUnitRows)
		if err := s.scanText(q, func(text []byte) { source.ForIndexTerms(text, tc.add) }); err != nil {
			return nil, fmt.Errorf("store: building the term index: %w", err)
		}
		b.filters[u] = sizedBloom(tc.hashes)
	}
	return encodeTermIndex(b.filters), nil
}

// termCollector gathers the hashes of one unit's terms. recent drops the
// repeats of common terms (hosts, programs, words) before they are
// collected.
type termCollector struct {
	recent [4096]uint64
	hashes []uint64
}

func (tc *termCollector) reset() {
	tc.recent = [4096]uint64{}
	tc.hashes = tc.hashes[:0]
}

func (tc *termCollector) add(term []byte) {
	if len(term) < source.MinTermLen {
		return
	}
	h := termHash(term)
	if slot := &tc.recent[h&4095]; *slot != h {
		*slot = h
		tc.hashes = append(tc.hashes, h)
	}
}

// scanText runs q, whose one column is text, and calls fn with each
// non-null value. It reads a segment being written, in the seal's DuckDB:
// one row group, one thread's work (seal.go).
func (s *Store) scanText(q string, fn func([]byte)) error {
	rows, err := s.sealDB.Query(q)
	if err != nil {
		return err
	}
	defer rows.Close()
	var v sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&v); err != nil {
			return err
		}
		if v != nil {
			fn(v)
		}
	}
	return rows.Err()
}

// The file: magic, version, rows per unit and unit count (uint32 each),
// then per unit its block count (uint32) and the offset of its words
// (uint64), then the words; all little-endian. A unit with no blocks has
// no terms.
func encodeTermIndex(filters []bloom) []byte {
	head := 16 + 12*len(filters)
	out := make([]byte, head, head+4*wordCount(filters))
	copy(out, termMagic)
	binary.LittleEndian.PutUint32(out[4:], termVersion)
	binary.LittleEndian.PutUint32(out[8:], termUnitRows)
	binary.LittleEndian.PutUint32(out[12:], uint32(len(filters)))
	for i, f := range filters {
		e := out[16+12*i:]
		binary.LittleEndian.PutUint32(e, uint32(len(f)/8))
		binary.LittleEndian.PutUint64(e[4:], uint64(len(out)))
		for _, w := range f {
			out = binary.LittleEndian.AppendUint32(out, w)
		}
	}
	return out
}

func wordCount(filters []bloom) int {
	n := 0
	for _, f := range filters {
		n += len(f)
	}
	return n
}

// termIndex is the parsed head of a term index file: where each unit's
// filter is. The filters themselves are read block by block when asked.
type termIndex struct {
	unitRows int64
	units    []termUnit
}

type termUnit struct {
	blocks uint64
	offset int64
}

func parseTermIndex(f *os.File, size int64) (*termIndex, error) {
	var head [16]byte
	if _, err := f.ReadAt(head[:], 0); err != nil {
		return nil, err
	}
	if string(head[:4]) != termMagic || binary.LittleEndian.Uint32(head[4:]) != termVersion {
		return nil, errors.New("not a term index of a known version")
	}
	ix := &termIndex{unitRows: int64(binary.LittleEndian.Uint32(head[8:]))}
	n := int64(binary.LittleEndian.Uint32(head[12:]))
	if ix.unitRows == 0 || 16+12*n > size {
		return nil, errors.New("truncated term index")
	}
	table := make([]byte, 12*n)
	if _, err := f.ReadAt(table, 16); err != nil {
		return nil, err
	}
	for i := int64(0); i < n; i++ {
		e := table[12*i:]
		u := termUnit{blocks: uint64(binary.LittleEndian.Uint32(e)), offset: int64(binary.LittleEndian.Uint64(e[4:]))}
		if u.offset < 0 || u.offset+int64(u.blocks)*32 > size {
			return nil, fmt.Errorf("unit %d of the term index is out of bounds", i)
		}
		ix.units = append(ix.units, u)
	}
	return ix, nil
}

// mayHold reports for each unit whether it may hold any of the hashed
// terms.
func (ix *termIndex) mayHold(f *os.File, hashes []uint64) ([]bool, error) {
	out := make([]bool, len(ix.units))
	var raw [32]byte
	var blk [8]uint32
	for i, u := range ix.units {
		if u.blocks == 0 {
			continue
		}
		for _, h := range hashes {
			at := u.offset + int64(blockIndex(h, u.blocks))*32
			if _, err := f.ReadAt(raw[:], at); err != nil {
				return nil, err
			}
			for w := range blk {
				blk[w] = binary.LittleEndian.Uint32(raw[4*w:])
			}
			if blockHas(blk[:], h) {
				out[i] = true
				break
			}
		}
	}
	return out, nil
}

// scanHashes returns the hashes of a scan's terms, or false when the
// terms cannot narrow anything: none, or one the index does not hold
// (too short, or not a lowercase term), which any row may contain.
func scanHashes(terms []string) ([]uint64, bool) {
	if len(terms) == 0 {
		return nil, false
	}
	var hashes []uint64
	for _, t := range terms {
		if len(t) < source.MinTermLen {
			return nil, false
		}
		for i := 0; i < len(t); i++ {
			if c := t[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
				return nil, false
			}
		}
		hashes = append(hashes, termHash([]byte(t)))
	}
	return hashes, true
}

// segmentRows returns the row ranges of seg that may hold one of the
// hashed terms: nil to read it whole (no index, or too many ranges), an
// empty list to skip it.
func (s *Store) segmentRows(seg *Segment, hashes []uint64) ([][2]int64, error) {
	if seg.TermsSHA256 == "" {
		s.termStats.unindexed.Add(1)
		return nil, nil
	}
	f, ix, err := s.openTermIndex(seg)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	may, err := ix.mayHold(f, hashes)
	if err != nil {
		return nil, fmt.Errorf("term index of segment %s of table %s: %v", seg.Path, seg.Table, err)
	}
	var ranges [][2]int64
	read := 0
	for i, m := range may {
		if !m {
			continue
		}
		read++
		from, to := int64(i)*ix.unitRows, int64(i+1)*ix.unitRows
		if n := len(ranges); n > 0 && ranges[n-1][1] == from {
			ranges[n-1][1] = to
		} else {
			ranges = append(ranges, [2]int64{from, to})
		}
	}
	s.termStats.unitsRead.Add(int64(read))
	s.termStats.unitsSkipped.Add(int64(len(may) - read))
	switch {
	case read == 0:
		s.termStats.segmentsSkipped.Add(1)
		return [][2]int64{}, nil
	case read == len(may) || len(ranges) > termMaxRanges:
		s.termStats.segmentsRead.Add(1)
		return nil, nil
	}
	s.termStats.segmentsRead.Add(1)
	return ranges, nil
}

// openTermIndex opens seg's term index and returns its parsed head,
// checking the file against the catalog's checksum the first time in a
// process.
func (s *Store) openTermIndex(seg *Segment) (*os.File, *termIndex, error) {
	f, err := os.Open(filepath.Join(s.dir, seg.Path+termSuffix))
	if err != nil {
		return nil, nil, fmt.Errorf("term index of segment %s of table %s is missing or unreadable: %v", seg.Path, seg.Table, err)
	}
	ix, err := s.loadTermIndex(seg, f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, ix, nil
}

// checkTermIndex reports a missing or damaged term index of seg.
func (s *Store) checkTermIndex(seg *Segment) error {
	if seg.TermsSHA256 == "" {
		return nil
	}
	f, _, err := s.openTermIndex(seg)
	if err != nil {
		return err
	}
	return f.Close()
}

// loadTermIndex parses the head of seg's term index f, once per process,
// after checking the file's checksum.
func (s *Store) loadTermIndex(seg *Segment, f *os.File) (*termIndex, error) {
	if ix, ok := s.termIndexes.Load(seg.Path); ok {
		return ix.(*termIndex), nil
	}
	sum, size, err := fileSum(f.Name(), false)
	if err != nil {
		return nil, fmt.Errorf("term index of segment %s of table %s is unreadable: %v", seg.Path, seg.Table, err)
	}
	if sum != seg.TermsSHA256 {
		return nil, fmt.Errorf("term index of segment %s of table %s is corrupt: its checksum does not match the catalog", seg.Path, seg.Table)
	}
	ix, err := parseTermIndex(f, size)
	if err != nil {
		return nil, fmt.Errorf("term index of segment %s of table %s: %v", seg.Path, seg.Table, err)
	}
	s.termIndexes.Store(seg.Path, ix)
	return ix, nil
}

// termCounters are the store's running TermIndexStats.
type termCounters struct {
	segmentsSkipped, segmentsRead, unindexed, unitsSkipped, unitsRead atomic.Int64
}

// TermIndexStats counts, since Open, what the term index spared queries
// whose scans carried terms: segments skipped whole, segments read (whole
// or in part), segments without an index, and units (row groups) skipped
// and read within indexed segments.
type TermIndexStats struct {
	SegmentsSkipped, SegmentsRead, SegmentsUnindexed int64
	UnitsSkipped, UnitsRead                          int64
}

func (t *termCounters) snapshot() TermIndexStats {
	return TermIndexStats{
		SegmentsSkipped: t.segmentsSkipped.Load(), SegmentsRead: t.segmentsRead.Load(), SegmentsUnindexed: t.unindexed.Load(),
		UnitsSkipped: t.unitsSkipped.Load(), UnitsRead: t.unitsRead.Load(),
	}
}

// removeSegment deletes a segment's file and its term index.
func (s *Store) removeSegment(rel string) {
	os.Remove(filepath.Join(s.dir, rel))
	os.Remove(filepath.Join(s.dir, rel+termSuffix))
	s.termIndexes.Delete(rel)
}
