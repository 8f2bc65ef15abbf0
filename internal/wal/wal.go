// Package wal is Vigil's write-ahead log: an append-only sequence of
// checksummed records in segment files, made durable by group commit.
//
// A record is framed as
//
//	length   uint32, big-endian: bit 31 set, the payload's length below it
//	crc      uint32, big-endian: the frame's checksum
//	payload  length bytes
//
// The checksum is the CRC-32C (Castagnoli) of the payload, continued over
// the length word and the frame's LSN (8 bytes, big-endian). Segment files
// are preallocated, so the space past the last record reads as zeros: a
// length word without bit 31 is that unwritten space, the end of the log,
// and can never be mistaken for a record; the LSN in the checksum makes a
// frame read at any other position fail.
//
// Segment files are named by the LSN of their first byte (16 hex digits
// plus ".wal") and start with an 8-byte magic, "VIGILWAL", and a 4-byte
// version. An LSN is a position in the log's byte stream, counting frames
// only (not segment headers), so it is the same whatever the segment size.
// The LSN of a record is the position just past it, and the LSN of a frame
// (in its checksum) the position of its first byte.
//
// Version 1 segments, written before preallocation, frame a record with
// its plain length and the CRC-32C of the payload alone. They are read as
// they are; new records always go to a segment of the current version.
package wal

import (
	"bufio"
	"bytes"
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

	"golang.org/x/sys/unix"
)

// LSN is a position in the log: the offset just past a record in the
// log's byte stream, monotonic across segment files.
type LSN uint64

// Options tunes a WAL. Zero values mean defaults.
type Options struct {
	// SegmentSize is the size in bytes after which a new segment file is
	// started; default 64 MiB. Each segment file is preallocated to it.
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
	version      = 2
	headerSize   = len(magic) + 4
	frameHeader  = 8
	maxRecord    = 1 << 30
	written      = 1 << 31 // the length word's flag of a version 2 frame
	segmentExt   = ".wal"
	defaultSegSz = 64 << 20

	// directMin is the size from which a record goes to the file from the
	// caller's slice, by the caller's goroutine, instead of being copied
	// into the shared buffer: a batch of rows is one such record, and
	// copying it would cost as much as the write itself.
	directMin = 64 << 10
	// gatherMax bounds the small frames gathered before one write takes
	// them to the file.
	gatherMax = 1 << 20
	// maxSyncs is how many fdatasyncs may run at once. A second one lets
	// the records written while the first runs start on their way to the
	// disk without waiting for it: with 8 writers of 300 KB records, 1.1
	// to 1.6 times the records a second of one at a time. More gained
	// nothing measurable.
	maxSyncs = 2
)

// unwritten is readFrame's reason for the zeros past a version 2
// segment's last record.
const unwritten = "unwritten space"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// segment is one file of the log.
type segment struct {
	base    LSN // LSN of the first byte of the first frame
	path    string
	end     LSN // LSN just past the last record
	version uint32
}

type lsnRange struct{ from, to LSN }

// flight is a write to the file in progress: the frames from the end of
// the one before it (or from WAL.written, for the first) up to stop.
type flight struct {
	stop LSN
	done bool
}

// WAL is an open log. It is safe for concurrent use.
//
// Records are laid out under mu (Write reserves each its LSNs) and copied
// to the file outside it, several at a time, by the writers themselves:
// small frames are gathered in a buffer that the next large record, a
// full buffer or a Sync takes to the file. fdatasync runs outside mu too,
// so the next group's writes proceed while one group's sync runs.
type WAL struct {
	dir  string
	opts Options

	mu   sync.Mutex
	cond sync.Cond // on mu; broadcast when a write, sync or switch ends
	segs []segment // oldest first; the last is being written
	// files are the last segment, opened once for each fdatasync that
	// may run at once: Linux reports a writeback error once to each open
	// file, so two syncs on one file could see it only once between them,
	// and the other take lost data for durable. The first is also the
	// one written; fds are their descriptors.
	files     [maxSyncs]*os.File
	fds       [maxSyncs]int
	busy      [maxSyncs]bool // the files with an fdatasync running
	end       LSN            // LSN past the last record reserved
	gather    []byte         // small frames not yet in a write: the bytes just before end
	spare     []byte         // an emptied gather buffer, to use next
	flights   []flight       // writes in progress, in LSN order
	written   LSN            // every frame before it has been written to the file
	syncs     int            // fdatasyncs running
	syncTo    LSN            // the highest LSN a running fdatasync covers
	durable   LSN            // LSN past the last record fsynced
	failed    error          // a write error not yet repaired
	lost      []lsnRange
	switching bool          // a rotation or repair is changing files; writes and syncs wait
	ready     chan prepared // the next segment file, being prepared
	recovery  RecoveryInfo
	closed    bool
}

