package plan

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// TestSequenceTrack checks what scan's steps read: the input columns
// they name, and the state values StepName.Column, once each in the
// order first read, with the hidden columns of the row the steps see.
func TestSequenceTrack(t *testing.T) {
	op := parseOp(t, `scan declare (total: long = 0) with (step s1: a > 0 => total = a + s1.total; step s2: s1.b == b and s2.ab > ab and s1.total > 1;)`).(*kql.Scan)
	n := &Sequence{Input: rows(input...), Declared: []Declared{{Column: Column{Name: "total", Type: schema.Long}}}}
	for _, st := range op.Steps {
		n.Steps = append(n.Steps, Step{Name: st.Name, Output: st.Output})
	}
	for _, st := range op.Steps {
		if err := n.Track(st.Cond); err != nil {
			t.Fatal(err)
		}
		for _, a := range st.Assign {
			if err := n.Track(a.Expr); err != nil {
				t.Fatal(err)
			}
		}
	}
	// a, b and ab are read (b through s1.b), c and _h are not; total is
	// declared, not an input column.
	if want := []bool{true, true, true, false, false}; !slices.Equal(n.Used, want) {
		t.Errorf("used %v, want %v", n.Used, want)
	}
	// s1.total (column 5, the declared one), then s1.b, s2.ab, in the
	// order the steps read them.
	if want := []State{{1, 5}, {1, 1}, {2, 2}}; !slices.Equal(n.States, want) {
		t.Errorf("states %v, want %v", n.States, want)
	}
	var row []string
	for _, cl := range n.Row() {
		row = append(row, fmt.Sprintf("%s:%s%s", cl.Name, cl.Type, map[bool]string{true: "!"}[cl.Hidden]))
	}
	if got, want := strings.Join(row, " "), "a:long b:string ab:real _h:datetime! c:dynamic total:long s1.total:long! s1.b:string! s2.ab:real!"; got != want {
		t.Errorf("row %s, want %s", got, want)
	}
	n.MatchID = "m"
	if got := n.Columns(); len(got) != 7 || got[5] != (Column{Name: "total", Type: schema.Long}) || got[6] != (Column{Name: "m", Type: schema.Long}) {
		t.Errorf("columns %v: want the input's, total and m", got)
	}
	err := n.Track(parseOp(t, `where s2.nope > 1`).(*kql.Where).Pred)
	if err == nil || !strings.Contains(err.Error(), "Failed to resolve scan state 's2.nope': the row has no column 'nope'") {
		t.Errorf("unknown state: %v", err)
	}
}

// TestBuildSequence checks scan's node as the builder makes it: each
// step's condition over the row's columns, StepName.Column a column of
// that name, and an assignment converted to its declared column's type
// (nil where the step leaves the column at its default).
func TestBuildSequence(t *testing.T) {
	b := &Builder{Scope: NewScope(nil)}
	op := parseOp(t, `scan declare (r: real = 1) with (step s1: a > 0 => r = a; step s2: s1.r < ab;)`).(*kql.Scan)
	var n *Sequence
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("build: %v", p)
			}
		}()
		n = b.sequence(rows(input...), op).(*Sequence)
	}()
	if d := n.Declared[0]; d.Type != schema.Real || d.Default == nil || d.Default.Type() != schema.Real {
		t.Errorf("declared %+v: a real defaulting to 1 converted to real", d)
	}
	// r = a: a long converted to the column's real.
	if cv, ok := n.Steps[0].Assign[0].(*Convert); !ok || cv.To != schema.Real || cv.X.(*ColumnRef).Name != "a" {
		t.Errorf("s1 assigns %#v, want a converted to real", n.Steps[0].Assign[0])
	}
	if n.Steps[1].Assign[0] != nil {
		t.Errorf("s2 assigns %#v, want nothing", n.Steps[1].Assign[0])
	}
	cond, ok := n.Steps[1].Cond.(*Binary)
	if !ok || cond.L.(*ColumnRef).Name != "s1.r" || cond.R.(*ColumnRef).Name != "ab" {
		t.Errorf("s2's condition %#v, want s1.r < ab over the row's columns", n.Steps[1].Cond)
	}
	bad := parseOp(t, `scan with (step s1: a => x = 1;)`).(*kql.Scan)
	func() {
		defer func() {
			f, ok := recover().(buildFailure)
			if !ok || !strings.Contains(f.err.Error(), "A scan step assigns only declared columns, not 'x'") {
				t.Errorf("assigning an undeclared column: %v", f.err)
			}
		}()
		b.sequence(rows(input...), bad)
	}()
}
