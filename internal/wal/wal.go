// Package wal is Vigil's write-ahead log: an append-only sequence of
// checksummed records in segment files, made durable by group commit.
//
// A record is framed as
//
//	length   uint32, big-endian: bytes of payload
//	crc      uint32, big-endian: CRC-32C (Castagnoli) of payload
//	payload  length bytes
//
// Segment files are named by the LSN of their first byte (16 hex digits
// plus ".wal") and start with an 8-byte magic, "VIGILWAL", and a 4-byte
// version. An LSN is a position in the log's byte stream, counting frames
// only (not segment headers), so it is the same whatever the segment size.
// The LSN of a record is the position just past it.
package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// LSN is a position in the log: the offset just past a record in the
// log's byte stream, monotonic across segment files.
type LSN uint64

// Options tunes a WAL. Zero values mean defaults.
type Options struct {
	// SegmentSize is the size in bytes after which a new segment file is
	// started; default 64 MiB.
	SegmentSize int64
}

// RecoveryInfo says what Open found.
type RecoveryInfo struct {
	Records int    // valid records found
	CutFile string // the file whose tail was cut, if any
	CutAt   int64  // offset in CutFile where the cut was made
	CutSize int64  // bytes removed
	Reason  string // why: torn record or checksum mismatch
}

const (
	magic        = "VIGILWAL"
	version      = 1
	headerSize   = len(magic) + 4
	frameHeader  = 8
	maxRecord    = 1 << 30
	segmentExt   = ".wal"
	defaultSegSz = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// segment is one file of the log.
type segment struct {
	base LSN // LSN of the first byte of the first frame
	path string
	end  LSN // LSN just past the last record
}

type lsnRange struct{ from, to LSN }

// WAL is an open log. It is safe for concurrent use.
type WAL struct {
	dir  string
	opts Options

	mu       sync.Mutex // guards the fields below
	segs     []segment  // oldest first; the last is being written
	f        *os.File   // the last segment
	w        *bufio.Writer
	end      LSN        // LSN past the last record written
	durable  LSN        // LSN past the last record fsynced
	failed   error      // a write error not yet repaired
	lost     []lsnRange // (from, to]: records lost to write errors
	recovery RecoveryInfo

	syncMu sync.Mutex // one fsync at a time; waiters share it
	closed bool
}

// Open opens or creates the log in dir. It verifies every record's
// checksum; a torn or corrupt tail of the last segment is cut and reported
// by Recovery, and corruption in an earlier segment is an error naming the
// file and offset, because records after it were acknowledged.
func Open(dir string, opts Options) (*WAL, error) {
	if opts.SegmentSize <= 0 {
		opts.SegmentSize = defaultSegSz
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	w := &WAL{dir: dir, opts: opts}
	names, err := filepath.Glob(filepath.Join(dir, "*"+segmentExt))
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		base, err := strconv.ParseUint(strings.TrimSuffix(filepath.Base(name), segmentExt), 16, 64)
		if err != nil {
			return nil, fmt.Errorf("wal: unexpected file %s", name)
		}
		w.segs = append(w.segs, segment{base: LSN(base), path: name})
	}
	sort.Slice(w.segs, func(i, j int) bool { return w.segs[i].base < w.segs[j].base })
	for i := range w.segs {
		last := i == len(w.segs)-1
		if err := w.scan(&w.segs[i], last); err != nil {
			return nil, err
		}
		// A segment may start after the previous one's end (a lost write
		// range is skipped, see repair) but never before it.
		if i > 0 && w.segs[i].base < w.segs[i-1].end {
			return nil, fmt.Errorf("wal: segment %s starts at %d inside the previous one, which ends at %d", w.segs[i].path, w.segs[i].base, w.segs[i-1].end)
		}
	}
	if len(w.segs) == 0 {
		if err := w.newSegment(0); err != nil {
			return nil, err
		}
	} else {
		s := w.segs[len(w.segs)-1]
		f, err := os.OpenFile(s.path, os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("wal: %w", err)
		}
		if _, err := f.Seek(0, io.SeekEnd); err != nil {
			f.Close()
			return nil, fmt.Errorf("wal: %w", err)
		}
		w.f, w.w = f, bufio.NewWriterSize(f, 1<<20)
		w.end, w.durable = s.end, s.end
	}
	return w, nil
}

// scan reads a segment's records to find its end. In the last segment a
// bad frame ends the log and is cut; elsewhere it is an error.
func (w *WAL) scan(s *segment, last bool) error {
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var hdr [headerSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil || string(hdr[:len(magic)]) != magic {
		if last && (err != nil) {
			// A crash while creating the segment: an empty or partial header.
			s.end = s.base
			return w.cut(s.path, 0, "torn segment header", true)
		}
		return fmt.Errorf("wal: %s: bad segment header", s.path)
	}
	if v := binary.BigEndian.Uint32(hdr[len(magic):]); v != version {
		return fmt.Errorf("wal: %s: segment version %d, want %d", s.path, v, version)
	}
	off := int64(headerSize)
	pos := s.base
	buf := make([]byte, 0, 64<<10)
	for {
		n, rec, reason := readFrame(r, buf)
		if reason == "" {
			buf = rec[:0]
			off += int64(n)
			pos += LSN(n)
			w.recovery.Records++
			continue
		}
		s.end = pos
		if reason == "eof" {
			return nil
		}
		if !last {
			return fmt.Errorf("wal: %s: %s at offset %d; records after it were acknowledged, refusing to cut", s.path, reason, off)
		}
		return w.cut(s.path, off, reason, false)
	}
}

// readFrame reads one frame. reason is "" for a good frame, "eof" at a
// clean end, and otherwise says what is wrong with the frame.
func readFrame(r *bufio.Reader, buf []byte) (n int, rec []byte, reason string) {
	var h [frameHeader]byte
	k, err := io.ReadFull(r, h[:])
	if err == io.EOF {
		return 0, nil, "eof"
	}
	if err != nil {
		return k, nil, "torn record header"
	}
	size := binary.BigEndian.Uint32(h[:4])
	sum := binary.BigEndian.Uint32(h[4:])
	if size > maxRecord {
		return k, nil, fmt.Sprintf("record length %d over the limit", size)
	}
	if cap(buf) < int(size) {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	if _, err := io.ReadFull(r, buf); err != nil {
		return k, nil, "torn record"
	}
	if crc32.Checksum(buf, castagnoli) != sum {
		return k, nil, "checksum mismatch"
	}
	return frameHeader + int(size), buf, ""
}

// cut truncates path at off and records it.
func (w *WAL) cut(path string, off int64, reason string, rewriteHeader bool) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	w.recovery.CutFile, w.recovery.CutAt, w.recovery.CutSize, w.recovery.Reason = path, off, st.Size()-off, reason
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	defer f.Close()
	if err := f.Truncate(off); err != nil {
		return fmt.Errorf("wal: cutting %s: %w", path, err)
	}
	if rewriteHeader {
		if _, err := f.WriteAt(segmentHeader(), 0); err != nil {
			return fmt.Errorf("wal: %w", err)
		}
	}
	return f.Sync()
}

func segmentHeader() []byte {
	h := make([]byte, headerSize)
	copy(h, magic)
	binary.BigEndian.PutUint32(h[len(magic):], version)
	return h
}

// newSegment starts a segment file at base. Called with mu held (or
// before the WAL is shared).
func (w *WAL) newSegment(base LSN) error {
	path := filepath.Join(w.dir, fmt.Sprintf("%016x%s", uint64(base), segmentExt))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	if _, err := f.Write(segmentHeader()); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("wal: %w", describe(err))
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("wal: %w", describe(err))
	}
	if err := syncDir(w.dir); err != nil {
		f.Close()
		return err
	}
	w.segs = append(w.segs, segment{base: base, path: path, end: base})
	w.f, w.w = f, bufio.NewWriterSize(f, 1<<20)
	return nil
}

// Write appends one record to the log, buffered and not yet durable. Log
// order is the order of Write calls. It returns the record's LSN, to pass
// to Sync.
func (w *WAL) Write(rec []byte) (LSN, error) {
	if len(rec) > maxRecord {
		return 0, fmt.Errorf("wal: record of %d bytes is over the %d-byte limit", len(rec), maxRecord)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, errors.New("wal: closed")
	}
	if w.failed != nil {
		return 0, fmt.Errorf("wal: an earlier write failed and the log awaits Repair: %w", w.failed)
	}
	cur := &w.segs[len(w.segs)-1]
	if int64(cur.end-cur.base) >= w.opts.SegmentSize {
		if err := w.rotate(); err != nil {
			return 0, err
		}
		cur = &w.segs[len(w.segs)-1]
	}
	var h [frameHeader]byte
	binary.BigEndian.PutUint32(h[:4], uint32(len(rec)))
	binary.BigEndian.PutUint32(h[4:], crc32.Checksum(rec, castagnoli))
	if _, err := w.w.Write(h[:]); err != nil {
		return 0, w.fail(err)
	}
	if _, err := w.w.Write(rec); err != nil {
		return 0, w.fail(err)
	}
	w.end += LSN(frameHeader + len(rec))
	cur.end = w.end
	return w.end, nil
}

// rotate makes the current segment durable and starts the next. Called
// with mu held.
func (w *WAL) rotate() error {
	if err := w.w.Flush(); err != nil {
		return w.fail(err)
	}
	if err := w.f.Sync(); err != nil {
		return w.fail(err)
	}
	if err := w.f.Close(); err != nil {
		return w.fail(err)
	}
	w.durable = w.end
	return w.newSegment(w.end)
}

// fail records a write error: records after the durable point are lost to
// their writers (their Sync fails) and are cut before the next write.
func (w *WAL) fail(err error) error {
	err = describe(err)
	if w.failed == nil {
		w.failed = err
	}
	return fmt.Errorf("wal: %w", err)
}

// Failed reports whether a write failed and the log awaits Repair.
func (w *WAL) Failed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed != nil
}

