package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// The Go value of each type, as rows carry them between receivers, the
// store, the ledger's row hash and the engine. nil is null for every type.
//
//	Bool      bool
//	Int       int32
//	Long      int64
//	Real      float64
//	Decimal   string, canonical decimal text (no exponent, no leading '+', no trailing zeros)
//	String    string
//	DateTime  time.Time, UTC, truncated to whole microseconds (the store's precision)
//	Timespan  time.Duration, truncated to whole 100 ns ticks (Kusto's unit)
//	GUID      string, lowercase 8-4-4-4-12 hex
//	Dynamic   json.RawMessage, compact JSON text
//
// Convert brings the looser values receivers produce (JSON numbers, ISO
// 8601 strings, Go ints) to these forms.

// Tick is Kusto's unit of time: 100 nanoseconds.
const Tick = 100 * time.Nanosecond

// Convert returns v as the canonical Go value of type t, or an error saying
// why v cannot be a t. It never loses information silently: a fractional
// number is not a long, a string that is not a date is not a datetime.
// A value already canonical is returned as it came, a compact JSON text
// for a dynamic included (not copied: JSON texts in rows are never
// written to once made).
func Convert(t Type, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if n, ok := v.(json.Number); ok {
		v = numberValue(t, n)
	}
	// A value already in its canonical form is returned as it came, not
	// boxed again: most values a receiver makes are.
	switch t {
	case Bool:
		switch x := v.(type) {
		case bool:
			return v, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true", "1":
				return true, nil
			case "false", "0":
				return false, nil
			}
		case int64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		}
	case Int:
		if _, ok := v.(int32); ok {
			return v, nil
		}
		i, err := toInt64(v)
		if err == nil && i >= math.MinInt32 && i <= math.MaxInt32 {
			return int32(i), nil
		}
		if err == nil {
			return nil, fmt.Errorf("value %d is out of range for int", i)
		}
	case Long:
		if _, ok := v.(int64); ok {
			return v, nil
		}
		if i, err := toInt64(v); err == nil {
			return i, nil
		}
	case Real:
		switch x := v.(type) {
		case float64:
			return v, nil
		case float32:
			return float64(x), nil
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return f, nil
			}
		default:
			if i, err := toInt64(v); err == nil {
				return float64(i), nil
			}
		}
	case Decimal:
		var s string
		switch x := v.(type) {
		case string:
			s = strings.TrimSpace(x)
		case float64:
			s = strconv.FormatFloat(x, 'f', -1, 64)
		default:
			if i, err := toInt64(v); err == nil {
				s = strconv.FormatInt(i, 10)
			}
		}
		if r, ok := new(big.Rat).SetString(s); ok && s != "" {
			return decimalText(r), nil
		}
	case String:
		switch x := v.(type) {
		case string:
			return v, nil
		case []byte:
			return string(x), nil
		case json.RawMessage:
			return string(x), nil
		case bool:
			return strconv.FormatBool(x), nil
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		case time.Time:
			return x.UTC().Format(time.RFC3339Nano), nil
		default:
			if i, err := toInt64(v); err == nil {
				return strconv.FormatInt(i, 10), nil
			}
			if b, err := json.Marshal(v); err == nil {
				return string(b), nil
			}
		}
	case DateTime:
		switch x := v.(type) {
		case time.Time:
			if x.Location() == time.UTC && x.Nanosecond()%int(time.Microsecond) == 0 {
				return v, nil
			}
			return x.UTC().Truncate(time.Microsecond), nil
		case string:
			if tm, err := ParseDateTime(x); err == nil {
				return tm, nil
			} else {
				return nil, err
			}
		}
	case Timespan:
		switch x := v.(type) {
		case time.Duration:
			if x%Tick == 0 {
				return v, nil
			}
			return x.Truncate(Tick), nil
		case string:
			if d, err := ParseTimespan(x); err == nil {
				return d, nil
			} else {
				return nil, err
			}
		}
	case GUID:
		if s, ok := v.(string); ok {
			if g, err := ParseGUID(s); err == nil {
				return g, nil
			} else {
				return nil, err
			}
		}
	case Dynamic:
		var raw []byte
		switch x := v.(type) {
		case json.RawMessage:
			if compactJSON(x) {
				return v, nil
			}
			raw = x
		default:
			b, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("value cannot be encoded as dynamic: %v", err)
			}
			raw = b
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, fmt.Errorf("invalid JSON for dynamic: %v", err)
		}
		return json.RawMessage(buf.Bytes()), nil
	default:
		return nil, fmt.Errorf("invalid type %v", t)
	}
	return nil, fmt.Errorf("cannot convert %s to %s", describe(v), t)
}

