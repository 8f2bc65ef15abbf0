package syslog

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"vigil/internal/ingest"
	"vigil/internal/store"
)

// Config configures the network receivers. An empty address leaves that
// receiver off.
type Config struct {
	UDP, TCP, TLS string
	TLSConfig     *tls.Config
	// RELP is the address of the RELP receiver (plain TCP), for senders
	// that want each message acknowledged once it is durable.
	RELP string
	// Workspace is the id of the workspace messages are stored in.
	Workspace string
	// MaxMessageBytes truncates longer messages, flagging them in the
	// Truncated column (default 64 KiB).
	MaxMessageBytes int
	// BatchSize and FlushInterval bound how long a message waits before it
	// is stored: a batch is written when it has BatchSize messages or its
	// first message is FlushInterval old. Defaults: 2000, 50 ms.
	BatchSize     int
	FlushInterval time.Duration
	// Rejects records what is not syslog; nil stores rejects through the
	// same appender with the default sampling.
	Rejects *ingest.RejectRecorder
}

// The transports, as they name the receiver in VigilIngestionErrors
// (Source) and in metrics (transport).
const (
	transportUDP = iota
	transportTCP
	transportTLS
	transportRELP
)

var transportNames = [...]string{"udp", "tcp", "tls", "relp"}

// counters are one transport's totals since start.
type counters struct {
	stored, dropped, truncated atomic.Uint64
}

// Server receives syslog over the configured transports.
type Server struct {
	cfg   Config
	app   store.Appender
	log   *slog.Logger
	udp   net.PacketConn
	tcp   net.Listener
	tls   net.Listener
	relp  net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conn  map[net.Conn]bool
	done  chan struct{}
	stats [len(transportNames)]counters
}

// NewServer returns a server storing into app.
func NewServer(cfg Config, app store.Appender, log *slog.Logger) *Server {
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = 64 << 10
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 2000
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = 50 * time.Millisecond
	}
	if cfg.Rejects == nil {
		cfg.Rejects = ingest.NewRejectRecorder(app, 0)
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
		go s.accept(s.tcp, func(c net.Conn) { s.serveConn(c, transportTCP) })
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
		go s.accept(s.tls, func(c net.Conn) { s.serveConn(c, transportTLS) })
	}
	if s.cfg.RELP != "" {
		if s.relp, err = net.Listen("tcp", s.cfg.RELP); err != nil {
			s.Close()
			return fmt.Errorf("syslog relp: %w", err)
		}
		s.wg.Add(1)
		go s.accept(s.relp, s.serveRELP)
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

// RELPAddr returns the RELP receiver's address (nil when it is off).
func (s *Server) RELPAddr() net.Addr {
	if s.relp == nil {
		return nil
	}
	return s.relp.Addr()
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
	if s.relp != nil {
		s.relp.Close()
	}
	if s.udp != nil {
		s.udp.SetReadDeadline(time.Now())
	}
	// The read deadline ends each connection's reader, which stores what
	// it read and, for RELP, answers it before the connection closes; the
	// write deadline keeps a sender that does not read from holding up
	// the shutdown.
	s.mu.Lock()
	for c := range s.conn {
		c.SetReadDeadline(time.Now())
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	}
	s.mu.Unlock()
	s.wg.Wait()
	if s.udp != nil {
		s.udp.Close()
	}
	return nil
}

// forget closes a connection whose reader is done.
func (s *Server) forget(c net.Conn) {
	s.mu.Lock()
	delete(s.conn, c)
	s.mu.Unlock()
	c.Close()
}

func (s *Server) closing() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

var (
	descStored = prometheus.NewDesc("vigil_syslog_messages_total",
		"Syslog messages stored durably, by transport.", []string{"transport"}, nil)
	descDropped = prometheus.NewDesc("vigil_syslog_dropped_total",
		"Syslog messages received but lost because the store refused them, by transport.", []string{"transport"}, nil)
	descTruncated = prometheus.NewDesc("vigil_syslog_truncated_total",
		"Syslog messages over the size limit, stored cut and flagged Truncated, by transport.", []string{"transport"}, nil)
)

// Describe implements prometheus.Collector. Rejects are counted by the
// RejectRecorder, whose count the API serves for every receiver.
func (s *Server) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descStored, descDropped, descTruncated} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (s *Server) Collect(ch chan<- prometheus.Metric) {
	for t, name := range transportNames {
		c := &s.stats[t]
		for _, m := range []struct {
			d *prometheus.Desc
			v uint64
		}{{descStored, c.stored.Load()}, {descDropped, c.dropped.Load()}, {descTruncated, c.truncated.Load()}} {
			ch <- prometheus.MustNewConstMetric(m.d, prometheus.CounterValue, float64(m.v), name)
		}
	}
}

// batcher collects the messages of one connection or socket into
// batches, and hands full ones to a storing goroutine so that reading
// and parsing go on while the store writes. At most one batch waits for
// it: beyond that the reader waits, which slows a TCP sender down rather
// than dropping its messages.
type batcher struct {
	s         *Server
	transport int
	b         builder
	first     time.Time
	off       int64
	out       chan flushed
	stored    chan struct{}
	// acks are the RELP transaction numbers of the waiting messages, and
	// answer acknowledges them once stored (ok) or not.
	acks   []uint64
	answer func(txnrs []uint64, ok bool)
}

// flushed is what one flush hands to the storing goroutine.
type flushed struct {
	batches []*store.Batch
	rejects []ingest.Reject
	remotes []string
	acks    []uint64
}