// Repair cuts the log back to its last durable record after a failed
// write, so that no half record stays, and starts a new segment after the
// lost range: LSNs are never reused, so a writer whose record was lost can
// never be told by a later Sync that it is durable. It returns the range
// (from, to] of LSNs lost, for callers that numbered those records.
func (w *WAL) Repair() (from, to LSN, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed == nil {
		return w.end, w.end, nil
	}
	cur := &w.segs[len(w.segs)-1]
	w.w.Reset(w.f)
	keep := w.durable
	if keep < cur.base {
		keep = cur.base
	}
	if err := w.f.Truncate(int64(headerSize) + int64(keep-cur.base)); err != nil {
		return 0, 0, fmt.Errorf("wal: cannot cut back failed write: %w", describe(err))
	}
	if err := w.f.Sync(); err != nil {
		return 0, 0, fmt.Errorf("wal: %w", describe(err))
	}
	cur.end = keep
	lost := lsnRange{keep, w.end}
	old := w.f
	if err := w.newSegment(w.end); err != nil {
		return 0, 0, err
	}
	old.Close()
	w.lost = append(w.lost, lost)
	w.durable = w.end
	w.failed = nil
	return lost.from, lost.to, nil
}

// Sync returns when every record up to lsn is on stable storage. Callers
// arriving while an fsync runs wait for it and are then served together by
// the next one (group commit).
func (w *WAL) Sync(lsn LSN) error {
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	w.mu.Lock()
	for _, r := range w.lost {
		if lsn > r.from && lsn <= r.to {
			w.mu.Unlock()
			return errors.New("wal: record lost to a failed write, not durable")
		}
	}
	if w.durable >= lsn {
		w.mu.Unlock()
		return nil
	}
	if w.failed != nil {
		err := w.failed
		w.mu.Unlock()
		return fmt.Errorf("wal: write failed, record not durable: %w", err)
	}
	if lsn > w.end {
		w.mu.Unlock()
		return fmt.Errorf("wal: sync to %d beyond the log's end %d", lsn, w.end)
	}
	if err := w.w.Flush(); err != nil {
		err = w.fail(err)
		w.mu.Unlock()
		return err
	}
	target, f := w.end, w.f
	w.mu.Unlock()

	// fsync outside mu so writers keep appending to the buffer meanwhile.
	err := f.Sync()

	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		return w.fail(err)
	}
	if target > w.durable && w.failed == nil {
		w.durable = target
	}
	if w.durable < lsn {
		return fmt.Errorf("wal: write failed, record not durable: %w", w.failed)
	}
	return nil
}

