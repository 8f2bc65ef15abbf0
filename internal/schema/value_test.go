package schema

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"
)

func TestConvert(t *testing.T) {
	ts := time.Date(2024, 3, 1, 12, 30, 45, 123456789, time.UTC)
	cases := []struct {
		typ  Type
		in   any
		want any
		err  string
	}{
		{Bool, true, true, ""},
		{Bool, "TRUE", true, ""},
		{Bool, "0", false, ""},
		{Bool, "yes", nil, "cannot convert"},
		{Int, json.Number("42"), int32(42), ""},
		{Int, float64(7), int32(7), ""},
		{Int, int64(1 << 40), nil, "out of range for int"},
		{Int, 1.5, nil, "cannot convert"},
		{Long, "9007199254740993", int64(9007199254740993), ""},
		{Long, json.Number("12"), int64(12), ""},
		{Long, 2.5, nil, "cannot convert"},
		{Real, json.Number("2.5"), 2.5, ""},
		{Real, int64(3), 3.0, ""},
		{Real, "1e3", 1000.0, ""},
		{Decimal, "12.50", "12.5", ""},
		{Decimal, "-0.000", "0", ""},
		{Decimal, json.Number("0.1"), "0.1", ""},
		{Decimal, int64(5), "5", ""},
		{Decimal, "abc", nil, "cannot convert"},
		{String, "x", "x", ""},
		{String, int64(5), "5", ""},
		{String, true, "true", ""},
		{DateTime, ts, ts.Truncate(time.Microsecond), ""},
		{DateTime, "2024-03-01T12:30:45.123456789Z", ts.Truncate(time.Microsecond), ""},
		{DateTime, "2024-03-01 12:30:45", time.Date(2024, 3, 1, 12, 30, 45, 0, time.UTC), ""},
		{DateTime, "2024-03-01T14:30:45+02:00", time.Date(2024, 3, 1, 12, 30, 45, 0, time.UTC), ""},
		{DateTime, "yesterday", nil, "cannot parse \"yesterday\" as a datetime"},
		{Timespan, "01:30:00", 90 * time.Minute, ""},
		{Timespan, "2.00:00:01.5", 48*time.Hour + 1500*time.Millisecond, ""},
		{Timespan, "-00:00:10", -10 * time.Second, ""},
		{Timespan, "1.5h", 90 * time.Minute, ""},
		{Timespan, "100ms", 100 * time.Millisecond, ""},
		{Timespan, time.Duration(150), time.Duration(100), ""},
		{Timespan, "10:75:00", nil, "as a timespan"},
		{GUID, "{0F8FAD5B-D9CB-469F-A165-70867728950E}", "0f8fad5b-d9cb-469f-a165-70867728950e", ""},
		{GUID, "0f8fad5bd9cb469fa16570867728950e", "0f8fad5b-d9cb-469f-a165-70867728950e", ""},
		{GUID, "not-a-guid", nil, "as a guid"},
		{Dynamic, map[string]any{"b": 1, "a": []any{true, nil}}, json.RawMessage(`{"a":[true,null],"b":1}`), ""},
		{Dynamic, json.RawMessage("{ \"k\" : [1, 2] }"), json.RawMessage(`{"k":[1,2]}`), ""},
		{Dynamic, json.RawMessage("{bad"), nil, "invalid JSON for dynamic"},
		{Long, nil, nil, ""},
	}
	for _, c := range cases {
		got, err := Convert(c.typ, c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Convert(%v, %#v) error = %v, want one containing %q", c.typ, c.in, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Convert(%v, %#v): %v", c.typ, c.in, err)
			continue
		}
		if raw, ok := c.want.(json.RawMessage); ok {
			if string(got.(json.RawMessage)) != string(raw) {
				t.Errorf("Convert(%v, %#v) = %s, want %s", c.typ, c.in, got, raw)
			}
			continue
		}
		if gt, ok := got.(time.Time); ok {
			if !gt.Equal(c.want.(time.Time)) || gt.Location() != time.UTC {
				t.Errorf("Convert(%v, %#v) = %v, want %v", c.typ, c.in, gt, c.want)
			}
			continue
		}
		if got != c.want {
			t.Errorf("Convert(%v, %#v) = %#v, want %#v", c.typ, c.in, got, c.want)
		}
	}
}

func TestParseType(t *testing.T) {
	for alias, want := range map[string]Type{"Boolean": Bool, "int64": Long, "double": Real, "date": DateTime, "time": Timespan, "uniqueid": GUID, " dynamic ": Dynamic} {
		got, err := ParseType(alias)
		if err != nil || got != want {
			t.Errorf("ParseType(%q) = %v, %v; want %v", alias, got, err, want)
		}
	}
	if _, err := ParseType("float"); err == nil || !strings.Contains(err.Error(), `"float"`) {
		t.Errorf("ParseType(float) error = %v, want one naming the type", err)
	}
	for ty := Bool; ty <= Dynamic; ty++ {
		if back, err := ParseType(ty.String()); err != nil || back != ty {
			t.Errorf("type %v does not round-trip through its name", ty)
		}
	}
}

func TestStandardColumnsAddedOnce(t *testing.T) {
	tab := &Table{Name: "T_test", Columns: []Column{{Name: "TimeGenerated", Type: DateTime}, {Name: "Msg", Type: String}}}
	register(tab)
	defer delete(builtins, tab.Name)
	seen := map[string]int{}
	for _, c := range tab.Columns {
		seen[c.Name]++
	}
	for _, std := range StandardColumns() {
		if seen[std.Name] != 1 {
			t.Errorf("column %s appears %d times", std.Name, seen[std.Name])
		}
	}
	if got, ok := Builtin("T_test"); !ok || got != tab {
		t.Errorf("Builtin(T_test) = %v, %v", got, ok)
	}
}

// parseGUIDBefore is ParseGUID as it was before it built its result in
// place: the oracle FuzzParseGUID holds it to.
func parseGUIDBefore(s string) (string, error) {
	t := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "{"), "}")
	if len(t) == 32 {
		t = t[:8] + "-" + t[8:12] + "-" + t[12:16] + "-" + t[16:20] + "-" + t[20:]
	}
	if len(t) != 36 {
		return "", fmt.Errorf("cannot parse %q as a guid", s)
	}
	for i, c := range t {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return "", fmt.Errorf("cannot parse %q as a guid", s)
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return "", fmt.Errorf("cannot parse %q as a guid", s)
		}
	}
	return strings.ToLower(t), nil
}

