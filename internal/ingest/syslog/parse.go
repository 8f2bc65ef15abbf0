// Package syslog receives syslog messages (RFC 5424 and RFC 3164 with the
// common real-world deviations) over UDP, TCP and TLS, and maps them to
// the Syslog table.
package syslog

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is a parsed syslog message.
type Message struct {
	Facility  string // kern, user, mail, daemon, auth, ... local7
	Severity  string // emerg, alert, crit, err, warning, notice, info, debug
	Time      time.Time
	Host      string
	App       string
	ProcID    string
	MsgID     string
	SD        string // RFC 5424 structured data, as sent; "" for none
	Text      string
	Truncated bool
}

var facilities = []string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
	"authpriv", "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4",
	"local5", "local6", "local7"}

var severities = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

var months = map[string]time.Month{"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6, "Jul": 7,
	"Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12}

// Parse parses one message. now resolves RFC 3164 timestamps, which have
// no year (the year that puts the time nearest before now) and no zone
// (UTC). A message without a valid <PRI> is an error; anything after a
// valid PRI parses, at worst as the message text.
func Parse(b []byte, now time.Time) (Message, error) {
	var m Message
	b = bytes.TrimRight(b, "\r\n\x00")
	if len(b) < 3 || b[0] != '<' {
		return m, fmt.Errorf("no <PRI> at the start of the message")
	}
	end := bytes.IndexByte(b[:min(len(b), 5)], '>')
	if end < 2 {
		return m, fmt.Errorf("malformed <PRI>")
	}
	pri, err := strconv.Atoi(string(b[1:end]))
	if err != nil || pri < 0 || pri > 191 {
		return m, fmt.Errorf("invalid priority %q", b[1:end])
	}
	m.Facility, m.Severity = facilities[pri/8], severities[pri%8]
	rest := b[end+1:]
	if len(rest) >= 2 && rest[0] >= '1' && rest[0] <= '9' && rest[1] == ' ' {
		parse5424(&m, rest[2:])
	} else {
		parse3164(&m, rest, now)
	}
	if !utf8.ValidString(m.Text) {
		m.Text = strings.ToValidUTF8(m.Text, "\uFFFD")
	}
	return m, nil
}

// field cuts the next space-separated field; "-" is the nil value.
func field(b []byte) (string, []byte) {
	i := bytes.IndexByte(b, ' ')
	var f []byte
	if i < 0 {
		f, b = b, nil
	} else {
		f, b = b[:i], b[i+1:]
	}
	if string(f) == "-" {
		return "", b
	}
	return string(f), b
}

func parse5424(m *Message, b []byte) {
	var ts string
	ts, b = field(b)
	if ts != "" {
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			m.Time = t.UTC()
		}
	}
	m.Host, b = field(b)
	m.App, b = field(b)
	m.ProcID, b = field(b)
	m.MsgID, b = field(b)
	switch {
	case len(b) > 0 && b[0] == '-':
		b = b[1:]
	case len(b) > 0 && b[0] == '[':
		n := sdLength(b)
		m.SD, b = string(b[:n]), b[n:]
	}
	b = bytes.TrimPrefix(b, []byte(" "))
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF")) // the BOM RFC 5424 allows
	m.Text = string(b)
}

// sdLength is the length of the structured-data elements at the start of
// b: [id k="v" ...][...], with \" \] \\ escapes inside values.
func sdLength(b []byte) int {
	i := 0
	for i < len(b) && b[i] == '[' {
		inQuote := false
		for i++; i < len(b); i++ {
			c := b[i]
			if c == '\\' && inQuote {
				i++
				continue
			}
			if c == '"' {
				inQuote = !inQuote
			} else if c == ']' && !inQuote {
				i++
				break
			}
		}
	}
	return min(i, len(b))
}

func parse3164(m *Message, b []byte, now time.Time) {
	// Timestamp: "Mmm dd hh:mm:ss" (day space-padded), or ISO 8601.
	// Without one, the whole rest is the message (RFC 3164, 4.3.3).
	stamped := false
	if len(b) >= 16 && b[3] == ' ' && b[15] == ' ' {
		if mon, ok := months[string(b[:3])]; ok {
			day, err1 := strconv.Atoi(strings.TrimSpace(string(b[4:6])))
			clock, err2 := time.Parse("15:04:05", string(b[7:15]))
			if err1 == nil && err2 == nil {
				t := time.Date(now.Year(), mon, day, clock.Hour(), clock.Minute(), clock.Second(), 0, time.UTC)
				if t.After(now.Add(24 * time.Hour)) {
					t = t.AddDate(-1, 0, 0)
				}
				m.Time, stamped = t, true
				b = b[16:]
			}
		}
	} else if i := bytes.IndexByte(b, ' '); i >= 19 && b[4] == '-' && b[10] == 'T' {
		if t, err := time.Parse(time.RFC3339Nano, string(b[:i])); err == nil {
			m.Time, b, stamped = t.UTC(), b[i+1:], true
		}
	}
	if !stamped {
		m.Text = string(b)
		return
	}
	// Hostname, unless the next word is already the tag ("prog:" or
	// "prog[pid]:"), as some senders leave the hostname out.
	if w, rest := field(b); w != "" && !isTag(w) && len(rest) > 0 {
		m.Host, b = w, rest
	}
	// Tag: up to 32 characters of [A-Za-z0-9_.-/], optional [pid], ':'.
	if w, rest := field(b); isTag(w) {
		tag := strings.TrimSuffix(w, ":")
		if i := strings.IndexByte(tag, '['); i > 0 && strings.HasSuffix(tag, "]") {
			m.App, m.ProcID = tag[:i], tag[i+1:len(tag)-1]
		} else {
			m.App = tag
		}
		b = rest
	}
	m.Text = string(b)
}

func isTag(w string) bool {
	if !strings.HasSuffix(w, ":") || len(w) < 2 {
		return false
	}
	name := strings.TrimSuffix(w, ":")
	if i := strings.IndexByte(name, '['); i > 0 {
		if !strings.HasSuffix(name, "]") {
			return false
		}
		if _, err := strconv.Atoi(name[i+1 : len(name)-1]); err != nil {
			return false
		}
		name = name[:i]
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_.-/", c)) {
			return false
		}
	}
	return true
}
