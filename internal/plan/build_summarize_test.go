package plan

import (
	"reflect"
	"strings"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// eventTables is a workspace of one stored table, Events, whose rows all
// have a TimeGenerated (NotNull).
type eventTables struct{}

var events = &schema.Table{Name: "Events", Columns: []schema.Column{
	{Name: schema.ColTimeGenerated, Type: schema.DateTime},
	{Name: "User", Type: schema.String},
	{Name: "N", Type: schema.Long},
	{Name: schema.ColTimeReceived, Type: schema.DateTime, Hidden: true},
}}

func (eventTables) Table(name string) (*schema.Table, bool) { return events, name == "Events" }
func (eventTables) Names() []string                         { return []string{"Events"} }

// buildEvents builds the query over Events.
func buildEvents(t *testing.T, query string) (Node, error) {
	t.Helper()
	q, err := kql.Parse(query)
	if err != nil {
		t.Fatal(err)
	}
	b := &Builder{Scope: NewScope(nil), Tables: eventTables{}}
	return b.Build(q)
}

// columnList is cols as "name:type" words.
func columnList(cols []Column) string {
	var out []string
	for _, cl := range cols {
		out = append(out, cl.Name+":"+cl.Type.String())
	}
	return strings.Join(out, " ")
}

// TestBuildSummarize pins the columns summarize, count, top-nested and
// make-series give, the names Kusto gives them kept unique, and what the aggregate
// node holds where it has a rule: arg_max's key column, known not null
// or computed per row, `*` leaving out the by columns, the hidden
// aggregates of an expression over aggregates.
func TestBuildSummarize(t *testing.T) {
	for _, c := range []struct {
		query string
		cols  string
		check func(t *testing.T, n *Aggregate)
	}{
		{query: "Events | summarize count(), sum(N) by User", cols: "User:string count_:long sum_N:long"},
		{query: "Events | summarize n = count() by User, User", cols: "User:string User1:string n:long"},
		{query: "Events | summarize percentiles(N, 50, 99.9) by p = User", cols: "p:string percentile_N_50:long percentile_N_99_9:long"},
		{query: "Events | summarize s = percentiles(N, 50, 90)", cols: "s_0:long s_1:long"},
		{query: "Events | summarize (a, b) = percentiles(N, 50, 90)", cols: "a:long b:long"},
		// The key is a column that holds a value in every row: its call
		// says so, and * leaves out the by column.
		{query: "Events | summarize arg_max(TimeGenerated, *) by User", cols: "User:string TimeGenerated:datetime N:long",
			check: func(t *testing.T, n *Aggregate) {
				a := n.Items[0].Call
				if !a.NotNull || len(n.RowKeys) != 0 {
					t.Errorf("NotNull %v, RowKeys %v: want a known column", a.NotNull, n.RowKeys)
				}
				if want := []string{"TimeGenerated", "N"}; !reflect.DeepEqual(n.Items[0].Names, want) {
					t.Errorf("names %q, want %q", n.Items[0].Names, want)
				}
			}},
		{query: "Events | summarize arg_min(N, User)", cols: "N:long User:string",
			check: func(t *testing.T, n *Aggregate) {
				if n.Items[0].Call.NotNull {
					t.Error("N may be null")
				}
			}},
		// The key is the by column: the call's first result is none.
		{query: "Events | summarize arg_max(TimeGenerated, N) by TimeGenerated", cols: "TimeGenerated:datetime N:long",
			check: func(t *testing.T, n *Aggregate) {
				if want := []string{"", "N"}; !reflect.DeepEqual(n.Items[0].Names, want) {
					t.Errorf("names %q, want %q", n.Items[0].Names, want)
				}
			}},
		// A key that is no column is computed once per row; arg_min's
		// User is arg_max's.
		{query: "Events | summarize arg_max(N * 2, User), arg_min(N + 1, User)", cols: "max_Column1:long User:string min_Column1:long",
			check: func(t *testing.T, n *Aggregate) {
				if len(n.RowKeys) != 2 || n.RowKeys[0].Name != "_argkey0" || n.RowKeys[1].Name != "_argkey1" {
					t.Fatalf("RowKeys %v", n.RowKeys)
				}
				if ref, ok := n.Items[1].Call.Args[0].(*ColumnRef); !ok || ref.Name != "_argkey1" {
					t.Errorf("the key is %#v, want _argkey1", n.Items[1].Call.Args[0])
				}
			}},
		{query: "Events | summarize (Time, Who) = arg_max(TimeGenerated, User)", cols: "Time:datetime Who:string"},
		{query: "Events | summarize take_any(*) by User", cols: "User:string TimeGenerated:datetime N:long"},
		{query: "Events | summarize any(*) by User", cols: "User:string any_TimeGenerated:datetime any_N:long"},
		{query: "Events | summarize take_any(*) by User, TimeGenerated, N", cols: "User:string TimeGenerated:datetime N:long",
			check: func(t *testing.T, n *Aggregate) {
				if len(n.Items) != 0 {
					t.Errorf("items %v, want none", n.Items)
				}
			}},
		{query: "Events | summarize r = 100.0 * countif(N > 1) / count() by User", cols: "User:string r:real",
			check: func(t *testing.T, n *Aggregate) {
				it := n.Items[0]
				if it.Call != nil || len(it.Over) != 2 || it.Over[0].Names[0] != "_agg" || it.Over[1].Names[0] != "_agg0" {
					t.Errorf("item %+v, want an expression over _agg and _agg0", it)
				}
			}},
		// A subquery's aggregates are its own, not the enclosing
		// expression's.
		{query: "Events | summarize c = count() + toscalar(Events | summarize m = max(N) * 2) + sum(N)", cols: "c:long",
			check: func(t *testing.T, n *Aggregate) {
				if len(n.Items[0].Over) != 2 {
					t.Errorf("over %v, want count() and sum(N)", n.Items[0].Over)
				}
			}},
		{query: "Events | count", cols: "Count:long"},
		{query: "Events | top-nested 2 of User with others = 'rest' by sum(N), top-nested of N by n = count()", cols: "User:string aggregated_User:long N:long n:long"},
		{query: "Events | make-series count(), s = sum(N) default = -1 on TimeGenerated step 1h by User", cols: "User:string count_:dynamic s:dynamic TimeGenerated:dynamic"},
		{query: "Events | make-series avg(N) on N from 0 to 10 step 2 by k = User", cols: "k:string avg_N:dynamic N:dynamic"},
	} {
		t.Run(c.query, func(t *testing.T) {
			n, err := buildEvents(t, c.query)
			if err != nil {
				t.Fatal(err)
			}
			if got := columnList(n.Columns()); got != c.cols {
				t.Errorf("columns %s\nwant    %s", got, c.cols)
			}
			if c.check != nil {
				c.check(t, n.(*Aggregate))
			}
		})
	}
}

// TestBuildSummarizeErrors pins the errors of summarize, top-nested and
// make-series and their positions.
func TestBuildSummarizeErrors(t *testing.T) {
	for _, c := range []struct{ query, err string }{
		{"Events | summarize x = 1 by User", "summarize needs an aggregation function, such as count() or sum(x) (line 1, column 24)"},
		{"Events | summarize 1 + sum(count())", "The aggregate function 'count' cannot be inside another aggregate's arguments (line 1, column 28)"},
		{"Events | summarize sum(count())", "The aggregate function 'count' is only valid in summarize (line 1, column 24)"},
		{"Events | summarize 1 + arg_max(N, User)", "arg_max gives several columns and cannot be part of an expression (line 1, column 24)"},
		{"Events | summarize 1 + percentiles(N, 50, 90)", "percentiles gives several columns and cannot be part of an expression (line 1, column 24)"},
		{"Events | summarize (a, b) = count()", "The tuple (a, b) names 2 columns, but count gives 1 (line 1, column 29)"},
		{"Events | summarize (a, b, c) = arg_max(N, User)", "The tuple (a, b, c) names 3 columns, but arg_max gives 2 (line 1, column 32)"},
		{"Events | summarize arg_max()", "The function 'arg_max' needs 1 arguments, got 0 (line 1, column 20)"},
		{"Events | summarize c = count() + toscalar(Events | top-nested of count() by sum(N) | count)", "The aggregate function 'count' is only valid in summarize (line 1, column 66)"},
		{"Events | top-nested of User by N", "top-nested needs an aggregation, such as count() or sum(x) (line 1, column 32)"},
		{"Events | top-nested of User by percentiles(N, 5, 50)", "top-nested takes an aggregate of one value, not percentiles (line 1, column 32)"},
		{"Events | top-nested datetime(2024-01-01) of User by count()", "Cannot convert datetime to long (line 1, column 21)"},
		{"Events | top-nested 2 of N with others = now() by count()", "Cannot convert datetime to long (line 1, column 42)"},
		{"Events | make-series count() on User step 1", "make-series needs a datetime or numeric axis, not string (line 1, column 33)"},
		{"Events | make-series count() on TimeGenerated step 1", "Cannot convert long to timespan (line 1, column 52)"},
		{"Events | make-series count() on N from now() step 1", "Cannot convert datetime to long (line 1, column 40)"},
		{"Events | make-series N on TimeGenerated step 1h", "make-series needs an aggregation function, such as count() or avg(x) (line 1, column 22)"},
		{"Events | make-series percentiles(N, 5, 50) on TimeGenerated step 1h", "make-series takes aggregates of one value, not percentiles (line 1, column 22)"},
		{"Events | make-series sum(N) default = now() on TimeGenerated step 1h", "Cannot convert datetime to long (line 1, column 39)"},
	} {
		t.Run(c.query, func(t *testing.T) {
			_, err := buildEvents(t, c.query)
			if err == nil || err.Error() != c.err {
				t.Errorf("error %v\nwant  %s", err, c.err)
			}
		})
	}
}