// Open opens or creates the log in dir. It verifies every record's
// checksum; a torn or corrupt tail of the last segment is cut and reported
// by Recovery, and corruption in an earlier segment is an error naming the
// file and offset, because records after it were acknowledged. Whatever
// Open finds is made durable before it returns.
func Open(dir string, opts Options) (*WAL, error) {
	if opts.SegmentSize <= 0 {
		opts.SegmentSize = defaultSegSz
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	w := &WAL{dir: dir, opts: opts}
	w.cond.L = &w.mu
	// A segment prepared but never used by the last process.
	if err := os.Remove(filepath.Join(dir, spareName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("wal: %w", err)
	}
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
		return w, nil
	}
	s := w.segs[len(w.segs)-1]
	w.end, w.durable, w.written = s.end, s.end, s.end
	f, err := os.OpenFile(s.path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	// Records found after a crash may still be only in the page cache;
	// they are replayed as stored, so they are made durable first.
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("wal: %w", describe(err))
	}
	if s.version == version {
		preallocate(f, s.end-s.base, opts.SegmentSize)
		if err := w.use(s.path, f); err != nil {
			return nil, err
		}
		return w, nil
	}
	// A segment of the old format is left as it is; records go on in a
	// new one (in its place, if it holds none).
	f.Close()
	if s.end == s.base {
		w.segs = w.segs[:len(w.segs)-1]
	}
	if err := w.newSegment(s.end); err != nil {
		return nil, err
	}
	return w, nil
}

// scan reads a segment's records to find its end. In the last segment a
// bad frame ends the log and is cut; elsewhere it is an error.
func (w *WAL) scan(s *segment, last bool) error {
	f, r, v, err := openSegment(s.path)
	if err != nil {
		if last && errors.Is(err, errTornHeader) {
			// A crash while creating the segment: an empty or partial header.
			s.end, s.version = s.base, version
			return w.cut(s.path, 0, "torn segment header", true)
		}
		return err
	}
	defer f.Close()
	s.version = v
	off := int64(headerSize)
	pos := s.base
	buf := make([]byte, 0, 64<<10)
	for {
		n, rec, reason := readFrame(r, buf, s.version, pos)
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
		if reason == unwritten {
			// The preallocated rest of the segment, never written: the log
			// ends here. Anything but zeros after it was written without
			// being acknowledged (a crash between write and sync that
			// left later blocks on disk but not this one), and is cut.
			zero, err := restIsZero(r)
			if err != nil {
				return fmt.Errorf("wal: %s: %w", s.path, err)
			}
			if zero {
				return nil
			}
			reason = "zeros followed by data"
		}
		return w.cut(s.path, off, reason, false)
	}
}

// errTornHeader and errBadHeader are openSegment's reasons for a segment
// header that is short (a crash while the segment was being created) or
// not a WAL header at all.
var (
	errTornHeader = errors.New("torn segment header")
	errBadHeader  = errors.New("bad segment header")
)

// openSegment opens a segment file for reading and reads its header,
// returning the file (the caller's to close), a reader at the first frame
// and the segment's format version.
func openSegment(path string) (*os.File, *bufio.Reader, uint32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("wal: %w", err)
	}
	r := bufio.NewReaderSize(f, 1<<20)
	var hdr [headerSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		f.Close()
		return nil, nil, 0, fmt.Errorf("wal: %s: %w", path, errTornHeader)
	}
	if string(hdr[:len(magic)]) != magic {
		f.Close()
		return nil, nil, 0, fmt.Errorf("wal: %s: %w", path, errBadHeader)
	}
	v := binary.BigEndian.Uint32(hdr[len(magic):])
	if v != 1 && v != version {
		f.Close()
		return nil, nil, 0, fmt.Errorf("wal: %s: segment version %d, want %d or 1", path, v, version)
	}
	return f, r, v, nil
}

