package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

// MakeSeries is make-series: the rows of Input binned along the axis On
// from From (inclusive) to To (exclusive) in steps of Step and
// aggregated per group and bin; every group of the input gets one array
// per aggregate with a value (or the default) for every bin, and the
// array of the bins' starts. Groups are those of the input, so a group
// without rows in the range gets a series of defaults; an empty input
// gives no rows.
type MakeSeries struct {
	// Input is the node whose rows are binned.
	Input Node
	// On is the axis, a datetime or a number (TypeSeriesAxis).
	On Expr
	// Step is the width of a bin: a timespan on a datetime axis, else a
	// real.
	Step Expr
	// From and To are the bounds of the axis, of On's type; nil for the
	// first bin of the smallest value and the end of the bin of the
	// largest.
	From, To Expr
	// By are the group keys, each its output column.
	By []Named
	// Aggs are the series, each an array column after the keys'.
	Aggs []SeriesAgg
	// Axis is the name of the column of the bins' starts, the last
	// (ByName of the axis).
	Axis string
}

// SeriesAgg is a series of make-series: an aggregate of one value per
// bin.
type SeriesAgg struct {
	// Name is the series' column.
	Name string
	// Call is the aggregate, of one result (Call.Sig.Results[0]).
	Call *AggCall
	// Default is the value of a bin without rows, of the aggregate's
	// type; nil for the zero of a number or timespan (SeriesZero), or
	// else null.
	Default Expr
}

// Columns are the keys', then a dynamic array per series and the array
// of the bins' starts.
func (n *MakeSeries) Columns() []Column {
	cols := namedColumns(n.By)
	for _, a := range n.Aggs {
		cols = append(cols, Column{Name: a.Name, Type: schema.Dynamic})
	}
	return append(cols, Column{Name: n.Axis, Type: schema.Dynamic})
}

// Reads is the input.
func (n *MakeSeries) Reads() []Node { return []Node{n.Input} }

// TypeSeriesAxis checks make-series's axis on, of type t: a datetime or
// a number.
func TypeSeriesAxis(on kql.Expr, t schema.Type) error {
	if t != schema.DateTime && !IsNumeric(t) {
		return kql.Errorf(on.Position(), "make-series needs a datetime or numeric axis, not %s", t)
	}
	return nil
}

// SeriesZero reports whether a bin without rows of a series of type t
// defaults to 0 where make-series gives no default= (a number or a
// timespan); other types default to null.
func SeriesZero(t schema.Type) bool { return IsNumeric(t) || t == schema.Timespan }
