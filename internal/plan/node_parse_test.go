package plan

import (
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

func TestNewParse(t *testing.T) {
	for _, c := range []struct {
		op, pattern string
		groups      int
		captures    []int // each capture's group
		strict      bool
		layout      string
	}{
		// Literals match themselves, a string capture lazily but the
		// last, * anything.
		{`parse b with * "id=" id:long " a.b=" user " t=" took:timespan *`,
			`(?s)(?:.*?)id=(-?\d+) a\.b=(.*?) t=(.*?)(?:.*?)`, 3, []int{0, 1, 2}, true,
			"a:long<-a b:string<-b ab:real<-ab _h:datetime<-_h! c:dynamic<-c id:long=0 user:string=1 took:timespan=2"},
		{`parse b with "x=" x:real ";" y`, `(?s)x=(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?);(.*)`, 2, []int{0, 1}, true,
			"a:long<-a b:string<-b ab:real<-ab _h:datetime<-_h! c:dynamic<-c x:real=0 y:string=1"},
		// Relaxed: a number, failing that anything up to what follows; a
		// capture replaces the input's column of its name.
		{`parse kind=relaxed b with "n=" a:int "," ab:decimal`,
			`(?s)n=(-?\d+|.*?),(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|.*)`, 2, []int{0, 1}, false,
			"a:int=0 b:string<-b ab:decimal=1 _h:datetime<-_h! c:dynamic<-c"},
		// Regex: the literals are regular expressions whose groups come
		// before the captures' that follow them; anchored, greedy, with
		// the flags first.
		{`parse-where kind=regex flags=Ui b with "(a|b)(c)=" v:long ";" s *`,
			`(?Ui)\A(?:(?:(a|b)(c)=)(-?\d+)(?:;)(.*)(?:.*?))\z`, 4, []int{2, 3}, true,
			"a:long<-a b:string<-b ab:real<-ab _h:datetime<-_h! c:dynamic<-c v:long=0 s:string=1"},
	} {
		op := parseOp(t, c.op).(*kql.ParseOp)
		n, err := NewParse(rows(input...), nil, op)
		if err != nil {
			t.Errorf("%s: %v", c.op, err)
			continue
		}
		if n.Pattern != c.pattern || n.Groups != c.groups || n.Strict != c.strict || n.Where != op.Where {
			t.Errorf("%s: pattern %s, %d groups, strict %v, where %v; want %s, %d, %v", c.op, n.Pattern, n.Groups, n.Strict, n.Where, c.pattern, c.groups, c.strict)
		}
		if len(n.Captures) != len(c.captures) {
			t.Fatalf("%s: captures %+v, want groups %v", c.op, n.Captures, c.captures)
		}
		for i, g := range c.captures {
			if n.Captures[i].Group != g {
				t.Errorf("%s: capture %s reads group %d, want %d", c.op, n.Captures[i].Name, n.Captures[i].Group, g)
			}
		}
		if got := layout(n.Slots); got != c.layout {
			t.Errorf("%s: layout %s, want %s", c.op, got, c.layout)
		}
	}
	_, err := NewParse(rows(input...), nil, parseOp(t, `parse kind=regex b with "(a" v`).(*kql.ParseOp))
	wantErr(t, err, "parse: \"(a\" is not a regular expression: error parsing regexp: missing closing ): `(a`", 1, 5)
	_, err = NewParse(rows(input...), nil, parseOp(t, `parse b with "n=" n:number`).(*kql.ParseOp))
	wantErr(t, err, `parse column n: unknown type "number"`, 1, 5)
}

func TestNewParseKvAndMvExpand(t *testing.T) {
	opts := map[string]any{"greedy": true}
	kv, err := NewParseKv(rows(input...), nil, parseOp(t, `parse-kv b as (b: long, k: string) with (greedy=true)`).(*kql.ParseKv), opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := layout(kv.Slots), "a:long<-a b:long=0 ab:real<-ab _h:datetime<-_h! c:dynamic<-c k:string=1"; got != want || kv.Options["greedy"] != true {
		t.Errorf("parse-kv: layout %s, options %v; want %s", got, kv.Options, want)
	}
	_, err = NewParseKv(rows(input...), nil, parseOp(t, `parse-kv b as (k: text) with (greedy=true)`).(*kql.ParseKv), opts)
	wantErr(t, err, `parse-kv column k: unknown type "text"`, 1, 5)

	// The index comes after the items; an item replaces the column of
	// its name.
	items := []MvExpandValue{{Column: Column{Name: "c", Type: schema.Long}}, {Column: Column{Name: "x", Type: schema.Dynamic}}}
	mv := NewMvExpand(rows(input...), items, true, "i", nil)
	if got, want := layout(mv.Slots), "a:long<-a b:string<-b ab:real<-ab _h:datetime<-_h! c:long=0 x:dynamic=1 i:long=2"; got != want || !mv.BagArray || mv.Index != "i" {
		t.Errorf("mv-expand: layout %s, bag array %v, index %q; want %s", got, mv.BagArray, mv.Index, want)
	}
	if cols := mv.Columns(); len(cols) != 7 || cols[6] != (Column{Name: "i", Type: schema.Long}) || !cols[3].Hidden {
		t.Errorf("mv-expand: columns %+v", cols)
	}
}
