package ledger

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"iter"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

// The files of a log directory. leaves holds the encoded leaves as records
// (4-byte big-endian length, 4-byte CRC-32C of the body, body); index holds
// each leaf's offset in leaves as 8 bytes big-endian, so Leaf(i) is two
// reads; hashes holds the tree's stored hashes, 32 bytes each, in
// tlog.StoredHashIndex order. The leaves file is the truth: index and hashes
// are derived from it and rebuilt from it after a crash.
const (
	leavesFile = "leaves"
	indexFile  = "leaves.idx"
	hashesFile = "hashes"
)

const (
	recordHeader = 8
	// maxLeafSize bounds a record's length, so a corrupt length cannot make
	// recovery allocate gigabytes. A leaf is a few hundred bytes.
	maxLeafSize = 1 << 20
	// flushSize is how many pending bytes Append buffers before writing
	// them out; Sync and Close write the rest.
	flushSize = 256 << 10
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Log is one workspace's append-only Merkle tree of leaves. It is safe for
// concurrent use. Appends are buffered in memory and written out in large
// writes: the store's write-ahead log, not the ledger, makes a batch
// durable, and after a crash the store appends again the leaves the log
// lost (OpenLog cuts a torn tail, Size says where to resume).
type Log struct {
	mu  sync.Mutex
	dir string

	leaves, index, hashes *os.File
	// size is the number of leaves, including pending ones.
	size uint64
	// Written sizes of each file; pending bytes follow them.
	leavesLen, indexLen, hashesLen int64
	pendLeaves, pendIndex          []byte
	pendHashes                     []byte
	// frontier serves the stored hashes appends read.
	frontier *frontier
	err      error
}

// OpenLog opens the log in dir, creating dir and an empty log if absent. It
// recovers from a crash: a torn or corrupt record at the end of the leaves
// file is cut, and the index and stored hashes are brought in line with
// the leaves that remain.
func OpenLog(dir string) (*Log, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	l := &Log{dir: dir}
	l.frontier = &frontier{m: map[int64]tlog.Hash{}, fallback: lockedReader{l}}
	var err error
	open := func(name string) *os.File {
		if err != nil {
			return nil
		}
		var f *os.File
		f, err = os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE, 0o644)
		return f
	}
	l.leaves, l.index, l.hashes = open(leavesFile), open(indexFile), open(hashesFile)
	if err == nil {
		err = l.recover()
	}
	if err != nil {
		l.closeFiles()
		return nil, fmt.Errorf("ledger: open %s: %w", dir, err)
	}
	return l, nil
}

// recover finds the leaves that are whole, cuts the rest and rebuilds the
// index and stored hashes past the last entry that agrees with them.
func (l *Log) recover() error {
	leavesLen, err := fileSize(l.leaves)
	if err != nil {
		return err
	}
	indexLen, err := fileSize(l.index)
	if err != nil {
		return err
	}
	// Trust the index back to the last entry that points at a whole record
	// of the right sequence number; a crash may have left it short, long or
	// with zeros at its end.
	n := uint64(indexLen / 8)
	var next int64
	for n > 0 {
		off, err := readOffset(l.index, n-1)
		if err != nil {
			return err
		}
		if lf, end, err := readRecord(l.leaves, off, leavesLen); err == nil && lf.Seq == n-1 {
			next = end
			break
		}
		n--
	}
	// Then take the whole records that follow, which the index lacks.
	r := bufio.NewReaderSize(io.NewSectionReader(l.leaves, next, leavesLen-next), 64<<10)
	var idx []byte
	for {
		body, err := readBody(r, leavesLen-next)
		if err != nil {
			break
		}
		lf, err := DecodeLeaf(body)
		if err != nil || lf.Seq != n {
			break
		}
		idx = binary.BigEndian.AppendUint64(idx, uint64(next))
		next += recordHeader + int64(len(body))
		n++
	}
	if err := l.leaves.Truncate(next); err != nil {
		return err
	}
	if err := l.index.Truncate(int64(n-uint64(len(idx)/8)) * 8); err != nil {
		return err
	}
	if _, err := l.index.WriteAt(idx, int64(n-uint64(len(idx)/8))*8); err != nil {
		return err
	}
	l.size, l.leavesLen, l.indexLen = n, next, int64(n)*8
	return l.recoverHashes()
}

