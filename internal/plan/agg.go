package plan

import (
	"maps"
	"slices"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// Agg is the typing rule of an aggregate function, which summarize,
// make-series, top-nested and pivot call over the rows of a group.
type Agg struct {
	// Func types the call as a scalar function's rule does: the number
	// of arguments, the types they are converted to, and Result, the type
	// of the aggregate's one column.
	Func
	// Prefix begins the default name Kusto gives the aggregate's column:
	// sum_ in sum_Duration, count_ alone for count().
	Prefix string
	// Columns, when set, are the types of the columns of an aggregate
	// that gives several (percentiles, arg_max), from its arguments; it
	// replaces Result.
	Columns func(args []Arg) []schema.Type
}

// AggSig is a typed call of an aggregate function: the type each
// argument is converted to (0 passes it as it is) and the type of each
// column the aggregate gives.
type AggSig struct {
	Params  []schema.Type
	Results []schema.Type
}

// aggs are the aggregate functions by name.
var aggs = map[string]Agg{}

// defineAggs adds aggregate functions to aggs.
func defineAggs(as map[string]Agg) { Register(aggs, "aggregate", as) }

// TypeAgg types a call of an aggregate function, or says what is wrong
// with it; known is false when there is no such aggregate. args are the
// call's arguments but a `*`, which the caller expands or drops.
func TypeAgg(call *kql.Call, args []Arg) (sig AggSig, known bool, err error) {
	a, known := aggs[call.Name]
	if !known {
		return AggSig{}, false, nil
	}
	s, err := a.typeCall(call, args)
	if err != nil {
		return AggSig{}, true, err
	}
	sig = AggSig{Params: s.Params, Results: []schema.Type{s.Result}}
	if a.Columns != nil {
		sig.Results = a.Columns(args)
	}
	return sig, true, nil
}

// IsAgg reports whether name is an aggregate function.
func IsAgg(name string) bool {
	_, ok := aggs[name]
	return ok
}

// Aggs are the names of the aggregate functions, sorted.
func Aggs() []string { return slices.Sorted(maps.Keys(aggs)) }

// AggPrefix is the beginning of the default name of the column of
// aggregate name (Agg.Prefix); "" for a name that is no aggregate.
func AggPrefix(name string) string { return aggs[name].Prefix }

// agg is the rule of an aggregate typed by f whose column's default name
// begins with prefix.
func agg(prefix string, f Func) Agg { return Agg{Func: f, Prefix: prefix} }

// sameType is the rule of an aggregate from min to max arguments whose
// column has its first argument's type: min(x), take_any(x).
func sameType(min, max int) Func {
	return Func{Min: min, Max: max, Check: func(_ *kql.Call, args []Arg) (Sig, error) {
		return Sig{Result: args[0].Type}, nil
	}}
}

// sumOf is the rule of sum and its variants: a sum of integers is a
// long, of timespans or decimals a value of their type, of anything else
// a real (SumType).
func sumOf(min, max int) Func {
	return Func{Min: min, Max: max, Check: func(_ *kql.Call, args []Arg) (Sig, error) {
		return Sig{Result: SumType(args[0].Type)}, nil
	}}
}

// avgOf is the rule of avg and avgif: the mean of timespans is a
// timespan, that of anything else a real, the values read as reals.
func avgOf(min, max int) Func {
	return Func{Min: min, Max: max, Check: func(_ *kql.Call, args []Arg) (Sig, error) {
		if args[0].Type == schema.Timespan {
			return Sig{Result: schema.Timespan}, nil
		}
		// The predicate of avgif is passed as it is, a bool.
		return Sig{Params: []schema.Type{schema.Real, 0}, Result: schema.Real}, nil
	}}
}

// withPredicate is the rule f of an *if aggregate whose argument pred is
// its predicate, which must be a bool (or an untyped null) as where's
// must: another type is an error at the argument.
func withPredicate(pred int, f Func) Func {
	inner := f
	f.Check = func(call *kql.Call, args []Arg) (Sig, error) {
		if err := checkBool(call, args[pred], "predicate"); err != nil {
			return Sig{}, err
		}
		if inner.Check != nil {
			return inner.Check(call, args)
		}
		return Sig{Params: inner.Params, Result: inner.Result}, nil
	}
	return f
}

// eachPercentile gives a column per percentile asked for, each of the
// values' type: percentiles(x, 50, 95) is a column for the median and
// one for the 95th percentile.
func eachPercentile(args []Arg) []schema.Type {
	out := make([]schema.Type, len(args)-1)
	for i := range out {
		out[i] = args[0].Type
	}
	return out
}

// eachArg gives a column per argument, of its type: arg_max(x, a, b) is
// the greatest x and a and b from its row.
func eachArg(args []Arg) []schema.Type {
	out := make([]schema.Type, len(args))
	for i, a := range args {
		out[i] = a.Type
	}
	return out
}

func init() {
	lng, dbl, dyn := schema.Long, schema.Real, schema.Dynamic
	// Predicates (the *if variants' last arguments but an optional size
	// or accuracy) must be bools (withPredicate).
	defineAggs(map[string]Agg{
		// Kusto documents count() without an argument, but its own
		// examples count(x), the rows where x is not null.
		"count":   agg("count_", fixed(lng, 0, 1)),
		"countif": agg("countif_", withPredicate(0, fixed(lng, 1, 1))),
		// dcount's second argument is the accuracy of Kusto's estimate;
		// Vigil counts exactly.
		"dcount":           agg("dcount_", fixed(lng, 1, 2)),
		"dcountif":         agg("dcountif_", withPredicate(1, fixed(lng, 2, 3))),
		"count_distinct":   agg("count_distinct_", fixed(lng, 1, 1)),
		"count_distinctif": agg("count_distinctif_", withPredicate(1, fixed(lng, 2, 2))),
		"sum":              agg("sum_", sumOf(1, 1)),
		"sumif":            agg("sumif_", withPredicate(1, sumOf(2, 2))),
		"sum_distinct":     agg("sum_distinct_", sumOf(1, 1)),
		"avg":              agg("avg_", avgOf(1, 1)),
		"avgif":            agg("avgif_", withPredicate(1, avgOf(2, 2))),
		"min":              agg("min_", sameType(1, 1)),
		"max":              agg("max_", sameType(1, 1)),
		"minif":            agg("minif_", withPredicate(1, sameType(2, 2))),
		"maxif":            agg("maxif_", withPredicate(1, sameType(2, 2))),
		// take_any(a, b) gives a column for each, from one row; its
		// unnamed expressions are any_argN (AnyName).
		"take_any":       {Func: Func{Min: 1, Max: -1}, Prefix: "any_", Columns: eachArg},
		"any":            {Func: Func{Min: 1, Max: -1}, Prefix: "any_", Columns: eachArg},
		"take_anyif":     agg("take_anyif_", withPredicate(1, sameType(2, 2))),
		"binary_all_and": agg("binary_all_and_", fixed(lng, 1, 1, lng)),
		"binary_all_or":  agg("binary_all_or_", fixed(lng, 1, 1, lng)),
		"binary_all_xor": agg("binary_all_xor_", fixed(lng, 1, 1, lng)),
		// The array aggregates take the values as they are, an array's
		// elements one by one (the spelling converts the others). Their
		// optional last argument is the maximum size, which Vigil does
		// not apply.
		"make_set":             agg("set_", fixed(dyn, 1, 2)),
		"make_set_if":          agg("set_", withPredicate(1, fixed(dyn, 2, 3))),
		"make_list":            agg("list_", fixed(dyn, 1, 2)),
		"make_list_if":         agg("list_", withPredicate(1, fixed(dyn, 2, 3))),
		"make_list_with_nulls": agg("list_", fixed(dyn, 1, 1, dyn)),
		"make_bag":             agg("make_bag_", fixed(dyn, 1, 2)),
		"make_bag_if":          agg("make_bag_", withPredicate(1, fixed(dyn, 2, 3))),
		// hll's sketch is the set of distinct values, tdigest's the list
		// of values; their second argument (accuracy, weight) is not
		// applied.
		"hll":           agg("hll_", fixed(dyn, 1, 2)),
		"hll_if":        agg("hll_if_", withPredicate(1, fixed(dyn, 2, 3))),
		"hll_merge":     agg("hll_merge_", fixed(dyn, 1, 1)),
		"tdigest":       agg("tdigest_", fixed(dyn, 1, 2)),
		"tdigest_merge": agg("tdigest_merge_", fixed(dyn, 1, 1)),
		"stdev":         agg("stdev_", fixed(dbl, 1, 1, dbl)),
		"stdevp":        agg("stdevp_", fixed(dbl, 1, 1, dbl)),
		"variance":      agg("variance_", fixed(dbl, 1, 1, dbl)),
		"variancep":     agg("variancep_", fixed(dbl, 1, 1, dbl)),
		"stdevif":       agg("stdevif_", withPredicate(1, fixed(dbl, 2, 2, dbl, 0))),
		"stdevpif":      agg("stdevpif_", withPredicate(1, fixed(dbl, 2, 2, dbl, 0))),
		"varianceif":    agg("varianceif_", withPredicate(1, fixed(dbl, 2, 2, dbl, 0))),
		"variancepif":   agg("variancepif_", withPredicate(1, fixed(dbl, 2, 2, dbl, 0))),
		"covariance":    agg("covariance_", fixed(dbl, 2, 2, dbl)),
		"covariancep":   agg("covariancep_", fixed(dbl, 2, 2, dbl)),
		"covarianceif":  agg("covarianceif_", withPredicate(2, fixed(dbl, 3, 3, dbl, dbl, 0))),
		"covariancepif": agg("covariancepif_", withPredicate(2, fixed(dbl, 3, 3, dbl, dbl, 0))),
		// The percentiles are numbers (reals), the values as they are.
		"percentile":        {Func: fixed(0, 2, 2, 0, dbl), Prefix: "percentile_", Columns: eachPercentile},
		"percentiles":       {Func: fixed(0, 2, -1, 0, dbl), Prefix: "percentile_", Columns: eachPercentile},
		"percentiles_array": agg("percentiles_", fixed(dyn, 2, -1, 0, dbl)),
		// arg_max(x, a, b): the greatest x, and a and b from its row. The
		// prefix names the first column when x is not a column.
		"arg_max": {Func: Func{Min: 1, Max: -1}, Prefix: "max_", Columns: eachArg},
		"arg_min": {Func: Func{Min: 1, Max: -1}, Prefix: "min_", Columns: eachArg},
	})
}
