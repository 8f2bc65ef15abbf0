package syslog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"vigil/internal/ingest"
)

// maxOctetCount bounds the length an octet-counted frame may announce. A
// larger count is taken for a framing error rather than followed, so a
// stray digit cannot make the receiver swallow the rest of the stream.
const maxOctetCount = 16 << 20

// framer splits a syslog stream into messages as RFC 6587 describes:
// octet-counted ("LEN SP MSG") when a frame starts with a digit,
// newline-delimited otherwise. Frames longer than max are cut to max
// bytes and the rest of them is skipped.
type framer struct {
	r   *bufio.Reader
	max int
	// off is how many bytes of the stream have been consumed, for the
	// offsets of rejects.
	off int64
	// long holds a frame that does not fit the reader's buffer.
	long []byte
}

func newFramer(r io.Reader, max int) *framer {
	return &framer{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// frame is one message as the framer found it.
type frame struct {
	// data is the message without its framing (no length prefix, no
	// trailing newline), valid until the next call of next.
	data []byte
	// truncated says data is only the start of a longer message.
	truncated bool
	// reject is set instead of data when the bytes could not be framed.
	reject *ingest.Reject
}

// next returns the next frame. A framing error costs only the bytes up to
// the next newline, which come back as a reject. At the end of the stream
// it returns the last message (even without a newline) and then io.EOF.
func (f *framer) next() (frame, error) {
	first, err := f.r.Peek(1)
	if err != nil {
		return frame{}, err
	}
	if first[0] >= '0' && first[0] <= '9' {
		return f.counted()
	}
	data, truncated, err := f.line()
	if err == io.EOF && len(data) > 0 {
		err = nil
	}
	return frame{data: data, truncated: truncated}, err
}

// line reads up to and without the next newline, keeping at most max
// bytes.
func (f *framer) line() ([]byte, bool, error) {
	chunk, err := f.r.ReadSlice('\n')
	f.off += int64(len(chunk))
	if err != bufio.ErrBufferFull {
		data := bytes.TrimSuffix(chunk, []byte("\n"))
		if len(data) > f.max {
			return data[:f.max], true, err
		}
		return data, false, err
	}
	f.long = append(f.long[:0], chunk[:min(len(chunk), f.max)]...)
	total := len(chunk)
	for err == bufio.ErrBufferFull {
		chunk, err = f.r.ReadSlice('\n')
		f.off += int64(len(chunk))
		total += len(chunk)
		if room := f.max - len(f.long); room > 0 {
			f.long = append(f.long, chunk[:min(len(chunk), room)]...)
		}
	}
	if err == nil {
		total-- // the newline
	}
	return f.long[:min(len(f.long), total)], total > f.max, err
}

// counted reads an octet-counted frame.
func (f *framer) counted() (frame, error) {
	start := f.off
	n, i := 0, 0
	for ; ; i++ {
		head, err := f.r.Peek(i + 1)
		if err != nil {
			return f.badFrame(start, fmt.Sprintf("the stream ended inside the octet count %q", head))
		}
		c := head[i]
		if c == ' ' && i > 0 {
			break
		}
		if c < '0' || c > '9' || i == 8 || head[0] == '0' {
			return f.badFrame(start, fmt.Sprintf("invalid octet count %q: octet-counted framing (RFC 6587) needs a length from 1 to %d, then a space", head, maxOctetCount))
		}
		n = n*10 + int(c-'0')
	}
	if n > maxOctetCount {
		return f.badFrame(start, fmt.Sprintf("octet count %d is over the limit of %d", n, maxOctetCount))
	}
	f.r.Discard(i + 1)
	f.off += int64(i + 1)
	keep := min(n, f.max)
	var data []byte
	var err error
	if keep == n && keep <= f.r.Size() {
		// In the reader's buffer, without a copy: nothing is read
		// before the caller is done with it.
		data, err = f.r.Peek(keep)
		f.r.Discard(len(data))
	} else {
		f.long = sized(f.long, keep)
		var k int
		k, err = io.ReadFull(f.r, f.long)
		data = f.long[:k]
	}
	f.off += int64(len(data))
	if err == nil && n > keep {
		var skipped int64
		skipped, err = io.CopyN(io.Discard, f.r, int64(n-keep))
		f.off += skipped
	}
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return frame{reject: &ingest.Reject{Reason: fmt.Sprintf("the stream ended inside an octet-counted frame of %d bytes", n),
				Raw: bytes.Clone(data[:min(len(data), ingest.MaxRejectSample)]), Offset: int(start)}}, io.EOF
		}
		return frame{}, err
	}
	return frame{data: data, truncated: n > keep}, nil
}

// badFrame skips the rest of the line after a framing error and returns
// it as a reject.
func (f *framer) badFrame(start int64, reason string) (frame, error) {
	data, _, err := f.line()
	if err == io.EOF && len(data) > 0 {
		err = nil
	}
	return frame{reject: &ingest.Reject{Reason: reason, Raw: bytes.Clone(data[:min(len(data), ingest.MaxRejectSample)]), Offset: int(start)}}, err
}

// sized returns b resized to n bytes, reusing its memory when it can.
func sized(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}
