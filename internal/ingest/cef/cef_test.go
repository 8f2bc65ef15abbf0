package cef

import (
	"testing"
	"time"

	"vigil/internal/schema"
)

func TestParse(t *testing.T) {
	in := `CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232 msg=Detected a threat. No action needed act=blocked\=yes cs1Label=Rule cs1=Block all rt=1700000000000 custom=x y`
	e, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	if e.Vendor != "Security" || e.Product != "threatmanager" || e.SignatureID != "100" || e.Name != "worm successfully stopped" || e.Severity != "10" {
		t.Fatalf("header: %+v", e)
	}
	want := [][2]string{{"src", "10.0.0.1"}, {"dst", "2.1.2.2"}, {"spt", "1232"}, {"msg", "Detected a threat. No action needed"},
		{"act", "blocked=yes"}, {"cs1Label", "Rule"}, {"cs1", "Block all"}, {"rt", "1700000000000"}, {"custom", "x y"}}
	if len(e.Extension) != len(want) {
		t.Fatalf("extension: %q", e.Extension)
	}
	for i := range want {
		if e.Extension[i] != want[i] {
			t.Errorf("extension %d = %q, want %q", i, e.Extension[i], want[i])
		}
	}
	// Header escapes.
	e, err = Parse(`CEF:0|Ven\|dor|Pro\\duct|1|2|name|3|`)
	if err != nil || e.Vendor != "Ven|dor" || e.Product != `Pro\duct` || len(e.Extension) != 0 {
		t.Fatalf("escapes: %+v %v", e, err)
	}
	if _, err := Parse("CEF:0|only|four|fields"); err == nil {
		t.Fatal("a short header was accepted")
	}
}

func TestRow(t *testing.T) {
	table, _ := schema.Builtin("CommonSecurityLog")
	e, _ := Parse(`CEF:0|Vendor|Prod|1.0|4000|Blocked|7|src=10.0.0.1 spt=notaport dpt=443 in=1024 cn1=42 cn1Label=Score end=1700000000000 zzz=1`)
	cols, vals := Row(e, table)
	got := map[string]any{}
	for i, c := range cols {
		got[c.Name] = vals[i]
	}
	if got["SourceIP"] != "10.0.0.1" || got["DestinationPort"] != int32(443) || got["ReceivedBytes"] != int64(1024) ||
		got["DeviceCustomNumber1"] != int64(42) || got["DeviceCustomNumber1Label"] != "Score" || got["Activity"] != "Blocked" ||
		got["LogSeverity"] != "7" || got["EndTime"] != time.UnixMilli(1700000000000).UTC() {
		t.Fatalf("mapped: %v", got)
	}
	if got["AdditionalExtensions"] != "spt=notaport;zzz=1" {
		t.Fatalf("unmapped and unconvertible keys: %q", got["AdditionalExtensions"])
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`CEF:0|a|b|c|d|e|f|k=v k2=v\=2`, `CEF:0|a\|b|c|d|e|f|g|`, `CEF:1|||||||msg=x\\ y=`, "CEF:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		for _, kv := range e.Extension {
			if kv[0] == "" {
				t.Fatalf("empty key in %q", s)
			}
		}
	})
}
