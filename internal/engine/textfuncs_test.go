package engine

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzPunycode checks that any text encodes and decodes back to itself,
// and that decoding arbitrary text (as a log line may hold) never panics
// and gives valid UTF-8 when it succeeds.
func FuzzPunycode(f *testing.F) {
	for _, s := range []string{"", "abc", "académie-française", "bücher", "ü", "日本語", "xn--", "-", "a-b-c", "99999999999", "zz-zzzzzzzz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if dec, err := punyDecode(s); err == nil && !utf8.ValidString(dec) {
			t.Fatalf("decode(%q) gave invalid UTF-8 %q", s, dec)
		}
		if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
			return
		}
		enc, err := punyEncode(s)
		if err != nil {
			t.Fatalf("encode(%q): %v", s, err)
		}
		if !isASCII(enc) {
			t.Fatalf("encode(%q) = %q is not ASCII", s, enc)
		}
		dec, err := punyDecode(enc)
		if err != nil || dec != s {
			t.Fatalf("decode(encode(%q)) = %q, %v", s, dec, err)
		}
	})
}

// FuzzDecompress feeds arbitrary text to the base64 decompressors: never
// a panic, and what comes out is valid UTF-8 within the bound.
func FuzzDecompress(f *testing.F) {
	for _, s := range []string{"eJwLSS0uUSguKcrMS1cwNDIGACxqBQ4=", "H4sIAAAAAAAA/wEUAOv/MTIzNDU2Nzg5MHF3ZXJ0eXVpb3A6m7f2FAAAAA==", "x0x0x0", "", "H4sI"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, zl := range []bool{false, true} {
			if out, ok := decompressBase64(s, zl); ok && (!utf8.ValidString(out) || len(out) > maxDecompressed) {
				t.Fatalf("decompress(%q) gave %d bytes of invalid or oversized text", s, len(out))
			}
		}
		if !utf8.ValidString(s) {
			return
		}
		for _, zl := range []bool{false, true} {
			enc, err := compressBase64(s, zl)
			if err != nil {
				t.Fatal(err)
			}
			if out, ok := decompressBase64(enc, zl); !ok || out != s {
				t.Fatalf("round trip of %q gave %q, %v", s, out, ok)
			}
		}
	})
}