// recoverHashes keeps the stored hashes of the longest prefix of leaves
// whose own stored hashes are right, and computes the rest again.
func (l *Log) recoverHashes() error {
	hashesLen, err := fileSize(l.hashes)
	if err != nil {
		return err
	}
	have := hashesLen / tlog.HashSize
	good := uint64(0)
	r := fileHashReader{l.hashes}
	for i := l.size; i > 0; i-- {
		if tlog.StoredHashCount(int64(i)) > have {
			continue
		}
		lf, err := l.readLeaf(i - 1)
		if err != nil {
			return err
		}
		want, err := tlog.StoredHashesForRecordHash(int64(i-1), lf.Hash(), r)
		if err != nil {
			continue
		}
		start := tlog.StoredHashIndex(0, int64(i-1))
		got, err := r.ReadHashes(seq(start, int64(len(want))))
		if err == nil && equalHashes(got, want) {
			good = i
			break
		}
	}
	l.hashesLen = tlog.StoredHashCount(int64(good)) * tlog.HashSize
	if err := l.hashes.Truncate(l.hashesLen); err != nil {
		return err
	}
	for i := good; i < l.size; i++ {
		lf, err := l.readLeaf(i)
		if err != nil {
			return err
		}
		if err := l.addHashes(i, lf.Hash()); err != nil {
			return err
		}
	}
	if err := l.flush(); err != nil {
		return err
	}
	return l.frontier.load(int64(l.size))
}

// Append adds leaves to the end of the log. Each leaf's Seq must equal the
// log's size at the time it is added: leaves go in order, none skipped.
// If any leaf is wrong, none is added.
func (l *Log) Append(leaves ...Leaf) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	// Check every leaf first, so a bad one adds none of them.
	for i, lf := range leaves {
		if lf.Seq != l.size+uint64(i) {
			return fmt.Errorf("ledger: append leaf seq %d to log of size %d", lf.Seq, l.size+uint64(i))
		}
		if lf.Kind != BatchLeaf && lf.Kind != RetentionLeaf {
			return fmt.Errorf("ledger: append leaf seq %d: unknown kind %d", lf.Seq, lf.Kind)
		}
		if n := len(lf.Workspace) + len(lf.Table) + len(lf.Policy); n > maxLeafSize/2 {
			return fmt.Errorf("ledger: append leaf seq %d: its names are %d bytes, over %d", lf.Seq, n, maxLeafSize/2)
		}
	}
	for _, lf := range leaves {
		// Encode in place after room for the header, then fill it in.
		start := len(l.pendLeaves)
		l.pendIndex = binary.BigEndian.AppendUint64(l.pendIndex, uint64(l.leavesLen+int64(start)))
		l.pendLeaves = lf.appendEncoding(append(l.pendLeaves, make([]byte, recordHeader)...))
		body := l.pendLeaves[start+recordHeader:]
		binary.BigEndian.PutUint32(l.pendLeaves[start:], uint32(len(body)))
		binary.BigEndian.PutUint32(l.pendLeaves[start+4:], crc32.Checksum(body, castagnoli))
		if err := l.addHashes(l.size, tlog.RecordHash(body)); err != nil {
			l.err = fmt.Errorf("ledger: append leaf seq %d: %w", lf.Seq, err)
			return l.err
		}
		l.size++
	}
	if len(l.pendLeaves)+len(l.pendHashes) >= flushSize {
		if err := l.flush(); err != nil {
			l.err = fmt.Errorf("ledger: append: %w", err)
			return l.err
		}
	}
	return nil
}

