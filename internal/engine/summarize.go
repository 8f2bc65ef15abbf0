package engine

import (
	"strconv"
	"strings"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// aggregates are the aggregation functions summarize knows, with the
// prefix of their default output name.
var aggregates = map[string]string{
	"count": "count_", "countif": "countif_", "dcount": "dcount_", "dcountif": "dcountif_",
	"sum": "sum_", "sumif": "sumif_", "avg": "avg_", "avgif": "avgif_", "min": "min_", "max": "max_",
	"minif": "minif_", "maxif": "maxif_", "make_set": "set_", "make_set_if": "set_",
	"make_list": "list_", "make_list_if": "list_", "take_any": "take_any_", "any": "any_",
	"percentile": "percentile_", "percentiles": "percentiles_", "stdev": "stdev_", "variance": "variance_",
	"arg_max": "max_", "arg_min": "min_", "make_bag": "make_bag_", "make_bag_if": "make_bag_",
	"stdevp": "stdevp_", "stdevif": "stdevif_", "stdevpif": "stdevpif_", "variancep": "variancep_",
	"varianceif": "varianceif_", "variancepif": "variancepif_", "covariance": "covariance_",
	"covariancep": "covariancep_", "covarianceif": "covarianceif_", "covariancepif": "covariancepif_",
	"count_distinct": "count_distinct_", "count_distinctif": "count_distinctif_", "sum_distinct": "sum_distinct_",
	"take_anyif": "take_anyif_", "make_list_with_nulls": "list_",
	"hll": "hll_", "hll_if": "hll_if_", "hll_merge": "hll_merge_",
	"tdigest": "tdigest_", "tdigest_merge": "tdigest_merge_", "percentiles_array": "percentiles_",
	"binary_all_and": "binary_all_and_", "binary_all_or": "binary_all_or_", "binary_all_xor": "binary_all_xor_",
}

// summarize groups by the by-expressions and computes aggregates. The
// output is the by columns, then the aggregates.
func (c *compiler) summarize(in *relation, op *kql.Summarize) *relation {
	var sel, groups []string
	var cols []col
	used := map[string]bool{}
	unique := func(name string) string {
		base := name
		for i := 1; used[name]; i++ {
			name = base + strconv.Itoa(i)
		}
		used[name] = true
		return name
	}
	for i, by := range op.By {
		v := c.expr(by.Expr, in)
		name := by.Name
		if name == "" {
			name = byName(by.Expr, i)
		}
		name = unique(name)
		sel = append(sel, v.sql+" AS "+sqlgen.QuoteIdent(name))
		groups = append(groups, v.sql)
		cols = append(cols, col{name: name, typ: v.typ})
	}
	// keys are the expressions arg_max/arg_min maximize that are not
	// columns, computed once per row below the aggregation.
	var keys []string
	// computed holds, by output name, the expressions over aggregates
	// (see aggExprs), computed in a SELECT above the grouping.
	computed := map[string]string{}
	byCols := append([]col(nil), cols...)
	for i, agg := range op.Aggs {
		call, ok := agg.Expr.(*kql.Call)
		if !ok || !isAggregateCall(c, call) {
			name := agg.Name
			if name == "" {
				name = byName(agg.Expr, len(op.By)+i)
			}
			name = unique(name)
			a := &aggExprs{in: in, used: used}
			c.aggs = a
			v := c.expr(agg.Expr, &relation{cols: byCols})
			c.aggs = nil
			if len(a.sel) == 0 {
				c.fail(agg.Expr, "summarize needs an aggregation function, such as count() or sum(x)")
			}
			sel = append(sel, a.sel...)
			computed[name] = v.sql
			cols = append(cols, col{name: name, typ: v.typ})
			continue
		}
		if call.Name == "arg_max" || call.Name == "arg_min" {
			sqls, outs := c.argMinMax(in, call, used, &keys)
			checkTuple(c, agg, call, len(outs))
			for j, o := range outs {
				if j < len(agg.Names) {
					// (Time, User) = arg_max(TimeGenerated, UserName)
					delete(used, o.name)
					o.name = unique(agg.Names[j])
				}
				sel = append(sel, sqls[j]+" AS "+sqlgen.QuoteIdent(o.name))
				cols = append(cols, o)
			}
			continue
		}
		sqls, types, names := c.aggregate(in, call)
		checkTuple(c, agg, call, len(sqls))
		for j := range sqls {
			name := names[j]
			if j < len(agg.Names) {
				name = agg.Names[j]
			} else if agg.Name != "" {
				name = agg.Name
				if len(sqls) > 1 {
					name += "_" + strconv.Itoa(j)
				}
			}
			name = unique(name)
			sel = append(sel, sqls[j]+" AS "+sqlgen.QuoteIdent(name))
			cols = append(cols, col{name: name, typ: types[j]})
		}
	}
	tail := ""
	if len(groups) > 0 {
		tail = " GROUP BY " + strings.Join(groups, ", ")
	}
	if len(keys) > 0 {
		in = &relation{sql: "SELECT *, " + strings.Join(keys, ", ") + " FROM (" + in.sql + ")", cols: in.cols, render: in.render}
	}
	if len(computed) == 0 {
		return wrap(in, sel, cols, tail)
	}
	var grouped []col
	post := quoted(cols)
	for j, cl := range cols {
		if v, ok := computed[cl.name]; ok {
			post[j] = v + " AS " + sqlgen.QuoteIdent(cl.name)
		} else {
			grouped = append(grouped, cl)
		}
	}
	return wrap(wrap(in, sel, grouped, tail), post, cols, "")
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
	if _, udf := c.lookupFunc(call.Name); udf {
		return false
	}
	_, ok := aggregates[call.Name]
	return ok
}

func byName(e kql.Expr, i int) string {
	if x, ok := e.(*kql.Call); ok && (x.Name == "bin" || x.Name == "floor" || x.Name == "bin_at" || x.Name == "bin_auto") && len(x.Args) > 0 {
		if id, ok := x.Args[0].(*kql.Ident); ok {
			return id.Name
		}
	}
	if name, ok := derivedName(e); ok {
		return name
	}
	return "Column" + strconv.Itoa(i+1)
}

// argMinMax compiles arg_max(expr, cols...) / arg_min(...) into one
// aggregate per returned column, with their output columns: max(expr) (or
// min) for expr itself, arg_max_null(col, expr) for the others. DuckDB
// updates and combines all aggregates of one group from the same rows in
// the same order, and these all break ties the same way (the first row
// seen wins), so every column comes from the same row as Kusto promises;
// TestArgMaxColumnsFromOneRow holds DuckDB to that. This costs what
// hand-written per-column SQL costs, where packing the row into one
// struct cost about 1.6 times as much (docs/benchmarks.md, KQL). Rows
// whose expr is null are skipped unless all of the group's are, and then
// Kusto still returns a row: first(col), which also takes every column
// from the same row; that fallback is left out where expr is a column
// known never to be null. Names already in used (the by columns, earlier
// aggregates) are not returned again, which is how `*` leaves out the
// group keys. An expr that is not a column is appended to keys, to be
// computed once per row: each aggregate computing its own would give
// each its own value of a volatile expr, as in arg_max(rand(), *).
func (c *compiler) argMinMax(in *relation, call *kql.Call, used map[string]bool, keys *[]string) ([]string, []col) {
	if len(call.Args) < 1 {
		c.fail(call, "%s needs an expression to maximize or minimize", call.Name)
	}
	by := c.expr(call.Args[0], in)
	if !refersToColumn(in, by.sql) {
		key := sqlgen.QuoteIdent("_argkey" + strconv.Itoa(len(*keys)))
		*keys = append(*keys, by.sql+" AS "+key)
		by.sql = key
	}
	extreme, pick := "max", "arg_max_null"
	if call.Name == "arg_min" {
		extreme, pick = "min", "arg_min_null"
	}
	best := extreme + "(" + by.sql + ")"
	// The fallback's first() of every column costs about 6% more.
	id, isIdent := call.Args[0].(*kql.Ident)
	nullable := !isIdent || !in.notNull[id.Name] || by.sql != sqlgen.QuoteIdent(id.Name)
	var sqls []string
	var outs []col
	add := func(name string, sqlText string, typ schema.Type) {
		if used[name] {
			return
		}
		used[name] = true
		value := pick + "(" + sqlText + ", " + by.sql + ")"
		if nullable {
			value = "CASE WHEN " + best + " IS NULL THEN first(" + sqlText + ") ELSE " + value + " END"
		}
		sqls = append(sqls, value)
		outs = append(outs, col{name: name, typ: typ})
	}
	first := byName(call.Args[0], 0)
	if _, ok := call.Args[0].(*kql.Ident); !ok {
		first = aggregates[call.Name] + first
	}
	if !used[first] {
		used[first] = true
		sqls = append(sqls, best)
		outs = append(outs, col{name: first, typ: by.typ})
	}
	for _, a := range call.Args[1:] {
		if _, star := a.(*kql.Star); star {
			for _, cl := range in.cols {
				if !cl.hidden {
					add(cl.name, sqlgen.QuoteIdent(cl.name), cl.typ)
				}
			}
			continue
		}
		v := c.expr(a, in)
		add(byName(a, 0), v.sql, v.typ)
	}
	return sqls, outs
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

// aggregate compiles one aggregation call into one or more columns.
func (c *compiler) aggregate(in *relation, call *kql.Call) ([]string, []schema.Type, []string) {
	prefix, ok := aggregates[call.Name]
	if !ok {
		c.fail(call, "Unknown aggregation function: '%s'", call.Name)
	}
	var args []scalar
	for _, a := range call.Args {
		if _, star := a.(*kql.Star); star {
			continue
		}
		args = append(args, c.expr(a, in))
	}
	need := func(n int) {
		if len(args) < n {
			c.fail(call, "%s needs %d arguments", call.Name, n)
		}
	}
	name := prefix
	if len(call.Args) > 0 && !strings.HasSuffix(prefix, "if_") && call.Name != "countif" {
		name = prefix + byName(call.Args[0], 0)
		if _, ok := call.Args[0].(*kql.Ident); !ok {
			if _, isMember := call.Args[0].(*kql.Member); !isMember {
				name = strings.TrimSuffix(prefix, "_")
			}
		}
	} else if (strings.HasSuffix(prefix, "if_") || strings.HasSuffix(call.Name, "_if")) && len(call.Args) > 1 && call.Name != "countif" {
		name = prefix + byName(call.Args[0], 0)
	}
	if strings.HasPrefix(call.Name, "covariance") && len(call.Args) > 1 {
		// Two columns, two names: covariance_x_y.
		name = prefix + byName(call.Args[0], 0) + "_" + byName(call.Args[1], 0)
	}
	one := func(sqlText string, typ schema.Type) ([]string, []schema.Type, []string) {
		return []string{sqlText}, []schema.Type{typ}, []string{name}
	}
	filter := func(i int) string { return " FILTER (WHERE " + args[i].sql + ")" }
	sumType := plan.SumType
	switch call.Name {
	case "count":
		if len(args) > 0 {
			return one("count("+args[0].sql+")", schema.Long)
		}
		return one("count(*)", schema.Long)
	case "countif":
		need(1)
		return one("count(*)"+filter(0), schema.Long)
	case "dcount":
		need(1)
		return one("count(DISTINCT "+args[0].sql+")", schema.Long)
	case "dcountif":
		need(2)
		return one("count(DISTINCT "+args[0].sql+")"+filter(1), schema.Long)
	case "sum":
		need(1)
		return one("CAST(sum("+args[0].sql+") AS "+sqlgen.DuckDBType(sumType(args[0].typ))+")", sumType(args[0].typ))
	case "sumif":
		need(2)
		return one("CAST(sum("+args[0].sql+")"+filter(1)+" AS "+sqlgen.DuckDBType(sumType(args[0].typ))+")", sumType(args[0].typ))
	case "avg":
		need(1)
		if args[0].typ == schema.Timespan {
			return one("CAST(avg("+args[0].sql+") AS BIGINT)", schema.Timespan)
		}
		return one("avg("+c.convert(args[0], schema.Real, call)+")", schema.Real)
	case "avgif":
		need(2)
		return one("avg("+c.convert(args[0], schema.Real, call)+")"+filter(1), schema.Real)
	case "min", "max":
		need(1)
		return one(call.Name+"("+args[0].sql+")", args[0].typ)
	case "minif", "maxif":
		need(2)
		return one(strings.TrimSuffix(call.Name, "if")+"("+args[0].sql+")"+filter(1), args[0].typ)
	case "binary_all_and", "binary_all_or", "binary_all_xor":
		need(1)
		fn := "bit_" + strings.TrimPrefix(call.Name, "binary_all_")
		return one(fn+"("+c.convert(args[0], schema.Long, call)+")", schema.Long)
	case "take_any", "any":
		need(1)
		return one("any_value("+args[0].sql+")", args[0].typ)
	case "make_set", "make_list", "make_set_if", "make_list_if", "hll", "hll_if", "hll_merge", "tdigest", "tdigest_merge":
		// hll's sketch is the set of distinct values itself: exact, and
		// merged (hll_merge) and counted (dcount_hll) as a set; tdigest's
		// is the list of values, read by percentile_tdigest.
		need(1)
		cond := args[0].sql + " IS NOT NULL"
		if strings.HasSuffix(call.Name, "_if") {
			need(2)
			cond = args[1].sql + " AND " + cond
		}
		// The elements of array values are added one by one, as in Kusto.
		var elems string
		if args[0].typ == schema.Dynamic {
			elems = "flatten(list(CASE WHEN json_type(" + args[0].sql + ") = 'ARRAY' THEN CAST(" + args[0].sql + " AS JSON[]) ELSE [" + args[0].sql + "] END) FILTER (WHERE " + cond + "))"
		} else {
			elems = "list(" + c.convert(args[0], schema.Dynamic, call) + ") FILTER (WHERE " + cond + ")"
		}
		if strings.HasPrefix(call.Name, "make_set") || strings.HasPrefix(call.Name, "hll") {
			// Distinct, keeping the order values were first seen in.
			elems = "kql_distinct(" + elems + ")"
		}
		return one("coalesce(to_json("+elems+"), '[]'::JSON)", schema.Dynamic)
	case "make_bag", "make_bag_if":
		need(1)
		f := ""
		if call.Name == "make_bag_if" {
			need(2)
			f = filter(1)
		}
		return one(goCall("kql_make_bag", schema.Dynamic, "CAST(to_json(list("+args[0].sql+")"+f+") AS VARCHAR)").sql, schema.Dynamic)
	case "stdev", "stdevp", "variance", "variancep", "stdevif", "stdevpif", "varianceif", "variancepif":
		need(1)
		base := strings.TrimSuffix(call.Name, "if")
		fn := map[string]string{"stdev": "stddev_samp", "stdevp": "stddev_pop", "variance": "var_samp", "variancep": "var_pop"}[base]
		f := ""
		if base != call.Name {
			need(2)
			f = filter(1)
		}
		return one(fn+"("+c.convert(args[0], schema.Real, call)+")"+f, schema.Real)
	case "covariance", "covariancep", "covarianceif", "covariancepif":
		need(2)
		base := strings.TrimSuffix(call.Name, "if")
		fn := map[string]string{"covariance": "covar_samp", "covariancep": "covar_pop"}[base]
		f := ""
		if base != call.Name {
			need(3)
			f = filter(2)
		}
		return one(fn+"("+c.convert(args[0], schema.Real, call)+", "+c.convert(args[1], schema.Real, call)+")"+f, schema.Real)
	case "count_distinct", "count_distinctif":
		need(1)
		f := ""
		if call.Name == "count_distinctif" {
			need(2)
			f = filter(1)
		}
		return one("count(DISTINCT "+args[0].sql+")"+f, schema.Long)
	case "sum_distinct":
		need(1)
		return one("CAST(sum(DISTINCT "+args[0].sql+") AS "+sqlgen.DuckDBType(sumType(args[0].typ))+")", sumType(args[0].typ))
	case "take_anyif":
		need(2)
		return one("any_value("+args[0].sql+")"+filter(1), args[0].typ)
	case "make_list_with_nulls":
		need(1)
		return one("coalesce(to_json(list("+c.convert(args[0], schema.Dynamic, call)+")), '[]'::JSON)", schema.Dynamic)
	case "percentiles_array":
		need(2)
		var ps []string
		for _, p := range args[1:] {
			ps = append(ps, c.convert(scalar{"quantile_disc(" + args[0].sql + ", " + c.convert(p, schema.Real, call) + " / 100.0)", args[0].typ}, schema.Dynamic, call))
		}
		return one("to_json(["+strings.Join(ps, ", ")+"])", schema.Dynamic)
	case "percentile", "percentiles":
		need(2)
		var sqls []string
		var types []schema.Type
		var names []string
		base := byName(call.Args[0], 0)
		for _, p := range args[1:] {
			pv := strings.TrimSuffix(strings.TrimPrefix(p.sql, "CAST("), " AS BIGINT)")
			pv = strings.TrimSuffix(pv, " AS DOUBLE)")
			typ := args[0].typ
			sqls = append(sqls, "quantile_disc("+args[0].sql+", "+c.convert(p, schema.Real, call)+" / 100.0)")
			types = append(types, typ)
			names = append(names, "percentile_"+base+"_"+strings.ReplaceAll(pv, ".", "_"))
		}
		return sqls, types, names
	}
	c.fail(call, "Unknown aggregation function: '%s'", call.Name)
	return nil, nil, nil
}
