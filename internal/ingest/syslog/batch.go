package syslog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"vigil/internal/ingest"
	"vigil/internal/ingest/cef"
	"vigil/internal/schema"
	"vigil/internal/store"
)

// columns are the Syslog columns a message fills, in the order row
// fills them.
var columns = schema.BuiltinColumns("Syslog",
	"TimeGenerated", "EventTime", "Computer", "HostName", "HostIP", "Facility",
	"SeverityLevel", "SyslogMessage", "ProcessName", "ProcessID", "SourceSystem",
	"CollectorHostName", "Truncated",
)

var collector, _ = os.Hostname()

// boxed holds the facility and severity names, and the collector's host
// name, already as interface values: a row refers to them without the
// allocation converting a string to an interface costs.
var boxed = func() map[string]any {
	m := map[string]any{collector: collector}
	for _, s := range append(append([]string(nil), facilities...), severities...) {
		m[s] = s
	}
	return m
}()

var collectorValue = boxed[collector]

// builder turns messages into a Syslog batch, a CommonSecurityLog batch
// for the CEF ones, and rejects for what is not syslog at all.
type builder struct {
	raw  []byte
	rows [][]any
	// cells is where the next rows' values are cut from, so rows are
	// allocated a few hundred at a time.
	cells []any
	cef   cefBatch
	// rejects and the addresses they came from, in the same order.
	rejects []ingest.Reject
	remotes []string
	// sender is the last sender's address as an interface value, reused
	// while messages keep coming from it.
	sender    string
	senderVal any
	// interned holds host and program names as interface values: they
	// repeat from message to message, and a row then refers to a shared
	// value instead of allocating its own.
	interned map[string]any
}

// maxInterned bounds the interned names; past it the cache starts over,
// so a sender cycling through endless names cannot grow it.
const maxInterned = 4096

// intern returns s as a shared interface value (nil for ""). The cache
// keeps its own copy of s, not the message s is a part of.
func (b *builder) intern(s string) any {
	if s == "" {
		return nil
	}
	if v, ok := b.interned[s]; ok {
		return v
	}
	if b.interned == nil || len(b.interned) >= maxInterned {
		b.interned = make(map[string]any, 64)
	}
	s = strings.Clone(s)
	b.interned[s] = s
	return b.interned[s]
}

// add parses one message (without framing) and adds it to its batch.
// Blank frames are skipped. A frame without <PRI> is kept as a
// user.notice message, as RFC 3164 tells a relay to do, unless it is not
// text at all: then it is a reject.
func (b *builder) add(data []byte, truncated bool, sender string, offset int64, now time.Time) {
	if len(bytes.TrimSpace(data)) == 0 {
		return
	}
	m, err := Parse(data, now)
	if err != nil {
		body := bytes.TrimRight(data, "\r\n\x00")
		if i := binaryAt(body); i >= 0 {
			b.reject(ingest.Reject{Reason: fmt.Sprintf("not syslog: %v, and byte 0x%02x at offset %d is not text", err, body[i], i),
				Raw: bytes.Clone(body[:min(len(body), ingest.MaxRejectSample)]), Offset: int(offset)}, sender)
			return
		}
		m = Message{Facility: "user", Severity: "notice", Text: strings.ToValidUTF8(string(body), "\uFFFD")}
	}
	m.Truncated = truncated
	if i := cef.Find(m.Text); i >= 0 {
		if e, err := cef.Parse(m.Text[i:]); err == nil {
			b.cef.add(m, e, sender, data, now)
			return
		}
	}
	if sender != b.sender || b.senderVal == nil {
		b.sender, b.senderVal = sender, nilIfEmpty(sender)
	}
	b.rows = append(b.rows, b.row(m, now))
	b.raw = append(append(b.raw, data...), '\n')
}

// row maps a message to Syslog's columns. A message with no hostname is
// attributed to the address it came from.
func (b *builder) row(m Message, received time.Time) []any {
	if len(b.cells) < len(columns) {
		b.cells = make([]any, 256*len(columns))
	}
	r := b.cells[:len(columns):len(columns)]
	b.cells = b.cells[len(columns):]
	// The time received is boxed only when it is used: each box is an
	// allocation, and most messages carry their own time.
	var tg, eventTime any
	if m.Time.IsZero() {
		tg = received
	} else {
		tg = m.Time
		eventTime = tg
	}
	host := b.senderVal
	if m.Host != "" {
		host = b.intern(m.Host)
	}
	var pid any
	if n, err := strconv.Atoi(m.ProcID); err == nil {
		pid = int32(n)
	}
	text := m.Text
	if m.SD != "" {
		text = m.SD + " " + text
	}
	r[0], r[1], r[2], r[3], r[4] = tg, eventTime, host, host, b.senderVal
	r[5], r[6], r[7], r[8], r[9] = boxed[m.Facility], boxed[m.Severity], text, b.intern(m.App), pid
	r[10], r[11], r[12] = "Linux", collectorValue, m.Truncated
	return r
}

func (b *builder) reject(r ingest.Reject, sender string) {
	b.rejects = append(b.rejects, r)
	b.remotes = append(b.remotes, sender)
}

// messages is how many messages wait in the builder.
func (b *builder) messages() int { return len(b.rows) + len(b.cef.rows) }

// take returns the waiting batches and empties the builder.
func (b *builder) take(workspace string, received time.Time) []*store.Batch {
	var out []*store.Batch
	if len(b.rows) > 0 {
		out = append(out, &store.Batch{Workspace: workspace, Table: "Syslog", Columns: columns, Rows: b.rows,
			Raw: b.raw, ContentType: "text/syslog", Received: received})
		b.rows, b.raw = make([][]any, 0, cap(b.rows)), make([]byte, 0, cap(b.raw))
	}
	if c := b.cef.batch(workspace); c != nil {
		c.Received = received
		out = append(out, c)
	}
	return out
}

// binaryAt is the index of the first byte of b that text does not have
// (control characters other than tab, CR and LF), or -1.
func binaryAt(b []byte) int {
	for i, c := range b {
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
			return i
		}
	}
	return -1
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
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
		schema.Column{Name: "CollectorHostName", Type: schema.String}, schema.Column{Name: "SourceSystem", Type: schema.String},
		schema.Column{Name: "Truncated", Type: schema.Bool})
	vals = append(vals, tg, nilIfEmpty(host), collector, "OpsManager", m.Truncated)
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

// Format is the "syslog" format: one message per line (files, HTTP).
type Format struct{}

// Name implements ingest.Format.
func (Format) Name() string { return "syslog" }

// Parse implements ingest.Format: plain messages to Syslog, CEF ones to
// CommonSecurityLog, each batch with its own lines as original bytes;
// lines that are not text are rejects.
func (Format) Parse(workspace string, raw []byte, received time.Time) ([]*store.Batch, []ingest.Reject, error) {
	var b builder
	for off := 0; off < len(raw); {
		line, _, _ := bytes.Cut(raw[off:], []byte("\n"))
		b.add(line, false, "", int64(off), received)
		off += len(line) + 1
	}
	out := b.take(workspace, received)
	if len(out) == 0 && len(b.rejects) == 0 {
		return nil, nil, errors.New("no syslog messages in the input")
	}
	return out, b.rejects, nil
}

func init() { ingest.Register(Format{}) }
