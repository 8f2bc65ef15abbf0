// Package syslog receives syslog messages (RFC 5424 and RFC 3164 with the
// common real-world deviations) over UDP, TCP and TLS, and maps them to
// the Syslog table.
package syslog

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is a parsed syslog message. Its strings share one copy of the
// message's bytes, so parsing costs one allocation however many fields
// the message has.
type Message struct {
	Facility string // kern, user, mail, daemon, auth, ... local7
	Severity string // emerg, alert, crit, err, warning, notice, info, debug
	// Time is the sender's timestamp in UTC; zero when the message has none.
	Time   time.Time
	Host   string
	App    string
	ProcID string
	MsgID  string
	SD     string // RFC 5424 structured data, as sent; "" for none
	Text   string
	// Truncated says the message was longer than the receiver's limit and
	// only its start was kept.
	Truncated bool
}

var facilities = []string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
	"authpriv", "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4",
	"local5", "local6", "local7"}

var severities = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

var months = map[string]time.Month{"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6, "Jul": 7,
	"Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12}

// errNoPRI is the error of a message that does not start with <PRI>.
var errNoPRI = errors.New("no <PRI> at the start of the message")

const bom = "\uFEFF"

// Parse parses one message. now resolves RFC 3164 timestamps, which have
// no year (the year that puts the time nearest before now, allowing a day
// of clock skew) and no zone (UTC). A message without a valid <PRI> is an
// error; anything after a valid PRI parses, at worst as the message text.
// Trailing CR, LF and NUL bytes are not part of the message; invalid
// UTF-8 is replaced by U+FFFD.
func Parse(b []byte, now time.Time) (Message, error) {
	var m Message
	b = bytes.TrimRight(b, "\r\n\x00")
	if len(b) < 3 || b[0] != '<' {
		return m, errNoPRI
	}
	end := bytes.IndexByte(b[:min(len(b), 5)], '>')
	if end < 2 {
		return m, fmt.Errorf("malformed <PRI>: no '>' within 3 digits")
	}
	pri, ok := atoi(b[1:end])
	if !ok || pri > 191 {
		return m, fmt.Errorf("invalid priority %q: want 0 to 191", b[1:end])
	}
	m.Facility, m.Severity = facilities[pri/8], severities[pri%8]
	s := string(b[end+1:])
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) >= 2 && s[0] >= '1' && s[0] <= '9' && s[1] == ' ' {
		parse5424(&m, s[2:])
	} else {
		parse3164(&m, s, now)
	}
	return m, nil
}

// atoi parses a short unsigned decimal number without allocating.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// field cuts the next space-separated field; "-" is the nil value.
func field(s string) (string, string) {
	f, rest, _ := strings.Cut(s, " ")
	if f == "-" {
		return "", rest
	}
	return f, rest
}

func parse5424(m *Message, s string) {
	var ts string
	ts, s = field(s)
	if ts != "" {
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			m.Time = t.UTC()
		}
	}
	m.Host, s = field(s)
	m.App, s = field(s)
	m.ProcID, s = field(s)
	m.MsgID, s = field(s)
	switch {
	case strings.HasPrefix(s, "-"):
		s = s[1:]
	case strings.HasPrefix(s, "["):
		n := sdLength(s)
		m.SD, s = s[:n], s[n:]
	}
	// rsyslog's RFC 5424 template adds its own space before a message
	// that kept the space after its tag: "- -  text".
	s = strings.TrimLeft(s, " ")
	m.Text = strings.TrimPrefix(s, bom) // the BOM RFC 5424 allows
}

