package plan

import (
	"slices"
	"strings"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// input is the columns the operators' tests run over: a, b, ab, _h
// (hidden), c.
var input = []Column{{Name: "a", Type: schema.Long}, {Name: "b", Type: schema.String}, {Name: "ab", Type: schema.Real},
	{Name: "_h", Type: schema.DateTime, Hidden: true}, {Name: "c", Type: schema.Dynamic}}

// layout writes slots as "name:type<-from" for a column passed on and
// "name:type=item" for a computed one, with ! after a hidden one.
func layout(slots []Slot) string {
	var parts []string
	for _, s := range slots {
		p := s.Name + ":" + s.Type.String()
		if s.From >= 0 {
			p += "<-" + input[s.From].Name
		} else {
			p += "=" + string(rune('0'+s.Item))
		}
		if s.Hidden {
			p += "!"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

func TestColumnSelection(t *testing.T) {
	for _, c := range []struct {
		op, want, wantErr string
	}{
		{"project-away b", "a:long<-a ab:real<-ab _h:datetime<-_h! c:dynamic<-c", ""},
		{"project-away a*, _h", "b:string<-b c:dynamic<-c", ""},
		{"project-away x*", "a:long<-a b:string<-b ab:real<-ab _h:datetime<-_h! c:dynamic<-c", ""},
		{"project-away x", "", "Failed to resolve column or scalar expression named 'x' (line 1, column 5)"},
		{"project-away a*, b, _h, c", "", "The operator leaves no columns (line 1, column 5)"},
		{"project-keep c, a*", "a:long<-a ab:real<-ab c:dynamic<-c", ""},
		{"project-keep b, nope", "", "Failed to resolve column or scalar expression named 'nope' (line 1, column 5)"},
		{"project-keep z*", "", "The operator leaves no columns (line 1, column 5)"},
		{"project-rename x = a, y = _h", "x:long<-a b:string<-b ab:real<-ab y:datetime<-_h! c:dynamic<-c", ""},
		{"project-rename x = q", "", "Failed to resolve column or scalar expression named 'q' (line 1, column 5)"},
		// A new name may be an old one only when that column is renamed
		// too.
		{"project-rename a = b", "", "project-rename: column named 'a' already exists (line 1, column 5)"},
		{"project-rename b = a, a = b", "b:long<-a a:string<-b ab:real<-ab _h:datetime<-_h! c:dynamic<-c", ""},
		{"project-reorder c, a*", "c:dynamic<-c a:long<-a ab:real<-ab b:string<-b _h:datetime<-_h!", ""},
		{"project-reorder ab, a*, nope", "ab:real<-ab a:long<-a b:string<-b _h:datetime<-_h! c:dynamic<-c", ""},
		{"project-reorder a* desc, c", "ab:real<-ab a:long<-a c:dynamic<-c b:string<-b _h:datetime<-_h!", ""},
		{"project-reorder * asc", "_h:datetime<-_h! a:long<-a ab:real<-ab b:string<-b c:dynamic<-c", ""},
	} {
		var slots []Slot
		var err error
		switch op := parseOp(t, c.op).(type) {
		case *kql.ProjectAway:
			slots, err = ProjectAway(input, op)
		case *kql.ProjectKeep:
			slots, err = ProjectKeep(input, op)
		case *kql.ProjectRename:
			slots, err = ProjectRename(input, op)
		case *kql.ProjectReorder:
			slots = ProjectReorder(input, op)
		default:
			t.Fatalf("%s: unexpected operator %T", c.op, op)
		}
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("%s: error %v, want %q", c.op, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.op, err)
			continue
		}
		if got := layout(slots); got != c.want {
			t.Errorf("%s:\n got  %s\n want %s", c.op, got, c.want)
		}
	}
}

func TestExtend(t *testing.T) {
	computed := []Column{{Name: "b", Type: schema.Long}, {Name: "n", Type: schema.Bool}, {Name: "n", Type: schema.String}, {Name: "_h", Type: schema.Int}}
	if got, want := layout(Extend(input, computed)), "a:long<-a b:long=0 ab:real<-ab _h:int=3 c:dynamic<-c n:string=2"; got != want {
		t.Errorf("Extend:\n got  %s\n want %s", got, want)
	}
	if got, want := layout(Extend(nil, computed)), "b:long=0 n:string=2 _h:int=3"; got != want {
		t.Errorf("Extend over nothing (project):\n got  %s\n want %s", got, want)
	}
	if got, want := layout(Visible(input)), "a:long<-a b:string<-b ab:real<-ab c:dynamic<-c"; got != want {
		t.Errorf("Visible:\n got  %s\n want %s", got, want)
	}
}

func TestItemName(t *testing.T) {
	for _, c := range []struct {
		expr, item, print string
	}{
		{"x = 1 + 2", "x", "x"},
		{"1 + 2", "Column3", "print_2"},
		{"Level", "Level", "print_2"},
		{"d.a.b", "d_a_b", "print_2"},
		{"d.a['b c']", "d_a_b c", "print_2"},
		{"d[0]", "Column3", "print_2"},
		{"tostring(Properties.Level)", "Properties_Level", "print_2"},
		{"toint(d['n'])", "d_n", "print_2"},
		// d["k"] is d.k wherever it is in the path.
		{"d['a']['b']", "d_a_b", "print_2"},
		{"tostring(d['a'].b)", "d_a_b", "print_2"},
		// A path with a step by a number or a computed key, or from
		// something other than a column, derives no name.
		{"d[0].a", "Column3", "print_2"},
		{"d[k].a", "Column3", "print_2"},
		{"tostring(parse_json(s).a)", "Column3", "print_2"},
		{"tostring(x)", "Column3", "print_2"},
		{"strlen(d.a)", "Column3", "print_2"},
	} {
		q, err := kql.Parse("print " + c.expr)
		if err != nil {
			t.Fatal(err)
		}
		it := q.Body.(*kql.Print).Items[0]
		if got := ItemName(it, 2); got != c.item {
			t.Errorf("ItemName(%s) = %q, want %q", c.expr, got, c.item)
		}
		if got := PrintName(it, 2); got != c.print {
			t.Errorf("PrintName(%s) = %q, want %q", c.expr, got, c.print)
		}
	}
}

func TestGetSchema(t *testing.T) {
	got := GetSchema(append(input, Column{Name: "g", Type: schema.GUID}, Column{Name: "t", Type: schema.Timespan}, Column{Name: "m", Type: schema.Decimal}))
	want := []SchemaRow{
		{"a", 0, "System.Int64", "long"}, {"b", 1, "System.String", "string"}, {"ab", 2, "System.Double", "real"},
		{"c", 3, "System.Object", "dynamic"}, {"g", 4, "System.Guid", "guid"}, {"t", 5, "System.TimeSpan", "timespan"},
		{"m", 6, "System.Data.SqlTypes.SqlDecimal", "decimal"},
	}
	if len(got) != len(want) {
		t.Fatalf("GetSchema = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if dotnetType(schema.Bool) != "System.Boolean" || dotnetType(schema.Int) != "System.Int32" || dotnetType(schema.DateTime) != "System.DateTime" {
		t.Error("dotnetType names bool, int or datetime wrongly")
	}
}

func TestMvExpandItem(t *testing.T) {
	op := parseOp(t, "mv-expand with_itemindex = i c, x = c.list to typeof(long), c.tags to typeof(nope)").(*kql.MvExpand)
	for _, c := range []struct {
		i       int
		typ     schema.Type
		want    Column
		wantErr string
	}{
		{0, schema.Dynamic, Column{Name: "c", Type: schema.Dynamic}, ""},
		{1, schema.Dynamic, Column{Name: "x", Type: schema.Long}, ""},
		{1, schema.String, Column{}, "mv-expand needs a dynamic column, not string (line 1, column 42)"},
		{2, schema.Dynamic, Column{}, "unknown type \"nope\" (line 1, column 66)"},
	} {
		got, err := MvExpandItem(op.Items[c.i], c.i, c.typ, op.ToType[c.i])
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("item %d over %v: error %v, want %q", c.i, c.typ, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("item %d over %v = %+v, %v; want %+v", c.i, c.typ, got, err, c.want)
		}
	}
	if got := MvExpandIndex(op.ItemIndex); got != (Column{Name: "i", Type: schema.Long}) {
		t.Errorf("MvExpandIndex = %+v", got)
	}
}

func TestParseCaptures(t *testing.T) {
	op := parseOp(t, `parse b with * "id=" id:long " user=" user " t=" took:timespan *`).(*kql.ParseOp)
	got, err := ParseCaptures(op)
	want := []Column{{Name: "id", Type: schema.Long}, {Name: "user", Type: schema.String}, {Name: "took", Type: schema.Timespan}}
	if err != nil || len(got) != len(want) {
		t.Fatalf("ParseCaptures = %+v, %v; want %+v", got, err, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("capture %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	op = parseOp(t, `parse b with "n=" n:number`).(*kql.ParseOp)
	if _, err := ParseCaptures(op); err == nil || err.Error() != `parse column n: unknown type "number" (line 1, column 5)` {
		t.Errorf("a capture of an unknown type: error %v", err)
	}
}

func TestParseKvColumns(t *testing.T) {
	op := parseOp(t, `parse-kv b as (k: string, n: long) with (pair_delimiter=',')`).(*kql.ParseKv)
	got, err := ParseKvColumns(op)
	if err != nil || len(got) != 2 || got[0] != (Column{Name: "k", Type: schema.String}) || got[1] != (Column{Name: "n", Type: schema.Long}) {
		t.Errorf("ParseKvColumns = %+v, %v; want k:string, n:long", got, err)
	}
	op = parseOp(t, `parse-kv b as (k: text) with (pair_delimiter=',')`).(*kql.ParseKv)
	if _, err := ParseKvColumns(op); err == nil || err.Error() != `parse-kv column k: unknown type "text" (line 1, column 5)` {
		t.Errorf("a column of an unknown type: error %v", err)
	}
}

// TestMvApply checks that mv-apply leaves out the columns its items
// expand (c; x = ab expands into x, leaving ab) and those the subquery
// returns (b).
func TestMvApply(t *testing.T) {
	op := parseOp(t, "mv-apply c, x = ab on (summarize b = count())").(*kql.MvApply)
	sub := []Column{{Name: "b", Type: schema.Long}, {Name: "z", Type: schema.Real}}
	if got, want := layout(MvApply(input, op.Items, sub)), "a:long<-a ab:real<-ab _h:datetime<-_h! b:long=0 z:real=1"; got != want {
		t.Errorf("MvApply:\n got  %s\n want %s", got, want)
	}
}

func TestByName(t *testing.T) {
	for _, c := range []struct{ expr, want string }{
		{"bin(Timestamp, 1h)", "Timestamp"},
		{"floor(n, 10)", "n"},
		{"bin_at(Timestamp, 1d, datetime(2024-01-01))", "Timestamp"},
		{"bin(d.a, 1)", "Column2"},
		{"d.a", "d_a"},
		{"tolong(d['n'])", "d_n"},
		{"strlen(s)", "Column2"},
	} {
		if got := ByName(parseExpr(t, c.expr), 1); got != c.want {
			t.Errorf("ByName(%s) = %q, want %q", c.expr, got, c.want)
		}
	}
}

// TestMatchWildcard checks that only * is a wildcard in the names of
// project-away and its kin and in union's table names: a column may be
// named a? or a[1].
func TestMatchWildcard(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"a*", "ab", true}, {"*b", "ab", true}, {"a*", "ba", false},
		{"a*b*c", "axxbyc", true}, {"a*b*c", "abc", true}, {"a*b*c", "acb", false},
		{"a*a", "a", false}, {"*", "", true}, {"**", "x", true}, {"a", "ab", false},
		{"a?", "a?", true}, {"a?", "ab", false},
		{"a[1]", "a[1]", true}, {"a[1]", "a1", false}, {"a[*", "a[1]", true},
	} {
		if got := matchWildcard(c.pattern, c.name); got != c.want {
			t.Errorf("matchWildcard(%q, %q) = %v, want %v", c.pattern, c.name, got, c.want)
		}
	}
}

func TestGrannyCompare(t *testing.T) {
	names := []string{"a10", "b1", "a2", "a", "a02x", "a2y", "a100", "10", "9"}
	slices.SortFunc(names, grannyCompare)
	want := []string{"9", "10", "a", "a2", "a02x", "a2y", "a10", "a100", "b1"}
	if !slices.Equal(names, want) {
		t.Errorf("granny order %v, want %v", names, want)
	}
}
