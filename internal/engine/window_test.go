package engine

import (
	"context"
	"fmt"
	"testing"
)

// TestWhereWindowInFunction checks that where filters on a window
// function its predicate reaches through a user function, as it does on
// one written in the predicate itself (where prev(x) != x): the engine
// learns that from the compiled predicate, not from its text.
func TestWhereWindowInFunction(t *testing.T) {
	q := "let before = (v: long) { prev(v) }; range x from 1 to 4 step 1 | serialize | where before(x) >= 2"
	res, err := newEngine(t).Query(context.Background(), Request{Query: q, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(resultRows(res)); got != "[[3] [4]]" {
		t.Errorf("rows %s, want [[3] [4]]", got)
	}
}
