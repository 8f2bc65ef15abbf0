package sqlgen

import (
	"slices"
	"testing"
	"time"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

func TestEveryAggregateIsSpelled(t *testing.T) {
	for _, name := range plan.Aggs() {
		if _, ok := duckdbAggs[name]; !ok {
			t.Errorf("the aggregate %s has no DuckDB spelling", name)
		}
	}
	for name := range duckdbAggs {
		if !plan.IsAgg(name) {
			t.Errorf("%s is spelled but is no aggregate of the plan", name)
		}
	}
}

func TestAggregateSpellings(t *testing.T) {
	x := Arg{SQL: "x", Type: schema.Long}
	ts := Arg{SQL: "t", Type: schema.Timespan}
	s := Arg{SQL: "s", Type: schema.String}
	dyn := Arg{SQL: "d", Type: schema.Dynamic}
	p := Arg{SQL: "p", Type: schema.Bool}
	key := Arg{SQL: "k", Type: schema.DateTime}
	notNullKey := Arg{SQL: "k", Type: schema.DateTime, NotNull: true}
	p50, p95 := Arg{SQL: "50.0", Type: schema.Real}, Arg{SQL: "95.0", Type: schema.Real}
	l, r, d := schema.Long, schema.Real, schema.Dynamic
	for _, c := range []struct {
		fn      string
		args    []Arg
		results []schema.Type
		want    []string
	}{
		{"count", nil, []schema.Type{l}, []string{"count(*)"}},
		{"count", []Arg{x}, []schema.Type{l}, []string{"count(x)"}},
		{"countif", []Arg{p}, []schema.Type{l}, []string{"count(*) FILTER (WHERE p)"}},
		{"dcountif", []Arg{x, p}, []schema.Type{l}, []string{"count(DISTINCT x) FILTER (WHERE p)"}},
		// DuckDB's sum of integers is a HUGEINT: cast to the plan's type.
		{"sumif", []Arg{x, p}, []schema.Type{l}, []string{"CAST(sum(x) FILTER (WHERE p) AS BIGINT)"}},
		{"sum_distinct", []Arg{x}, []schema.Type{l}, []string{"CAST(sum(DISTINCT x) AS BIGINT)"}},
		// A mean of ticks is cut to a whole tick.
		{"avg", []Arg{ts}, []schema.Type{schema.Timespan}, []string{"CAST(avg(t) AS BIGINT)"}},
		{"avgif", []Arg{ts, p}, []schema.Type{schema.Timespan}, []string{"CAST(avg(t) FILTER (WHERE p) AS BIGINT)"}},
		{"avg", []Arg{{SQL: "v", Type: r}}, []schema.Type{r}, []string{"avg(v)"}},
		// take_any of one value is one that is not null (nor, of a
		// string, empty) if there is one; of several, the first row's,
		// every one from the same row.
		{"take_any", []Arg{x}, []schema.Type{l}, []string{"any_value(x)"}},
		{"take_any", []Arg{s}, []schema.Type{schema.String}, []string{"coalesce(any_value(s) FILTER (WHERE s <> ''), any_value(s))"}},
		{"take_any", []Arg{s, x}, []schema.Type{schema.String, l}, []string{"first(s)", "first(x)"}},
		{"take_anyif", []Arg{s, p}, []schema.Type{schema.String}, []string{"coalesce(any_value(s) FILTER (WHERE p AND s <> ''), any_value(s) FILTER (WHERE p))"}},
		{"take_anyif", []Arg{x, p}, []schema.Type{l}, []string{"any_value(x) FILTER (WHERE p)"}},
		{"covariancepif", []Arg{x, x, p}, []schema.Type{r}, []string{"covar_pop(x, x) FILTER (WHERE p)"}},
		// Values other than dynamic ones are converted; an array's
		// elements are added one by one.
		{"make_set_if", []Arg{s, p}, []schema.Type{d}, []string{"coalesce(to_json(kql_distinct(list(to_json(s)) FILTER (WHERE p AND s IS NOT NULL))), '[]'::JSON)"}},
		{"make_list", []Arg{dyn}, []schema.Type{d}, []string{"coalesce(to_json(flatten(list(CASE WHEN json_type(d) = 'ARRAY' THEN CAST(d AS JSON[]) ELSE [d] END) FILTER (WHERE d IS NOT NULL))), '[]'::JSON)"}},
		{"make_bag_if", []Arg{dyn, p}, []schema.Type{d}, []string{"CAST(kql_make_bag(CAST(to_json(list(d) FILTER (WHERE p)) AS VARCHAR)) AS JSON)"}},
		{"percentiles", []Arg{x, p50, p95}, []schema.Type{l, l}, []string{"quantile_disc(x, 50.0 / 100.0)", "quantile_disc(x, 95.0 / 100.0)"}},
		{"percentiles_array", []Arg{x, p50}, []schema.Type{d}, []string{"to_json([to_json(quantile_disc(x, 50.0 / 100.0))])"}},
		// arg_max's columns fall back to the first row where the key is
		// null throughout the group, unless it cannot be.
		{"arg_max", []Arg{key, s}, []schema.Type{schema.DateTime, schema.String}, []string{"max(k)", "CASE WHEN max(k) IS NULL THEN first(s) ELSE arg_max_null(s, k) END"}},
		{"arg_min", []Arg{notNullKey, s, x}, []schema.Type{schema.DateTime, schema.String, l}, []string{"min(k)", "arg_min_null(s, k)", "arg_min_null(x, k)"}},
	} {
		got, ok := NewDuckDB(time.Time{}).Aggregate(c.fn, c.args, c.results)
		if !ok || !slices.Equal(got, c.want) {
			t.Errorf("%s: %q %v, want %q", c.fn, got, ok, c.want)
		}
	}
	if _, ok := NewDuckDB(time.Time{}).Aggregate("strlen", nil, nil); ok {
		t.Error("strlen is spelled as an aggregate")
	}
}
