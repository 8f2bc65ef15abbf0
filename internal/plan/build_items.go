package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

// Element is a value among several that one function gives, which
// extend and project make a column each (a tuple assignment, (a, b) =
// f(x), names them): the member Field of X, a bag, converted to T
// (series_stats and the like); or, with no Field, the element Index of
// X, an array of them (array_sort_asc over several arrays), as dynamic.
type Element struct {
	X     Expr
	Field string
	Index int
	T     schema.Type
}

// Type is the element's type.
func (x *Element) Type() schema.Type { return x.T }

// items builds the items of project, extend or print over the columns
// in (nil for print): for each, the column it computes and its
// expression, or several for a function that gives several values
// (tupleFields, array_sort_* over several arrays). name names an item
// of one value (ItemName, PrintName). An untyped null makes a column of
// ColumnType(0).
func (b *Builder) items(items []kql.NamedExpr, in []Column, name func(kql.NamedExpr, int) string) (cols []Column, exprs []Expr) {
	add := func(col string, x Expr) {
		if x.Type() == 0 {
			x = &Literal{T: ColumnType(0)}
		}
		cols, exprs = append(cols, Column{Name: col, Type: x.Type()}), append(exprs, x)
	}
	for i, it := range items {
		if call, ok := it.Expr.(*kql.Call); ok && len(call.Args) > 0 {
			if n, x, ok := b.sortArrays(call, it, in); ok {
				for k := range n {
					name := ByName(call.Args[k], k) + "_sorted"
					if it.Names != nil {
						if k >= len(it.Names) {
							break
						}
						name = it.Names[k]
					}
					add(name, &Element{X: x, Index: k, T: schema.Dynamic})
				}
				continue
			}
			if t, ok := tupleFields[call.Name]; ok {
				// series_stats(x) and the like: a column per statistic.
				bag := b.expr(&kql.Call{P: call.P, Name: t.dynamic, Args: call.Args}, in)
				if it.Names != nil && len(it.Names) > len(t.fields) {
					fail(call, "%s gives %d columns, not %d", call.Name, len(t.fields), len(it.Names))
				}
				for k, f := range t.fields {
					name := call.Name + "_" + ByName(call.Args[0], 0) + "_" + f.Name
					switch {
					case it.Names != nil && k >= len(it.Names):
						continue
					case it.Names != nil:
						name = it.Names[k]
					case it.Name != "":
						name = it.Name + "_" + f.Name
					}
					add(name, &Element{X: bag, Field: f.Name, T: f.Type})
				}
				continue
			}
		}
		if it.Names != nil {
			fail(it.Expr, "A tuple (a, b) = ... needs a function that gives several columns, such as series_stats")
		}
		add(name(it, i), b.expr(it.Expr, in))
	}
	return cols, exprs
}

// sortArrays builds array_sort_asc/_desc over several arrays, or one
// assigned to a tuple: n columns, one per array, the elements of x.
// ok is false for any other call, and for one array or a call assigned
// to one name, which are a plain expression (an array of arrays when
// there are several).
func (b *Builder) sortArrays(call *kql.Call, it kql.NamedExpr, in []Column) (n int, x Expr, ok bool) {
	if (call.Name != "array_sort_asc" && call.Name != "array_sort_desc") || it.Name != "" {
		return 0, nil, false
	}
	args := make([]Arg, len(call.Args))
	for i, e := range call.Args {
		args[i] = Arg{Expr: e, Type: b.expr(e, in).Type()}
	}
	n = SortArrays(args)
	if n < 2 && it.Names == nil {
		return 0, nil, false
	}
	if it.Names != nil && len(it.Names) > n {
		fail(call, "%s gives %d columns, not %d", call.Name, n, len(it.Names))
	}
	var sorted kql.Expr = call
	if n == 1 {
		// One array is one column: the element of an array of it.
		sorted = &kql.Call{P: call.P, Name: "pack_array", Args: []kql.Expr{call}}
	}
	return n, b.expr(sorted, in), true
}

// tupleFields are the series functions that, in extend or project,
// give several columns: the fields of the bag the dynamic function
// returns, named by a tuple assignment, (a, b) = f(x), or else
// <name>_<field> when assigned to a name and <function>_<argument>_<field>
// when not.
var tupleFields = map[string]struct {
	dynamic string
	fields  []Column
}{
	"series_stats": {"series_stats_dynamic", []Column{{Name: "min", Type: schema.Real}, {Name: "min_idx", Type: schema.Long},
		{Name: "max", Type: schema.Real}, {Name: "max_idx", Type: schema.Long}, {Name: "avg", Type: schema.Real},
		{Name: "stdev", Type: schema.Real}, {Name: "variance", Type: schema.Real}}},
	"series_fit_line": {"series_fit_line_dynamic", []Column{{Name: "rsquare", Type: schema.Real}, {Name: "slope", Type: schema.Real},
		{Name: "variance", Type: schema.Real}, {Name: "rvariance", Type: schema.Real}, {Name: "interception", Type: schema.Real},
		{Name: "line_fit", Type: schema.Dynamic}}},
	"series_decompose_anomalies": {"series_decompose_anomalies", []Column{{Name: "ad_flag", Type: schema.Dynamic},
		{Name: "ad_score", Type: schema.Dynamic}, {Name: "baseline", Type: schema.Dynamic}}},
	"series_fit_2lines": {"series_fit_2lines_dynamic", fit2LinesFields()},
	"series_fit_poly": {"series_fit_poly_dynamic", []Column{{Name: "rsquare", Type: schema.Real},
		{Name: "coefficients", Type: schema.Dynamic}, {Name: "variance", Type: schema.Real},
		{Name: "rvariance", Type: schema.Real}, {Name: "poly_fit", Type: schema.Dynamic}}},
	"series_decompose": {"series_decompose", []Column{{Name: "baseline", Type: schema.Dynamic},
		{Name: "seasonal", Type: schema.Dynamic}, {Name: "trend", Type: schema.Dynamic}, {Name: "residual", Type: schema.Dynamic}}},
	"series_periods_detect": {"series_periods_detect", []Column{{Name: "periods", Type: schema.Dynamic},
		{Name: "scores", Type: schema.Dynamic}}},
	"series_periods_validate": {"series_periods_validate", []Column{{Name: "periods", Type: schema.Dynamic},
		{Name: "scores", Type: schema.Dynamic}}},
}

// fit2LinesFields are series_fit_2lines' columns, in Kusto's order.
func fit2LinesFields() []Column {
	fields := []Column{{Name: "rsquare", Type: schema.Real}, {Name: "split_idx", Type: schema.Long},
		{Name: "variance", Type: schema.Real}, {Name: "rvariance", Type: schema.Real}, {Name: "line_fit", Type: schema.Dynamic}}
	for _, side := range []string{"right", "left"} {
		for _, f := range []string{"rsquare", "slope", "interception", "variance", "rvariance"} {
			fields = append(fields, Column{Name: side + "_" + f, Type: schema.Real})
		}
	}
	return fields
}
