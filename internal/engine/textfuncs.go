package engine

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"database/sql/driver"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"hash/crc32"
	"io"
	"strings"
	"time"
	// The time zone database, so datetime_utc_to_local knows every zone
	// on machines without one.
	_ "time/tzdata"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"

	"vigil/internal/schema"
)

// Go implementations of the string functions security queries meet in
// encoded payloads: compressed base64 blobs and punycode domains.

// maxDecompressed bounds what one decompression may produce, so a small
// crafted blob (a "zip bomb") in a log line cannot exhaust memory.
const maxDecompressed = 64 << 20

func init() {
	udfs = append(udfs,
		udf{name: "kql_compress_base64", args: []duckdb.Type{tVarchar, tVarchar}, result: tVarchar, fn: func(a []driver.Value) (any, error) {
			return compressBase64(a[0].(string), a[1].(string) == "zlib")
		}},
		udf{name: "kql_decompress_base64", args: []duckdb.Type{tVarchar, tVarchar}, result: tVarchar, fn: func(a []driver.Value) (any, error) {
			s, ok := decompressBase64(a[0].(string), a[1].(string) == "zlib")
			if !ok {
				return nil, nil
			}
			return s, nil
		}},
		udf{name: "kql_punycode", args: []duckdb.Type{tVarchar, tVarchar}, result: tVarchar, fn: func(a []driver.Value) (any, error) {
			s, ok := punycodeFunc(a[1].(string), a[0].(string))
			if !ok {
				return nil, nil
			}
			return s, nil
		}},
		jsonUDF("kql_parse_csv", 1, func(v []any) (any, error) {
			s, ok := v[0].(string)
			if !ok {
				return nil, nil
			}
			return parseCSV(s), nil
		}),
		udf{name: "kql_crc32", args: []duckdb.Type{tVarchar}, result: tBigint, fn: func(a []driver.Value) (any, error) {
			return int64(crc32.ChecksumIEEE([]byte(a[0].(string)))), nil
		}},
		// kql_todatetime reads text as datetime literals and ingestion
		// do, for the forms DuckDB's cast does not take (see
		// sqlgen.TextToDateTime).
		udf{name: "kql_todatetime", args: []duckdb.Type{tVarchar}, result: duckdb.TYPE_TIMESTAMP, fn: func(a []driver.Value) (any, error) {
			t, err := schema.ParseDateTime(a[0].(string))
			if err != nil {
				return nil, nil
			}
			return t, nil
		}},
		udf{name: "kql_url_encode", args: []duckdb.Type{tVarchar, tBool}, result: tVarchar, fn: func(a []driver.Value) (any, error) {
			return urlEncode(a[0].(string), a[1].(bool)), nil
		}},
		udf{name: "kql_time_zone", args: []duckdb.Type{duckdb.TYPE_TIMESTAMP, tVarchar, tBool}, result: duckdb.TYPE_TIMESTAMP, fn: func(a []driver.Value) (any, error) {
			t, ok := shiftZone(a[0].(time.Time), a[1].(string), a[2].(bool))
			if !ok {
				return nil, nil
			}
			return t, nil
		}},
		// kql_parse_version gives parse_version's number as text, which
		// the SQL reads as a DECIMAL(38, 0) (internal/sqlgen).
		udf{name: "kql_parse_version", args: []duckdb.Type{tVarchar}, result: tVarchar, fn: func(a []driver.Value) (any, error) {
			if d, ok := versionDigits(a[0].(string)); ok {
				return d, nil
			}
			return nil, nil
		}},
	)
}

// versionDigits is parse_version's number as digits: up to four
// dot-separated parts of one to eight digits, missing parts zero, each
// padded to eight digits, so 1.2.3.4 is 1 00000002 00000003 00000004.
func versionDigits(s string) (string, bool) {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) > 4 {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < 4; i++ {
		p := "0"
		if i < len(parts) {
			p = parts[i]
		}
		if p == "" || len(p) > 8 || strings.Trim(p, "0123456789") != "" {
			return "", false
		}
		b.WriteString(strings.Repeat("0", 8-len(p)) + p)
	}
	return b.String(), true
}

