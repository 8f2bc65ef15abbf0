package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

// Sample is the sample operator: N rows of Input chosen uniformly at
// random.
type Sample struct {
	Input Node
	// N is the number of rows kept, a constant long.
	N Expr
}

// Columns are Input's: sample keeps rows as they are.
func (n *Sample) Columns() []Column { return n.Input.Columns() }

// Reads is the input.
func (n *Sample) Reads() []Node { return []Node{n.Input} }

// SampleDistinct is the sample-distinct operator: up to N distinct
// values of Of over Input's rows, chosen at random, in one column.
type SampleDistinct struct {
	Input Node
	// Of is the expression whose values are sampled.
	Of Expr
	// Name is the result column's name (ofName).
	Name string
	// N is the number of values kept, a constant long.
	N Expr
}

// NewSampleDistinct is sample-distinct op over in, whose expression
// the builder built as of and whose count as n.
func NewSampleDistinct(op *kql.SampleDistinct, in Node, of, n Expr) *SampleDistinct {
	return &SampleDistinct{Input: in, Of: of, Name: ofName(op.Of), N: n}
}

// Columns are the one column of the sampled values, a string where Of
// is an untyped null.
func (n *SampleDistinct) Columns() []Column {
	return []Column{{Name: n.Name, Type: ColumnType(n.Of.Type())}}
}

// Reads is the input.
func (n *SampleDistinct) Reads() []Node { return []Node{n.Input} }

// TopHitters is the top-hitters operator: the N values of Of with the
// most rows of Input or, with By, the largest sum of By, largest first
// (ties in the order of the values). Kusto estimates with a count-min
// sketch; Vigil counts exactly.
type TopHitters struct {
	Input Node
	// Of is the expression whose values are counted.
	Of Expr
	// Name is the values' column's name (ofName); the count's column is
	// named after it.
	Name string
	// By is the number summed per value; nil counts the rows.
	By Expr
	// N is the number of values kept, a constant long.
	N Expr
}

// CheckTopHittersBy checks top-hitters op's by, built as a value of
// type t: the sum must be of numbers.
func CheckTopHittersBy(op *kql.TopHitters, t schema.Type) error {
	if !IsNumeric(t) {
		return kql.Errorf(op.By.Position(), "top-hitters sums a number, not %s", t)
	}
	return nil
}

// NewTopHitters is top-hitters op over in, whose expression the builder
// built as of, its by as by (nil where op has none; see
// CheckTopHittersBy) and its count as n.
func NewTopHitters(op *kql.TopHitters, in Node, of, by, n Expr) *TopHitters {
	return &TopHitters{Input: in, Of: of, Name: ofName(op.Of), By: by, N: n}
}

// Columns are the values (a string where Of is an untyped null) and
// their count, approximate_count_Name, a long, or with By their sum,
// approximate_sum_Name, typed as sum() types it.
func (n *TopHitters) Columns() []Column {
	total := Column{Name: "approximate_count_" + n.Name, Type: schema.Long}
	if n.By != nil {
		total = Column{Name: "approximate_sum_" + n.Name, Type: SumType(n.By.Type())}
	}
	return []Column{{Name: n.Name, Type: ColumnType(n.Of.Type())}, total}
}

// Reads is the input.
func (n *TopHitters) Reads() []Node { return []Node{n.Input} }

// ofName is the name of the column of values of sample-distinct's and
// top-hitters' expression: the one given, else the one summarize would
// give it as its first key.
func ofName(of kql.NamedExpr) string {
	if of.Name != "" {
		return of.Name
	}
	return ByName(of.Expr, 0)
}
