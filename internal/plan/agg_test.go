package plan

import (
	"errors"
	"slices"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// typeAggCall types a call of aggregate name whose arguments are columns
// of the given types (testCall).
func typeAggCall(name string, types ...schema.Type) (AggSig, error) {
	sig, known, err := TypeAgg(testCall(name, types...))
	if !known {
		return AggSig{}, errors.New(name + " is not an aggregate")
	}
	return sig, err
}

func TestAggTypes(t *testing.T) {
	i, l, r, s, b, d := schema.Int, schema.Long, schema.Real, schema.String, schema.Bool, schema.Dynamic
	ts, dt, dec := schema.Timespan, schema.DateTime, schema.Decimal
	types := func(ts ...schema.Type) []schema.Type { return ts }
	for _, c := range []struct {
		name    string
		args    []schema.Type
		params  []schema.Type
		results []schema.Type
		// err is the message of the error and col its column; empty
		// when the call types.
		err string
		col int
	}{
		{name: "count", results: types(l)},
		{name: "count", args: types(s), params: types(0), results: types(l)},
		{name: "count", args: types(s, s), err: "The function 'count' takes at most 1 arguments, got 2", col: 1},
		{name: "dcountif", args: types(s, b, l), params: types(0, 0, 0), results: types(l)},
		// A sum of integers is a long; of timespans and decimals their
		// type; of anything else a real.
		{name: "sum", args: types(i), params: types(0), results: types(l)},
		{name: "sum", args: types(ts), params: types(0), results: types(ts)},
		{name: "sum", args: types(dec), params: types(0), results: types(dec)},
		{name: "sum", args: types(s), params: types(0), results: types(r)},
		{name: "sumif", args: types(b, b), params: types(0, 0), results: types(l)},
		// A mean is a real, of the values read as reals, but that of
		// timespans, a timespan.
		{name: "avg", args: types(l), params: types(r), results: types(r)},
		{name: "avg", args: types(ts), params: types(0), results: types(ts)},
		{name: "avgif", args: types(ts, b), params: types(0, 0), results: types(ts)},
		{name: "avgif", args: types(i, b), params: types(r, 0), results: types(r)},
		{name: "avg", args: types(dt), err: "Cannot convert datetime to real", col: 10},
		// An *if aggregate's predicate must be a bool (or untyped null),
		// as where's must; the error is at the predicate.
		{name: "countif", args: types(0), params: types(0), results: types(l)},
		{name: "countif", args: types(d), err: "The predicate of countif must be bool, not dynamic", col: 10},
		{name: "sumif", args: types(l, s), err: "The predicate of sumif must be bool, not string", col: 20},
		{name: "make_list_if", args: types(s, dt, l), err: "The predicate of make_list_if must be bool, not datetime", col: 20},
		{name: "covarianceif", args: types(l, l, i), err: "The predicate of covarianceif must be bool, not int", col: 30},
		{name: "avgif", args: types(l, d), err: "The predicate of avgif must be bool, not dynamic", col: 20},
		{name: "avgif", args: types(i), err: "The function 'avgif' needs 2 arguments, got 1", col: 1},
		{name: "min", args: types(dt), params: types(0), results: types(dt)},
		{name: "maxif", args: types(s, b), params: types(0, 0), results: types(s)},
		// take_any gives a column per expression, of its type.
		{name: "take_any", args: types(s, l), params: types(0, 0), results: types(s, l)},
		{name: "any", args: types(dt), params: types(0), results: types(dt)},
		{name: "binary_all_xor", args: types(i), params: types(l), results: types(l)},
		{name: "binary_all_and", args: types(r), params: types(l), results: types(l)},
		// The arrays take values as they are, and a maximum size.
		{name: "make_set", args: types(s, l), params: types(0, 0), results: types(d)},
		{name: "make_list_if", args: types(l, b, l, l), err: "The function 'make_list_if' takes at most 3 arguments, got 4", col: 1},
		{name: "make_list_with_nulls", args: types(l), params: types(d), results: types(d)},
		{name: "stdevif", args: types(l, b), params: types(r, 0), results: types(r)},
		{name: "covarianceif", args: types(i, l, b), params: types(r, r, 0), results: types(r)},
		{name: "variance", args: types(ts), err: "Cannot convert timespan to real", col: 10},
		// A column for each percentile, of the values' type.
		{name: "percentile", args: types(ts, l), params: types(0, r), results: types(ts)},
		{name: "percentiles", args: types(i, l, r), params: types(0, r, r), results: types(i, i)},
		{name: "percentiles", args: types(i), err: "The function 'percentiles' needs 2 arguments, got 1", col: 1},
		{name: "percentiles", args: types(l, dt), err: "Cannot convert datetime to real", col: 20},
		{name: "percentiles_array", args: types(l, l, l), params: types(0, r, r), results: types(d)},
		// arg_max gives its key and each column after it.
		{name: "arg_max", args: types(dt, s, l), params: types(0, 0, 0), results: types(dt, s, l)},
		{name: "arg_min", args: types(l), params: types(0), results: types(l)},
		{name: "arg_max", err: "The function 'arg_max' needs 1 arguments, got 0", col: 1},
	} {
		sig, err := typeAggCall(c.name, c.args...)
		if c.err != "" {
			var kerr *kql.Error
			if !errors.As(err, &kerr) || kerr.Msg != c.err || kerr.Pos.Column != c.col {
				t.Errorf("%s%v: error %v, want %q at column %d", c.name, c.args, err, c.err, c.col)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s%v: %v", c.name, c.args, err)
			continue
		}
		if !slices.Equal(sig.Params, c.params) || !slices.Equal(sig.Results, c.results) {
			t.Errorf("%s%v: params %v results %v, want %v %v", c.name, c.args, sig.Params, sig.Results, c.params, c.results)
		}
	}
}

func TestAggNames(t *testing.T) {
	if _, known, _ := TypeAgg(&kql.Call{Name: "strlen"}, nil); known || IsAgg("strlen") {
		t.Error("strlen is not an aggregate")
	}
	if !IsAgg("dcount") || !slices.Contains(Aggs(), "make_bag_if") {
		t.Error("dcount and make_bag_if are aggregates")
	}
	for name, want := range map[string]string{
		"count": "count_", "make_set_if": "set_", "make_list_with_nulls": "list_",
		"percentiles": "percentile_", "percentiles_array": "percentiles_",
		"arg_max": "max_", "arg_min": "min_", "strlen": "",
	} {
		if got := AggPrefix(name); got != want {
			t.Errorf("AggPrefix(%s) = %q, want %q", name, got, want)
		}
	}
}
