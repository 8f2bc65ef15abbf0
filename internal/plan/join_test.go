package plan

import (
	"reflect"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// parseOp parses "T | op" and gives op.
func parseOp(t *testing.T, op string) kql.Operator {
	t.Helper()
	q, err := kql.Parse("T | " + op)
	if err != nil {
		t.Fatal(err)
	}
	return q.Body.(*kql.Pipe).Op
}

// wantErr checks that err is a *kql.Error with the text and position.
func wantErr(t *testing.T, err error, msg string, line, col int) {
	t.Helper()
	e, ok := err.(*kql.Error)
	if !ok {
		t.Fatalf("error %v (%T), want *kql.Error %q", err, err, msg)
	}
	if e.Msg != msg || e.Pos.Line != line || e.Pos.Column != col {
		t.Errorf("error %q at %d:%d, want %q at %d:%d", e.Msg, e.Pos.Line, e.Pos.Column, msg, line, col)
	}
}

var (
	joinLeft  = []Column{{Name: "k", Type: schema.Long}, {Name: "a", Type: schema.String}, {Name: "t", Type: schema.DateTime, Hidden: true}}
	joinRight = []Column{{Name: "a", Type: schema.Real}, {Name: "k", Type: schema.Int}, {Name: "k1", Type: schema.Bool}, {Name: "b", Type: schema.String}}
)

func TestTypeJoin(t *testing.T) {
	l := func(i int) JoinRef { return JoinRef{Column: i} }
	r := func(i int) JoinRef { return JoinRef{Right: true, Column: i} }
	for _, c := range []struct {
		op   string
		kind string
		cols []string
		from []JoinRef
	}{
		// The right's k clashes with the left's k, and then its own k1 with
		// the name that k took.
		{"join (U) on k", "innerunique", []string{"k", "a", "t", "a1", "k1", "k11", "b"}, []JoinRef{l(0), l(1), l(2), r(0), r(1), r(2), r(3)}},
		{"join kind=leftouter (U) on $left.k == $right.k", "leftouter", []string{"k", "a", "t", "a1", "k1", "k11", "b"}, []JoinRef{l(0), l(1), l(2), r(0), r(1), r(2), r(3)}},
		{"join kind=fullouter (U) on k", "fullouter", []string{"k", "a", "t", "a1", "k1", "k11", "b"}, []JoinRef{l(0), l(1), l(2), r(0), r(1), r(2), r(3)}},
		{"join kind=leftsemi (U) on k", "leftsemi", []string{"k", "a", "t"}, []JoinRef{l(0), l(1), l(2)}},
		{"join kind=anti (U) on k", "leftanti", []string{"k", "a", "t"}, []JoinRef{l(0), l(1), l(2)}},
		{"join kind=leftantisemi (U) on k", "leftanti", []string{"k", "a", "t"}, []JoinRef{l(0), l(1), l(2)}},
		{"join kind=rightantisemi (U) on k", "rightanti", []string{"a", "k", "k1", "b"}, []JoinRef{r(0), r(1), r(2), r(3)}},
		{"join kind=rightsemi (U) on k", "rightsemi", []string{"a", "k", "k1", "b"}, []JoinRef{r(0), r(1), r(2), r(3)}},
		// lookup leaves out the right's keys, so its k1 keeps its name.
		{"lookup (U) on k", "leftouter", []string{"k", "a", "t", "a1", "k1", "b"}, []JoinRef{l(0), l(1), l(2), r(0), r(2), r(3)}},
		{"lookup kind=inner (U) on $left.a == $right.b", "inner", []string{"k", "a", "t", "a1", "k1", "k11"}, []JoinRef{l(0), l(1), l(2), r(0), r(1), r(2)}},
	} {
		var j Join
		var err error
		switch op := parseOp(t, c.op).(type) {
		case *kql.Join:
			j, err = TypeJoin(op, joinLeft, joinRight)
		case *kql.Lookup:
			j, err = TypeLookup(op, joinLeft, joinRight)
		}
		if err != nil {
			t.Errorf("%s: %v", c.op, err)
			continue
		}
		var names []string
		for i, col := range j.Columns {
			names = append(names, col.Name)
			in := joinLeft
			if j.From[i].Right {
				in = joinRight
			}
			// A column keeps its input column's type and hiddenness.
			if src := in[j.From[i].Column]; col.Type != src.Type || col.Hidden != src.Hidden {
				t.Errorf("%s: column %s is %v (hidden %v), its input %v (hidden %v)", c.op, col.Name, col.Type, col.Hidden, src.Type, src.Hidden)
			}
		}
		if j.Kind != c.kind || !reflect.DeepEqual(names, c.cols) || !reflect.DeepEqual(j.From, c.from) {
			t.Errorf("%s: kind %s, columns %v from %v; want %s, %v from %v", c.op, j.Kind, names, j.From, c.kind, c.cols, c.from)
		}
	}
}

func TestTypeJoinErrors(t *testing.T) {
	for _, c := range []struct {
		op, msg string
	}{
		{"join (U) on x", "Failed to resolve column or scalar expression named 'x' on the left side of the join"},
		{"join (U) on $left.k == $right.x", "Failed to resolve column or scalar expression named 'x' on the right side of the join"},
		// long and int are both numbers; string and real are not.
		{"join (U) on a", "join key a is string on the left but real on the right"},
		{"lookup (U) on $left.t == $right.k1", "join key t is datetime on the left but bool on the right"},
		// The keys are checked before the kind.
		{"join kind=sideways (U) on x", "Failed to resolve column or scalar expression named 'x' on the left side of the join"},
		{"join kind=sideways (U) on k", "Unknown join kind 'sideways'"},
	} {
		var err error
		switch op := parseOp(t, c.op).(type) {
		case *kql.Join:
			_, err = TypeJoin(op, joinLeft, joinRight)
		case *kql.Lookup:
			_, err = TypeLookup(op, joinLeft, joinRight)
		}
		wantErr(t, err, c.msg, 1, 5)
	}
}

func TestJoinColumnsSkip(t *testing.T) {
	cols, from := JoinColumns(joinLeft, joinRight, map[string]bool{"a": true, "b": true})
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	if want := []string{"k", "a", "t", "k1", "k11"}; !reflect.DeepEqual(names, want) {
		t.Errorf("columns %v, want %v", names, want)
	}
	if want := (JoinRef{Right: true, Column: 2}); from[4] != want {
		t.Errorf("k1 from %v, want %v", from[4], want)
	}
}

// TestTypeJoinKeys checks that the keys are the sides' columns in the
// order of on, by index, whatever the kind keeps of the columns.
func TestTypeJoinKeys(t *testing.T) {
	for op, want := range map[string][]JoinKey{
		"join (U) on k": {{0, 1}},
		"join kind=rightsemi (U) on $left.a == $right.b, k": {{1, 3}, {0, 1}},
		"lookup (U) on $left.k == $right.a":                 {{0, 0}},
	} {
		var j Join
		var err error
		switch op := parseOp(t, op).(type) {
		case *kql.Join:
			j, err = TypeJoin(op, joinLeft, joinRight)
		case *kql.Lookup:
			j, err = TypeLookup(op, joinLeft, joinRight)
		}
		if err != nil {
			t.Errorf("%s: %v", op, err)
			continue
		}
		if !reflect.DeepEqual(j.Keys, want) {
			t.Errorf("%s: keys %v, want %v", op, j.Keys, want)
		}
	}
}
