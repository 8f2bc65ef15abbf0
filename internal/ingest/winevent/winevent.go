// Package winevent parses Windows events in their XML form (the
// <Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
// documents Windows Event Forwarding, wevtutil, Get-WinEvent's ToXml and
// agents such as NXLog produce) into the SecurityEvent table for the
// Security channel and the Event table for every other channel.
package winevent

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"vigil/internal/ingest"
	"vigil/internal/store"
)

// xmlEvent is the part of the event schema Vigil maps. Elements match by
// local name, so the default namespace (or none) is accepted.
type xmlEvent struct {
	XMLName xml.Name
	System  *struct {
		Provider struct {
			Name            string `xml:"Name,attr"`
			EventSourceName string `xml:"EventSourceName,attr"`
		}
		EventID     string
		Level       string
		Task        string
		Keywords    string
		TimeCreated struct {
			SystemTime string `xml:"SystemTime,attr"`
		}
		Channel  string
		Computer string
		Security struct {
			UserID string `xml:"UserID,attr"`
		}
	}
	EventData     *section
	UserData      *section
	RenderingInfo struct {
		Message string
	}
}

// section is an EventData element (Data children, named or not) or a
// UserData element (one child whose own children are the fields).
type section struct {
	Inner string `xml:",innerxml"`
	Data  []struct {
		Name  string `xml:"Name,attr"`
		Value string `xml:",chardata"`
	}
	Any []struct {
		Fields []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	} `xml:",any"`
}

// Event is one parsed Windows event.
type Event struct {
	Time            time.Time // zero when the event has no TimeCreated
	EventID         int32
	Level           int32
	Task            int32
	Keywords        uint64
	Provider        string // System/Provider/@Name
	EventSourceName string // System/Provider/@EventSourceName, the classic source name
	Channel         string
	Computer        string
	UserID          string // System/Security/@UserID, a SID
	Message         string // RenderingInfo/Message, when the sender rendered it
	// Fields are the event's named values: EventData's <Data Name="...">
	// elements, or the children of UserData's element.
	Fields []Field
	// Params are all of EventData's values in order, named or not.
	Params []string
	// DataXML is the EventData or UserData element as XML.
	DataXML string
}

// Field is one named value of an event.
type Field struct{ Name, Value string }

// The audit keywords of the Security channel.
const (
	keywordAuditFailure = 0x0010000000000000
	keywordAuditSuccess = 0x0020000000000000
)

// Parse parses one <Event> element.
func Parse(b []byte) (Event, error) {
	var x xmlEvent
	if err := xml.Unmarshal(b, &x); err != nil {
		return Event{}, fmt.Errorf("event is not valid XML: %v", err)
	}
	if x.XMLName.Local != "Event" {
		return Event{}, fmt.Errorf("element <%s> is not an <Event>", x.XMLName.Local)
	}
	if x.System == nil {
		return Event{}, errors.New("event has no <System> element")
	}
	s := x.System
	e := Event{Provider: s.Provider.Name, EventSourceName: s.Provider.EventSourceName, Channel: strings.TrimSpace(s.Channel),
		Computer: strings.TrimSpace(s.Computer), UserID: s.Security.UserID, Message: strings.TrimSpace(x.RenderingInfo.Message)}
	id, err := strconv.ParseInt(strings.TrimSpace(s.EventID), 10, 32)
	if err != nil {
		return Event{}, fmt.Errorf("EventID %q is not a number", clip(s.EventID))
	}
	e.EventID = int32(id)
	if e.Level, err = optionalInt(s.Level, "Level"); err != nil {
		return Event{}, err
	}
	if e.Task, err = optionalInt(s.Task, "Task"); err != nil {
		return Event{}, err
	}
	if k := strings.TrimSpace(s.Keywords); k != "" {
		if e.Keywords, err = strconv.ParseUint(strings.TrimPrefix(strings.ToLower(k), "0x"), 16, 64); err != nil {
			return Event{}, fmt.Errorf("keywords %q is not a hexadecimal number", clip(k))
		}
	}
	if st := s.TimeCreated.SystemTime; st != "" {
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(st))
		if err != nil {
			return Event{}, fmt.Errorf("TimeCreated SystemTime %q is not a time", clip(st))
		}
		e.Time = t.UTC().Truncate(time.Microsecond)
	}
	switch {
	case x.EventData != nil:
		e.DataXML = "<EventData>" + x.EventData.Inner + "</EventData>"
		for _, d := range x.EventData.Data {
			if d.Name != "" {
				e.Fields = append(e.Fields, Field{d.Name, d.Value})
			}
			e.Params = append(e.Params, d.Value)
		}
	case x.UserData != nil:
		e.DataXML = "<UserData>" + x.UserData.Inner + "</UserData>"
		for _, el := range x.UserData.Any {
			for _, f := range el.Fields {
				e.Fields = append(e.Fields, Field{f.XMLName.Local, f.Value})
				e.Params = append(e.Params, f.Value)
			}
		}
	}
	return e, nil
}

