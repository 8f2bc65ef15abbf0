package syslog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// frames runs a framer over in and describes what it returns, one entry
// per frame: "msg" for a frame, "msg+cut" for a truncated one,
// "reject@OFFSET:reason" for a reject.
func frames(t *testing.T, in string, max int) []string {
	t.Helper()
	f := newFramer(strings.NewReader(in), max)
	var out []string
	for i := 0; i < 100; i++ {
		fr, err := f.next()
		switch {
		case fr.reject != nil:
			out = append(out, fmt.Sprintf("reject@%d:%s|%s", fr.reject.Offset, fr.reject.Raw, strings.SplitN(fr.reject.Reason, ":", 2)[0]))
		case fr.data != nil && fr.truncated:
			out = append(out, string(fr.data)+"+cut")
		case fr.data != nil:
			out = append(out, string(fr.data))
		}
		if errors.Is(err, io.EOF) {
			if f.off != int64(len(in)) {
				t.Errorf("framer consumed %d of %d bytes", f.off, len(in))
			}
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("framer does not end")
	return nil
}

func TestFramer(t *testing.T) {
	long := strings.Repeat("x", 70<<10) // longer than the reader's buffer
	cases := []struct {
		name, in string
		max      int
		want     []string
	}{
		{"newline framing, last line without newline", "<1>a\n<2>b\r\n<3>c", 100, []string{"<1>a", "<2>b\r", "<3>c"}},
		{"octet counting with a newline inside", "5 <1>a\n6 <2>b\nc", 100, []string{"<1>a\n", "<2>b\nc"}},
		{"framings mixed on one stream", "4 <1>a<2>b\n4 <3>c", 100, []string{"<1>a", "<2>b", "<3>c"}},
		{"blank lines", "\n\n<1>a\n", 100, []string{"", "", "<1>a"}},
		{"long line cut, the rest skipped", "<1>abcdefgh\n<2>b\n", 6, []string{"<1>abc+cut", "<2>b"}},
		{"line of exactly max", "<1>abc\n", 6, []string{"<1>abc"}},
		{"long counted frame cut, the rest skipped", "11 <1>abcdefgh4 <2>b", 6, []string{"<1>abc+cut", "<2>b"}},
		{"line longer than the read buffer", "<1>" + long + "\n<2>b", 80 << 10, []string{"<1>" + long, "<2>b"}},
		{"line longer than the read buffer and max", "<1>" + long + "\n<2>b", 10, []string{"<1>xxxxxxx+cut", "<2>b"}},
		{"counted frame longer than the read buffer", fmt.Sprintf("%d <1>%s4 <2>b", len(long)+3, long), 80 << 10, []string{"<1>" + long, "<2>b"}},
		{"count without a space", "12a <1>x\n<2>b", 100, []string{"reject@0:12a <1>x|invalid octet count \"12a\"", "<2>b"}},
		{"count with a leading zero", "<1>a\n05 <1>x\n<2>b", 100, []string{"<1>a", "reject@5:05 <1>x|invalid octet count \"0\"", "<2>b"}},
		{"count too large", "99999999 x\n<2>b", 100, []string{"reject@0:99999999 x|octet count 99999999 is over the limit of 16777216", "<2>b"}},
		{"count of nine digits", "123456789 x\n<2>b", 100, []string{"reject@0:123456789 x|invalid octet count \"123456789\"", "<2>b"}},
		{"stream ends inside a counted frame", "<1>a\n20 <2>short", 100, []string{"<1>a", "reject@5:<2>short|the stream ended inside an octet-counted frame of 20 bytes"}},
		{"stream ends inside the count", "<1>a\n12", 100, []string{"<1>a", "reject@5:12|the stream ended inside the octet count \"12\""}},
	}
	for _, c := range cases {
		got := frames(t, c.in, c.max)
		if strings.Join(got, "\x00") != strings.Join(c.want, "\x00") {
			t.Errorf("%s:\n got %q\nwant %q", c.name, trim(got), trim(c.want))
		}
	}
}

func trim(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		if len(x) > 60 {
			x = x[:60] + "..."
		}
		out[i] = x
	}
	return out
}

// FuzzFramer checks that any stream is consumed whole, in frames no
// longer than the limit, without the framer stopping early.
func FuzzFramer(f *testing.F) {
	for _, s := range []string{"5 <1>a\n7 <2>b\nc", "<1>a\n<2>b", "12a <1>x\n<2>b", "20 <2>short", "\x16\x03\x01\x02\x00\x01", "0 \n", "3 abc3 def\n\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		const max = 16
		fr := newFramer(bytes.NewReader(in), max)
		for {
			got, err := fr.next()
			if len(got.data) > max {
				t.Fatalf("frame of %d bytes over the limit of %d", len(got.data), max)
			}
			if got.reject != nil && got.reject.Reason == "" {
				t.Fatal("reject without a reason")
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					t.Fatalf("error %v", err)
				}
				break
			}
		}
		if fr.off != int64(len(in)) {
			t.Fatalf("consumed %d of %d bytes", fr.off, len(in))
		}
	})
}
