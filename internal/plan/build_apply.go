package plan

import (
	"vigil/internal/kql"
)

// mvExpand builds mv-expand over in: dynamic arrays (and bags, a row
// per property) expanded into rows (MvExpand).
func (b *Builder) mvExpand(in Node, op *kql.MvExpand) Node {
	var items []MvExpandValue
	for i, it := range op.Items {
		x := b.expr(it.Expr, in.Columns())
		out, err := MvExpandItem(it, i, x.Type(), op.ToType[i])
		check(err)
		items = append(items, MvExpandValue{X: x, Column: out})
	}
	var limit Expr
	if op.Limit != nil {
		limit = b.expr(op.Limit, nil)
	}
	return NewMvExpand(in, items, op.BagExpansion == "array", op.ItemIndex, limit)
}

// parseKv builds parse-kv over in: the listed keys read from key/value
// text into typed columns (ParseKv). Its options are constants, which
// the node holds as values.
func (b *Builder) parseKv(in Node, op *kql.ParseKv) Node {
	x := b.expr(op.X, in.Columns())
	opts := map[string]any{}
	for k, e := range op.Options {
		switch k {
		case "pair_delimiter", "kv_delimiter", "quote", "escape":
			opts[k] = b.constString(e)
		case "greedy":
			lit, ok := e.(*kql.Literal)
			opts[k] = ok && lit.Kind == kql.LitBool && lit.Value == "true"
		default:
			fail(e, "parse-kv has no option '%s'", k)
		}
	}
	n, err := NewParseKv(in, x, op, opts)
	check(err)
	return n
}

// mvApply builds mv-apply over in: the subquery run once per input row,
// over that row with its arrays expanded (Apply).
func (b *Builder) mvApply(in Node, op *kql.MvApply) Node {
	b.applyDepth++
	defer func() { b.applyDepth-- }()
	row := &OuterRow{Of: Outer{Depth: b.applyDepth}, Cols: in.Columns()}
	expanded := b.mvExpand(row, &kql.MvExpand{P: op.P, Items: op.Items, ToType: op.ToType, ItemIndex: op.ItemIndex})
	// Names the subquery binds (as) read the outer row, so they stay
	// inside it.
	defer func(src Node, scope *Scope) { b.applySrc, b.Scope = src, scope }(b.applySrc, b.Scope)
	b.applySrc, b.Scope = expanded, NewScope(b.Scope)
	return NewApply(in, op.Items, b.applyDepth, b.tabular(op.Sub))
}

// partition builds partition over in: the subquery run once per
// distinct value of the partition column, the results unioned
// (Partition). Every strategy hint gives the same result (Kusto's
// strategies differ only in how they run), so the hints are accepted
// and ignored. In the braces form the subquery has a source of its own
// and the column's name, or toscalar(Column), is the partition's value.
func (b *Builder) partition(in Node, op *kql.Partition) Node {
	found, ok := columnNamed(in.Columns(), op.By)
	if !ok {
		fail(op, "Failed to resolve column or scalar expression named '%s'", op.By)
	}
	key := Column{Name: found.Name, Type: found.Type}
	b.applyDepth++
	defer func() { b.applyDepth-- }()
	value := Outer{Partition: true, Depth: b.applyDepth}
	// Names the subquery binds (as) read the partition's value, so they
	// stay inside it.
	defer func(src Node, scope *Scope) { b.applySrc, b.Scope = src, scope }(b.applySrc, b.Scope)
	b.Scope = NewScope(b.Scope)
	if op.Source {
		b.Scope.BindScalar(key.Name, &OuterValue{Of: value, Column: key})
		b.Scope.BindTable(key.Name, &OuterRow{Of: value, Cols: []Column{key}})
	} else {
		b.applySrc = &PartitionRows{Input: in, Key: key, Depth: b.applyDepth}
	}
	return &Partition{Input: in, Key: key, Depth: b.applyDepth, Sub: b.tabular(op.Sub)}
}

// constString is the value of a constant string argument: a literal, or
// a let or parameter bound to one (Scope.Constant).
func (b *Builder) constString(e kql.Expr) string {
	s, ok := b.Scope.Constant(e).(string)
	if !ok {
		fail(e, "Expected a constant string")
	}
	return s
}

// constStrings is the value of a constant dynamic array of strings.
func (b *Builder) constStrings(e kql.Expr) []string {
	var arr *kql.ArrayLit
	switch x := e.(type) {
	case *kql.TypedLit:
		arr, _ = x.Dyn.(*kql.ArrayLit)
	case *kql.ArrayLit:
		arr = x
	}
	if arr == nil {
		fail(e, "Expected a constant dynamic array of strings")
	}
	var out []string
	for _, el := range arr.Elems {
		out = append(out, b.constString(el))
	}
	return out
}
