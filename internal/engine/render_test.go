package engine

import (
	"context"
	"reflect"
	"testing"
)

// TestRenderIsResultMetadata checks that render leaves the rows as they
// are and hands the chart's kind and properties to the caller.
func TestRenderIsResultMetadata(t *testing.T) {
	e := newEngine(t)
	res, err := e.Query(context.Background(), Request{Query: `range x from 1 to 3 step 1
| render timechart with (title="Logons", ymin=0)
| where x > 1`})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 2 || len(res.Columns) != 1 {
		t.Fatalf("rows %v, columns %v", res.Rows, res.Columns)
	}
	want := &Render{Visualization: "timechart", Properties: map[string]string{"title": "Logons", "ymin": "0"}}
	if !reflect.DeepEqual(res.Render, want) {
		t.Fatalf("render = %+v, want %+v", res.Render, want)
	}
	res, err = e.Query(context.Background(), Request{Query: `print 1`})
	if err != nil || res.Render != nil {
		t.Fatalf("a query without render: %+v, %v", res.Render, err)
	}
}
