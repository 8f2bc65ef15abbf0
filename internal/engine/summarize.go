package engine

import (
	"strconv"
	"strings"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/sqlgen"
)

// summarize groups by the by-expressions and computes aggregates
// (plan.Aggregate). The output is the by columns, then the aggregates.
func (c *compiler) summarize(in *relation, op *kql.Summarize) *relation {
	n := &plan.Aggregate{Input: in}
	used := plan.Names{}
	var byCols []col
	for i, by := range op.By {
		v := c.expr(by.Expr, in)
		name := by.Name
		if name == "" {
			name = plan.ByName(by.Expr, i)
		}
		name = used.Unique(name)
		n.Keys = append(n.Keys, plan.Named{Name: name, Expr: v})
		byCols = append(byCols, col{name: name, typ: v.typ})
	}
	for i, agg := range op.Aggs {
		call, ok := agg.Expr.(*kql.Call)
		if !ok || !isAggregateCall(c, call) {
			name := agg.Name
			if name == "" {
				name = plan.ByName(agg.Expr, len(op.By)+i)
			}
			name = used.Unique(name)
			a := &aggExprs{in: in, used: used}
			c.aggs = a
			v := c.expr(agg.Expr, &relation{cols: byCols})
			c.aggs = nil
			if len(a.over) == 0 {
				c.fail(agg.Expr, "summarize needs an aggregation function, such as count() or sum(x)")
			}
			n.Items = append(n.Items, plan.AggItem{Names: []string{name}, Expr: v, Over: a.over})
			continue
		}
		if call.Name == "arg_max" || call.Name == "arg_min" {
			a, byKey, outs := c.argMinMax(in, call, used, &n.RowKeys)
			checkTuple(c, agg, call, len(outs))
			var names []string
			if byKey {
				names = append(names, "") // the key's column is the by column
			}
			for j, o := range outs {
				if j < len(agg.Names) {
					// (Time, User) = arg_max(TimeGenerated, UserName)
					delete(used, o.name)
					o.name = used.Unique(agg.Names[j])
				}
				names = append(names, o.name)
			}
			n.Items = append(n.Items, plan.AggItem{Call: a, Names: names})
			continue
		}
		var a *plan.AggCall
		var names []string
		if call.Name == "take_any" || call.Name == "any" {
			a, names = c.takeAny(in, call, used)
		} else {
			a, names = c.aggregateCall(in, call)
		}
		checkTuple(c, agg, call, len(names))
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
		n.Items = append(n.Items, plan.AggItem{Call: a, Names: names})
	}
	out := c.rendered(n)
	out.render = in.render
	return out
}

// checkTuple refuses a tuple of names, (a, b) = f(x), that names more
// columns than the aggregate gives.
func checkTuple(c *compiler, agg kql.NamedExpr, call *kql.Call, n int) {
	if len(agg.Names) > n {
		c.fail(call, "The tuple (%s) names %d columns, but %s gives %d", strings.Join(agg.Names, ", "), len(agg.Names), call.Name, n)
	}
}

// isAggregateCall reports whether call is one aggregate (summarize's
// usual case) rather than an expression that has aggregates inside.
func isAggregateCall(c *compiler, call *kql.Call) bool {
	if _, udf := c.b.Scope.Func(call.Name); udf {
		return false
	}
	return plan.IsAgg(call.Name)
}

// argMinMax types arg_max(expr, cols...) / arg_min(...) into one
// call whose columns are expr itself, then each column, `*` standing for
// all of the input's, with the output columns. Names already in used
// (the by columns, earlier aggregates) are not returned again, which is
// how `*` leaves out the group keys; byKey says expr's own column is a
// by column, so the call's first result is no column. An expr that is
// not a column is appended to keys, to be computed once per row: each
// of the call's aggregates computing its own would give each its own
// value of a volatile expr, as in arg_max(rand(), *). How the columns
// are taken from one row is the dialect's (DuckDB's aggArgExtreme).
func (c *compiler) argMinMax(in *relation, call *kql.Call, used plan.Names, keys *[]plan.Named) (a *plan.AggCall, byKey bool, outs []col) {
	exprs, args, names, _ := c.rowArgs(in, call, 1)
	sig := c.typeAggregate(call, exprs, args)
	id, isIdent := call.Args[0].(*kql.Ident)
	// arg_max's arguments are taken as they are (sig.Params are 0), so
	// the key is its column when its SQL reads one.
	notNull := isIdent && in.notNull[id.Name] && args[0].sql == sqlgen.QuoteIdent(id.Name)
	var by plan.Expr = args[0]
	if !refersToColumn(in, args[0].sql) {
		key := "_argkey" + strconv.Itoa(len(*keys))
		*keys = append(*keys, plan.Named{Name: key, Expr: args[0]})
		by = &plan.ColumnRef{Name: key, T: args[0].typ}
	}
	if !isIdent {
		names[0] = plan.AggPrefix(call.Name) + names[0]
	}
	kept := []plan.Expr{by}
	typed := plan.AggSig{Params: sig.Params[:1:1], Results: sig.Results[:1:1]}
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
		outs = append(outs, col{name: name, typ: sig.Results[i]})
	}
	return &plan.AggCall{Name: call.Name, Sig: typed, Args: kept, NotNull: notNull}, byKey, outs
}