// sdLength is the length of the structured-data elements at the start of
// s: [id k="v" ...][...], with \" \] \\ escapes inside values.
func sdLength(s string) int {
	i := 0
	for i < len(s) && s[i] == '[' {
		inQuote := false
		for i++; i < len(s); i++ {
			c := s[i]
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
	return min(i, len(s))
}

// parse3164 parses what follows the PRI of a BSD-style message:
// TIMESTAMP HOSTNAME TAG: MSG, as devices really send it. Without a
// timestamp the whole rest is the message (RFC 3164, 4.3.3). Accepted
// besides "Mmm dd hh:mm:ss": a year after the day, fractional seconds,
// a UTC/GMT zone, ISO 8601 timestamps (rsyslog's high-precision format),
// no hostname, and Cisco IOS prefixes ("123: host: *Mar  1 00:00:18.123:").
func parse3164(m *Message, s string, now time.Time) {
	p := s
	// Cisco IOS sequence number, then optionally the origin host.
	if n := digits(p); n > 0 && strings.HasPrefix(p[n:], ": ") {
		p = p[n+2:]
		if w, rest, ok := strings.Cut(p, " "); ok && len(w) > 1 && strings.HasSuffix(w, ":") && w[0] != '%' && stampAhead(rest) {
			m.Host, p = w[:len(w)-1], rest
		}
	}
	t, n := stamp(p, now)
	if n == 0 {
		m.Text = strings.TrimPrefix(s, bom)
		return
	}
	m.Time = t
	p = strings.TrimLeft(strings.TrimPrefix(p[n:], ":"), " ")
	// Hostname, unless the next word is already the tag ("prog:" or
	// "prog[pid]:") or a Cisco mnemonic ("%SYS-5-CONFIG_I:"), as some
	// senders leave the hostname out.
	if w, rest, ok := strings.Cut(p, " "); ok && m.Host == "" && isHost(w) {
		m.Host, p = w, strings.TrimLeft(rest, " ")
	}
	// A Cisco sequence number after the host ("host 123: *Mar  1 ..."):
	// the device's own copy of the header, dropped.
	if n := digits(p); n > 0 && strings.HasPrefix(p[n:], ": ") {
		if _, k := stamp(p[n+2:], now); k > 0 {
			p = strings.TrimLeft(strings.TrimPrefix(p[n+2+k:], ":"), " ")
		}
	}
	// Cisco ASA puts a lone colon after the host.
	p = strings.TrimPrefix(p, ": ")
	// Tag: [A-Za-z0-9_.-/] characters, optional [pid], ':'.
	if w, rest, ok := strings.Cut(p, " "); isTag(w) {
		tag := w[:len(w)-1]
		if i := strings.IndexByte(tag, '['); i > 0 {
			m.App, m.ProcID = tag[:i], tag[i+1:len(tag)-1]
		} else {
			m.App = tag
		}
		if ok {
			p = rest
		} else {
			p = ""
		}
	}
	m.Text = strings.TrimPrefix(p, bom)
}

// digits is the number of leading ASCII digits of s.
func digits(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// stampAhead reports whether s starts with a timestamp.
func stampAhead(s string) bool {
	_, n := stamp(s, time.Time{})
	return n > 0
}

// stamp parses a timestamp at the start of s and returns it with its
// length, or a length of 0 when s does not start with one. It takes an
// optional Cisco '*' (clock not synchronised) or '.' (clock was
// synchronised) mark before the time.
func stamp(s string, now time.Time) (time.Time, int) {
	mark := 0
	if len(s) > 0 && (s[0] == '*' || s[0] == '.') {
		mark = 1
	}
	if t, n := bsdStamp(s[mark:], now); n > 0 {
		return t, mark + n
	}
	if t, n := isoStamp(s[mark:]); n > 0 {
		return t, mark + n
	}
	return time.Time{}, 0
}

// bsdStamp parses "Mmm dd[ yyyy] hh:mm:ss[.fff][ UTC|GMT]"; the day may
// be space-padded or a single digit.
func bsdStamp(s string, now time.Time) (time.Time, int) {
	if len(s) < 14 || s[3] != ' ' {
		return time.Time{}, 0
	}
	mon, ok := months[s[:3]]
	if !ok {
		return time.Time{}, 0
	}
	i := 4
	if s[i] == ' ' {
		i++
	}
	day, n := num(s[i:], 2)
	if n == 0 || day < 1 || day > 31 || i+n >= len(s) || s[i+n] != ' ' {
		return time.Time{}, 0
	}
	i += n + 1
	year := 0
	if y, n := num(s[i:], 4); n == 4 && i+n < len(s) && s[i+n] == ' ' {
		year, i = y, i+5
	}
	hh, mm, ss, nsec, n := clock(s[i:])
	if n == 0 {
		return time.Time{}, 0
	}
	i += n
	for _, zone := range []string{" UTC", " GMT"} {
		if strings.HasPrefix(s[i:], zone) && (len(s) == i+4 || s[i+4] == ' ' || s[i+4] == ':') {
			i += 4
		}
	}
	if year == 0 {
		year = now.Year()
		if t := time.Date(year, mon, day, hh, mm, ss, nsec, time.UTC); t.After(now.Add(24 * time.Hour)) {
			year--
		}
	}
	return time.Date(year, mon, day, hh, mm, ss, nsec, time.UTC), i
}

// clock parses "hh:mm:ss[.fff]" and returns its length, 0 when invalid.
func clock(s string) (hh, mm, ss, nsec, n int) {
	if len(s) < 8 || s[2] != ':' || s[5] != ':' {
		return
	}
	var k [3]int
	for j := range k {
		v, w := num(s[j*3:], 2)
		if w != 2 {
			return
		}
		k[j] = v
	}
	if k[0] > 23 || k[1] > 59 || k[2] > 60 {
		return
	}
	n = 8
	if len(s) > 9 && s[8] == '.' {
		frac := digits(s[9:])
		if frac > 0 {
			v, _ := num(s[9:], min(frac, 9))
			for range 9 - min(frac, 9) {
				v *= 10
			}
			nsec, n = v, 9+frac
		}
	}
	return k[0], k[1], k[2], nsec, n
}

// num parses up to max leading digits of s, returning the value and the
// number of digits read.
func num(s string, max int) (int, int) {
	v, i := 0, 0
	for i < len(s) && i < max && s[i] >= '0' && s[i] <= '9' {
		v = v*10 + int(s[i]-'0')
		i++
	}
	return v, i
}

// isoStamp parses an RFC 3339 timestamp ending at the next space or ':'
// followed by a space; one without a zone is taken as UTC.
func isoStamp(s string) (time.Time, int) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' {
		return time.Time{}, 0
	}
	end := strings.IndexByte(s[11:], ' ')
	if end < 0 {
		end = len(s)
	} else {
		end += 11
	}
	ts := strings.TrimSuffix(s[:end], ":")
	if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
		return t.UTC(), end
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", ts); err == nil {
		return t, end
	}
	return time.Time{}, 0
}

// isHost reports whether w can be a hostname: not a tag, not a Cisco
// mnemonic, not a lone colon.
func isHost(w string) bool {
	return w != "" && w[0] != '%' && !strings.HasSuffix(w, ":") && !strings.HasSuffix(w, "]")
}

func isTag(w string) bool {
	if !strings.HasSuffix(w, ":") || len(w) < 2 {
		return false
	}
	name := w[:len(w)-1]
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
