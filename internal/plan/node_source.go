package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

// Values is datatable: rows of values given in the query, in columns of
// declared types.
type Values struct {
	// Cols are the declared columns (DatatableColumns).
	Cols []Column
	// Rows are the values of each row, in the order of Cols, each
	// already converted to its column's type, so every row of the table
	// has the same types whatever literal the query wrote.
	Rows [][]Expr
}

// Columns are datatable's declared columns.
func (n *Values) Columns() []Column { return n.Cols }

// Reads is nothing: the node is a source.
func (n *Values) Reads() []Node { return nil }

// DatatableColumns are the columns datatable declares, typed; a type
// that is no Kusto type is an error.
func DatatableColumns(t *kql.Datatable) ([]Column, error) {
	cols := make([]Column, len(t.Cols))
	for i, cd := range t.Cols {
		typ, err := schema.ParseType(cd.Type)
		if err != nil {
			return nil, kql.Errorf(t.P, "datatable column %s: %v", cd.Name, err)
		}
		cols[i] = Column{Name: cd.Name, Type: typ}
	}
	return cols, nil
}

// Range is range: one column whose values run from From to To (both
// included) by Step.
type Range struct {
	// Column is the one column, typed by TypeRange.
	Column Column
	// From, To and Step are the bounds and the step. From is of the
	// column's type; for a datetime column To is a datetime too and Step
	// a timespan.
	From, To, Step Expr
}

// Columns are range's one column.
func (n *Range) Columns() []Column { return []Column{n.Column} }

// Reads is nothing: the node is a source.
func (n *Range) Reads() []Node { return nil }

// TypeRange is the type of range's column for bounds and step of the
// types from, to and step: a datetime or a real From gives its own type;
// otherwise, a real To or Step gives a real (From is read as one), a
// timespan From a timespan, and any other number a long. Bounds of
// another type are an error.
func TypeRange(t *kql.Range, from, to, step schema.Type) (schema.Type, error) {
	switch {
	case from == schema.DateTime, from == schema.Real:
		return from, nil
	case !IsNumeric(from) && from != schema.Timespan:
		return 0, kql.Errorf(t.P, "range needs numeric, datetime or timespan bounds, not %s", from)
	case to == schema.Real || step == schema.Real:
		return schema.Real, nil
	case from == schema.Timespan:
		return schema.Timespan, nil
	}
	return schema.Long, nil
}

// Print is print: one row of the values of Items, computed from no
// input, in the columns Cols (Builder.items).
type Print struct {
	Cols  []Column
	Items []Expr
}

// Columns are print's columns.
func (n *Print) Columns() []Column { return n.Cols }

// Reads is nothing: the node is a source.
func (n *Print) Reads() []Node { return nil }

// Materialize is materialize(): Input computed once however many times
// the query reads the result (a let used by both sides of a join), so
// that both see the same rows and the work is done once.
type Materialize struct{ Input Node }

// Columns are Input's.
func (n *Materialize) Columns() []Column { return n.Input.Columns() }

// Reads is the input.
func (n *Materialize) Reads() []Node { return []Node{n.Input} }

// FindNode is find: the rows of each input that its predicate matches,
// in the columns Find gives the result (TypeFind).
type FindNode struct {
	// Inputs are the tables find searches: those it lists (a table
	// pattern expanded into the tables it matches), or else every table
	// of the workspace, less those without the columns the predicate
	// reads (FindSearches).
	Inputs []Node
	// Sources are the names the source column gives Inputs' rows
	// (FindSourceName, or a table's name), one per input.
	Sources []string
	// Preds are the predicate over each input, one per input, as its
	// names read different columns in each.
	Preds []Expr
	// Find is how the plan typed find over Inputs' columns: the result's
	// columns and what each input fills them with.
	Find Find
}

// Columns are find's result columns, as Find gives them.
func (n *FindNode) Columns() []Column { return n.Find.Columns }

// Reads are the inputs.
func (n *FindNode) Reads() []Node { return n.Inputs }
