package plan

// Aggregate is the summarize operator: the rows of Input grouped by
// Keys, one row per group, with the keys' columns and then the columns
// of Items, in order.
type Aggregate struct {
	// Input is the node whose rows are grouped.
	Input Node
	// RowKeys are expressions computed once per row of Input below the
	// grouping, as columns of their names, which the aggregates read:
	// arg_max's and arg_min's keys that are not columns, so that each of
	// the aggregates that take the columns of the key's row sees the same
	// value of a volatile key, as in arg_max(rand(), *).
	RowKeys []Named
	// Keys are the group keys (summarize's by), each its output column;
	// none makes one group of all the rows.
	Keys []Named
	// Items are the aggregate list's items, whose columns follow the
	// keys'.
	Items []AggItem
}

// Named is an expression with the name of the column it is computed as.
type Named struct {
	Name string
	Expr Expr
}

// namedColumns are the columns of named expressions (group keys), in
// order.
func namedColumns(xs []Named) []Column {
	cols := make([]Column, len(xs))
	for i, x := range xs {
		cols[i] = Column{Name: x.Name, Type: x.Expr.Type()}
	}
	return cols
}

// AggItem is an item of summarize's aggregate list: an aggregate call,
// which gives one or more columns, or an expression over aggregates,
// which gives one.
type AggItem struct {
	// Call is the item's aggregate call; nil for an expression over
	// aggregates.
	Call *AggCall
	// Names name the columns of Call's results, in order; "" for a
	// result that is no column (arg_max's key where a group key already
	// is its column). An expression over aggregates has one, its own.
	Names []string
	// Expr is the expression over aggregates, with Type its column's
	// type; nil for an aggregate call. It is computed above the grouping,
	// over the keys' columns and the columns of Over.
	Expr Expr
	// Over are the aggregates Expr reads, calls whose one column each
	// (named _agg, _agg0, ...) the grouping computes and the result
	// leaves out.
	Over []AggItem
}

// AggCall is a typed call of an aggregate function (TypeAgg), whose SQL
// the dialect spells.
type AggCall struct {
	// Name is the aggregate function's name.
	Name string
	// Sig is the call's typing (TypeAgg): the type each argument is
	// converted to and the types of the columns the call gives, or of
	// those of them a caller keeps (arg_max's).
	Sig AggSig
	// Args are the arguments, as they are; the renderer converts them as
	// Sig says.
	Args []Expr
	// NotNull says Args[0] is known never to be null (arg_max's key, a
	// column that holds a value in every row), which spares the dialect
	// its handling of nulls.
	NotNull bool
}

// Columns are the keys' columns, then each item's: an aggregate call's
// named results and an expression's one column.
func (n *Aggregate) Columns() []Column {
	cols := namedColumns(n.Keys)
	for _, it := range n.Items {
		if it.Call == nil {
			cols = append(cols, Column{Name: it.Names[0], Type: it.Expr.Type()})
			continue
		}
		for j, name := range it.Names {
			if name != "" {
				cols = append(cols, Column{Name: name, Type: it.Call.Sig.Results[j]})
			}
		}
	}
	return cols
}

// Reads is the input.
func (n *Aggregate) Reads() []Node { return []Node{n.Input} }
