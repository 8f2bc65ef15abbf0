package plan

import (
	"strings"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// buildWith builds the query, with bag_unpack's probe answering props
// and pivot's the values x and y (props nil: the data cannot be read).
func buildWith(t *testing.T, query string, props []BagProperty) (Node, error) {
	t.Helper()
	q, err := kql.Parse(query)
	if err != nil {
		t.Fatal(err)
	}
	b := &Builder{Scope: NewScope(nil), Tables: testTables{}}
	if props != nil {
		b.BagKeys = func(Node, Expr) ([]BagProperty, error) { return append([]BagProperty(nil), props...), nil }
		b.PivotValues = func(Node, Expr) ([]string, error) { return []string{"x", "y"}, nil }
	}
	return b.Build(q)
}

// colLayout is cols as "name:type" words, a hidden column's name in
// parentheses.
func colLayout(cols []Column) string {
	var out []string
	for _, cl := range cols {
		w := cl.Name + ":" + cl.Type.String()
		if cl.Hidden {
			w = "(" + w + ")"
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// TestBuildApply pins the columns of mv-expand, parse-kv, mv-apply,
// partition and the plugins the builder builds, and which rows a
// subquery without a source reads.
func TestBuildApply(t *testing.T) {
	const arr = "datatable(k:string, a:dynamic)['x', dynamic([1,2])]"
	const logs = "datatable(id:string, t:datetime, d:string)['u', datetime(2024-01-01), 'x']"
	for _, c := range []struct {
		query string
		props []BagProperty
		want  string
	}{
		{arr + " | mv-expand with_itemindex=i v = a to typeof(long)", nil, "k:string a:dynamic v:long i:long"},
		{"print s = 'a=1' | parse-kv s as (a:long, b:string) with (pair_delimiter=',', kv_delimiter='=')", nil, "s:string a:long b:string"},
		{arr + " | mv-apply v = a to typeof(long) on (extend w = v * 2)", nil, "k:string a:dynamic v:long w:long"},
		{arr + " | partition by k (extend n = 1)", nil, "k:string a:dynamic n:long"},
		{arr + " | partition by k { print p = k }", nil, "p:string"},
		// The properties in the order of their names.
		{"print d = dynamic({}) | evaluate bag_unpack(d, 'p_')", []BagProperty{{"b", schema.Long}, {"a", schema.String}}, "p_a:string p_b:long"},
		{"let L = datatable(net:string, z:long, name:string)[]; print ip = '10.0.0.1', z = 1 | evaluate ipv4_lookup(L, ip, net, z)", nil, "ip:string z:long net:string name:string"},
		{arr + " | evaluate narrow()", nil, "Row:long Column:string Value:string"},
		{logs + " | evaluate activity_counts_metrics(id, t, datetime(2024-01-01), datetime(2024-01-03), 1d, d)", nil,
			"t:datetime d:string count:long dcount:long new_dcount:long aggregated_dcount:long"},
		{logs + " | evaluate activity_engagement(id, t, 1d, 7d)", nil, "t:datetime dcount_activities_inner:long dcount_activities_outer:long activity_ratio:real"},
		{logs + " | evaluate sliding_window_counts(id, t, datetime(2024-01-01), datetime(2024-01-03), 2d, 1d)", nil, "t:datetime Count:long Dcount:long"},
		{logs + " | evaluate active_users_count(id, t, datetime(2024-01-01), datetime(2024-01-03), 3d, 1d, 2, 1d, d)", nil, "t:datetime d:string dcount:long"},
		{"range i from 0 to 9 step 1 | extend v = i * 2, g = 'a' | evaluate rolling_percentile(v, 50, i, 2, 3, g)", nil, "i:long g:string rolling_3_percentile_v_50:long"},
		// A column per value the data has, then the aggregate's type.
		{logs + " | evaluate pivot(d, sum(1.5), id)", []BagProperty{}, "id:string x:real y:real"},
		{logs + " | evaluate pivot(d)", []BagProperty{}, "x:long y:long"},
	} {
		n, err := buildWith(t, c.query, c.props)
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		if got := colLayout(n.Columns()); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.query, got, c.want)
		}
	}

	// A partition's subquery reads the partition's rows, mv-apply's the
	// input row expanded.
	n, err := buildWith(t, arr+" | partition by k (extend n = 1)", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := n.(*Partition)
	if rows, ok := p.Sub.Reads()[0].(*PartitionRows); !ok || rows.Depth != 1 || rows.Key != (Column{Name: "k", Type: schema.String}) {
		t.Errorf("partition's subquery reads %#v", p.Sub.Reads()[0])
	}
	n, err = buildWith(t, arr+" | mv-apply v = a on (partition by k (where true))", nil)
	if err != nil {
		t.Fatal(err)
	}
	inner := n.(*Apply).Sub.(*Partition)
	if x, ok := inner.Input.(*MvExpand); !ok || x.Input.(*OuterRow).Of != (Outer{Depth: 1}) || inner.Depth != 2 {
		t.Errorf("mv-apply's nested partition reads %#v at depth %d", inner.Input, inner.Depth)
	}
}

// TestBuildApplyErrors pins the errors of the operators' arguments and
// where they are.
func TestBuildApplyErrors(t *testing.T) {
	const arr = "datatable(k:string, a:dynamic)['x', dynamic([1,2])]"
	for _, c := range []struct{ query, want string }{
		{arr + " | partition by q (extend n = 1)", "Failed to resolve column or scalar expression named 'q' (line 1, column 55)"},
		{arr + " | parse-kv k as (a:long) with (nope=',')", "parse-kv has no option 'nope' (line 1, column 89)"},
		{arr + " | parse-kv k as (a:long) with (quote=k)", "Expected a constant string (line 1, column 90)"},
		{arr + " | evaluate bag_unpack(a)", "This operator needs to read the data to know its columns (line 1, column 55)"},
		{arr + " | evaluate bag_unpack(k)", "bag_unpack needs a dynamic column, not string (line 1, column 75)"},
		{arr + " | evaluate bag_unpack(a, ignoredProperties=dynamic([1]))", "Expected a constant string (line 1, column 105)"},
		{arr + " | evaluate schema_merge()", "schema_merge needs getschema's columns; the input lacks 'ColumnName' (line 1, column 55)"},
		{"let L = datatable(net:long)[]; " + arr + " | evaluate ipv4_lookup(L, k, net)", "The lookup table has no string column 'net' (line 1, column 113)"},
		{"let L = datatable(net:string)[]; " + arr + " | evaluate ipv4_lookup(L, k, net, return_unmatched=1)", "ipv4_lookup's return_unmatched must be a constant bool (line 1, column 137)"},
		{arr + " | evaluate activity_engagement(k, a, 1d, 7d)", "activity_engagement needs a datetime time column, not dynamic (line 1, column 87)"},
		{arr + " | evaluate sliding_window_counts(k, 1, 1d, 2d, 1d, 1d)", "sliding_window_counts needs the time column, a column name (line 1, column 89)"},
		{arr + " | evaluate pivot(k)", "This operator needs to read the data to know its columns (line 1, column 55)"},
		{"print a = 1, b = 2 | evaluate rolling_percentile(a, p, b, 1, 2)", "rolling_percentile's percentile must be a number literal (line 1, column 53)"},
		{"let t = 1; print a = 1 | evaluate rolling_percentile(a, 50, t, 1, 2)", "rolling_percentile's index must be a column of the input, not 't' (line 1, column 61)"},
		{arr + " | evaluate active_users_count(k, a, 1, 2, 3, 4, 5, 6)", "active_users_count needs a datetime time column, not dynamic (line 1, column 86)"},
		{arr + " | evaluate nope()", "The plugin 'nope' is not supported (line 1, column 55)"},
	} {
		_, err := buildWith(t, c.query, nil)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s:\n got %v\nwant %s", c.query, err, c.want)
		}
	}
}
