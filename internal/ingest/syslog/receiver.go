package syslog

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"vigil/internal/ingest"
	"vigil/internal/ingest/cef"
	"vigil/internal/schema"
	"vigil/internal/store"
)

// columns are the Syslog columns a message fills.
var columns = []schema.Column{
	{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "EventTime", Type: schema.DateTime},
	{Name: "Computer", Type: schema.String}, {Name: "HostName", Type: schema.String},
	{Name: "HostIP", Type: schema.String}, {Name: "Facility", Type: schema.String},
	{Name: "SeverityLevel", Type: schema.String}, {Name: "SyslogMessage", Type: schema.String},
	{Name: "ProcessName", Type: schema.String}, {Name: "ProcessID", Type: schema.Int},
	{Name: "SourceSystem", Type: schema.String}, {Name: "CollectorHostName", Type: schema.String},
}

var collector, _ = os.Hostname()

// row maps a message to Syslog's columns. A message with no hostname is
// attributed to the address it came from.
func row(m Message, senderIP string, received time.Time) []any {
	var eventTime any
	tg := received
	if !m.Time.IsZero() {
		eventTime, tg = m.Time, m.Time
	}
	host := m.Host
	if host == "" {
		host = senderIP
	}
	var pid any
	if n, err := strconv.Atoi(m.ProcID); err == nil {
		pid = int32(n)
	}
	text := m.Text
	if m.SD != "" {
		text = m.SD + " " + text
	}
	return []any{tg, eventTime, nilIfEmpty(host), nilIfEmpty(host), nilIfEmpty(senderIP), m.Facility, m.Severity,
		text, nilIfEmpty(m.App), pid, "Linux", collector}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// parseOrWrap parses a message; one without a valid <PRI> is kept whole
// as user.notice, as RFC 3164 tells a relay to do.
func parseOrWrap(b []byte, now time.Time) Message {
	m, err := Parse(b, now)
	if err != nil {
		m = Message{Facility: "user", Severity: "notice", Text: string(bytes.TrimRight(b, "\r\n"))}
	}
	return m
}

// Format is the "syslog" format: one message per line (files, HTTP).
type Format struct{}

// Name implements ingest.Format.
func (Format) Name() string { return "syslog" }

// Parse implements ingest.Format: plain messages to Syslog, CEF ones to
// CommonSecurityLog, each batch with its own lines as original bytes.
func (Format) Parse(workspace string, raw []byte, received time.Time) ([]*store.Batch, []ingest.Reject, error) {
	plain := &store.Batch{Workspace: workspace, Table: "Syslog", Columns: columns, ContentType: "text/syslog", Received: received}
	var cefs cefBatch
	for _, line := range bytes.Split(raw, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		m := parseOrWrap(line, received)
		if i := cef.Find(m.Text); i >= 0 {
			if e, err := cef.Parse(m.Text[i:]); err == nil {
				cefs.add(m, e, "", line, received)
				continue
			}
		}
		plain.Rows = append(plain.Rows, row(m, "", received))
		plain.Raw = append(append(plain.Raw, line...), '\n')
	}
	var out []*store.Batch
	if len(plain.Rows) > 0 {
		out = append(out, plain)
	}
	if c := cefs.batch(workspace); c != nil {
		c.Received = received
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, nil, errors.New("no syslog messages in the input")
	}
	return out, nil, nil
}

func init() { ingest.Register(Format{}) }

// Config configures the network receivers. An empty address leaves that
// receiver off.
type Config struct {
	UDP, TCP, TLS string
	TLSConfig     *tls.Config
	// Workspace is the id of the workspace messages are stored in.
	Workspace string
	// MaxMessageBytes truncates longer messages (default 64 KiB).
	MaxMessageBytes int
	// BatchSize and FlushInterval bound how long a message waits before it
	// is stored: a batch is written when it has BatchSize messages or its
	// first message is FlushInterval old. Defaults: 1000, 50 ms.
	BatchSize     int
	FlushInterval time.Duration
}

// Server receives syslog over the configured transports.
type Server struct {
	cfg  Config
	app  store.Appender
	log  *slog.Logger
	udp  net.PacketConn
	tcp  net.Listener
	tls  net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	conn map[net.Conn]bool
	done chan struct{}
}

// NewServer returns a server storing into app.
func NewServer(cfg Config, app store.Appender, log *slog.Logger) *Server {
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = 64 << 10
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 1000
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = 50 * time.Millisecond
	}
	if log == nil {
		log = slog.Default()
	}
	return &Server{cfg: cfg, app: app, log: log, conn: map[net.Conn]bool{}, done: make(chan struct{})}
}

