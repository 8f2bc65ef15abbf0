package plan

import (
	"errors"
	"slices"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

func TestAggDefaultNames(t *testing.T) {
	for _, c := range []struct {
		call string
		want []string
		err  string // the error's message, at column errCol
		col  int
	}{
		{call: "count()", want: []string{"count_"}},
		{call: "sum(Duration)", want: []string{"sum_Duration"}},
		{call: "sum(d.a)", want: []string{"sum_d_a"}},
		// An expression gives the prefix alone, less its '_'.
		{call: "avg(x * 2)", want: []string{"avg"}},
		{call: "countif(ok)", want: []string{"countif_"}},
		{call: "sumif(x, ok)", want: []string{"sumif_x"}},
		{call: "take_anyif(User, ok)", want: []string{"User"}},
		{call: "take_any(User, x + 1)", want: []string{"User", "any_arg1"}},
		{call: "any(User)", want: []string{"any_User"}},
		{call: "covariance(x, y)", want: []string{"covariance_x_y"}},
		{call: "percentiles(Duration, 50, 99.9)", want: []string{"percentile_Duration_50", "percentile_Duration_99_9"}},
		{call: "percentile(Duration, p)", err: "The percentile must be a constant number", col: 28},
	} {
		call := parseExpr(t, c.call).(*kql.Call)
		// The arguments as the plan has them: a literal is a constant,
		// a name (a column) is not.
		args := make([]Expr, len(call.Args))
		for i, a := range call.Args {
			switch v := Const(a).(type) {
			case int64:
				args[i] = &Literal{T: schema.Long, Value: v, Plain: true}
			case float64:
				args[i] = &Literal{T: schema.Real, Value: v, Plain: true}
			}
		}
		names, err := AggNames(call, args)
		if c.err != "" {
			var e *kql.Error
			if !errors.As(err, &e) || e.Msg != c.err || e.Pos.Column != c.col {
				t.Errorf("%s: error %v, want %q at column %d", c.call, err, c.err, c.col)
			}
			continue
		}
		if err != nil || !slices.Equal(names, c.want) {
			t.Errorf("%s: names %q (%v), want %q", c.call, names, err, c.want)
		}
	}
}

func TestUniqueNames(t *testing.T) {
	used := Names{"x": true}
	var got []string
	for _, name := range []string{"x", "x", "y", "x1"} {
		got = append(got, used.Unique(name))
	}
	if want := []string{"x1", "x2", "y", "x11"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