// addHashes computes and buffers the stored hashes of leaf n, keeping the
// frontier up to date.
func (l *Log) addHashes(n uint64, h tlog.Hash) error {
	hs, err := tlog.StoredHashesForRecordHash(int64(n), h, l.frontier)
	if err != nil {
		return err
	}
	for _, h := range hs {
		l.pendHashes = append(l.pendHashes, h[:]...)
	}
	l.frontier.add(int64(n), hs)
	return nil
}

// flush writes pending bytes to the files, leaves first: the index and
// hashes are only ever ahead of the leaves after a crash if the OS
// reorders, which recovery repairs.
func (l *Log) flush() error {
	if len(l.pendLeaves) > 0 {
		if _, err := l.leaves.WriteAt(l.pendLeaves, l.leavesLen); err != nil {
			return err
		}
		l.leavesLen += int64(len(l.pendLeaves))
		l.pendLeaves = l.pendLeaves[:0]
	}
	if len(l.pendIndex) > 0 {
		if _, err := l.index.WriteAt(l.pendIndex, l.indexLen); err != nil {
			return err
		}
		l.indexLen += int64(len(l.pendIndex))
		l.pendIndex = l.pendIndex[:0]
	}
	if len(l.pendHashes) > 0 {
		if _, err := l.hashes.WriteAt(l.pendHashes, l.hashesLen); err != nil {
			return err
		}
		l.hashesLen += int64(len(l.pendHashes))
		l.pendHashes = l.pendHashes[:0]
	}
	return nil
}

// Size returns the number of leaves in the log.
func (l *Log) Size() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.size
}

// Sync writes out what was appended and fsyncs it.
func (l *Log) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.syncLocked()
}

func (l *Log) syncLocked() error {
	if l.err != nil {
		return l.err
	}
	err := l.flush()
	for _, f := range []*os.File{l.leaves, l.index, l.hashes} {
		if err == nil {
			err = f.Sync()
		}
	}
	if err != nil {
		l.err = fmt.Errorf("ledger: sync %s: %w", l.dir, err)
	}
	return l.err
}

// Close syncs and closes the log.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.leaves == nil {
		return errors.New("ledger: log already closed")
	}
	err := l.syncLocked()
	if cerr := l.closeFiles(); err == nil {
		err = cerr
	}
	l.err = errors.New("ledger: log is closed")
	return err
}

