package plan

import (
	"testing"

	"vigil/internal/kql"
)

func TestRewriteAround(t *testing.T) {
	call := parseExpr(t, "around(x, c, d)").(*kql.Call)
	x, ok, err := Rewrite(call, nil)
	if !ok || err != nil {
		t.Fatalf("around: %v %v", ok, err)
	}
	b, isBetween := x.(*kql.Between)
	if !isBetween || b.Not || b.X != call.Args[0] {
		t.Fatalf("around is %#v, want x between (...)", x)
	}
	lo, _ := b.Lo.(*kql.Binary)
	hi, _ := b.Hi.(*kql.Binary)
	if lo == nil || hi == nil || lo.Op != "-" || hi.Op != "+" || lo.L != call.Args[1] || lo.R != call.Args[2] || hi.L != call.Args[1] || hi.R != call.Args[2] {
		t.Errorf("around's bounds are %#v .. %#v, want c - d .. c + d", b.Lo, b.Hi)
	}
}

func TestRewriteBinAuto(t *testing.T) {
	call := parseExpr(t, "bin_auto(t)").(*kql.Call)
	size, at := parseExpr(t, "1h"), parseExpr(t, "datetime(2017-01-01)")
	for _, tc := range []struct {
		sets map[string]kql.Expr
		name string
		args []kql.Expr
	}{
		{map[string]kql.Expr{"query_bin_auto_size": size}, "bin", []kql.Expr{call.Args[0], size}},
		{map[string]kql.Expr{"query_bin_auto_size": size, "query_bin_auto_at": at}, "bin_at", []kql.Expr{call.Args[0], size, at}},
	} {
		x, ok, err := Rewrite(call, tc.sets)
		if !ok || err != nil {
			t.Fatalf("bin_auto: %v %v", ok, err)
		}
		bin, _ := x.(*kql.Call)
		if bin == nil || bin.Name != tc.name || len(bin.Args) != len(tc.args) {
			t.Errorf("bin_auto is %#v, want %s", x, tc.name)
			continue
		}
		for i, a := range tc.args {
			if bin.Args[i] != a {
				t.Errorf("%s's argument %d is %#v, want %#v", tc.name, i, bin.Args[i], a)
			}
		}
	}
}

func TestRewriteErrors(t *testing.T) {
	for src, want := range map[string]string{
		"bin_auto(t)":        "bin_auto needs the bin size: set query_bin_auto_size = ... before the query (line 1, column 7)",
		"bin_auto()":         "The function 'bin_auto' needs 1 arguments, got 0 (line 1, column 7)",
		"around(x, c)":       "The function 'around' needs 3 arguments, got 2 (line 1, column 7)",
		"around(x, c, d, e)": "The function 'around' takes at most 3 arguments, got 4 (line 1, column 7)",
	} {
		_, ok, err := Rewrite(parseExpr(t, src).(*kql.Call), nil)
		if !ok || err == nil || err.Error() != want {
			t.Errorf("%s: %v %v, want %s", src, ok, err, want)
		}
	}
	if _, ok, _ := Rewrite(parseExpr(t, "bin(t, 1h)").(*kql.Call), nil); ok {
		t.Error("bin is rewritten")
	}
}
