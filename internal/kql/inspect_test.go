package kql

import (
	"slices"
	"testing"
)

// TestInspect checks the order Inspect visits an expression's
// identifiers in, that a false return skips a node's children, and that
// it does not enter a tabular expression, whose names are another
// scope's.
func TestInspect(t *testing.T) {
	q, err := Parse(`print f(a, -b.c) + d[e] and g in (h) and i between (j .. k) or pack_array(l) has x or skip(m) or n in (T | project o) or toscalar(T | project p) > 0`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	Inspect(q.Body.(*Print).Items[0].Expr, func(e Expr) bool {
		if c, ok := e.(*Call); ok && c.Name == "skip" {
			return false
		}
		if id, ok := e.(*Ident); ok {
			got = append(got, id.Name)
		}
		return true
	})
	if want := []string{"a", "b", "d", "e", "g", "h", "i", "j", "k", "l", "x", "n"}; !slices.Equal(got, want) {
		t.Errorf("Inspect visited %v, want %v", got, want)
	}
}
