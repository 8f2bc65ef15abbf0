package plan

import "vigil/internal/kql"

// rewrite is a function that KQL defines by other expressions: it gives
// the expression a call stands for, which the builder builds in its place.
// sets are the values of the query's set statements by name (kql.Set).
type rewrite struct {
	min, max int
	to       func(call *kql.Call, sets map[string]kql.Expr) (kql.Expr, error)
}

// rewrites are the functions Rewrite replaces by other expressions.
var rewrites = map[string]rewrite{
	// around(value, center, delta): value within delta of center, both
	// ends included.
	"around": {3, 3, func(call *kql.Call, _ map[string]kql.Expr) (kql.Expr, error) {
		a := call.Args
		lo := &kql.Binary{P: call.P, Op: "-", L: a[1], R: a[2]}
		hi := &kql.Binary{P: call.P, Op: "+", L: a[1], R: a[2]}
		return &kql.Between{P: call.P, X: a[0], Lo: lo, Hi: hi}, nil
	}},
	// bin_auto(x): bin(x, size), or bin_at(x, size, at), with the size
	// and alignment the query sets as query_bin_auto_size and
	// query_bin_auto_at.
	"bin_auto": {1, 1, func(call *kql.Call, sets map[string]kql.Expr) (kql.Expr, error) {
		size := sets["query_bin_auto_size"]
		if size == nil {
			return nil, kql.Errorf(call.P, "bin_auto needs the bin size: set query_bin_auto_size = ... before the query")
		}
		bin := &kql.Call{P: call.P, Name: "bin", Args: []kql.Expr{call.Args[0], size}}
		if at := sets["query_bin_auto_at"]; at != nil {
			bin.Name, bin.Args = "bin_at", append(bin.Args, at)
		}
		return bin, nil
	}},
}

// Rewrite is the expression call stands for when it calls a function
// KQL defines by other expressions (around, bin_auto), or what is wrong
// with the call; ok is false for any other function. sets are the
// query's set statements by name, which bin_auto reads.
func Rewrite(call *kql.Call, sets map[string]kql.Expr) (x kql.Expr, ok bool, err error) {
	r, ok := rewrites[call.Name]
	if !ok {
		return nil, false, nil
	}
	if err := CheckArgCount(call, len(call.Args), r.min, r.max); err != nil {
		return nil, true, err
	}
	x, err = r.to(call, sets)
	return x, true, err
}