func (s *Server) newBatcher(transport int) *batcher {
	b := &batcher{s: s, transport: transport, out: make(chan flushed, 1), stored: make(chan struct{})}
	go b.storeLoop()
	return b
}

// add adds one frame, flushing when the batch is full.
func (b *batcher) add(f frame, sender string) {
	now := time.Now().UTC()
	if b.b.messages() == 0 && len(b.b.rejects) == 0 {
		b.first = now
	}
	if f.reject != nil {
		b.b.reject(*f.reject, sender)
	} else {
		b.b.add(f.data, f.truncated, sender, b.off, now)
		if f.truncated {
			b.s.stats[b.transport].truncated.Add(1)
		}
	}
	if b.b.messages() >= b.s.cfg.BatchSize {
		b.flush()
	}
}

// due reports whether the oldest waiting message has waited long enough.
func (b *batcher) due() bool {
	return (b.b.messages() > 0 || len(b.b.rejects) > 0) && time.Since(b.first) >= b.s.cfg.FlushInterval
}

// flush hands the waiting batches and rejects to the storing goroutine.
func (b *batcher) flush() {
	f := flushed{batches: b.b.take(b.s.cfg.Workspace, time.Time{}), rejects: b.b.rejects, remotes: b.b.remotes, acks: b.acks}
	b.b.rejects, b.b.remotes, b.acks = nil, nil, nil
	if len(f.batches) > 0 || len(f.rejects) > 0 || len(f.acks) > 0 {
		b.out <- f
	}
}

// close flushes and waits until everything handed over is stored.
func (b *batcher) close() {
	b.flush()
	close(b.out)
	<-b.stored
}

func (b *batcher) storeLoop() {
	defer close(b.stored)
	source := "syslog-" + transportNames[b.transport]
	for f := range b.out {
		ok := true
		for _, batch := range f.batches {
			ok = b.store(batch) && ok
		}
		// One record per run of rejects from the same sender.
		for i := 0; i < len(f.rejects); {
			j := i + 1
			for j < len(f.rejects) && f.remotes[j] == f.remotes[i] {
				j++
			}
			if err := b.s.cfg.Rejects.Record(context.Background(), b.s.cfg.Workspace, source, "syslog", f.remotes[i], f.rejects[i:j], time.Now()); err != nil {
				b.s.log.Error("syslog: recording rejects failed", "transport", transportNames[b.transport], "rejects", j-i, "err", err)
			}
			i = j
		}
		if len(f.acks) > 0 {
			b.answer(f.acks, ok)
		}
	}
}

// store appends a batch, retrying for up to a minute while the store is
// busy. What the store refuses is counted as dropped and logged; the
// result says whether the batch was stored.
func (b *batcher) store(batch *store.Batch) bool {
	c := &b.s.stats[b.transport]
	for attempt := 0; ; attempt++ {
		_, err := b.s.app.Append(context.Background(), batch)
		if err == nil {
			c.stored.Add(uint64(len(batch.Rows)))
			return true
		}
		if !errors.Is(err, store.ErrBusy) || attempt >= 100 {
			c.dropped.Add(uint64(len(batch.Rows)))
			b.s.log.Error("syslog: storing a batch failed", "table", batch.Table, "messages", len(batch.Rows), "err", err)
			return false
		}
		time.Sleep(time.Duration(min(attempt+1, 10)) * 60 * time.Millisecond)
	}
}

func (s *Server) serveUDP() {
	defer s.wg.Done()
	b := s.newBatcher(transportUDP)
	defer b.close()
	buf := make([]byte, 65536)
	for {
		s.udp.SetReadDeadline(time.Now().Add(s.cfg.FlushInterval))
		n, addr, err := s.udp.ReadFrom(buf)
		if n > 0 {
			host, _, _ := net.SplitHostPort(addr.String())
			f := frame{data: buf[:n]}
			if n > s.cfg.MaxMessageBytes {
				f = frame{data: buf[:s.cfg.MaxMessageBytes], truncated: true}
			}
			b.off = 0 // each datagram is its own input
			b.add(f, host)
		}
		if b.due() {
			b.flush()
		}
		if err != nil && s.closing() {
			return
		}
	}
}

// accept hands each connection of l to serve, in its own goroutine.
func (s *Server) accept(l net.Listener, serve func(net.Conn)) {
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
		if s.closing() {
			// Accepted while Close went through the connections.
			s.mu.Unlock()
			c.Close()
			continue
		}
		s.conn[c] = true
		s.wg.Add(1)
		s.mu.Unlock()
		go serve(c)
	}
}

// serveConn reads the frames of one connection. A ticker flushes waiting
// messages while the sender is quiet; reads never time out, so a frame is
// never cut.
func (s *Server) serveConn(c net.Conn, transport int) {
	defer s.wg.Done()
	defer s.forget(c)
	host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	fr := newFramer(c, s.cfg.MaxMessageBytes)
	b := s.newBatcher(transport)
	var mu sync.Mutex
	stop := make(chan struct{})
	ticking := make(chan struct{})
	go func() {
		defer close(ticking)
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
		off := fr.off
		f, err := fr.next()
		if f.data != nil || f.reject != nil {
			mu.Lock()
			b.off = off
			b.add(f, host)
			mu.Unlock()
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !s.closing() && !errors.Is(err, net.ErrClosed) {
				s.log.Warn("syslog: connection ended", "transport", transportNames[transport], "remote", host, "err", err)
			}
			break
		}
	}
	close(stop)
	<-ticking
	b.close()
}