// Append writes rec and waits until it is durable, repairing the log
// first if an earlier write failed.
func (w *WAL) Append(rec []byte) (LSN, error) {
	if w.Failed() {
		if _, _, err := w.Repair(); err != nil {
			return 0, err
		}
	}
	lsn, err := w.Write(rec)
	if err != nil {
		return 0, err
	}
	return lsn, w.Sync(lsn)
}

// Replay calls fn for every durable record with an LSN greater than from,
// in log order. rec is valid only during the call.
func (w *WAL) Replay(from LSN, fn func(lsn LSN, rec []byte) error) error {
	w.mu.Lock()
	segs := append([]segment(nil), w.segs...)
	if w.failed == nil {
		if err := w.w.Flush(); err != nil {
			w.fail(err)
		}
	}
	limit := w.durable
	if w.failed == nil {
		limit = w.end
	}
	w.mu.Unlock()
	for _, s := range segs {
		if s.end <= from || s.base >= limit {
			continue
		}
		if err := replaySegment(s, from, limit, fn); err != nil {
			return err
		}
	}
	return nil
}

func replaySegment(s segment, from, limit LSN, fn func(LSN, []byte) error) error {
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	defer f.Close()
	if _, err := f.Seek(int64(headerSize), io.SeekStart); err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	r := bufio.NewReaderSize(f, 1<<20)
	pos := s.base
	stop := min(s.end, limit)
	var buf []byte
	for pos < stop {
		n, rec, reason := readFrame(r, buf)
		if reason != "" {
			return fmt.Errorf("wal: %s: %s at offset %d", s.path, reason, int64(headerSize)+int64(pos-s.base))
		}
		buf = rec[:0]
		pos += LSN(n)
		if pos > from {
			if err := fn(pos, rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// TruncateBefore removes whole segment files whose records all have an LSN
// at or below lsn. The segment being written is never removed.
func (w *WAL) TruncateBefore(lsn LSN) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	removed := 0
	for len(w.segs) > 1 && w.segs[0].end <= lsn {
		if err := os.Remove(w.segs[0].path); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("wal: %w", err)
		}
		w.segs = w.segs[1:]
		removed++
	}
	if removed > 0 {
		return syncDir(w.dir)
	}
	return nil
}

// End returns the LSN of the last record written.
func (w *WAL) End() LSN {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.end
}

// Size returns the bytes of the log's files on disk.
func (w *WAL) Size() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	var n int64
	for _, s := range w.segs {
		n += int64(headerSize) + int64(s.end-s.base)
	}
	return n
}

// Recovery returns what Open found.
func (w *WAL) Recovery() RecoveryInfo {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.recovery
}

// Close makes everything written durable and closes the log.
func (w *WAL) Close() error {
	lsn := w.End()
	err := w.Sync(lsn)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("wal: sync %s: %w", dir, err)
	}
	return nil
}

