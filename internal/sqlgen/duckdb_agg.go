package sqlgen

import (
	"strings"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// aggSpelling spells a call of one aggregate function in DuckDB's SQL:
// one aggregate expression for each column it gives, of the types in
// results.
type aggSpelling func(d *DuckDB, args []Arg, results []schema.Type) []string

// duckdbAggs are the spellings of the aggregate functions.
var duckdbAggs = map[string]aggSpelling{}

// spellAggs adds spellings to duckdbAggs.
func spellAggs(as map[string]aggSpelling) {
	plan.Register(duckdbAggs, "DuckDB spelling of aggregate", as)
}

// Aggregate spells a call of an aggregate function.
func (d *DuckDB) Aggregate(fn string, args []Arg, results []schema.Type) ([]string, bool) {
	a, ok := duckdbAggs[fn]
	if !ok {
		return nil, false
	}
	return a(d, args, results), true
}

// aggOne is the spelling of an aggregate of one column.
func aggOne(s spelling) aggSpelling {
	return func(d *DuckDB, args []Arg, results []schema.Type) []string {
		return []string{s(d, args, results[0])}
	}
}

// aggOf is a SQL aggregate of the first argument, open being the SQL
// before it ("min(", "count(DISTINCT "), over the rows where argument
// cond holds; cond < 0 for all the rows.
func aggOf(open string, cond int) aggSpelling {
	return aggOne(func(_ *DuckDB, a []Arg, _ schema.Type) string {
		return open + a[0].SQL + ")" + aggFilter(a, cond)
	})
}

// aggFilter is the FILTER clause of an aggregate over the rows where
// argument cond holds; "" when cond < 0.
func aggFilter(a []Arg, cond int) string {
	if cond < 0 {
		return ""
	}
	return " FILTER (WHERE " + a[cond].SQL + ")"
}

// aggSum is sum(x), or with distinct sum(DISTINCT x), over the rows where
// argument cond holds, as the plan's type of the sum: DuckDB's sum of
// integers is a HUGEINT.
func aggSum(distinct string, cond int) aggSpelling {
	return aggOne(func(_ *DuckDB, a []Arg, result schema.Type) string {
		return "CAST(sum(" + distinct + a[0].SQL + ")" + aggFilter(a, cond) + " AS " + DuckDBType(result) + ")"
	})
}

// aggAvg is the mean over the rows where argument cond holds; DuckDB's mean
// of timespans, counts of ticks, is a real to be cut to a whole tick.
func aggAvg(cond int) aggSpelling {
	return aggOne(func(_ *DuckDB, a []Arg, result schema.Type) string {
		mean := "avg(" + a[0].SQL + ")" + aggFilter(a, cond)
		if result == schema.Timespan {
			return "CAST(" + mean + " AS BIGINT)"
		}
		return mean
	})
}

// aggCovariance is the SQL aggregate fn of the first two arguments over the
// rows where argument cond holds.
func aggCovariance(fn string, cond int) aggSpelling {
	return aggOne(func(_ *DuckDB, a []Arg, _ schema.Type) string {
		return fn + "(" + a[0].SQL + ", " + a[1].SQL + ")" + aggFilter(a, cond)
	})
}

// aggArray is the array of the values of the first argument that are not
// null, over the rows where argument cond holds (cond < 0: all the rows),
// distinct ones alone, in the order first seen, with distinct. The
// elements of array values are added one by one, as in Kusto. This is
// also hll's sketch (the set of distinct values itself: exact, merged by
// hll_merge and counted by dcount_hll as a set) and tdigest's (the list
// of values, read by percentile_tdigest).
func aggArray(distinct bool, cond int) aggSpelling {
	return aggOne(func(d *DuckDB, a []Arg, _ schema.Type) string {
		x := a[0].SQL
		where := x + " IS NOT NULL"
		if cond >= 0 {
			where = a[cond].SQL + " AND " + where
		}
		var elems string
		if a[0].Type == schema.Dynamic {
			elems = "flatten(list(CASE WHEN json_type(" + x + ") = 'ARRAY' THEN CAST(" + x + " AS JSON[]) ELSE [" + x + "] END) FILTER (WHERE " + where + "))"
		} else {
			elems = "list(" + d.Convert(a[0], schema.Dynamic) + ") FILTER (WHERE " + where + ")"
		}
		if distinct {
			elems = "kql_distinct(" + elems + ")"
		}
		return "coalesce(to_json(" + elems + "), '[]'::JSON)"
	})
}

// aggMakeBag merges the property bags of the first argument over the rows
// where argument cond holds, in Go (kql_make_bag).
func aggMakeBag(cond int) aggSpelling {
	return aggOne(func(_ *DuckDB, a []Arg, _ schema.Type) string {
		return goCall("kql_make_bag", schema.Dynamic, "CAST(to_json(list("+a[0].SQL+")"+aggFilter(a, cond)+") AS VARCHAR)")
	})
}

// aggQuantile is the nearest-rank percentile p (0 to 100) of x.
func aggQuantile(x, p Arg) string {
	return "quantile_disc(" + x.SQL + ", " + p.SQL + " / 100.0)"
}

// aggArgExtreme spells arg_max (extreme max, pick arg_max_null) or arg_min:
// extreme(x) for x, then pick(col, x) for each other column. DuckDB
// updates and combines all aggregates of one group from the same rows in
// the same order, and these all break ties the same way (the first row
// seen wins), so every column comes from the same row as Kusto promises;
// TestArgMaxColumnsFromOneRow holds DuckDB to that. This costs what
// hand-written per-column SQL costs, where packing the row into one
// struct cost about 1.6 times as much (docs/benchmarks.md, KQL). Rows
// whose x is null are skipped unless all of the group's are, and then
// Kusto still returns a row: first(col), which also takes every column
// from the same row; that fallback, which costs about 6% more, is left
// out where x is known never to be null (Arg.NotNull).
func aggArgExtreme(extreme, pick string) aggSpelling {
	return func(_ *DuckDB, a []Arg, _ []schema.Type) []string {
		by := a[0].SQL
		best := extreme + "(" + by + ")"
		out := []string{best}
		for _, c := range a[1:] {
			value := pick + "(" + c.SQL + ", " + by + ")"
			if !a[0].NotNull {
				value = "CASE WHEN " + best + " IS NULL THEN first(" + c.SQL + ") ELSE " + value + " END"
			}
			out = append(out, value)
		}
		return out
	}
}

func init() {
	spellAggs(map[string]aggSpelling{
		"count": aggOne(func(_ *DuckDB, a []Arg, _ schema.Type) string {
			if len(a) > 0 {
				return "count(" + a[0].SQL + ")"
			}
			return "count(*)"
		}),
		"countif":          aggOne(tmpl("count(*) FILTER (WHERE $1)")),
		"dcount":           aggOf("count(DISTINCT ", -1),
		"dcountif":         aggOf("count(DISTINCT ", 1),
		"count_distinct":   aggOf("count(DISTINCT ", -1),
		"count_distinctif": aggOf("count(DISTINCT ", 1),
		"sum":              aggSum("", -1),
		"sumif":            aggSum("", 1),
		"sum_distinct":     aggSum("DISTINCT ", -1),
		"avg":              aggAvg(-1),
		"avgif":            aggAvg(1),
		"min":              aggOf("min(", -1),
		"max":              aggOf("max(", -1),
		"minif":            aggOf("min(", 1),
		"maxif":            aggOf("max(", 1),
		"take_any":         aggAny,
		"any":              aggAny,
		"take_anyif": aggOne(func(_ *DuckDB, a []Arg, _ schema.Type) string {
			return anyValue(a, 1)
		}),
		"binary_all_and": aggOf("bit_and(", -1),
		"binary_all_or":  aggOf("bit_or(", -1),
		"binary_all_xor": aggOf("bit_xor(", -1),
		"make_set":       aggArray(true, -1),
		"make_set_if":    aggArray(true, 1),
		"make_list":      aggArray(false, -1),
		"make_list_if":   aggArray(false, 1),
		"hll":            aggArray(true, -1),
		"hll_if":         aggArray(true, 1),
		"hll_merge":      aggArray(true, -1),
		"tdigest":        aggArray(false, -1),
		"tdigest_merge":  aggArray(false, -1),
		// The plan converts the values to dynamic, nulls included.
		"make_list_with_nulls": aggOne(tmpl("coalesce(to_json(list($1)), '[]'::JSON)")),
		"make_bag":             aggMakeBag(-1),
		"make_bag_if":          aggMakeBag(1),
		"stdev":                aggOf("stddev_samp(", -1),
		"stdevp":               aggOf("stddev_pop(", -1),
		"variance":             aggOf("var_samp(", -1),
		"variancep":            aggOf("var_pop(", -1),
		"stdevif":              aggOf("stddev_samp(", 1),
		"stdevpif":             aggOf("stddev_pop(", 1),
		"varianceif":           aggOf("var_samp(", 1),
		"variancepif":          aggOf("var_pop(", 1),
		"covariance":           aggCovariance("covar_samp", -1),
		"covariancep":          aggCovariance("covar_pop", -1),
		"covarianceif":         aggCovariance("covar_samp", 2),
		"covariancepif":        aggCovariance("covar_pop", 2),
		"percentile":           aggPercentiles,
		"percentiles":          aggPercentiles,
		"percentiles_array": aggOne(func(d *DuckDB, a []Arg, _ schema.Type) string {
			ps := make([]string, len(a)-1)
			for i, p := range a[1:] {
				ps[i] = d.Convert(Arg{SQL: aggQuantile(a[0], p), Type: a[0].Type}, schema.Dynamic)
			}
			return "to_json([" + strings.Join(ps, ", ") + "])"
		}),
		"arg_max": aggArgExtreme("max", "arg_max_null"),
		"arg_min": aggArgExtreme("min", "arg_min_null"),
	})
}

// aggPercentiles is a column per percentile asked for.
func aggPercentiles(_ *DuckDB, a []Arg, _ []schema.Type) []string {
	out := make([]string, len(a)-1)
	for i, p := range a[1:] {
		out[i] = aggQuantile(a[0], p)
	}
	return out
}

// aggAny spells take_any: of one value, one that is not null nor empty
// if there is one (anyValue), as Kusto's take_any of one column tries to
// return; of several, first of each, which takes them all from the same
// row, the first of the group (see aggArgExtreme), as Kusto promises.
func aggAny(_ *DuckDB, a []Arg, _ []schema.Type) []string {
	if len(a) == 1 {
		return []string{anyValue(a, -1)}
	}
	out := make([]string, len(a))
	for i, x := range a {
		out[i] = "first(" + x.SQL + ")"
	}
	return out
}

// anyValue is a value of the first argument, over the rows where
// argument cond holds (cond < 0: all the rows): one that is not null,
// and, of a string, not empty, if there is one, as Kusto's take_any and
// take_anyif try to return.
func anyValue(a []Arg, cond int) string {
	x, filter := a[0], aggFilter(a, cond)
	if x.Type != schema.String {
		return "any_value(" + x.SQL + ")" + filter
	}
	nonEmpty := x.SQL + " <> ''"
	if cond >= 0 {
		nonEmpty = a[cond].SQL + " AND " + nonEmpty
	}
	return "coalesce(any_value(" + x.SQL + ") FILTER (WHERE " + nonEmpty + "), any_value(" + x.SQL + ")" + filter + ")"
}
