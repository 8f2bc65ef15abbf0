package plan

import (
	"reflect"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// TestNewSortKey pins where nulls go: Kusto's default (first when
// ascending, last when descending) unless the key says.
func TestNewSortKey(t *testing.T) {
	for _, c := range []struct {
		op               string
		desc, nullsFirst bool
	}{
		{"sort by x", true, false},
		{"sort by x desc", true, false},
		{"sort by x asc", false, true},
		{"sort by x asc nulls last", false, false},
		{"sort by x desc nulls first", true, true},
		{"sort by x nulls first", true, true},
	} {
		k := parseOp(t, c.op).(*kql.Sort).Keys[0]
		x := typed(schema.Long)
		got := NewSortKey(k, x)
		if got.Desc != c.desc || got.NullsFirst != c.nullsFirst || got.Expr != x {
			t.Errorf("%s: desc %v, nulls first %v, want %v, %v", c.op, got.Desc, got.NullsFirst, c.desc, c.nullsFirst)
		}
	}
}

// TestSortKeepsNotNull pins that sort, top and take pass on what is
// known of their input's columns: they keep rows as they are.
func TestSortKeepsNotNull(t *testing.T) {
	scan := &Scan{Table: "Syslog", Stored: true}
	n := typed(schema.Long)
	want := map[string]bool{schema.ColTimeGenerated: true}
	for _, node := range []Node{
		&Sort{Input: scan},
		&Top{Input: &Limit{Input: scan, N: n}, N: n},
	} {
		if got := NotNull(node); !reflect.DeepEqual(got, want) {
			t.Errorf("%T: %v, want %v", node, got, want)
		}
	}
}