// Start binds the configured addresses and starts receiving.
func (s *Server) Start() error {
	var err error
	if s.cfg.UDP != "" {
		if s.udp, err = net.ListenPacket("udp", s.cfg.UDP); err != nil {
			return fmt.Errorf("syslog udp: %w", err)
		}
		s.wg.Add(1)
		go s.serveUDP()
	}
	if s.cfg.TCP != "" {
		if s.tcp, err = net.Listen("tcp", s.cfg.TCP); err != nil {
			s.Close()
			return fmt.Errorf("syslog tcp: %w", err)
		}
		s.wg.Add(1)
		go s.accept(s.tcp)
	}
	if s.cfg.TLS != "" {
		if s.cfg.TLSConfig == nil {
			s.Close()
			return errors.New("syslog tls: no certificate configured")
		}
		if s.tls, err = tls.Listen("tcp", s.cfg.TLS, s.cfg.TLSConfig); err != nil {
			s.Close()
			return fmt.Errorf("syslog tls: %w", err)
		}
		s.wg.Add(1)
		go s.accept(s.tls)
	}
	return nil
}

// Addrs returns the bound addresses (nil for receivers that are off).
func (s *Server) Addrs() (udp, tcp, tlsAddr net.Addr) {
	if s.udp != nil {
		udp = s.udp.LocalAddr()
	}
	if s.tcp != nil {
		tcp = s.tcp.Addr()
	}
	if s.tls != nil {
		tlsAddr = s.tls.Addr()
	}
	return
}