func (l *Log) closeFiles() error {
	var err error
	for _, f := range []*os.File{l.leaves, l.index, l.hashes} {
		if f != nil {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
	}
	l.leaves, l.index, l.hashes = nil, nil, nil
	return err
}

// Dir returns the directory the log lives in.
func (l *Log) Dir() string { return l.dir }

// Leaf returns leaf i.
func (l *Log) Leaf(i uint64) (Leaf, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i >= l.size {
		return Leaf{}, fmt.Errorf("ledger: leaf %d of log of size %d", i, l.size)
	}
	return l.readLeaf(i)
}

// readLeaf reads leaf i, from the pending buffer or the files.
func (l *Log) readLeaf(i uint64) (Leaf, error) {
	var off int64
	if p := int64(i)*8 - l.indexLen; p >= 0 {
		off = int64(binary.BigEndian.Uint64(l.pendIndex[p:]))
	} else {
		var err error
		if off, err = readOffset(l.index, i); err != nil {
			return Leaf{}, err
		}
	}
	if p := off - l.leavesLen; p >= 0 {
		n := int64(binary.BigEndian.Uint32(l.pendLeaves[p:]))
		return DecodeLeaf(l.pendLeaves[p+recordHeader : p+recordHeader+n])
	}
	lf, _, err := readRecord(l.leaves, off, l.leavesLen)
	if err != nil {
		return Leaf{}, fmt.Errorf("ledger: leaf %d: %w", i, err)
	}
	return lf, nil
}

// Leaves returns the leaves from start up to end (exclusive) in order,
// reading the leaves file sequentially. It stops at the first error, which
// it yields. Leaves appended while iterating are not included.
func (l *Log) Leaves(start, end uint64) iter.Seq2[Leaf, error] {
	return func(yield func(Leaf, error) bool) {
		l.mu.Lock()
		if end > l.size {
			end = l.size
		}
		// Write out pending leaves so the file holds everything to read.
		err := l.flush()
		var off int64
		if err == nil && start < end {
			off, err = readOffset(l.index, start)
		}
		length := l.leavesLen
		f := l.leaves
		l.mu.Unlock()
		if err != nil {
			yield(Leaf{}, fmt.Errorf("ledger: %w", err))
			return
		}
		r := io.NewSectionReader(f, off, length-off)
		err = scanRecords(r, length, start, end, func(_ uint64, lf Leaf, _ []byte) error {
			if !yield(lf, nil) {
				return errStop
			}
			return nil
		})
		if err != nil && err != errStop {
			yield(Leaf{}, err)
		}
	}
}

// errStop ends a scan early without an error to report.
var errStop = errors.New("stop")

// scanRecords reads the records of leaves start up to end from r, which
// is positioned at leaf start, and calls fn with each leaf and its encoded
// bytes. It checks each record's checksum and that leaf i has Seq i.
func scanRecords(r io.Reader, limit int64, start, end uint64, fn func(i uint64, lf Leaf, body []byte) error) error {
	br := bufio.NewReaderSize(r, 256<<10)
	for i := start; i < end; i++ {
		body, err := readBody(br, limit)
		var lf Leaf
		if err == nil {
			lf, err = DecodeLeaf(body)
		}
		if err == nil && lf.Seq != i {
			err = fmt.Errorf("has seq %d", lf.Seq)
		}
		if err != nil {
			return fmt.Errorf("ledger: leaf %d: %w", i, err)
		}
		if err := fn(i, lf, body); err != nil {
			return err
		}
	}
	return nil
}

// TreeHash returns the root hash of the tree of the first n leaves.
func (l *Log) TreeHash(n uint64) (tlog.Hash, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n > l.size {
		return tlog.Hash{}, fmt.Errorf("ledger: tree hash of size %d in log of size %d", n, l.size)
	}
	return tlog.TreeHash(int64(n), lockedReader{l})
}

// Tree returns the current size and root hash of the log.
func (l *Log) Tree() (tlog.Tree, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h, err := tlog.TreeHash(int64(l.size), lockedReader{l})
	return tlog.Tree{N: int64(l.size), Hash: h}, err
}

// InclusionProof returns the proof that leaf index is in the tree of the
// first treeSize leaves, which tlog.CheckRecord checks.
func (l *Log) InclusionProof(index, treeSize uint64) (tlog.RecordProof, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if index >= treeSize || treeSize > l.size {
		return nil, fmt.Errorf("ledger: inclusion proof of leaf %d in tree of size %d (log size %d)", index, treeSize, l.size)
	}
	return tlog.ProveRecord(int64(treeSize), int64(index), lockedReader{l})
}

// ConsistencyProof returns the proof that the tree of the first oldSize
// leaves is a prefix of the tree of the first newSize, which
// tlog.CheckTree checks. oldSize must be at least 1: every tree extends
// the empty one, which needs no proof.
func (l *Log) ConsistencyProof(oldSize, newSize uint64) (tlog.TreeProof, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if oldSize == 0 || oldSize > newSize || newSize > l.size {
		return nil, fmt.Errorf("ledger: consistency proof from size %d to %d (log size %d)", oldSize, newSize, l.size)
	}
	return tlog.ProveTree(int64(newSize), int64(oldSize), lockedReader{l})
}

// readHashes reads stored hashes from the pending buffer or the file.
func (l *Log) readHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	written := l.hashesLen / tlog.HashSize
	for i, x := range indexes {
		switch {
		case x < written:
			if _, err := l.hashes.ReadAt(out[i][:], x*tlog.HashSize); err != nil {
				return nil, fmt.Errorf("ledger: stored hash %d: %w", x, err)
			}
		case (x-written+1)*tlog.HashSize <= int64(len(l.pendHashes)):
			copy(out[i][:], l.pendHashes[(x-written)*tlog.HashSize:])
		default:
			return nil, fmt.Errorf("ledger: stored hash %d is past the end", x)
		}
	}
	return out, nil
}