// rowArgs compiles the arguments of an aggregate whose columns all come
// from one row of the group (arg_max, take_any): their expressions,
// compiled, the names of their columns (plan.ByName's) and the index of
// the argument each comes from; a `*` from argument from on stands for
// every column of in, each named as it is.
func (c *compiler) rowArgs(in *relation, call *kql.Call, from int) (exprs []kql.Expr, args []scalar, names []string, argIdx []int) {
	for i, a := range call.Args {
		if _, star := a.(*kql.Star); star && i >= from {
			for _, cl := range in.cols {
				if !cl.hidden {
					exprs = append(exprs, a)
					args = append(args, scalar{sql: sqlgen.QuoteIdent(cl.name), typ: cl.typ})
					names = append(names, cl.name)
					argIdx = append(argIdx, i)
				}
			}
			continue
		}
		exprs = append(exprs, a)
		args = append(args, c.expr(a, in))
		names = append(names, plan.ByName(a, 0))
		argIdx = append(argIdx, i)
	}
	return exprs, args, names, argIdx
}

// takeAny types take_any(a, b, ...) (or its deprecated alias any) into
// a call with a column per expression, all from one row of the group,
// the dialect's spelling choosing the row, with their names (plan.AnyName);
// a `*` stands for every column of in but those whose names are in
// used, the by columns and earlier aggregates', as Kusto leaves out the
// group keys, and which may leave no column at all, and no call.
func (c *compiler) takeAny(in *relation, call *kql.Call, used plan.Names) (*plan.AggCall, []string) {
	exprs, args, names, argIdx := c.rowArgs(in, call, 0)
	var kept []kql.Expr
	var vals []scalar
	var outs []string
	for i, e := range exprs {
		name := plan.AnyName(call.Name, e, argIdx[i])
		if _, star := e.(*kql.Star); star {
			if used[names[i]] {
				continue
			}
			name = plan.AnyColumn(call.Name, names[i])
		}
		kept, vals, outs = append(kept, e), append(vals, args[i]), append(outs, name)
	}
	if len(kept) == 0 {
		return nil, nil // take_any(*) by every column
	}
	return aggCall(call, c.typeAggregate(call, kept, vals), vals), outs
}

// refersToColumn reports whether sqlText is a reference to a column of in.
func refersToColumn(in *relation, sqlText string) bool {
	for _, cl := range in.cols {
		if sqlText == sqlgen.QuoteIdent(cl.name) {
			return true
		}
	}
	return false
}

// aggregateCall types one aggregation call over the rows of in, with
// the default names of its columns.
func (c *compiler) aggregateCall(in *relation, call *kql.Call) (*plan.AggCall, []string) {
	if !plan.IsAgg(call.Name) {
		c.fail(call, "Unknown aggregation function: '%s'", call.Name)
	}
	var exprs []kql.Expr
	var args []scalar
	for _, a := range call.Args {
		if _, star := a.(*kql.Star); star {
			continue // count(*): the rows
		}
		exprs = append(exprs, a)
		args = append(args, c.expr(a, in))
	}
	sig := c.typeAggregate(call, exprs, args)
	xs := make([]plan.Expr, len(args))
	for i, a := range args {
		xs[i] = a.x
	}
	names, err := plan.AggNames(call, xs)
	if err != nil {
		panic(failure{err})
	}
	return aggCall(call, sig, args), names
}

// typeAggregate types a call of an aggregate (plan.TypeAgg) whose
// arguments, but a `*`, are exprs compiled to args.
func (c *compiler) typeAggregate(call *kql.Call, exprs []kql.Expr, args []scalar) plan.AggSig {
	sig, known, err := plan.TypeAgg(call, planArgs(exprs, args))
	if !known {
		c.fail(call, "Unknown aggregation function: '%s'", call.Name)
	}
	if err != nil {
		panic(failure{err})
	}
	return sig
}

// aggCall is the plan's call of aggregate call, typed by sig, with its
// arguments, compiled.
func aggCall(call *kql.Call, sig plan.AggSig, args []scalar) *plan.AggCall {
	xs := make([]plan.Expr, len(args))
	for i, a := range args {
		xs[i] = a
	}
	return &plan.AggCall{Name: call.Name, Sig: sig, Args: xs}
}