// parseCSV is parse_csv: the fields of the text's first CSV record, with
// quoted fields holding commas, doubled quotes and line breaks.
func parseCSV(s string) []any {
	r := csv.NewReader(strings.NewReader(s))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	out := []any{}
	rec, err := r.Read()
	if err != nil {
		// Empty text is one empty field.
		return append(out, "")
	}
	for _, f := range rec {
		out = append(out, f)
	}
	return out
}

// shiftZone is datetime_utc_to_local (toLocal) and datetime_local_to_utc
// for an IANA time zone such as "Europe/Paris": the wall clock in the
// zone as a datetime, or the UTC time of a wall clock there; false for a
// zone Go's time zone database does not know.
func shiftZone(t time.Time, tz string, toLocal bool) (time.Time, bool) {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" || tz == "Local" {
		return time.Time{}, false
	}
	if toLocal {
		l := t.In(loc)
		return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC), true
	}
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), u.Hour(), u.Minute(), u.Second(), u.Nanosecond(), loc).UTC(), true
}

// compressBase64 is gzip_/zlib_compress_to_base64_string. The bytes can
// differ from Kusto's (another deflate implementation); either
// decompresses to the same text.
func compressBase64(s string, zl bool) (string, error) {
	var buf bytes.Buffer
	var w io.WriteCloser
	if zl {
		w = zlib.NewWriter(&buf)
	} else {
		w = gzip.NewWriter(&buf)
	}
	if _, err := io.WriteString(w, s); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// decompressBase64 is gzip_/zlib_decompress_from_base64_string: false
// when the text is not base64 of a complete stream of valid UTF-8 text
// within maxDecompressed bytes.
func decompressBase64(s string, zl bool) (string, bool) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return "", false
	}
	var r io.ReadCloser
	if zl {
		r, err = zlib.NewReader(bytes.NewReader(raw))
	} else {
		r, err = gzip.NewReader(bytes.NewReader(raw))
	}
	if err != nil {
		return "", false
	}
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, maxDecompressed+1))
	if err != nil || len(out) > maxDecompressed || !utf8.Valid(out) {
		return "", false
	}
	return string(out), true
}

// punycodeFunc applies one of the punycode functions; false for input
// that does not encode or decode.
func punycodeFunc(mode, s string) (string, bool) {
	var out string
	var err error
	switch mode {
	case "encode":
		out, err = punyEncode(s)
	case "decode":
		out, err = punyDecode(s)
	case "encode_domain", "decode_domain":
		// Domain names: each label on its own; non-ASCII labels carry the
		// xn-- prefix. The ideographic full stops count as dots, as IDNA
		// defines them.
		labels := strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '。' || r == '．' || r == '｡' })
		if len(labels) == 0 {
			return "", false
		}
		for i, l := range labels {
			switch {
			case mode == "encode_domain" && !isASCII(l):
				l, err = punyEncode(l)
				l = "xn--" + l
			case mode == "decode_domain" && strings.HasPrefix(strings.ToLower(l), "xn--"):
				l, err = punyDecode(l[4:])
			}
			if err != nil {
				return "", false
			}
			labels[i] = l
		}
		out = strings.Join(labels, ".")
	}
	return out, err == nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Punycode (RFC 3492) parameters.
const (
	punyBase        = 36
	punyTMin        = 1
	punyTMax        = 26
	punySkew        = 38
	punyDamp        = 700
	punyInitialBias = 72
	punyInitialN    = 128
)

var errPunycode = errors.New("invalid punycode")

