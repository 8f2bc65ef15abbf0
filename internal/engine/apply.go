package engine

import (
	"fmt"
	"sort"
	"strings"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// mvExpand expands dynamic arrays (and bags, a row per property) into
// rows (plan.MvExpand).
func (c *compiler) mvExpand(in *relation, op *kql.MvExpand) *relation {
	var items []plan.MvExpandValue
	for i, it := range op.Items {
		v := c.expr(it.Expr, in)
		out, err := plan.MvExpandItem(it, i, v.typ, op.ToType[i])
		if err != nil {
			panic(failure{err})
		}
		items = append(items, plan.MvExpandValue{X: v.x, Column: out})
	}
	var limit plan.Expr
	if op.Limit != nil {
		limit = c.expr(op.Limit, nil).x
	}
	out := c.rendered(plan.NewMvExpand(in, items, op.BagExpansion == "array", op.ItemIndex, limit))
	out.render = in.render
	return out
}

// mvApply runs the subquery once per input row, over that row with its
// arrays expanded (plan.Apply); a row whose subquery returns nothing is
// dropped.
func (c *compiler) mvApply(in *relation, op *kql.MvApply) *relation {
	c.applyDepth++
	defer func() { c.applyDepth-- }()
	row := c.rendered(&plan.OuterRow{Of: plan.Outer{Depth: c.applyDepth}, Cols: in.Columns()})
	expanded := c.mvExpand(row, &kql.MvExpand{P: op.P, Items: op.Items, ToType: op.ToType, ItemIndex: op.ItemIndex})
	saved, savedScope := c.applySrc, c.b.Scope
	// Names the subquery binds (as) read the outer row, so they stay
	// inside it.
	c.applySrc, c.b.Scope = expanded, plan.NewScope(savedScope)
	sub := c.tabular(op.Sub)
	c.applySrc, c.b.Scope = saved, savedScope
	out := c.rendered(plan.NewApply(in, op.Items, c.applyDepth, sub))
	out.render = in.render
	return out
}

// evaluate runs a plugin.
func (c *compiler) evaluate(in *relation, op *kql.Evaluate) *relation {
	switch op.Name {
	case "bag_unpack":
		return c.bagUnpack(in, op)
	case "pivot":
		return c.pivot(in, op)
	case "ipv4_lookup":
		return c.ipv4Lookup(in, op)
	case "narrow":
		return c.narrow(in, op)
	case "schema_merge":
		return c.schemaMerge(in, op)
	case "rolling_percentile":
		return c.rollingPercentile(in, op)
	case "activity_counts_metrics":
		return c.activityCountsMetrics(in, op)
	case "activity_engagement":
		return c.activityEngagement(in, op)
	case "sliding_window_counts":
		return c.slidingWindowCounts(in, op)
	case "active_users_count":
		return c.activeUsersCount(in, op)
	}
	c.fail(op, "The plugin '%s' is not supported", op.Name)
	return nil
}

// bagUnpack turns the properties of a dynamic column into columns, in
// the order of their names (plan.BagUnpack). Which properties exist is
// read from the data when the query is compiled; a property whose values
// all have one JSON type gets that type, otherwise it stays dynamic.
func (c *compiler) bagUnpack(in *relation, op *kql.Evaluate) *relation {
	if len(op.Args) < 1 {
		c.fail(op, "bag_unpack needs the dynamic column to unpack")
	}
	v := c.expr(op.Args[0], in)
	if v.typ != schema.Dynamic {
		c.fail(op.Args[0], "bag_unpack needs a dynamic column, not %s", v.typ)
	}
	prefix := ""
	if len(op.Args) > 1 {
		prefix = c.constString(op.Args[1])
	}
	conflict := "error"
	if e, ok := op.Named["columnsConflict"]; ok {
		conflict = c.constString(e)
	}
	ignored := map[string]bool{}
	if e, ok := op.Named["ignoredProperties"]; ok {
		for _, k := range c.constStrings(e) {
			ignored[k] = true
		}
	}
	keys := c.probe(op, c.r.BagKeys(in, v.x))
	sort.Slice(keys, func(i, j int) bool { return keys[i][0] < keys[j][0] })
	props := make([]plan.BagProperty, len(keys))
	for i, k := range keys {
		props[i] = plan.BagProperty{Key: k[0], Type: jsonKindType(k[1])}
	}
	var source string
	if id, ok := op.Args[0].(*kql.Ident); ok {
		source = id.Name
	}
	n, err := plan.BagUnpack(in, v.x, source, props, prefix, conflict, ignored, op.P)
	if err != nil {
		panic(failure{err})
	}
	out := c.rendered(n)
	out.render = in.render
	return out
}

// pivot turns the distinct values of a column into columns (plan.Pivot):
// per value the aggregate (count() by default) over that value's rows.
// The values are read from the data when the query is compiled, in their
// text's order.
func (c *compiler) pivot(in *relation, op *kql.Evaluate) *relation {
	if len(op.Args) < 1 {
		c.fail(op, "pivot needs the column whose values become columns")
	}
	n := &plan.Pivot{Input: in, Key: c.converted(c.expr(op.Args[0], in), schema.String, op.Args[0]), KeyName: plan.Apart(in.Columns(), "_pv")}
	agg := &kql.Call{P: op.P, Name: "count"}
	rest := op.Args[1:]
	if len(rest) > 0 {
		if call, ok := rest[0].(*kql.Call); ok {
			if plan.IsAgg(call.Name) {
				agg, rest = call, rest[1:]
			}
		}
	}
	for i, by := range rest {
		n.By = append(n.By, plan.Named{Name: plan.ByName(by, i), Expr: c.expr(by, in).x})
	}
	values := c.probe(op, c.r.PivotValues(in, n.Key))
	// Each value's aggregate sees only its rows: the argument is nulled
	// elsewhere (aggregates skip nulls), count() becomes countif().
	withKey := &relation{cols: append(append([]col{}, in.cols...), col{name: n.KeyName, typ: schema.String, hidden: true})}
	for _, v := range values {
		match := &kql.Binary{P: op.P, Op: "==", L: &kql.Ident{P: op.P, Name: n.KeyName}, R: &kql.Literal{P: op.P, Kind: kql.LitString, Value: v[0]}}
		call := &kql.Call{P: agg.P, Name: "countif", Args: []kql.Expr{match}}
		if agg.Name != "count" || len(agg.Args) > 0 {
			if len(agg.Args) == 0 {
				c.fail(agg, "pivot needs an aggregate of a column, such as sum(x)")
			}
			args := append([]kql.Expr{&kql.Call{P: agg.P, Name: "iff", Args: []kql.Expr{match, agg.Args[0], &kql.Literal{P: agg.P, Kind: kql.LitNull}}}}, agg.Args[1:]...)
			call = &kql.Call{P: agg.P, Name: agg.Name, Args: args}
		}
		a, _, err := c.b.AggCall(call, withKey.Columns())
		if err != nil {
			panic(failure{err})
		}
		if len(a.Sig.Results) != 1 {
			c.fail(agg, "pivot takes an aggregate of one value, not %s", agg.Name)
		}
		n.Values = append(n.Values, plan.AggItem{Call: a, Names: []string{v[0]}})
	}
	if len(n.By)+len(n.Values) == 0 {
		c.fail(op, "pivot leaves no columns")
	}
	out := c.rendered(n)
	out.render = in.render
	return out
}

// jsonKindType is the KQL type for values of the JSON types listed (as
// DuckDB's json_type names them, in a list's text form).
func jsonKindType(kinds string) schema.Type {
	list := strings.Split(strings.Trim(kinds, "[]"), ", ")
	var known []string
	for _, k := range list {
		if k != "NULL" && k != "" {
			known = append(known, k)
		}
	}
	if len(known) != 1 {
		return schema.Dynamic
	}
	switch known[0] {
	case "BIGINT", "UBIGINT":
		return schema.Long
	case "DOUBLE":
		return schema.Real
	case "VARCHAR":
		return schema.String
	case "BOOLEAN":
		return schema.Bool
	}
	return schema.Dynamic
}

// probe runs a query while compiling, for operators whose output columns
// depend on the data (bag_unpack); each row comes back as text.
func (c *compiler) probe(n kql.Node, query string) [][]string {
	if c.db == nil {
		c.fail(n, "This operator needs to read the data to know its columns")
	}
	rows, err := c.db.QueryContext(c.ctx, c.r.With(query))
	if err != nil {
		panic(failure{queryError(c.ctx, err)})
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals, err := sqlgen.ScanRow(rows, len(cols))
		if err != nil {
			panic(failure{queryError(c.ctx, err)})
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			switch x := v.(type) {
			case []any:
				var parts []string
				for _, e := range x {
					parts = append(parts, fmt.Sprint(e))
				}
				row[i] = "[" + strings.Join(parts, ", ") + "]"
			default:
				row[i] = fmt.Sprint(v)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		panic(failure{queryError(c.ctx, err)})
	}
	return out
}

// constString is the value of a constant string argument: a literal, or
// a let or parameter bound to one (compiler.constant).
func (c *compiler) constString(e kql.Expr) string {
	s, ok := c.constant(e).(string)
	if !ok {
		c.fail(e, "Expected a constant string")
	}
	return s
}

// constStrings is the value of a constant dynamic array of strings.
func (c *compiler) constStrings(e kql.Expr) []string {
	var arr *kql.ArrayLit
	switch x := e.(type) {
	case *kql.TypedLit:
		arr, _ = x.Dyn.(*kql.ArrayLit)
	case *kql.ArrayLit:
		arr = x
	}
	if arr == nil {
		c.fail(e, "Expected a constant dynamic array of strings")
	}
	var out []string
	for _, el := range arr.Elems {
		out = append(out, c.constString(el))
	}
	return out
}

// parseKv extracts the listed keys from key/value text into typed
// columns (plan.ParseKv; kql_parse_kv in gofuncs.go does the scanning).
func (c *compiler) parseKv(in *relation, op *kql.ParseKv) *relation {
	x := c.expr(op.X, in)
	opts := map[string]any{}
	for k, e := range op.Options {
		switch k {
		case "pair_delimiter", "kv_delimiter", "quote", "escape":
			opts[k] = c.constString(e)
		case "greedy":
			lit, ok := e.(*kql.Literal)
			opts[k] = ok && lit.Kind == kql.LitBool && lit.Value == "true"
		default:
			c.fail(e, "parse-kv has no option '%s'", k)
		}
	}
	n, err := plan.NewParseKv(in, x.x, op, opts)
	if err != nil {
		panic(failure{err})
	}
	out := c.rendered(n)
	out.render = in.render
	return out
}
