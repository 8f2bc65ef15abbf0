package plan

import (
	"reflect"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

func TestTypeUnion(t *testing.T) {
	a := []Column{{Name: "x", Type: schema.Long}, {Name: "s", Type: schema.String}, {Name: "h", Type: schema.DateTime, Hidden: true}}
	b := []Column{{Name: "x", Type: schema.Int}, {Name: "x_int", Type: schema.Bool}, {Name: "s", Type: schema.String}}
	c := []Column{{Name: "s", Type: schema.String}, {Name: "y", Type: schema.Real}, {Name: "x", Type: schema.Long}}
	const null, src = FeedNull, FeedSource
	for _, tc := range []struct {
		op     string
		inputs [][]Column
		cols   []Column
		feeds  [][]int
	}{
		// x is long in a and c but int in b: one column per type, and
		// b's x_int, a name taken, makes the int one x_int1.
		{"union U", [][]Column{a, b, c},
			[]Column{{Name: "x_long", Type: schema.Long}, {Name: "s", Type: schema.String}, {Name: "h", Type: schema.DateTime, Hidden: true},
				{Name: "x_int1", Type: schema.Int}, {Name: "x_int", Type: schema.Bool}, {Name: "y", Type: schema.Real}},
			[][]int{{0, 1, 2, null, null, null}, {null, 2, null, 0, 1, null}, {2, 0, null, null, null, 1}}},
		{"union kind=inner withsource=T U", [][]Column{a, b, c},
			[]Column{{Name: "T", Type: schema.String}, {Name: "s", Type: schema.String}},
			[][]int{{src, 1}, {src, 2}, {src, 0}}},
		{"union withsource=T U", [][]Column{a, c},
			[]Column{{Name: "T", Type: schema.String}, {Name: "x", Type: schema.Long}, {Name: "s", Type: schema.String},
				{Name: "h", Type: schema.DateTime, Hidden: true}, {Name: "y", Type: schema.Real}},
			[][]int{{src, 0, 1, 2, null}, {src, 2, 0, null, 1}}},
		{"union kind=inner U", [][]Column{c}, c, [][]int{{0, 1, 2}}},
	} {
		u := parseOp(t, tc.op).(*kql.Union)
		got, err := TypeUnion(u, tc.inputs)
		if err != nil {
			t.Errorf("%s: %v", tc.op, err)
			continue
		}
		if !reflect.DeepEqual(got.Columns, tc.cols) || !reflect.DeepEqual(got.Feeds, tc.feeds) {
			t.Errorf("%s: %v fed by %v, want %v fed by %v", tc.op, got.Columns, got.Feeds, tc.cols, tc.feeds)
		}
	}
	_, err := TypeUnion(parseOp(t, "union App*").(*kql.Union), nil)
	wantErr(t, err, "union has no tables to read", 1, 5)
	// withsource= may not name a column of the result, as in Kusto...
	_, err = TypeUnion(parseOp(t, "union withsource=y U").(*kql.Union), [][]Column{a, c})
	wantErr(t, err, "union: column named 'y' already exists", 1, 5)
	// ...but may one that kind=inner leaves out.
	if _, err := TypeUnion(parseOp(t, "union kind=inner withsource=y U").(*kql.Union), [][]Column{a, c}); err != nil {
		t.Errorf("withsource=y over kind=inner without y: %v", err)
	}
}

func TestUnionSourceName(t *testing.T) {
	for _, c := range []struct {
		t    kql.Tabular
		arg  int
		as   string
		want string
	}{
		{nil, 0, "", "union_arg0"},
		{nil, 0, "Piped", "Piped"},
		{&kql.TableRef{Name: "Events"}, 2, "", "Events"},
		{&kql.TableRef{Name: "Events"}, 2, "E", "E"},
		{&kql.Range{}, 3, "", "union_arg3"},
	} {
		if got := UnionSourceName(c.t, c.arg, c.as); got != c.want {
			t.Errorf("UnionSourceName(%T, %d, %q) = %q, want %q", c.t, c.arg, c.as, got, c.want)
		}
	}
}

func TestMatchTables(t *testing.T) {
	names := []string{"AppEvents", "Heartbeat", "AppTraces", "Custom_CL", "app"}
	if got, want := MatchTables("App*", names), []string{"AppEvents", "AppTraces"}; !reflect.DeepEqual(got, want) {
		t.Errorf("App*: %v, want %v", got, want)
	}
	if got, want := MatchTables("*_CL", names), []string{"Custom_CL"}; !reflect.DeepEqual(got, want) {
		t.Errorf("*_CL: %v, want %v", got, want)
	}
	if got := MatchTables("*", names); !reflect.DeepEqual(got, names) {
		t.Errorf("*: %v, want every table", got)
	}
	if !IsTablePattern("App*") || IsTablePattern("AppEvents") {
		t.Error("IsTablePattern: only a name with * is a pattern")
	}
}
