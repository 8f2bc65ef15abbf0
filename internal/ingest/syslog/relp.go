package syslog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"

	"vigil/internal/ingest"
)

// RELP (the Reliable Event Logging Protocol of rsyslog's librelp): every
// command is a frame "TXNR SP COMMAND SP DATALEN [SP DATA] LF", and the
// server answers each with "TXNR rsp DATALEN DATA LF". A syslog command
// is answered "200 OK" only once its message is durable, so a sender
// keeps (and resends after a reconnect) what was not acknowledged.

// relpOffers is the data of the answer to "open": the status, then the
// offers Vigil supports.
const relpOffers = "200 OK\nrelp_version=0\nrelp_software=vigil\ncommands=syslog"

// relpFrame is one RELP command.
type relpFrame struct {
	txnr    uint64
	command string
	data    []byte
	// truncated says data is only the start of a longer message.
	truncated bool
}

// relpNumber reads a RELP number (1 to 9 digits) and the byte after it.
func relpNumber(r *bufio.Reader, what string) (uint64, byte, error) {
	var n uint64
	for i := 0; ; i++ {
		c, err := r.ReadByte()
		if err != nil {
			return 0, 0, err
		}
		if c < '0' || c > '9' {
			if i == 0 {
				return 0, 0, fmt.Errorf("RELP %s: %q is not a digit", what, c)
			}
			return n, c, nil
		}
		if i == 9 {
			return 0, 0, fmt.Errorf("RELP %s has more than 9 digits", what)
		}
		n = n*10 + uint64(c-'0')
	}
}

// readRELP reads one frame, keeping at most max bytes of its data (the
// rest is skipped). The data is valid until the next call.
func readRELP(r *bufio.Reader, max int, buf *[]byte) (relpFrame, error) {
	var f relpFrame
	var sep byte
	var err error
	if f.txnr, sep, err = relpNumber(r, "transaction number"); err != nil {
		return f, err
	}
	if sep != ' ' {
		return f, fmt.Errorf("RELP frame: %q after the transaction number, want a space", sep)
	}
	cmd, err := r.ReadSlice(' ')
	if err != nil || len(cmd) < 2 || len(cmd) > 33 || !isAlpha(cmd[:len(cmd)-1]) {
		return f, fmt.Errorf("RELP frame %d: no command of 1 to 32 letters", f.txnr)
	}
	f.command = string(cmd[:len(cmd)-1])
	n, sep, err := relpNumber(r, "data length")
	if err != nil {
		return f, err
	}
	if n > 0 {
		if sep != ' ' {
			return f, fmt.Errorf("RELP frame %d: %q after the data length, want a space", f.txnr, sep)
		}
		keep := min(int(n), max)
		*buf = sized(*buf, keep)
		if _, err := io.ReadFull(r, *buf); err != nil {
			return f, err
		}
		if _, err := r.Discard(int(n) - keep); err != nil {
			return f, err
		}
		f.data, f.truncated = *buf, int(n) > keep
		if sep, err = r.ReadByte(); err != nil {
			return f, err
		}
	}
	if sep != '\n' {
		return f, fmt.Errorf("RELP frame %d: %q where the trailer (LF) belongs", f.txnr, sep)
	}
	return f, nil
}

func isAlpha(b []byte) bool {
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// relpWriter writes answers; the reader and the storing goroutine both
// answer, one at a time.
type relpWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *relpWriter) answer(txnr uint64, data string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if data == "" {
		_, err := fmt.Fprintf(w.w, "%d rsp 0\n", txnr)
		return err
	}
	_, err := fmt.Fprintf(w.w, "%d rsp %d %s\n", txnr, len(data), data)
	return err
}

// serverClose tells the client the server ends the session.
func (w *relpWriter) serverClose() {
	w.mu.Lock()
	defer w.mu.Unlock()
	io.WriteString(w.w, "0 serverclose 0\n")
}

// serveRELP runs one RELP session. Messages are acknowledged after their
// batch is stored; a batch is flushed as soon as the sender has nothing
// more in flight to read, since it waits for acknowledgements.
func (s *Server) serveRELP(c net.Conn) {
	defer s.wg.Done()
	defer s.forget(c)
	host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	w := &relpWriter{w: c}
	b := s.newBatcher(transportRELP)
	b.answer = func(txnrs []uint64, ok bool) {
		status := "200 OK"
		if !ok {
			status = "500 not stored, send again"
		}
		for _, t := range txnrs {
			w.answer(t, status)
		}
	}
	in := &countingReader{r: c}
	r := bufio.NewReaderSize(in, 64<<10)
	var buf []byte
	opened := false
	for {
		start := in.n - int64(r.Buffered())
		f, err := readRELP(r, s.cfg.MaxMessageBytes, &buf)
		if err != nil {
			if s.closing() {
				// Shutting down: answer what was read, then tell the
				// sender, which resends anything unanswered elsewhere.
				b.close()
				w.serverClose()
				return
			}
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				// The stream cannot be resynchronised: the session ends,
				// and the sender resends what was not acknowledged.
				rest, _ := r.Peek(min(r.Buffered(), ingest.MaxRejectSample))
				b.add(frame{reject: &ingest.Reject{Reason: err.Error(), Raw: bytes.Clone(rest), Offset: int(start)}}, host)
			}
			break
		}
		switch {
		case f.command == "open":
			opened = true
			w.answer(f.txnr, relpOffers)
		case f.command == "syslog" && opened:
			b.add(frame{data: f.data, truncated: f.truncated}, host)
			b.acks = append(b.acks, f.txnr)
			if r.Buffered() == 0 {
				b.flush()
			}
		case f.command == "close":
			b.close()
			w.answer(f.txnr, "")
			return
		default:
			w.answer(f.txnr, "500 unknown command "+strconv.Quote(f.command)+" (or syslog before open)")
		}
	}
	b.close()
}

// countingReader counts the bytes read through it, for the offsets of
// rejects.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
