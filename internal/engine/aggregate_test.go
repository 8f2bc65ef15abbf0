package engine

import (
	"context"
	"reflect"
	"testing"

	"vigil/internal/schema"
)

// avgif of timespans is a timespan, as avg's is, not the mean of their
// ticks as a real.
func TestAvgifOfTimespans(t *testing.T) {
	e := newEngine(t)
	res, err := e.Query(context.Background(), Request{Now: fixedNow, Query: "datatable(t:timespan, ok:bool)[1h, true, 3h, true, 10h, false] | summarize avg(t), avgif(t, ok)"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Columns {
		if c.Type != schema.Timespan {
			t.Errorf("column %s is %v, want timespan", c.Name, c.Type)
		}
	}
	if got, want := resultRows(res), [][]string{{"04:40:00", "02:00:00"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %q, want %q", got, want)
	}
}