// restIsZero reports whether the rest of r is zeros.
func restIsZero(r io.Reader) (bool, error) {
	var buf, zeros [64 << 10]byte
	for {
		n, err := r.Read(buf[:])
		if !bytes.Equal(buf[:n], zeros[:n]) {
			return false, nil
		}
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// readFrame reads one frame of a segment of version v at LSN pos. reason
// is "" for a good frame, "eof" at a clean end, unwritten at the zeros
// past a version 2 segment's last record, and otherwise says what is
// wrong with the frame.
func readFrame(r *bufio.Reader, buf []byte, v uint32, pos LSN) (n int, rec []byte, reason string) {
	var h [frameHeader]byte
	k, err := io.ReadFull(r, h[:])
	if err == io.EOF {
		return 0, nil, "eof"
	}
	if err != nil {
		return k, nil, "torn record header"
	}
	word := binary.BigEndian.Uint32(h[:4])
	sum := binary.BigEndian.Uint32(h[4:])
	size := word
	if v != 1 {
		if word&written == 0 {
			if word == 0 && sum == 0 {
				return k, nil, unwritten
			}
			return k, nil, "record header without its written flag"
		}
		size = word &^ written
	}
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
	want := crc32.Checksum(buf, castagnoli)
	if v != 1 {
		want = frameSum(want, word, pos)
	}
	if want != sum {
		return k, nil, "checksum mismatch"
	}
	return frameHeader + int(size), buf, ""
}

// frameSum continues a payload's CRC-32C over a version 2 frame's length
// word and LSN.
func frameSum(payload uint32, word uint32, pos LSN) uint32 {
	var t [12]byte
	binary.BigEndian.PutUint32(t[:4], word)
	binary.BigEndian.PutUint64(t[4:], uint64(pos))
	return crc32.Update(payload, castagnoli, t[:])
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

// preallocate gives a segment file holding used bytes of frames the
// blocks for size bytes of frames, so that a write into them changes no
// file size and a data sync needs no metadata journal commit for the
// size. It is best effort: on a file system without fallocate, or too
// full for the whole segment, records extend the file as they come.
func preallocate(f *os.File, used LSN, size int64) {
	if rest := size - int64(used); rest > 0 {
		unix.Fallocate(int(f.Fd()), 0, int64(headerSize)+int64(used), rest)
	}
}

// spareName is the file the next segment is prepared in, in the
// background, so that a rotation only renames it. Its name does not end
// in ".wal": it is never read as part of the log, and Open removes it.
const spareName = "next.wal.tmp"

// prepared is the outcome of preparing a segment file.
type prepared struct {
	f   *os.File
	err error
}

// prepare creates a segment file at path, with its header and its space
// preallocated, and syncs it.
func (w *WAL) prepare(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	if _, err := f.Write(segmentHeader()); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("wal: %w", describe(err))
	}
	preallocate(f, 0, w.opts.SegmentSize)
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("wal: %w", describe(err))
	}
	return f, nil
}

// newSegment starts a segment file at base: the one prepared since the
// last switch, renamed, or else a new one; then it has the next one
// prepared. Called with mu held (or before the WAL is shared), with no
// write or sync in flight. On error the current segment stays the one
// being written.
func (w *WAL) newSegment(base LSN) error {
	path := filepath.Join(w.dir, fmt.Sprintf("%016x%s", uint64(base), segmentExt))
	var f *os.File
	if w.ready != nil {
		r := <-w.ready
		w.ready = nil
		if r.err == nil {
			if os.Rename(r.f.Name(), path) == nil {
				f = r.f
			} else {
				r.f.Close()
			}
		}
	}
	if f == nil {
		var err error
		if f, err = w.prepare(path); err != nil {
			return err
		}
	}
	if err := syncDir(w.dir); err != nil {
		f.Close()
		return err
	}
	if err := w.use(path, f); err != nil {
		return err
	}
	w.segs = append(w.segs, segment{base: base, path: path, end: base, version: version})
	ready := make(chan prepared, 1)
	w.ready = ready
	go func() {
		f, err := w.prepare(filepath.Join(w.dir, spareName))
		ready <- prepared{f, err}
	}()
	return nil
}

// use makes f, the file at path open for reading and writing, the
// segment being written, opening it again for each further sync slot. The
// files of the segment before are the caller's to close.
func (w *WAL) use(path string, f *os.File) error {
	files := [maxSyncs]*os.File{f}
	for i := 1; i < maxSyncs; i++ {
		g, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			for _, o := range files[:i] {
				o.Close()
			}
			return fmt.Errorf("wal: %w", err)
		}
		files[i] = g
	}
	w.files = files
	for i, g := range files {
		w.fds[i] = int(g.Fd())
	}
	return nil
}

