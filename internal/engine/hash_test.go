package engine

import (
	"context"
	"reflect"
	"testing"
)

// TestHashOfTimespanAndBool checks that hash() reads a timespan as its
// ticks and a bool as an integer, as it reads a datetime; both were once
// refused as conversions to long the plan does not allow.
func TestHashOfTimespanAndBool(t *testing.T) {
	e := newEngine(t)
	res, err := e.Query(context.Background(), Request{
		Query: "print t = hash(1h) == hash(36000000000), b = hash(true) != hash(false), m = hash_many(1h, true) == hash_many(1h, true)",
		Now:   fixedNow,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := resultRows(res), [][]string{{"true", "true", "true"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %q, want %q", got, want)
	}
}
