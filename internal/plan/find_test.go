package plan

import (
	"reflect"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// parseFind parses a find query.
func parseFind(t *testing.T, q string) *kql.Find {
	t.Helper()
	parsed, err := kql.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	return parsed.Body.(*kql.Find)
}

func TestTypeFind(t *testing.T) {
	t1 := []Column{{Name: "Fruit", Type: schema.String}, {Name: "n", Type: schema.Long}, {Name: "h", Type: schema.DateTime, Hidden: true}}
	t2 := []Column{{Name: "color", Type: schema.String}, {Name: "n", Type: schema.Int}, {Name: "Fruit", Type: schema.String}}
	const null, src, pack = FeedNull, FeedSource, FeedPack
	for _, c := range []struct {
		query string
		cols  []Column
		feeds [][]int
		packs [][]int
	}{
		// project-smart: Fruit is in both with one type, n is read by the
		// predicate; hidden h goes neither in the columns nor in pack_.
		{"find in (T1, T2) where n > 0",
			[]Column{{Name: "source_", Type: schema.String}, {Name: "Fruit", Type: schema.String}, {Name: "n", Type: schema.Long}, {Name: "pack_", Type: schema.Dynamic}},
			[][]int{{src, 0, 1, pack}, {src, 2, 1, pack}}, [][]int{nil, {0}}},
		// n has two types, so only the predicate's Fruit is kept.
		{"find withsource=S in (T1, T2) where Fruit == 'x'",
			[]Column{{Name: "S", Type: schema.String}, {Name: "Fruit", Type: schema.String}, {Name: "pack_", Type: schema.Dynamic}},
			[][]int{{src, 0, pack}, {src, 2, pack}}, [][]int{{1}, {0, 1}}},
		// project: a column's type is the one given, else the first
		// table's that has it; a table without it gives nulls.
		{"find in (T1, T2) where true project color, n:real",
			[]Column{{Name: "source_", Type: schema.String}, {Name: "color", Type: schema.String}, {Name: "n", Type: schema.Real}},
			[][]int{{src, null, 1}, {src, 0, 1}}, [][]int{nil, nil}},
		{"find in (T1, T2) where true project n, pack_all()",
			[]Column{{Name: "source_", Type: schema.String}, {Name: "n", Type: schema.Long}, {Name: "pack_", Type: schema.Dynamic}},
			[][]int{{src, 1, pack}, {src, 1, pack}}, [][]int{{0}, {0, 2}}},
	} {
		got, err := TypeFind(parseFind(t, c.query), [][]Column{t1, t2})
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		if !reflect.DeepEqual(got.Columns, c.cols) || !reflect.DeepEqual(got.Feeds, c.feeds) || !reflect.DeepEqual(got.Pack, c.packs) {
			t.Errorf("%s:\n got %v fed by %v packing %v\nwant %v fed by %v packing %v", c.query, got.Columns, got.Feeds, got.Pack, c.cols, c.feeds, c.packs)
		}
	}
}

func TestTypeFindErrors(t *testing.T) {
	t1 := []Column{{Name: "when", Type: schema.DateTime}}
	t2 := []Column{{Name: "when", Type: schema.Bool}}
	for _, c := range []struct {
		query  string
		inputs [][]Column
		msg    string
	}{
		{"find in (T1) where x > 1", nil, "find: no table has the columns the predicate names"},
		{"find in (T1) where true project missing", [][]Column{t1}, "Failed to resolve column or scalar expression named 'missing' in any table of find"},
		{"find in (T1) where true project when:moment", [][]Column{t1}, `find project when: unknown type "moment"`},
		{"find in (T1, T2) where true project when", [][]Column{t1, t2}, "find: column 'when' is bool in one of the tables, which does not convert to the result's datetime"},
		// The source column's name is taken by a column or by pack_.
		{"find withsource=when in (T1, T2) where true project when:string", [][]Column{t1, t2}, "find: column named 'when' already exists"},
		{"find withsource=pack_ in (T1) where isnotnull(when)", [][]Column{t1}, "find: column named 'pack_' already exists"},
	} {
		_, err := TypeFind(parseFind(t, c.query), c.inputs)
		wantErr(t, err, c.msg, 1, 1)
	}
	f := parseFind(t, "find in (T1)\n  where strlen(x)")
	if err := CheckBool(f.Pred, schema.Bool, "find predicate"); err != nil {
		t.Errorf("a bool predicate: %v", err)
	}
	wantErr(t, CheckBool(f.Pred, schema.Long, "find predicate"), "The find predicate must be bool, not long", 2, 9)
}

func TestFindNames(t *testing.T) {
	f := parseFind(t, "find in (T1, (T2 | take 1)) where a.b > 1 and f(c, d[e]) or g in (h, 1) or i between (j .. k) and -l < 0 or extract_json('$.m', m, typeof(long)) > 0")
	want := map[string]bool{}
	for _, n := range []string{"a", "c", "d", "e", "g", "h", "i", "j", "k", "l", "m"} {
		want[n] = true
	}
	if got := FindNames(f.Pred); !reflect.DeepEqual(got, want) {
		t.Errorf("FindNames = %v, want %v", got, want)
	}
	if got := FindSourceName(f.Tables[0], 0); got != "T1" {
		t.Errorf("a table's source name is %q, want T1", got)
	}
	if got := FindSourceName(f.Tables[1], 1); got != "find_arg1" {
		t.Errorf("a subquery's source name is %q, want find_arg1", got)
	}
}

func TestFindSearches(t *testing.T) {
	cols := []Column{{Name: "User", Type: schema.String}, {Name: "n", Type: schema.Long}}
	bound := func(name string) bool { return name == "limit" }
	for _, c := range []struct {
		reads []string
		want  bool
	}{
		{[]string{"User", "n"}, true},
		{[]string{"User", "limit"}, true},
		{[]string{"User", "Host"}, false},
		{nil, true},
	} {
		reads := map[string]bool{}
		for _, n := range c.reads {
			reads[n] = true
		}
		if got := FindSearches(cols, reads, bound); got != c.want {
			t.Errorf("FindSearches(%v) = %v, want %v", c.reads, got, c.want)
		}
	}
}