func punyAdapt(delta, numPoints int, first bool) int {
	if first {
		delta /= punyDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := 0
	for delta > ((punyBase-punyTMin)*punyTMax)/2 {
		delta /= punyBase - punyTMin
		k += punyBase
	}
	return k + (punyBase-punyTMin+1)*delta/(delta+punySkew)
}

func punyDigit(d int) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}

func punyThreshold(k, bias int) int {
	switch {
	case k <= bias:
		return punyTMin
	case k >= bias+punyTMax:
		return punyTMax
	}
	return k - bias
}

// punyEncode encodes s as RFC 3492 punycode: its ASCII characters, a
// '-' when there are any, then the non-ASCII ones as variable-length
// integers.
func punyEncode(s string) (string, error) {
	runes := []rune(s)
	var out []byte
	for _, r := range runes {
		if r < utf8.RuneSelf {
			out = append(out, byte(r))
		}
	}
	basic := len(out)
	handled := basic
	if basic > 0 {
		out = append(out, '-')
	}
	n, delta, bias := punyInitialN, 0, punyInitialBias
	for handled < len(runes) {
		m := int(utf8.MaxRune) + 1
		for _, r := range runes {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		if (m-n)*(handled+1) < 0 {
			return "", errPunycode
		}
		delta += (m - n) * (handled + 1)
		n = m
		for _, r := range runes {
			if int(r) < n {
				delta++
			}
			if int(r) != n {
				continue
			}
			q := delta
			for k := punyBase; ; k += punyBase {
				t := punyThreshold(k, bias)
				if q < t {
					break
				}
				out = append(out, punyDigit(t+(q-t)%(punyBase-t)))
				q = (q - t) / (punyBase - t)
			}
			out = append(out, punyDigit(q))
			bias = punyAdapt(delta, handled+1, handled == basic)
			delta = 0
			handled++
		}
		delta++
		n++
	}
	return string(out), nil
}

// punyDecode reverses punyEncode.
func punyDecode(s string) (string, error) {
	var out []rune
	rest := s
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		for _, r := range s[:i] {
			if r >= utf8.RuneSelf {
				return "", errPunycode
			}
			out = append(out, r)
		}
		rest = s[i+1:]
	}
	n, bias, i := punyInitialN, punyInitialBias, 0
	for pos := 0; pos < len(rest); {
		oldI, w := i, 1
		for k := punyBase; ; k += punyBase {
			if pos >= len(rest) {
				return "", errPunycode
			}
			c := rest[pos]
			pos++
			var d int
			switch {
			case c >= 'a' && c <= 'z':
				d = int(c - 'a')
			case c >= 'A' && c <= 'Z':
				d = int(c - 'A')
			case c >= '0' && c <= '9':
				d = int(c-'0') + 26
			default:
				return "", errPunycode
			}
			i += d * w
			t := punyThreshold(k, bias)
			if d < t {
				break
			}
			w *= punyBase - t
			if i < 0 || w <= 0 || w > 1<<30 {
				return "", errPunycode
			}
		}
		bias = punyAdapt(i-oldI, len(out)+1, oldI == 0)
		n += i / (len(out) + 1)
		i %= len(out) + 1
		if n > utf8.MaxRune || i < 0 {
			return "", errPunycode
		}
		out = append(out[:i], append([]rune{rune(n)}, out[i:]...)...)
		i++
	}
	return string(out), nil
}

// urlEncode escapes s as Kusto does, with lowercase hex digits: for
// url_encode (.NET's HttpUtility.UrlEncode) letters, digits and -_.!*()
// stay and a space becomes +; for url_encode_component (a URI data
// string) letters, digits and -_.~ stay and a space is %20.
func urlEncode(s string, component bool) string {
	const hex = "0123456789abcdef"
	keep := "-_.!*()"
	if component {
		keep = "-_.~"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9', strings.IndexByte(keep, ch) >= 0:
			b.WriteByte(ch)
		case ch == ' ' && !component:
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[ch>>4])
			b.WriteByte(hex[ch&15])
		}
	}
	return b.String()
}
