package ledger

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
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

// TestFindCheckpoint finds each checkpoint of a long history by its size,
// past damaged lines, and says when none of a size was made.
func TestFindCheckpoint(t *testing.T) {
	dir := t.TempDir()
	if _, err := FindCheckpoint(dir, 3); !errors.Is(err, ErrNoCheckpoint) {
		t.Fatalf("no history: %v", err)
	}
	path := filepath.Join(dir, historyFile)
	var sizes []int64
	for i := range int64(300) {
		size := 1 + i*3
		sizes = append(sizes, size)
		rec := CheckpointRecord{Workspace: "ws", Size: size, Note: fmt.Sprintf("note of %d\n", size)}
		if i%7 == 0 {
			rec.Note += strings.Repeat("x", 5000) // longer than a read buffer
		}
		if err := appendRecord(path, rec); err != nil {
			t.Fatal(err)
		}
		if i == 150 {
			appendBytes(t, path, []byte("not a record\n\n"))
		}
		if i == 299 {
			appendBytes(t, path, []byte(`{"workspace":"ws","size":2000,"note":"torn`))
		}
	}
	for _, size := range sizes {
		got, err := FindCheckpoint(dir, size)
		if err != nil || !strings.HasPrefix(string(got), fmt.Sprintf("note of %d\n", size)) {
			t.Fatalf("size %d: %.20q %v", size, got, err)
		}
	}
	for _, size := range []int64{0, 2, 450, 899, 2000} {
		if got, err := FindCheckpoint(dir, size); !errors.Is(err, ErrNoCheckpoint) {
			t.Fatalf("size %d: %.20q %v, want none", size, got, err)
		}
	}
}
