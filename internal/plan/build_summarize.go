package plan

import (
	"strconv"
	"strings"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// summarize builds summarize (Aggregate): the by columns, then the
// aggregates' columns, their names kept unique as Kusto does (Names).
func (b *Builder) summarize(in Node, op *kql.Summarize) Node {
	cols := in.Columns()
	n := &Aggregate{Input: in}
	used := Names{}
	var keys []Column
	for i, by := range op.By {
		x := b.expr(by.Expr, cols)
		name := by.Name
		if name == "" {
			name = ByName(by.Expr, i)
		}
		name = used.Unique(name)
		n.Keys = append(n.Keys, Named{Name: name, Expr: x})
		keys = append(keys, Column{Name: name, Type: x.Type()})
	}
	for i, agg := range op.Aggs {
		call, ok := agg.Expr.(*kql.Call)
		if !ok || !b.isAggregateCall(call) {
			n.Items = append(n.Items, b.overAggregates(agg, len(op.By)+i, cols, keys, used))
			continue
		}
		if call.Name == "arg_max" || call.Name == "arg_min" {
			a, byKey, outs := b.argMinMax(in, call, used, &n.RowKeys)
			checkTuple(agg, call, len(outs))
			var names []string
			if byKey {
				names = append(names, "") // the key's column is the by column
			}
			for j, name := range outs {
				if j < len(agg.Names) {
					// (Time, User) = arg_max(TimeGenerated, UserName)
					delete(used, name)
					name = used.Unique(agg.Names[j])
				}
				names = append(names, name)
			}
			n.Items = append(n.Items, AggItem{Call: a, Names: names})
			continue
		}
		var a *AggCall
		var names []string
		if call.Name == "take_any" || call.Name == "any" {
			a, names = b.takeAny(call, cols, used)
		} else {
			a, names = b.aggCall(call, cols)
		}
		checkTuple(agg, call, len(names))
		if a == nil {
			continue // take_any(*) by every column gives none
		}
		for j := range names {
			if j < len(agg.Names) {
				names[j] = agg.Names[j]
			} else if agg.Name != "" {
				names[j] = agg.Name
				if len(names) > 1 {
					names[j] += "_" + strconv.Itoa(j)
				}
			}
			names[j] = used.Unique(names[j])
		}
		n.Items = append(n.Items, AggItem{Call: a, Names: names})
	}
	return n
}

// checkTuple refuses a tuple of names, (a, b) = f(x), that names more
// columns than the aggregate gives.
func checkTuple(agg kql.NamedExpr, call *kql.Call, n int) {
	if len(agg.Names) > n {
		fail(call, "The tuple (%s) names %d columns, but %s gives %d", strings.Join(agg.Names, ", "), len(agg.Names), call.Name, n)
	}
}

// isAggregateCall reports whether call is one aggregate (summarize's
// usual case) rather than an expression that has aggregates inside.
func (b *Builder) isAggregateCall(call *kql.Call) bool {
	if _, udf := b.Scope.Func(call.Name); udf {
		return false
	}
	return IsAgg(call.Name)
}

// aggregates collects the aggregates of a summarize item that is an
// expression over aggregates rather than one aggregate call, such as
// `100.0 * countif(ok) / count()` or `round(avg(x), 2)`: each aggregate
// becomes a hidden column of the grouping (AggItem.Over), which the
// expression reads. The builder's call takes the aggregate calls it
// meets into the one being built (Builder.overAggs).
type aggregates struct {
	in   []Column  // the columns of the summarize input the aggregates read
	over []AggItem // the aggregates, each its hidden column _aggN
	used Names
	// inside is set while an aggregate's arguments build: they are per
	// row, so another aggregate there is an error.
	inside bool
}

// overAggregates builds summarize's i-th item, agg, an expression over
// aggregates of the input's columns in and the keys' columns.
func (b *Builder) overAggregates(agg kql.NamedExpr, i int, in, keys []Column, used Names) AggItem {
	name := agg.Name
	if name == "" {
		name = ByName(agg.Expr, i)
	}
	name = used.Unique(name)
	defer func(saved *aggregates) { b.overAggs = saved }(b.overAggs)
	a := &aggregates{in: in, used: used}
	b.overAggs = a
	x := b.expr(agg.Expr, keys)
	if len(a.over) == 0 {
		fail(agg.Expr, "summarize needs an aggregation function, such as count() or sum(x)")
	}
	return AggItem{Names: []string{name}, Expr: x, Over: a.over}
}

// add builds the aggregate call e over the summarize input and returns
// the reference to its hidden column.
func (a *aggregates) add(b *Builder, e *kql.Call) Expr {
	if a.inside {
		fail(e, "The aggregate function '%s' cannot be inside another aggregate's arguments", e.Name)
	}
	if e.Name == "arg_max" || e.Name == "arg_min" {
		fail(e, "%s gives several columns and cannot be part of an expression", e.Name)
	}
	a.inside = true
	call, _ := b.aggCall(e, a.in)
	a.inside = false
	if len(call.Sig.Results) != 1 {
		fail(e, "%s gives several columns and cannot be part of an expression", e.Name)
	}
	name := "_agg"
	for i := 0; a.used[name]; i++ {
		name = "_agg" + strconv.Itoa(i)
	}
	a.used[name] = true
	a.over = append(a.over, AggItem{Call: call, Names: []string{name}})
	return &ColumnRef{Name: name, T: call.Sig.Results[0]}
}

// argMinMax types arg_max(expr, cols...) / arg_min(...) into one call
// whose columns are expr itself, then each column, `*` standing for all
// of the input's, with the names of the output columns. Names already in
// used (the by columns, earlier aggregates) are not returned again,
// which is how `*` leaves out the group keys; byKey says expr's own
// column is a by column, so the call's first result is no column. An
// expr that is not a column of in is appended to keys, to be computed
// once per row: each of the call's aggregates computing its own would
// give each its own value of a volatile expr, as in arg_max(rand(), *).
// A column that holds a value in every row (NotNull) spares the dialect
// its handling of null keys. How the columns are taken from one row is
// the dialect's.
func (b *Builder) argMinMax(in Node, call *kql.Call, used Names, keys *[]Named) (a *AggCall, byKey bool, outs []string) {
	cols := in.Columns()
	exprs, args, names, _ := b.rowArgs(call, cols, 1)
	sig := typeAgg(call, exprs, args)
	ref, isCol := args[0].(*ColumnRef)
	isCol = isCol && has(cols, ref.Name)
	notNull := isCol && NotNull(in)[ref.Name]
	by := args[0]
	if !isCol {
		key := "_argkey" + strconv.Itoa(len(*keys))
		*keys = append(*keys, Named{Name: key, Expr: args[0]})
		by = &ColumnRef{Name: key, T: args[0].Type()}
	}
	if _, isIdent := call.Args[0].(*kql.Ident); !isIdent {
		names[0] = AggPrefix(call.Name) + names[0]
	}
	kept := []Expr{by}
	typed := AggSig{Params: sig.Params[:1:1], Results: sig.Results[:1:1]}
	byKey = used[names[0]]
	for i, name := range names {
		if used[name] {
			continue
		}
		used[name] = true
		if i > 0 {
			kept = append(kept, args[i])
			typed.Params, typed.Results = append(typed.Params, sig.Params[i]), append(typed.Results, sig.Results[i])
		}
		outs = append(outs, name)
	}
	return &AggCall{Name: call.Name, Sig: typed, Args: kept, NotNull: notNull}, byKey, outs
}

// has reports whether cols has a column named name.
func has(cols []Column, name string) bool {
	_, ok := columnNamed(cols, name)
	return ok
}

// rowArgs builds the arguments of an aggregate whose columns all come
// from one row of the group (arg_max, take_any) over the columns in:
// the arguments' syntax and expressions, the names of their columns
// (ByName's) and the index of the argument each comes from; a `*` from
// argument from on stands for every visible column of in, each named as
// it is.
func (b *Builder) rowArgs(call *kql.Call, in []Column, from int) (exprs []kql.Expr, args []Expr, names []string, argIdx []int) {
	for i, a := range call.Args {
		if _, star := a.(*kql.Star); star && i >= from {
			for _, cl := range in {
				if !cl.Hidden {
					exprs = append(exprs, a)
					args = append(args, &ColumnRef{Name: cl.Name, T: cl.Type})
					names = append(names, cl.Name)
					argIdx = append(argIdx, i)
				}
			}
			continue
		}
		exprs = append(exprs, a)
		args = append(args, b.expr(a, in))
		names = append(names, ByName(a, 0))
		argIdx = append(argIdx, i)
	}
	return exprs, args, names, argIdx
}

// takeAny types take_any(a, b, ...) (or its deprecated alias any) into
// a call with a column per expression, all from one row of the group,
// the dialect's spelling choosing the row, with their names (AnyName);
// a `*` stands for every column of in but those whose names are in
// used, the by columns and earlier aggregates', as Kusto leaves out the
// group keys, and which may leave no column at all, and no call.
func (b *Builder) takeAny(call *kql.Call, in []Column, used Names) (*AggCall, []string) {
	exprs, args, names, argIdx := b.rowArgs(call, in, 0)
	var kept []kql.Expr
	var vals []Expr
	var outs []string
	for i, e := range exprs {
		name := AnyName(call.Name, e, argIdx[i])
		if _, star := e.(*kql.Star); star {
			if used[names[i]] {
				continue
			}
			name = AnyColumn(call.Name, names[i])
		}
		kept, vals, outs = append(kept, e), append(vals, args[i]), append(outs, name)
	}
	if len(kept) == 0 {
		return nil, nil // take_any(*) by every column
	}
	return &AggCall{Name: call.Name, Sig: typeAgg(call, kept, vals), Args: vals}, outs
}

// aggCall types the aggregate call over the rows of the columns in, with
// the default names of its columns (AggNames): summarize's, top-nested's
// and make-series' aggregates, pivot's and the percentile plugin's.
func (b *Builder) aggCall(call *kql.Call, in []Column) (*AggCall, []string) {
	if !IsAgg(call.Name) {
		fail(call, "Unknown aggregation function: '%s'", call.Name)
	}
	var exprs []kql.Expr
	var args []Expr
	for _, a := range call.Args {
		if _, star := a.(*kql.Star); star {
			continue // count(*): the rows
		}
		exprs = append(exprs, a)
		args = append(args, b.expr(a, in))
	}
	sig := typeAgg(call, exprs, args)
	names, err := AggNames(call, args)
	check(err)
	return &AggCall{Name: call.Name, Sig: sig, Args: args}, names
}

// typeAgg types a call of an aggregate (TypeAgg) whose arguments, but a
// `*`, are exprs, built as args.
func typeAgg(call *kql.Call, exprs []kql.Expr, args []Expr) AggSig {
	typed := make([]Arg, len(args))
	for i, x := range args {
		typed[i] = Arg{Expr: exprs[i], Type: x.Type()}
	}
	sig, known, err := TypeAgg(call, typed)
	if !known {
		fail(call, "Unknown aggregation function: '%s'", call.Name)
	}
	check(err)
	return sig
}

// topNested builds top-nested (TopNested): per level, its value over the
// input's rows, its aggregate of one value, and the long count of groups
// it keeps and its others value, converted to the value's type.
func (b *Builder) topNested(in Node, op *kql.TopNested) Node {
	cols := in.Columns()
	n := &TopNested{Input: in}
	for i, lv := range op.Levels {
		v := b.expr(lv.Of.Expr, cols)
		name, aggName := NestedNames(lv, i)
		call, ok := lv.Agg.Expr.(*kql.Call)
		if !ok {
			fail(lv.Agg.Expr, "top-nested needs an aggregation, such as count() or sum(x)")
		}
		agg, _ := b.aggCall(call, cols)
		if len(agg.Sig.Results) != 1 {
			fail(call, "top-nested takes an aggregate of one value, not %s", call.Name)
		}
		level := NestedLevel{Name: name, Value: v, AggName: aggName, Agg: agg, Asc: lv.Asc}
		if lv.N != nil {
			level.N = convert(b.expr(lv.N, nil), schema.Long, lv.N)
		}
		if lv.Others != nil {
			level.Others = convert(b.expr(lv.Others, nil), v.Type(), lv.Others)
		}
		n.Levels = append(n.Levels, level)
	}
	return n
}