// closeFiles closes the files of a segment no longer written.
func closeFiles(files [maxSyncs]*os.File) error {
	var err error
	for _, f := range files {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// offset is the position in the current segment file of the frame at
// LSN pos.
func (w *WAL) offset(pos LSN) int64 {
	return int64(headerSize) + int64(pos-w.segs[len(w.segs)-1].base)
}

// Write appends one record, the concatenation of parts, to the log, not
// yet durable. Log order is the order of Write calls. It returns the
// record's LSN, to pass to Sync. A small record is copied into a buffer
// shared with other writers; a large one is written to the file from
// parts before Write returns. Either way parts may be reused once Write
// returns.
func (w *WAL) Write(parts ...[]byte) (LSN, error) {
	size, sum := 0, uint32(0)
	for _, p := range parts {
		size += len(p)
		sum = crc32.Update(sum, castagnoli, p) // the bulk of the checksum, outside the lock
	}
	if size > maxRecord {
		return 0, fmt.Errorf("wal: record of %d bytes is over the %d-byte limit", size, maxRecord)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.switching {
		w.cond.Wait()
	}
	if w.closed {
		return 0, errors.New("wal: closed")
	}
	if w.failed != nil {
		return 0, fmt.Errorf("wal: an earlier write failed and the log awaits Repair: %w", w.failed)
	}
	if cur := w.segs[len(w.segs)-1]; int64(cur.end-cur.base) >= w.opts.SegmentSize {
		if err := w.rotate(); err != nil {
			return 0, err
		}
	}
	var h [frameHeader]byte
	word := uint32(size) | written
	binary.BigEndian.PutUint32(h[:4], word)
	binary.BigEndian.PutUint32(h[4:], frameSum(sum, word, w.end))
	w.end += LSN(frameHeader + size)
	w.segs[len(w.segs)-1].end = w.end
	lsn := w.end
	if size < directMin && len(w.gather)+frameHeader+size <= gatherMax {
		w.gather = append(w.gather, h[:]...)
		for _, p := range parts {
			w.gather = append(w.gather, p...)
		}
		return lsn, nil
	}
	return lsn, w.writeOut(append([][]byte{h[:]}, parts...)...)
}

// writeOut writes the gathered frames and then frame, the parts of one
// more frame (none for the gathered frames alone), to the file. Called
// with mu held; it unlocks it during the write, so other writers lay out
// and write their records meanwhile.
func (w *WAL) writeOut(frame ...[]byte) error {
	pending := w.gather
	w.gather, w.spare = w.spare[:0], nil
	stop := w.end
	size := len(pending)
	for _, p := range frame {
		size += len(p)
	}
	off := w.offset(stop - LSN(size))
	w.flights = append(w.flights, flight{stop: stop})
	fd := w.fds[0]
	w.mu.Unlock()
	err := pwriteAll(fd, off, append([][]byte{pending}, frame...)...)
	w.mu.Lock()
	w.land(stop)
	if w.spare == nil {
		w.spare = pending[:0]
	}
	w.cond.Broadcast()
	if err != nil {
		return w.fail(err)
	}
	return nil
}

// land marks the write ending at stop done and moves written past every
// write done before any still in progress.
func (w *WAL) land(stop LSN) {
	for i := range w.flights {
		if w.flights[i].stop == stop {
			w.flights[i].done = true
			break
		}
	}
	for len(w.flights) > 0 && w.flights[0].done {
		w.written = w.flights[0].stop
		w.flights = w.flights[1:]
	}
}

// pwriteAll writes bufs one after another at off.
func pwriteAll(fd int, off int64, bufs ...[]byte) error {
	for {
		for len(bufs) > 0 && len(bufs[0]) == 0 {
			bufs = bufs[1:]
		}
		if len(bufs) == 0 {
			return nil
		}
		n, err := unix.Pwritev(fd, bufs, off)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		off += int64(n)
		for n > 0 {
			k := min(n, len(bufs[0]))
			bufs[0] = bufs[0][k:]
			n -= k
			if len(bufs[0]) == 0 {
				bufs = bufs[1:]
			}
		}
	}
}

// quiesce writes the gathered frames and waits until no write or sync is
// in flight. Called with mu held and switching set, so that no new ones
// start.
func (w *WAL) quiesce() {
	for len(w.gather) > 0 || len(w.flights) > 0 || w.syncs > 0 {
		if len(w.gather) > 0 && w.failed == nil {
			w.writeOut() // an error is in w.failed
			continue
		}
		w.gather = w.gather[:0] // lost with the failed write
		if len(w.flights) > 0 || w.syncs > 0 {
			w.cond.Wait()
		}
	}
}

// rotate makes the current segment durable, cut to its last record, and
// starts the next. Called with mu held; a failed start of the next
// segment leaves the current one in use, to be rotated on the next write.
func (w *WAL) rotate() error {
	w.switching = true
	defer func() {
		w.switching = false
		w.cond.Broadcast()
	}()
	w.quiesce()
	if w.failed != nil {
		return fmt.Errorf("wal: %w", w.failed)
	}
	// A segment is rotated once its records fill the space preallocated
	// for it, so there is nothing to cut unless it was preallocated for a
	// larger SegmentSize; a truncate that cuts nothing would still dirty
	// the inode's times, which fdatasync need not write.
	end := w.offset(w.end)
	st, err := w.files[0].Stat()
	if err != nil {
		return w.fail(err)
	}
	if st.Size() > end {
		if err := w.files[0].Truncate(end); err != nil {
			return w.fail(err)
		}
	}
	if err := fdatasync(w.fds[0]); err != nil {
		return w.fail(err)
	}
	w.durable = w.end
	old := w.files
	if err := w.newSegment(w.end); err != nil {
		return err
	}
	closeFiles(old)
	return nil
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
	for w.switching {
		w.cond.Wait()
	}
	if w.failed == nil {
		return w.end, w.end, nil
	}
	w.switching = true
	defer func() {
		w.switching = false
		w.cond.Broadcast()
	}()
	w.quiesce()
	cur := &w.segs[len(w.segs)-1]
	keep := max(w.durable, cur.base)
	if err := w.files[0].Truncate(w.offset(keep)); err != nil {
		return 0, 0, fmt.Errorf("wal: cannot cut back failed write: %w", describe(err))
	}
	if err := w.files[0].Sync(); err != nil {
		return 0, 0, fmt.Errorf("wal: %w", describe(err))
	}
	cur.end = keep
	lost := lsnRange{keep, w.end}
	old := w.files
	if err := w.newSegment(w.end); err != nil {
		return 0, 0, err
	}
	closeFiles(old)
	w.lost = append(w.lost, lost)
	w.durable, w.written = w.end, w.end
	w.failed = nil
	return lost.from, lost.to, nil
}

// Sync returns when every record up to lsn is on stable storage. An
// fdatasync covers everything written before it started; callers whose
// record a running one covers wait for it, and the others are served
// together by the next one (group commit), which starts at once if fewer
// than maxSyncs run.
func (w *WAL) Sync(lsn LSN) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	gathered := false
	for {
		for _, r := range w.lost {
			if lsn > r.from && lsn <= r.to {
				return errors.New("wal: record lost to a failed write, not durable")
			}
		}
		if w.durable >= lsn {
			return nil
		}
		if w.failed != nil {
			return fmt.Errorf("wal: write failed, record not durable: %w", w.failed)
		}
		if lsn > w.end {
			return fmt.Errorf("wal: sync to %d beyond the log's end %d", lsn, w.end)
		}
		if len(w.gather) > 0 && !w.switching && (!gathered || w.end-LSN(len(w.gather)) < lsn) {
			// The gathered frames go to the file, with this record or
			// after it, so that their writers share the next sync.
			gathered = true
			w.writeOut() // an error is in w.failed
			continue
		}
		if w.written < lsn || w.switching || w.syncs == maxSyncs || (w.syncs > 0 && w.syncTo >= lsn) {
			w.cond.Wait()
			continue
		}
		slot := 0
		for w.busy[slot] {
			slot++
		}
		target, fd := w.written, w.fds[slot]
		w.busy[slot] = true
		w.syncs++
		w.syncTo = max(w.syncTo, target)
		w.mu.Unlock()
		err := fdatasync(fd)
		w.mu.Lock()
		w.busy[slot] = false
		w.syncs--
		w.cond.Broadcast()
		if err != nil {
			err = w.fail(err)
			if w.durable >= lsn {
				// The other sync, started after this one, covered the
				// record and succeeded: it is durable, and Repair keeps
				// it, so its writer must not be told otherwise.
				return nil
			}
			return err
		}
		if target > w.durable && w.failed == nil {
			w.durable = target
		}
	}
}

// fdatasync makes the file's data durable, and its metadata as far as
// reading the data back needs it (the size, the blocks), not its times.
func fdatasync(fd int) error {
	for {
		err := unix.Fdatasync(fd)
		if err != unix.EINTR {
			return err
		}
	}
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
	for w.switching {
		w.cond.Wait()
	}
	for w.failed == nil && (len(w.gather) > 0 || len(w.flights) > 0) {
		if len(w.gather) > 0 {
			w.writeOut() // an error is in w.failed
			continue
		}
		w.cond.Wait()
	}
	segs := append([]segment(nil), w.segs...)
	limit := w.durable
	if w.failed == nil {
		limit = w.written
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
		n, rec, reason := readFrame(r, buf, s.version, pos)
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

// Size returns the bytes of the log's records and segment headers on
// disk (not the preallocated space after the last record).
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

// Close makes everything written durable, gives back the preallocated
// space after the last record, and closes the log.
func (w *WAL) Close() error {
	err := w.Sync(w.End())
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	for w.switching || len(w.flights) > 0 || w.syncs > 0 {
		w.cond.Wait()
	}
	w.closed = true
	if err == nil && w.failed == nil && len(w.gather) == 0 {
		if err = w.files[0].Truncate(w.offset(w.end)); err == nil {
			err = w.files[0].Sync()
		}
	}
	if cerr := closeFiles(w.files); err == nil {
		err = cerr
	}
	if w.ready != nil {
		if r := <-w.ready; r.err == nil {
			r.f.Close()
			os.Remove(r.f.Name())
		}
		w.ready = nil
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
		if err := readOnlySegment(name, LSN(base), i == len(names)-1, from, fn); err != nil {
			return err
		}
	}
	return nil
}

// readOnlySegment is ReadOnlyReplay's reading of one segment file; in the
// last one, a bad header or frame ends the log.
func readOnlySegment(name string, base LSN, last bool, from LSN, fn func(lsn LSN, rec []byte) error) error {
	f, r, v, err := openSegment(name)
	if err != nil {
		if last && (errors.Is(err, errTornHeader) || errors.Is(err, errBadHeader)) {
			return nil
		}
		return err
	}
	defer f.Close()
	pos := base
	var buf []byte
	for {
		n, rec, reason := readFrame(r, buf, v, pos)
		if reason == "eof" || (reason != "" && last) {
			return nil
		}
		if reason != "" {
			return fmt.Errorf("wal: %s: %s at offset %d", name, reason, int64(headerSize)+int64(pos-base))
		}
		buf = rec[:0]
		pos += LSN(n)
		if pos > from {
			if err := fn(pos, rec); err != nil {
				return err
			}
		}
	}
}
