package plan

import (
	"reflect"
	"strings"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// buildItems builds the items of the query's extend over in.
func buildItems(t *testing.T, query string, in []Column) ([]Column, []Expr, error) {
	t.Helper()
	q, err := kql.Parse(query)
	if err != nil {
		t.Fatal(err)
	}
	b := &Builder{Scope: NewScope(nil), windows: true}
	var cols []Column
	var exprs []Expr
	err = built(func() { cols, exprs = b.items(q.Body.(*kql.Pipe).Op.(*kql.Extend).Items, in, ItemName) })
	return cols, exprs, err
}

// TestItems: the columns of extend's items, and the functions that give
// a column per value they compute, named by a tuple or after the
// function, its argument and the value.
func TestItems(t *testing.T) {
	in := []Column{{Name: "a", Type: schema.Dynamic}, {Name: "b", Type: schema.Dynamic}, {Name: "n", Type: schema.Long}}
	for _, c := range []struct {
		query string
		want  string // name:type of each column
	}{
		{"T | extend n * 2, x = 1, y = null", "Column1:long x:long y:string"},
		{"T | extend series_stats(a)", "series_stats_a_min:real series_stats_a_min_idx:long series_stats_a_max:real series_stats_a_max_idx:long series_stats_a_avg:real series_stats_a_stdev:real series_stats_a_variance:real"},
		{"T | extend s = series_fit_line(a)", "s_rsquare:real s_slope:real s_variance:real s_rvariance:real s_interception:real s_line_fit:dynamic"},
		{"T | extend (lo, at) = series_stats(a)", "lo:real at:long"},
		{"T | extend array_sort_asc(a, b)", "a_sorted:dynamic b_sorted:dynamic"},
		{"T | extend (x, y) = array_sort_desc(a, b, false)", "x:dynamic y:dynamic"},
		{"T | extend (x) = array_sort_asc(a)", "x:dynamic"},
		{"T | extend s = array_sort_asc(a, b)", "s:dynamic"},
	} {
		t.Run(c.query, func(t *testing.T) {
			cols, exprs, err := buildItems(t, c.query, in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, cl := range cols {
				got = append(got, cl.Name+":"+cl.Type.String())
			}
			if strings.Join(got, " ") != c.want || len(exprs) != len(cols) {
				t.Fatalf("got %s (%d expressions), want %s", strings.Join(got, " "), len(exprs), c.want)
			}
		})
	}
	// The values of a tuple are elements of one computed value: the bag's
	// members, or the array of sorted arrays' elements.
	_, exprs, _ := buildItems(t, "T | extend (lo, at) = series_stats(a)", in)
	lo, at := exprs[0].(*Element), exprs[1].(*Element)
	if lo.Field != "min" || at.Field != "min_idx" || lo.X != at.X || lo.X.(*Call).Name != "series_stats_dynamic" {
		t.Fatalf("series_stats elements: %#v, %#v", lo, at)
	}
	_, exprs, _ = buildItems(t, "T | extend (x) = array_sort_asc(a)", in)
	if x := exprs[0].(*Element); x.Index != 0 || x.X.(*Call).Name != "pack_array" {
		t.Fatalf("one sorted array: %#v", x)
	}
	_, exprs, _ = buildItems(t, "T | extend y = null", in)
	if !reflect.DeepEqual(exprs[0], &Literal{T: schema.String}) {
		t.Fatalf("untyped null: %#v", exprs[0])
	}
}

func TestItemsErrors(t *testing.T) {
	in := []Column{{Name: "a", Type: schema.Dynamic}}
	for query, msg := range map[string]string{
		"T | extend (x, y) = strlen('a')":                              "A tuple (a, b) = ... needs a function that gives several columns",
		"T | extend (p, q, r) = series_periods_detect(a, 1.0, 8.0, 2)": "series_periods_detect gives 2 columns, not 3",
		"T | extend (x, y, z) = array_sort_asc(a, a)":                  "array_sort_asc gives 2 columns, not 3",
	} {
		_, _, err := buildItems(t, query, in)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error %v, want %q", query, err, msg)
		}
	}
}