// ErrDiskFull is wrapped by errors caused by a full file system.
var ErrDiskFull = errors.New("disk full")

func describe(err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	}
	return err
}

// ReadOnlyReplay calls fn for every valid record in the log in dir with an
// LSN greater than from, without opening the log for writing: nothing in
// dir is changed, and a torn tail simply ends the log. It is for reading a
// data directory another process may own, or a copy kept as evidence.
func ReadOnlyReplay(dir string, from LSN, fn func(lsn LSN, rec []byte) error) error {
	names, err := filepath.Glob(filepath.Join(dir, "*"+segmentExt))
	if err != nil {
		return err
	}
	sort.Strings(names) // fixed-width hex names sort by base LSN
	for i, name := range names {
		base, err := strconv.ParseUint(strings.TrimSuffix(filepath.Base(name), segmentExt), 16, 64)
		if err != nil {
			return fmt.Errorf("wal: unexpected file %s", name)
		}
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("wal: %w", err)
		}
		r := bufio.NewReaderSize(f, 1<<20)
		var hdr [headerSize]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil || string(hdr[:len(magic)]) != magic {
			f.Close()
			if i == len(names)-1 {
				return nil
			}
			return fmt.Errorf("wal: %s: bad segment header", name)
		}
		pos := LSN(base)
		var buf []byte
		for {
			n, rec, reason := readFrame(r, buf)
			if reason != "" {
				f.Close()
				if reason != "eof" && i != len(names)-1 {
					return fmt.Errorf("wal: %s: %s at offset %d", name, reason, int64(headerSize)+int64(pos-LSN(base)))
				}
				break
			}
			buf = rec[:0]
			pos += LSN(n)
			if pos > from {
				if err := fn(pos, rec); err != nil {
					f.Close()
					return err
				}
			}
		}
	}
	return nil
}