// FuzzParseGUID: the same GUID or the same error as before, and a result
// that is a new string, not a part of the input (which may be a whole
// request body kept alive by it).
func FuzzParseGUID(f *testing.F) {
	for _, s := range []string{"0f8fad5b-d9cb-469f-a165-70867728950e", "{0F8FAD5B-D9CB-469F-A165-70867728950E}",
		"0f8fad5bd9cb469fa16570867728950e", " 0f8fad5b-d9cb-469f-a165-70867728950e ", "0f8fad5b-d9cb-469f-a165-70867728950g",
		"0f8fad5b+d9cb-469f-a165-70867728950e", "0f8fad5bd9cb469fa16570867728950", "", "{}", "é8fad5bd9cb469fa16570867728950e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseGUID(s)
		want, wantErr := parseGUIDBefore(s)
		if got != want || fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Fatalf("%q: %q %v, before %q %v", s, got, err, want, wantErr)
		}
		if err == nil {
			start, end := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(s)))+uintptr(len(s))
			if p := uintptr(unsafe.Pointer(unsafe.StringData(got))); p >= start && p < end {
				t.Fatalf("%q: the GUID is a part of the input", s)
			}
		}
	})
}

// TestConvertKeepsCanonicalValues: a value already in its canonical form
// comes back as it came (normalize relies on it to box nothing again),
// and every other value comes back canonical, so converting the result
// again changes nothing.
func TestConvertKeepsCanonicalValues(t *testing.T) {
	t0 := time.Date(2024, 3, 1, 10, 0, 0, 123456000, time.UTC)
	cases := []struct {
		typ     Type
		in, out any
	}{
		{Int, int32(-5), int32(-5)}, {Int, int64(5), int32(5)},
		{Long, int64(-1) << 40, int64(-1) << 40}, {Long, int32(7), int64(7)},
		{Real, 2.5, 2.5}, {Real, float32(1.5), 1.5}, {Bool, false, false}, {Bool, "true", true}, {String, "x", "x"},
		{DateTime, t0, t0}, {DateTime, t0.Add(789), t0}, {DateTime, t0.In(time.FixedZone("X", 3600)), t0},
		{Timespan, 1500 * time.Millisecond, 1500 * time.Millisecond}, {Timespan, 150 * time.Nanosecond, 100 * time.Nanosecond},
	}
	for _, c := range cases {
		got, err := Convert(c.typ, c.in)
		if err != nil {
			t.Fatalf("%v %#v: %v", c.typ, c.in, err)
		}
		if got != c.out { // for a time: the same instant and location
			t.Errorf("%v %#v: got %#v, want %#v", c.typ, c.in, got, c.out)
		}
		if again, err := Convert(c.typ, got); err != nil || again != got {
			t.Errorf("%v %#v: converting %#v again gives %#v, %v", c.typ, c.in, got, again, err)
		}
	}
	// A time with a monotonic reading is in the local zone, never kept.
	if got, _ := Convert(DateTime, time.Now()); got.(time.Time).Location() != time.UTC {
		t.Errorf("time.Now() converted to %v, not UTC", got)
	}
}
