package engine

import (
	"context"
	"strings"
	"testing"
)

// TestJSONPathKeys reads members of every shape of key: plain names go
// into DuckDB's JSON paths bare (faster), every other key quoted, and
// each must find its own member, not another's (a bare "a.b" would read
// b inside a, a bare "a*b" a wildcard, and DuckDB takes even a quoted
// "*" for a wildcard).
func TestJSONPathKeys(t *testing.T) {
	e := newEngine(t)
	const bag = `dynamic({"plain_1": 1, "a.b": 2, "a": {"b": 3, "c d": 11}, "x-y": 4, "0x": 5, "q'\"": 6, "ü": 7, "a*b": 8, "a b": 9, "_": 10, "Upper": 12, "*": 13, "s": {"*": {"t": 14}}})`
	cases := []struct {
		access string
		want   int64
	}{
		{`d.plain_1`, 1},
		{`d["plain_1"]`, 1},
		{`d["a.b"]`, 2},
		{`d.a.b`, 3},
		{`d["a"]["c d"]`, 11},
		{`d["x-y"]`, 4},
		{`d["0x"]`, 5},
		{`d["q'\""]`, 6},
		{`d["ü"]`, 7},
		{`d["a*b"]`, 8},
		{`d["a b"]`, 9},
		{`d._`, 10},
		{`d.Upper`, 12},
		{`d["*"]`, 13},
		{`d.s["*"].t`, 14},
		{`d["s"]["*"]["t"]`, 14},
	}
	for _, tc := range cases {
		// Both ways of reading a member: as dynamic (json_extract) and
		// as text in a filter (json_extract_string).
		q := "print d = " + bag + " | where tostring(" + tc.access + ") != '' | project v = tolong(" + tc.access + ")"
		res, err := e.Query(context.Background(), Request{Query: q, Now: fixedNow})
		if err != nil {
			t.Fatalf("%s: %v", tc.access, err)
		}
		if len(res.Rows) != 1 || res.Rows[0][0] != tc.want {
			t.Errorf("%s: got %v, want %d", tc.access, res.Rows, tc.want)
		}
	}
	// A missing key is null, bare or quoted.
	for _, access := range []string{`d.missing`, `d["no such"]`, `d.a.plain_1`} {
		res, err := e.Query(context.Background(), Request{Query: "print d = " + bag + " | project v = isnull(" + access + ")", Now: fixedNow})
		if err != nil {
			t.Fatalf("%s: %v", access, err)
		}
		if len(res.Rows) != 1 || res.Rows[0][0] != true {
			t.Errorf("%s: got %v, want null", access, res.Rows)
		}
	}
	sqlText, _, err := e.Compile(context.Background(), Request{Query: "print d = " + bag + " | where tostring(d.a.b) == '3'", Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sqlText, "'$.a.b'") {
		t.Errorf("plain keys are not bare in the path:\n%s", sqlText)
	}
}

// TestBagUnpackStarKey unpacks a bag with a member named * and one whose
// key has the characters a JSON pointer escapes: each column holds its
// member's value (for *, not the list a wildcard path would give).
func TestBagUnpackStarKey(t *testing.T) {
	e := newEngine(t)
	res, err := e.Query(context.Background(), Request{Query: `print d = dynamic({"*": 1, "a": 2, "x/y~z": 3}) | evaluate bag_unpack(d) | project-reorder a, ['x/y~z']`, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Columns) != 3 || res.Columns[0].Name != "a" || res.Columns[1].Name != "x/y~z" || res.Columns[2].Name != "*" {
		t.Fatalf("columns %+v, want a, x/y~z and *", res.Columns)
	}
	if len(res.Rows) != 1 || res.Rows[0][0] != int64(2) || res.Rows[0][1] != int64(3) || res.Rows[0][2] != int64(1) {
		t.Errorf("rows %v, want [2 3 1]", res.Rows)
	}
}