// lockedReader reads stored hashes of a log whose mutex the caller holds.
type lockedReader struct{ l *Log }

func (r lockedReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return r.l.readHashes(indexes)
}

// frontier holds the roots of the complete subtrees left of the next
// leaf: the stored hashes tlog reads to compute the next leaf's stored
// hashes. Keeping them saves a file read per leaf when appending and
// verifying.
type frontier struct {
	m map[int64]tlog.Hash
	// fallback reads hashes the frontier lacks.
	fallback tlog.HashReader
}

// ReadHashes serves indexes from the frontier, or all from the fallback.
func (f *frontier) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := f.m[x]
		if !ok {
			return f.fallback.ReadHashes(indexes)
		}
		out[i] = h
	}
	return out, nil
}

// add records the stored hashes of leaf n: the roots of the subtrees it
// completed. The subtrees they merged leave the frontier.
func (f *frontier) add(n int64, hs []tlog.Hash) {
	start := tlog.StoredHashIndex(0, n)
	for level := range hs {
		f.m[start+int64(level)] = hs[level]
		if level > 0 {
			delete(f.m, tlog.StoredHashIndex(level-1, n>>(level-1)))
			delete(f.m, tlog.StoredHashIndex(level-1, n>>(level-1)-1))
		}
	}
}

// load fills the frontier of a tree of n leaves from the fallback.
func (f *frontier) load(n int64) error {
	clear(f.m)
	var idx []int64
	for level := 0; n>>level > 0; level++ {
		if (n>>level)&1 == 1 {
			idx = append(idx, tlog.StoredHashIndex(level, (n>>level)-1))
		}
	}
	hs, err := f.fallback.ReadHashes(idx)
	if err != nil {
		return err
	}
	for i, h := range hs {
		f.m[idx[i]] = h
	}
	return nil
}

// fileHashReader reads stored hashes straight from a hashes file.
type fileHashReader struct{ f *os.File }

func (r fileHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if _, err := r.f.ReadAt(out[i][:], x*tlog.HashSize); err != nil {
			return nil, fmt.Errorf("stored hash %d: %w", x, err)
		}
	}
	return out, nil
}

func fileSize(f *os.File) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func readOffset(f *os.File, i uint64) (int64, error) {
	var b [8]byte
	if _, err := f.ReadAt(b[:], int64(i)*8); err != nil {
		return 0, fmt.Errorf("index entry %d: %w", i, err)
	}
	return int64(binary.BigEndian.Uint64(b[:])), nil
}

// readRecord reads the record at off in a leaves file of length size and
// returns its leaf and where the next record starts.
func readRecord(f *os.File, off, size int64) (Leaf, int64, error) {
	if off < 0 || off > size {
		return Leaf{}, 0, fmt.Errorf("record offset %d outside file of %d bytes", off, size)
	}
	body, err := readBody(bufio.NewReader(io.NewSectionReader(f, off, size-off)), size)
	if err != nil {
		return Leaf{}, 0, err
	}
	lf, err := DecodeLeaf(body)
	return lf, off + recordHeader + int64(len(body)), err
}

// readBody reads one record from r and checks its length and checksum.
func readBody(r io.Reader, limit int64) ([]byte, error) {
	var h [recordHeader]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("record header: %w", err)
	}
	n := int64(binary.BigEndian.Uint32(h[:4]))
	if n > maxLeafSize || n > limit {
		return nil, fmt.Errorf("record length %d is too large", n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("record body: %w", err)
	}
	if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(h[4:]) {
		return nil, errors.New("record checksum mismatch")
	}
	return body, nil
}

func seq(start, n int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = start + int64(i)
	}
	return out
}

func equalHashes(a, b []tlog.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
