package plan

import (
	"reflect"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// Sequence is KQL's scan operator (docs/kql.md, "## scan"): the rows of
// Input, in their order, checked against Steps from the last to the
// first. A row matching a step whose previous step has an active
// sequence moves that sequence to the step; otherwise a row matching a
// step with an active sequence (or the first step) updates it; a match
// of the first step without an active sequence starts a new match id.
// Each match of a step gives an output row (as its Output says): the
// matched row's columns with the Declared columns the step assigned.
type Sequence struct {
	// Input is the rows scanned.
	Input Node
	// Declared are the columns scan declares, which the steps assign.
	Declared []Declared
	// MatchID names with_match_id='s column, each output row's match id;
	// "" for none.
	MatchID string
	// Steps are the steps, in the query's order.
	Steps []Step
	// Used says, per column of Input, whether a step reads it: the
	// others need not be carried through the steps.
	Used []bool
	// States are the state values the steps read (StepName.Column), in
	// the order the query first reads them.
	States []State
}

// Declared is a column scan declares, with its value where no step
// assigns it.
type Declared struct {
	Column
	// Default is the default, of the column's type; nil is null.
	Default Expr
}

// Step is a step of scan.
type Step struct {
	// Name names the step, whose state StepName.Column reads.
	Name string
	// Output is "" or "all" (a row for every match), "last" (for the
	// last match of a sequence, when it moves on, is replaced or the
	// input ends) or "none".
	Output string
	// Cond is the step's condition, a bool over the columns of Row.
	Cond Expr
	// Assign is, per declared column, its value where the step matches,
	// of the column's type, over the columns of Row; nil is its default.
	Assign []Expr
}

// State is a state value a step reads, StepName.Column: the column's
// value in the last row the step matched in the current sequence.
type State struct {
	// Step is the step's number, from 1.
	Step int
	// Col is the column's index among the input's and the declared
	// columns (Sequence.Find).
	Col int
}

// Columns are the input's columns, the declared ones and the match
// id's.
func (n *Sequence) Columns() []Column {
	cols := append([]Column(nil), n.Input.Columns()...)
	for _, d := range n.Declared {
		cols = append(cols, d.Column)
	}
	if n.MatchID != "" {
		cols = append(cols, Column{Name: n.MatchID, Type: schema.Long})
	}
	return cols
}

// Reads is the input.
func (n *Sequence) Reads() []Node { return []Node{n.Input} }

// Find is the index of the column named name among the input's and the
// declared columns.
func (n *Sequence) Find(name string) (int, bool) {
	in := n.Input.Columns()
	for i, cl := range in {
		if cl.Name == name {
			return i, true
		}
	}
	for i, d := range n.Declared {
		if d.Name == name {
			return len(in) + i, true
		}
	}
	return 0, false
}

// Row are the columns the steps' conditions and assignments are over:
// the input's, the declared ones, then each state value of States as a
// hidden column named StepName.Column.
func (n *Sequence) Row() []Column {
	row := n.Input.Columns()
	for _, d := range n.Declared {
		row = append(row, d.Column)
	}
	cols := append([]Column(nil), row...)
	for _, s := range n.States {
		cl := row[s.Col]
		cols = append(cols, Column{Name: n.Steps[s.Step-1].Name + "." + cl.Name, Type: cl.Type, Hidden: true})
	}
	return cols
}

// Track records what e, a step's condition or assignment, reads: the
// input columns it names (Used) and every StepName.Column (States). The
// steps are named before (Steps); a state of a column the row lacks is
// an error.
func (n *Sequence) Track(e kql.Expr) (err error) {
	defer caught(&err)
	if n.Used == nil {
		n.Used = make([]bool, len(n.Input.Columns()))
	}
	step := func(name string) int {
		for k, st := range n.Steps {
			if st.Name == name {
				return k + 1
			}
		}
		return 0
	}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				return
			}
			switch x := v.Interface().(type) {
			case *kql.Ident:
				if i, ok := n.Find(x.Name); ok && i < len(n.Used) {
					n.Used[i] = true
				}
			case *kql.Member:
				if id, ok := x.X.(*kql.Ident); ok {
					if k := step(id.Name); k > 0 {
						i, ok := n.Find(x.Name)
						if !ok {
							fail(x, "Failed to resolve scan state '%s.%s': the row has no column '%s'", id.Name, x.Name, x.Name)
						}
						if s := (State{k, i}); !containsState(n.States, s) {
							n.States = append(n.States, s)
						}
						if i < len(n.Used) {
							n.Used[i] = true
						}
						return
					}
				}
			}
			walk(v.Elem())
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(e))
	return nil
}

func containsState(states []State, s State) bool {
	for _, x := range states {
		if x == s {
			return true
		}
	}
	return false
}
