package kql

// Inspect walks the scalar expression e depth-first, calling f for each
// node, e first; where f returns false it skips the node's children. It
// does not enter tabular expressions (toscalar, an in's table), whose
// names are another scope's.
func Inspect(e Expr, f func(Expr) bool) {
	if e == nil || !f(e) {
		return
	}
	switch x := e.(type) {
	case *Binary:
		Inspect(x.L, f)
		Inspect(x.R, f)
	case *Unary:
		Inspect(x.X, f)
	case *Call:
		for _, a := range x.Args {
			Inspect(a, f)
		}
	case *Member:
		Inspect(x.X, f)
	case *Index:
		Inspect(x.X, f)
		Inspect(x.I, f)
	case *In:
		Inspect(x.X, f)
		for _, a := range x.List {
			Inspect(a, f)
		}
	case *Between:
		Inspect(x.X, f)
		Inspect(x.Lo, f)
		Inspect(x.Hi, f)
	case *ArrayLit:
		for _, a := range x.Elems {
			Inspect(a, f)
		}
	case *BagLit:
		for _, a := range x.Vals {
			Inspect(a, f)
		}
	}
}