// numberValue is a JSON number as a t converts it: its text for a string
// or decimal, else an int64 when it is a whole number in range, else a
// float64, else (out of float64's range) its text.
func numberValue(t Type, n json.Number) any {
	if t != String && t != Decimal {
		// A fraction or an exponent is never an int64: no failed parse,
		// and no error value made, to find that out.
		if !strings.ContainsAny(string(n), ".eE") {
			if i, err := n.Int64(); err == nil {
				return i
			}
		}
		if f, err := n.Float64(); err == nil {
			return f
		}
	}
	return string(n)
}

func toInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), nil
		}
	case uint:
		if uint64(x) <= math.MaxInt64 {
			return int64(x), nil
		}
	case float64:
		if x == math.Trunc(x) && x >= -(1<<63) && x < 1<<63 {
			return int64(x), nil
		}
	case string:
		return strconv.ParseInt(strings.TrimSpace(x), 10, 64)
	}
	return 0, fmt.Errorf("not an integer")
}

// decimalText renders r without exponent and without trailing zeros, so
// a decimal has one canonical text ("12.50" is "12.5"): the form the
// store reads back and the ledger hashes.
func decimalText(r *big.Rat) string {
	out := r.FloatString(18)
	if strings.Contains(out, ".") {
		out = strings.TrimRight(strings.TrimRight(out, "0"), ".")
	}
	if out == "-0" {
		out = "0"
	}
	return out
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			x = x[:40] + "..."
		}
		return fmt.Sprintf("string %q", x)
	default:
		return fmt.Sprintf("%T value %v", v, v)
	}
}

// dateLayouts are the datetime forms Kusto's todatetime and the ingestion
// APIs accept, most common first.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.9999999",
	"2006-01-02 15:04:05.9999999Z07:00",
	"2006-01-02 15:04:05.9999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
	time.RFC1123,
	time.RFC1123Z,
	"Mon, 2 Jan 2006 15:04:05 MST",
	"2006/01/02 15:04:05.9999999",
	"2006/01/02",
	"01/02/2006 15:04:05",
	"1/2/2006 3:04:05 PM",
	"1/2/2006 15:04:05",
	"1/2/2006",
	"01-02-2006",
	"2006-1-2",
}

// ParseDateTime parses s as a datetime in one of the forms KQL's
// todatetime() accepts (ISO 8601 and RFC 822/1123 families). A time with
// no zone is UTC. The result is UTC, truncated to microseconds.
func ParseDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Microsecond), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse %q as a datetime", s)
}

// ParseTimespan parses s as a timespan in Kusto's text forms: [-][d.]hh:mm[:ss[.fffffff]]
// or a Go/KQL duration literal such as 1.5h, 30m, 10s, 100ms, 2d.
func ParseTimespan(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("cannot parse empty string as a timespan")
	}
	neg := false
	body := s
	if body[0] == '-' {
		neg, body = true, body[1:]
	}
	if strings.Contains(body, ":") {
		var days int64
		if i := strings.IndexByte(body, '.'); i >= 0 && i < strings.IndexByte(body, ':') {
			d, err := strconv.ParseInt(body[:i], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("cannot parse %q as a timespan", s)
			}
			days, body = d, body[i+1:]
		}
		parts := strings.Split(body, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return 0, fmt.Errorf("cannot parse %q as a timespan", s)
		}
		h, err1 := strconv.ParseInt(parts[0], 10, 64)
		m, err2 := strconv.ParseInt(parts[1], 10, 64)
		var sec float64
		var err3 error
		if len(parts) == 3 {
			sec, err3 = strconv.ParseFloat(parts[2], 64)
		}
		if err1 != nil || err2 != nil || err3 != nil || m >= 60 || sec >= 60 {
			return 0, fmt.Errorf("cannot parse %q as a timespan", s)
		}
		d := time.Duration(days)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
			time.Duration(math.Round(sec*1e7))*Tick
		if neg {
			d = -d
		}
		return d, nil
	}
	d, err := parseDurationLiteral(body)
	if err != nil {
		return 0, fmt.Errorf("cannot parse %q as a timespan", s)
	}
	if neg {
		d = -d
	}
	return d.Truncate(Tick), nil
}

