package plan

import (
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// TestBagUnpack checks bag_unpack's columns: the source column goes, the
// properties follow the input's columns, prefixed, but those ignored,
// and a property that clashes with a column fails, keeps the column or
// replaces it as columnsConflict says.
func TestBagUnpack(t *testing.T) {
	props := []BagProperty{{Key: "a", Type: schema.Long}, {Key: "x", Type: schema.String}, {Key: "z", Type: schema.Real}}
	value := &ColumnRef{Name: "c", T: schema.Dynamic}
	for _, c := range []struct {
		name, source, prefix, conflict string
		ignored                        map[string]bool
		in                             Node
		want, err                      string
	}{
		{name: "a clashes with the column a", source: "c", conflict: "error", in: rows(input...),
			err: "bag_unpack: the property 'a' clashes with the column of the same name; use columnsConflict='replace_source' or 'keep_source'"},
		{name: "keep_source", source: "c", conflict: "keep_source", in: rows(input...),
			want: "a:long<-a b:string<-b ab:real<-ab _h:datetime<-_h! x:string=0 z:real=1"},
		{name: "replace_source", source: "c", conflict: "replace_source", in: rows(input...),
			want: "b:string<-b ab:real<-ab _h:datetime<-_h! a:long=0 x:string=1 z:real=2"},
		{name: "a prefix and an ignored property", source: "c", prefix: "p_", conflict: "error", ignored: map[string]bool{"z": true}, in: rows(input...),
			want: "a:long<-a b:string<-b ab:real<-ab _h:datetime<-_h! p_a:long=0 p_x:string=1"},
		{name: "an expression's bags keep every column", prefix: "p_", conflict: "error", in: rows(input...),
			want: "a:long<-a b:string<-b ab:real<-ab _h:datetime<-_h! c:dynamic<-c p_a:long=0 p_x:string=1 p_z:real=2"},
		{name: "nothing left", source: "c", conflict: "error", ignored: map[string]bool{"a": true, "x": true, "z": true}, in: rows(input[4]),
			err: "bag_unpack leaves no columns"},
	} {
		n, err := BagUnpack(c.in, value, c.source, props, c.prefix, c.conflict, c.ignored, kql.Pos{Line: 1, Column: 3})
		if c.err != "" {
			var e *kql.Error
			if !asKQLError(err, &e) || e.Msg != c.err || e.Pos.Column != 3 {
				t.Errorf("%s: error %v, want %q at column 3", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := layout(n.Slots); got != c.want {
			t.Errorf("%s: columns %s, want %s", c.name, got, c.want)
		}
		for _, s := range n.Slots {
			if s.From >= 0 {
				continue
			}
			el := n.Items[s.Item].(*Element)
			if el.X != value || c.prefix+el.Field != s.Name || el.T != s.Type {
				t.Errorf("%s: %s is %+v", c.name, s.Name, el)
			}
		}
	}
}

// TestApart checks that a plugin's own column is named apart from the
// columns beside it, regardless of case.
func TestApart(t *testing.T) {
	for _, c := range []struct {
		cols []Column
		want string
	}{
		{nil, "_pv"},
		{[]Column{{Name: "a"}, {Name: "_pv1"}}, "_pv"},
		{[]Column{{Name: "_PV"}}, "_pv1"},
		{[]Column{{Name: "_pv"}, {Name: "_pv1"}}, "_pv2"},
	} {
		if got := Apart(c.cols, "_pv"); got != c.want {
			t.Errorf("Apart(%v) = %s, want %s", c.cols, got, c.want)
		}
	}
}