// Close stops receiving; messages already read are stored first.
func (s *Server) Close() error {
	select {
	case <-s.done:
		return nil
	default:
		close(s.done)
	}
	if s.tcp != nil {
		s.tcp.Close()
	}
	if s.tls != nil {
		s.tls.Close()
	}
	if s.udp != nil {
		s.udp.SetReadDeadline(time.Now())
	}
	// Closing a connection ends its reader, which stores what it read.
	s.mu.Lock()
	for c := range s.conn {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if s.udp != nil {
		s.udp.Close()
	}
	return nil
}

func (s *Server) closing() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// batcher collects messages of one connection or socket into batches:
// plain syslog for the Syslog table, CEF for CommonSecurityLog.
type batcher struct {
	s     *Server
	raw   []byte
	rows  [][]any
	first time.Time
	cef   cefBatch
}

// cefBatch gathers CEF rows, whose columns vary by message, into one
// batch with the union of their columns.
type cefBatch struct {
	raw  []byte
	cols []schema.Column
	idx  map[string]int
	rows [][]any
}

var cefTable, _ = schema.Builtin("CommonSecurityLog")

func (c *cefBatch) add(m Message, e cef.Event, sender string, frame []byte, received time.Time) {
	cols, vals := cef.Row(e, cefTable)
	tg := received
	if !m.Time.IsZero() {
		tg = m.Time
	}
	host := m.Host
	if host == "" {
		host = sender
	}
	cols = append(cols, schema.Column{Name: "TimeGenerated", Type: schema.DateTime}, schema.Column{Name: "Computer", Type: schema.String},
		schema.Column{Name: "CollectorHostName", Type: schema.String}, schema.Column{Name: "SourceSystem", Type: schema.String})
	vals = append(vals, tg, nilIfEmpty(host), collector, "OpsManager")
	if c.idx == nil {
		c.idx = map[string]int{}
	}
	row := make([]any, len(c.cols))
	for i, col := range cols {
		j, ok := c.idx[col.Name]
		if !ok {
			j = len(c.cols)
			c.idx[col.Name] = j
			c.cols = append(c.cols, col)
			row = append(row, nil)
		}
		row[j] = vals[i]
	}
	c.rows = append(c.rows, row)
	c.raw = append(append(c.raw, frame...), '\n')
}

func (c *cefBatch) batch(workspace string) *store.Batch {
	if len(c.rows) == 0 {
		return nil
	}
	for i, r := range c.rows {
		for len(r) < len(c.cols) {
			r = append(r, nil)
		}
		c.rows[i] = r
	}
	b := &store.Batch{Workspace: workspace, Table: "CommonSecurityLog", Columns: c.cols, Rows: c.rows, Raw: c.raw, ContentType: "text/syslog"}
	*c = cefBatch{}
	return b
}

func (b *batcher) add(frame []byte, sender string) {
	now := time.Now().UTC()
	if len(b.rows)+len(b.cef.rows) == 0 {
		b.first = now
	}
	m := parseOrWrap(frame, now)
	if len(m.Text) > b.s.cfg.MaxMessageBytes {
		m.Text = m.Text[:b.s.cfg.MaxMessageBytes] + " [truncated]"
	}
	if i := cef.Find(m.Text); i >= 0 {
		if e, err := cef.Parse(m.Text[i:]); err == nil {
			b.cef.add(m, e, sender, frame, now)
			if len(b.cef.rows) >= b.s.cfg.BatchSize {
				b.flush()
			}
			return
		}
	}
	b.rows = append(b.rows, row(m, sender, now))
	b.raw = append(b.raw, frame...)
	if len(frame) == 0 || frame[len(frame)-1] != '\n' {
		b.raw = append(b.raw, '\n')
	}
	if len(b.rows) >= b.s.cfg.BatchSize {
		b.flush()
	}
}

// due reports whether the oldest waiting message has waited long enough.
func (b *batcher) due() bool {
	return len(b.rows)+len(b.cef.rows) > 0 && time.Since(b.first) >= b.s.cfg.FlushInterval
}

// flush stores the batches, retrying while the store is busy: a TCP
// sender is slowed down (nothing more is read meanwhile) rather than
// dropped.
func (b *batcher) flush() {
	if len(b.rows) > 0 {
		b.store(&store.Batch{Workspace: b.s.cfg.Workspace, Table: "Syslog", Columns: columns, Rows: b.rows,
			Raw: b.raw, ContentType: "text/syslog"})
		b.rows, b.raw = nil, nil
	}
	if c := b.cef.batch(b.s.cfg.Workspace); c != nil {
		b.store(c)
	}
}

func (b *batcher) store(batch *store.Batch) {
	for attempt := 0; ; attempt++ {
		_, err := b.s.app.Append(context.Background(), batch)
		if err == nil {
			return
		}
		if !errors.Is(err, store.ErrBusy) || attempt > 100 {
			b.s.log.Error("syslog: storing a batch failed", "table", batch.Table, "messages", len(batch.Rows), "err", err)
			return
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
}

func (s *Server) serveUDP() {
	defer s.wg.Done()
	b := &batcher{s: s}
	buf := make([]byte, 65536)
	for {
		s.udp.SetReadDeadline(time.Now().Add(s.cfg.FlushInterval))
		n, addr, err := s.udp.ReadFrom(buf)
		if n > 0 {
			host, _, _ := net.SplitHostPort(addr.String())
			b.add(append([]byte(nil), buf[:n]...), host)
		}
		if b.due() || err != nil && s.closing() {
			b.flush()
		}
		if err != nil && s.closing() {
			return
		}
	}
}

func (s *Server) accept(l net.Listener) {
	defer s.wg.Done()
	for {
		c, err := l.Accept()
		if err != nil {
			if s.closing() {
				return
			}
			s.log.Warn("syslog: accept", "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		s.mu.Lock()
		s.conn[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serveConn(c)
	}
}

// serveConn reads frames from one connection: octet-counted (RFC 6587,
// "LEN SP MSG") when a frame starts with a digit, newline-delimited
// otherwise. A ticker stores waiting messages while the sender is quiet;
// reads never time out, so a frame is never cut.
func (s *Server) serveConn(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conn, c)
		s.mu.Unlock()
		c.Close()
	}()
	host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	r := bufio.NewReaderSize(c, 64<<10)
	b := &batcher{s: s}
	var mu sync.Mutex
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(s.cfg.FlushInterval / 2)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				mu.Lock()
				if b.due() {
					b.flush()
				}
				mu.Unlock()
			}
		}
	}()
	for {
		frame, err := s.readFrame(r)
		if len(frame) > 0 {
			mu.Lock()
			b.add(frame, host)
			mu.Unlock()
		}
		if err != nil {
			break
		}
	}
	close(stop)
	mu.Lock()
	b.flush()
	mu.Unlock()
}

// readFrame reads the next frame; at the end of the stream it returns a
// last newline-less message with io.EOF.
func (s *Server) readFrame(r *bufio.Reader) ([]byte, error) {
	first, err := r.Peek(1)
	if err != nil {
		return nil, err
	}
	if first[0] >= '1' && first[0] <= '9' {
		return s.readCounted(r)
	}
	var frame []byte
	for {
		line, err := r.ReadSlice('\n')
		frame = append(frame, line...)
		if err == bufio.ErrBufferFull && len(frame) <= s.cfg.MaxMessageBytes {
			continue
		}
		if err == bufio.ErrBufferFull {
			return frame, nil // over the limit: the rest reads as the next frame
		}
		return frame, err
	}
}

func (s *Server) readCounted(r *bufio.Reader) ([]byte, error) {
	lenText, err := r.ReadSlice(' ')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(string(bytes.TrimSpace(lenText)))
	if err != nil || n <= 0 || n > 16<<20 {
		return nil, fmt.Errorf("syslog: invalid octet count %q", lenText)
	}
	frame := make([]byte, n)
	if _, err := io.ReadFull(r, frame); err != nil {
		return nil, err
	}
	return frame, nil
}