func optionalInt(s, name string) (int32, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a number", name, clip(s))
	}
	return int32(n), nil
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// Split calls fn for each <Event> element of raw with its offset, and
// for each run of other content between events that is not the markup
// around them (XML declarations, comments, an <Events> wrapper,
// whitespace), with ok false. It accepts one event, events concatenated
// or one per line, and an <Events> wrapper.
func Split(raw []byte, fn func(b []byte, off int, ok bool)) {
	gap := func(from, to int) {
		if g := raw[from:to]; stray(g) {
			lead := len(g) - len(bytes.TrimLeft(g, xmlSpace))
			fn(bytes.TrimRight(g[lead:], xmlSpace), from+lead, false)
		}
	}
	prev := 0
	for prev < len(raw) {
		start := findStart(raw, prev)
		if start < 0 {
			break
		}
		gap(prev, start)
		end := findEnd(raw, start)
		if end < 0 {
			fn(raw[start:], start, false)
			return
		}
		fn(raw[start:end], start, true)
		prev = end
	}
	gap(prev, len(raw))
}

// xmlSpace is the white space XML allows between markup.
const xmlSpace = " \t\r\n"

// findStart returns the offset of the next "<Event" start tag at or
// after from (not <Events>, <EventData>, ...), or -1.
func findStart(raw []byte, from int) int {
	for i := from; ; {
		j := bytes.Index(raw[i:], []byte("<Event"))
		if j < 0 {
			return -1
		}
		k := i + j + len("<Event")
		if k == len(raw) || isSpace(raw[k]) || raw[k] == '>' || raw[k] == '/' {
			return i + j
		}
		i = k
	}
}

// findEnd returns the offset just past the </Event> closing the element
// that starts at start (events do not nest), or -1 when it is not closed.
func findEnd(raw []byte, start int) int {
	gt := bytes.IndexByte(raw[start:], '>')
	if gt < 0 {
		return -1
	}
	if raw[start+gt-1] == '/' {
		return start + gt + 1
	}
	for i := start + gt; ; {
		j := bytes.Index(raw[i:], []byte("</Event"))
		if j < 0 {
			return -1
		}
		k := i + j + len("</Event")
		for k < len(raw) && isSpace(raw[k]) {
			k++
		}
		if k < len(raw) && raw[k] == '>' {
			return k + 1
		}
		i = k
	}
}

// stray reports whether gap holds anything but whitespace, a byte order
// mark, XML declarations, comments and <Events> tags.
func stray(gap []byte) bool {
	gap = bytes.TrimPrefix(gap, []byte("\xef\xbb\xbf"))
	for {
		gap = bytes.TrimLeft(gap, xmlSpace)
		if len(gap) == 0 {
			return false
		}
		var end string
		switch {
		case bytes.HasPrefix(gap, []byte("<?")):
			end = "?>"
		case bytes.HasPrefix(gap, []byte("<!--")):
			end = "-->"
		case bytes.HasPrefix(gap, []byte("<Events")) && len(gap) > 7 && (isSpace(gap[7]) || gap[7] == '>'),
			bytes.HasPrefix(gap, []byte("</Events")) && len(gap) > 8 && (isSpace(gap[8]) || gap[8] == '>'):
			end = ">"
		default:
			return true
		}
		i := bytes.Index(gap, []byte(end))
		if i < 0 {
			return true
		}
		gap = gap[i+len(end):]
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// ContentType is the content type of this format's batches, whose
// original bytes are the events, one per line: deep verification finds
// the format by it to parse them again.
const ContentType = "application/vnd.vigil.windows-event+xml"

// Format is the "windows-xml" ingestion format.
type Format struct{}

// Name implements ingest.Format.
func (Format) Name() string { return "windows-xml" }

// Parse implements ingest.Format: Security channel events to
// SecurityEvent, others to Event, each batch with its own events as
// original bytes; an event that does not parse is a reject and costs no
// other event its place.
func (Format) Parse(workspace string, raw []byte, received time.Time) ([]*store.Batch, []ingest.Reject, error) {
	sec := &store.Batch{Workspace: workspace, Table: "SecurityEvent", Columns: securityColumns, ContentType: ContentType, Received: received}
	other := &store.Batch{Workspace: workspace, Table: "Event", Columns: eventColumns, ContentType: ContentType, Received: received}
	var rejects []ingest.Reject
	seen := false
	Split(raw, func(b []byte, off int, ok bool) {
		seen = true
		if !ok {
			rejects = append(rejects, ingest.Reject{Reason: "not a Windows <Event> element", Raw: b, Offset: off})
			return
		}
		e, err := Parse(b)
		if err != nil {
			rejects = append(rejects, ingest.Reject{Reason: err.Error(), Raw: b, Offset: off})
			return
		}
		batch, row := other, eventRow(e, received)
		if strings.EqualFold(e.Channel, "Security") {
			batch, row = sec, securityRow(e, received)
		}
		batch.Rows = append(batch.Rows, row)
		batch.Raw = append(append(batch.Raw, b...), '\n')
	})
	if !seen {
		return nil, nil, errors.New("no Windows <Event> elements in the input")
	}
	var out []*store.Batch
	for _, b := range []*store.Batch{sec, other} {
		if len(b.Rows) > 0 {
			out = append(out, b)
		}
	}
	return out, rejects, nil
}

// Chunks implements ingest.Chunker: pieces of about max bytes cut just
// after an event, since an event printed over several lines would be
// broken by cutting at a line end. A piece inside an <Events> wrapper
// parses on its own: the wrapper's tags are allowed alone.
func (Format) Chunks(raw []byte, max int) ([][]byte, bool) {
	var out [][]byte
	start, last := 0, 0
	Split(raw, func(b []byte, off int, _ bool) {
		if end := off + len(b); end-start > max && last > start {
			out = append(out, raw[start:last])
			start = last
		}
		last = off + len(b)
	})
	return append(out, raw[start:]), true
}

func init() { ingest.Register(Format{}) }
