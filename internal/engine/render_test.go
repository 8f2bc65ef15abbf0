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

// TestRenderThroughApplyAndPlugins pins which of mv-expand, mv-apply,
// partition and the plugins pass on the render of their input (or, for
// partition, of its subquery): those whose rows are the input's, and
// not the plugins that make tables of their own.
func TestRenderThroughApplyAndPlugins(t *testing.T) {
	e := newEngine(t)
	const arr = "datatable(k:string, a:dynamic)['x', dynamic([1,2])]"
	for _, c := range []struct {
		query  string
		passed bool
	}{
		{arr + " | render table | mv-expand a", true},
		{arr + " | render table | mv-apply v = a on (where true)", true},
		{arr + " | partition by k (render table)", true},
		{arr + " | render table | partition by k (where true)", false},
		{"let L = datatable(net:string)['10.0.0.0/8']; print ip = '10.0.0.1' | render table | evaluate ipv4_lookup(L, ip, net)", true},
		{"print d = dynamic({'a': 1}) | render table | evaluate bag_unpack(d)", true},
		{arr + " | render table | evaluate narrow()", false},
	} {
		res, err := e.Query(context.Background(), Request{Query: c.query})
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		if got := res.Render != nil; got != c.passed {
			t.Errorf("%s: render passed on %v, want %v", c.query, got, c.passed)
		}
	}
}
