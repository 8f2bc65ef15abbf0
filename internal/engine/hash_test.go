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

// TestHashModIsNotNegative checks hash(x, mod) over hashes whose top bit
// is set: the result is the unsigned hash modulo mod, between 0 and
// mod - 1 as Kusto documents, never the negative remainder of the signed
// long.
func TestHashModIsNotNegative(t *testing.T) {
	e := newEngine(t)
	res, err := e.Query(context.Background(), Request{
		Query: "range i from 1 to 64 step 1 | extend h = hash(i), m = hash(i, 7), w = hash('World', 100) | where h < 0",
		Now:   fixedNow,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) == 0 {
		t.Fatal("no negative hash among 64 values")
	}
	for _, r := range res.Rows {
		h, m := r[1].(int64), r[2].(int64)
		if want := int64(uint64(h) % 7); m != want {
			t.Errorf("hash(%d, 7) = %d, want %d (the hash %d read as unsigned, modulo 7)", r[0], m, want, h)
		}
		if r[3].(int64) != 51 {
			t.Errorf("hash('World', 100) = %d, want 51 as documented", r[3])
		}
	}
}
