package plan

import "vigil/internal/kql"

// TopNested is the top-nested operator: level k groups the rows of Input
// by the values of levels 1..k, aggregates each group, and keeps the top
// groups within each group kept by level k-1. The output has, per level,
// its value's column and its aggregate's.
type TopNested struct {
	// Input is the node whose rows are grouped.
	Input Node
	// Levels are the levels, outermost first.
	Levels []NestedLevel
}

// NestedLevel is one level of top-nested.
type NestedLevel struct {
	// Name names the level's value column (NestedNames).
	Name string
	// Value is the expression the level groups by.
	Value Expr
	// AggName names the level's aggregate column (NestedNames).
	AggName string
	// Agg is the level's aggregate, of one result, which orders the
	// groups.
	Agg *AggCall
	// Asc orders the groups by ascending aggregate; otherwise the largest
	// come first.
	Asc bool
	// N is the count of groups kept, a long; nil keeps all of them.
	N Expr
	// Others is with others=: the value, of Value's type, of one more
	// group standing for the rows of the groups not kept, the levels
	// below it null; nil for none.
	Others Expr
}

// NestedNames are the names of level i's columns: its value's, the name
// given or the expression's (ByName), and its aggregate's, the name
// given or aggregated_<value's name>.
func NestedNames(lv kql.NestedLevel, i int) (value, agg string) {
	value = lv.Of.Name
	if value == "" {
		value = ByName(lv.Of.Expr, i)
	}
	agg = lv.Agg.Name
	if agg == "" {
		agg = "aggregated_" + value
	}
	return value, agg
}

// Columns are each level's value column and aggregate column, in level
// order.
func (n *TopNested) Columns() []Column {
	var cols []Column
	for _, lv := range n.Levels {
		cols = append(cols, Column{Name: lv.Name, Type: lv.Value.Type()}, Column{Name: lv.AggName, Type: lv.Agg.Sig.Results[0]})
	}
	return cols
}

// Reads is the input.
func (n *TopNested) Reads() []Node { return []Node{n.Input} }
