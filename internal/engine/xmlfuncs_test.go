package engine

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzParseXML feeds parse_xml arbitrary text, as a log field may hold:
// it must not panic, and what it accepts must be a bag of one property
// that JSON can carry.
func FuzzParseXML(f *testing.F) {
	for _, s := range []string{`<e/>`, `<e name="v">t</e>`, `<e> <a>x</a> <a>y</a> </e>`, `<?xml version="1.0"?><d><v>1.5</v></d>`,
		`<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><EventData><Data Name="A">1</Data></EventData></Event>`,
		`<a><b></a></b>`, `<a/><b/>`, `text`, `<x:a xmlns:x="u" x:k="1">&amp;</x:a>`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := parseXML(s)
		if !ok {
			return
		}
		bag, isBag := v.(map[string]any)
		if !isBag || len(bag) != 1 {
			t.Fatalf("parseXML(%q) = %v, want a bag of one property", s, v)
		}
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("parseXML(%q): %v", s, err)
		}
	})
}

// TestParseXMLLimit checks Kusto's limit: text over 1 MiB gives null.
func TestParseXMLLimit(t *testing.T) {
	body := strings.Repeat("x", maxXML)
	if _, ok := parseXML("<a>" + body + "</a>"); ok {
		t.Fatal("a document over 1 MiB was read")
	}
	if _, ok := parseXML("<a>" + body[:maxXML-16] + "</a>"); !ok {
		t.Fatal("a document under 1 MiB was refused")
	}
}
