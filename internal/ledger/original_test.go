package ledger

import (
	"bytes"
	"strings"
	"testing"
)

func TestRowBytes(t *testing.T) {
	cases := []struct {
		contentType, raw string
		rows, i          int64
		want, err        string
	}{
		{"application/x-ndjson", "{\"a\":1}\n\n{\"a\": [2, 3]}\n", 2, 1, `{"a": [2, 3]}`, ""},
		{"application/json; charset=utf-8", ` [ {"a":1} , {"b":"x,]"} ] `, 2, 1, `{"b":"x,]"}`, ""},
		{"", `{"a":1}`, 1, 0, `{"a":1}`, ""},
		{"text/syslog", "<13>one\r\n<13>two\n", 2, 1, "<13>two", ""},
		{"text/csv", "h1,h2\na,b\nc,d\n", 2, 0, "a,b", ""},
		{"text/syslog", "<13>one\n<13>two\n", 3, 0, "", "hold 2 lines for its 3 rows"},
		{"application/json", `[{"a":1}`, 1, 0, "", "not JSON records"},
		{"application/json", `[{"a":1}]`, 1, 1, "", "row 1 of a batch of 1 rows"},
	}
	for _, c := range cases {
		got, err := RowBytes(c.contentType, []byte(c.raw), c.rows, c.i)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s %q row %d: err %v, want %q", c.contentType, c.raw, c.i, err, c.err)
			}
			continue
		}
		if err != nil || string(got) != c.want {
			t.Errorf("%s %q row %d: %q %v, want %q", c.contentType, c.raw, c.i, got, err, c.want)
		}
	}
}

// FuzzRowBytes: original bytes are whatever a client sent. Cutting out a
// row must not panic, and what it returns is always bytes of the batch.
func FuzzRowBytes(f *testing.F) {
	f.Add("application/x-ndjson", []byte("{\"a\":1}\n{\"a\":2}\n"), int64(2), int64(1))
	f.Add("application/json", []byte(`[{"a":1},{"b":[1,2]}]`), int64(2), int64(0))
	f.Add("text/csv", []byte("h\nx\n"), int64(1), int64(0))
	f.Add("text/syslog", []byte("<13>a\n\n<14>b"), int64(2), int64(1))
	f.Fuzz(func(t *testing.T, contentType string, raw []byte, rows, i int64) {
		got, err := RowBytes(contentType, raw, rows, i)
		if err == nil && !bytes.Contains(raw, got) {
			t.Fatalf("row %d of %q is %q, not part of the bytes", i, raw, got)
		}
	})
}