// durationUnits are KQL's timespan literal suffixes.
var durationUnits = []struct {
	suffix string
	unit   float64
}{
	{"microseconds", 1e3}, {"microsecond", 1e3}, {"milliseconds", 1e6}, {"millisecond", 1e6},
	{"seconds", 1e9}, {"second", 1e9}, {"minutes", 60e9}, {"minute", 60e9},
	{"hours", 3600e9}, {"hour", 3600e9}, {"days", 86400e9}, {"day", 86400e9},
	{"ticks", 100}, {"tick", 100}, {"micros", 1e3}, {"micro", 1e3}, {"millis", 1e6}, {"milli", 1e6},
	{"mins", 60e9}, {"min", 60e9}, {"secs", 1e9}, {"sec", 1e9}, {"hrs", 3600e9}, {"hr", 3600e9},
	{"ms", 1e6}, {"us", 1e3}, {"d", 86400e9}, {"h", 3600e9}, {"m", 60e9}, {"s", 1e9},
}

// IsTimespanUnit reports whether u is one of KQL's timespan literal
// suffixes, so that the parser and the value reader know the same units.
func IsTimespanUnit(u string) bool {
	for _, d := range durationUnits {
		if d.suffix == u {
			return true
		}
	}
	return false
}

func parseDurationLiteral(s string) (time.Duration, error) {
	for _, u := range durationUnits {
		if strings.HasSuffix(s, u.suffix) {
			f, err := strconv.ParseFloat(strings.TrimSuffix(s, u.suffix), 64)
			if err != nil {
				return 0, err
			}
			return time.Duration(math.Round(f * u.unit)), nil
		}
	}
	return 0, fmt.Errorf("no unit")
}

// ParseGUID parses s as a GUID (with or without braces, any case) and
// returns its canonical lowercase 8-4-4-4-12 form. The result is always a
// new string, never a part of s: the rows API's strings are cut from one
// copy of the whole request body, and a GUID is kept as it is for as long
// as its row is in the hot buffer.
func ParseGUID(s string) (string, error) {
	t := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "{"), "}")
	dashes := len(t) == 36
	if !dashes && len(t) != 32 {
		return "", fmt.Errorf("cannot parse %q as a guid", s)
	}
	var out [36]byte
	j := 0
	for i := range out {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if dashes {
				if t[j] != '-' {
					return "", fmt.Errorf("cannot parse %q as a guid", s)
				}
				j++
			}
			out[i] = '-'
			continue
		}
		c := t[j]
		j++
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			c += 'a' - 'A'
		default:
			return "", fmt.Errorf("cannot parse %q as a guid", s)
		}
		out[i] = c
	}
	return string(out[:]), nil
}

// TypeOf returns the type a loose Go value naturally has: the type a
// custom column gets when the value first arrives, or the type of the
// extra column a value goes to when it does not fit its column.
func TypeOf(v any) Type {
	switch x := v.(type) {
	case bool:
		return Bool
	case int32:
		return Int
	case int, int8, int16, int64, uint8, uint16, uint32, uint64, uint:
		return Long
	case float32, float64:
		return Real
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return Long
		}
		return Real
	case time.Time:
		return DateTime
	case time.Duration:
		return Timespan
	case json.RawMessage, map[string]any, []any:
		return Dynamic
	}
	return String
}

// FormatTimespan renders d as Kusto does: [-][d.]hh:mm:ss[.fffffff].
func FormatTimespan(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	ticks := int64(d / Tick)
	s := fmt.Sprintf("%02d:%02d:%02d", ticks/36000000000%24, ticks/600000000%60, ticks/10000000%60)
	if days := ticks / 864000000000; days > 0 {
		s = strconv.FormatInt(days, 10) + "." + s
	}
	if frac := ticks % 10000000; frac != 0 {
		s += fmt.Sprintf(".%07d", frac)
	}
	return sign + s
}
