package plan

import (
	"errors"
	"slices"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// typeColumnsCall types a call of name whose arguments are columns of the
// given types, argument i at column 10*(i+1) of line 1.
func typeColumnsCall(name string, types ...schema.Type) (Sig, error) {
	call := &kql.Call{P: kql.Pos{Line: 1, Column: 1}, Name: name}
	args := make([]Arg, len(types))
	for i, t := range types {
		e := &kql.Ident{P: kql.Pos{Line: 1, Column: 10 * (i + 1)}, Name: "c"}
		call.Args = append(call.Args, e)
		args[i] = Arg{Expr: e, Type: t}
	}
	sig, known, err := TypeCall(call, args)
	if !known {
		return Sig{}, errors.New(name + " is not a function")
	}
	return sig, err
}

func TestGeoXMLTypes(t *testing.T) {
	r, l, s, d := schema.Real, schema.Long, schema.String, schema.Dynamic
	for _, c := range []struct {
		name   string
		args   []schema.Type
		params []schema.Type
		result schema.Type
		// err is the message of the error and col its column; empty
		// when the call types.
		err string
		col int
	}{
		// Coordinates are reals, from any number or from text.
		{name: "geo_distance_2points", args: []schema.Type{l, schema.Int, r, s}, params: []schema.Type{r, r, r, r}, result: r},
		{name: "geo_point_in_circle", args: []schema.Type{r, r, r, r, l}, params: []schema.Type{r, r, r, r, r}, result: schema.Bool},
		// A level is optional and a long; a null one stays null.
		{name: "geo_point_to_geohash", args: []schema.Type{r, r}, params: []schema.Type{r, r}, result: s},
		{name: "geo_point_to_s2cell", args: []schema.Type{r, r, schema.Int}, params: []schema.Type{r, r, l}, result: s},
		{name: "geo_point_to_h3cell", args: []schema.Type{r, r, 0}, params: []schema.Type{r, r, l}, result: s},
		// Shapes and cells go to Go functions as dynamic values.
		{name: "geo_point_in_polygon", args: []schema.Type{r, r, d}, params: []schema.Type{r, r, d}, result: schema.Bool},
		{name: "geo_distance_point_to_line", args: []schema.Type{r, r, s}, params: []schema.Type{r, r, d}, result: r},
		{name: "geo_h3cell_parent", args: []schema.Type{s, l}, params: []schema.Type{d, d}, result: s},
		{name: "geo_h3cell_level", args: []schema.Type{s}, params: []schema.Type{d}, result: schema.Int},
		{name: "geo_intersects_2polygons", args: []schema.Type{d, d}, params: []schema.Type{d, d}, result: schema.Bool},
		{name: "parse_xml", args: []schema.Type{d}, params: []schema.Type{s}, result: d},

		// A coordinate that is not a number is refused where it is.
		{name: "geo_point_in_circle", args: []schema.Type{r, r, r, r, schema.Bool}, err: "Cannot convert bool to real", col: 50},
		{name: "geo_point_to_geohash", args: []schema.Type{schema.DateTime, r}, err: "Cannot convert datetime to real", col: 10},
		{name: "geo_point_to_h3cell", args: []schema.Type{r, r, schema.Timespan}, err: "Cannot convert timespan to long", col: 30},
		// Kusto's numbers of arguments, refused at the call.
		{name: "geo_distance_2points", args: []schema.Type{r, r, r}, err: "The function 'geo_distance_2points' needs 4 arguments, got 3", col: 1},
		{name: "geo_point_to_s2cell", args: []schema.Type{r, r, l, l}, err: "The function 'geo_point_to_s2cell' takes at most 3 arguments, got 4", col: 1},
		{name: "geo_h3cell_rings", args: []schema.Type{s}, err: "The function 'geo_h3cell_rings' needs 2 arguments, got 1", col: 1},
		{name: "parse_xml", args: []schema.Type{s, s}, err: "The function 'parse_xml' takes at most 1 arguments, got 2", col: 1},
	} {
		sig, err := typeColumnsCall(c.name, c.args...)
		if c.err != "" {
			var kerr *kql.Error
			if !errors.As(err, &kerr) || kerr.Msg != c.err || kerr.Pos.Column != c.col {
				t.Errorf("%s%v: error %v, want %q at column %d", c.name, c.args, err, c.err, c.col)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s%v: %v", c.name, c.args, err)
			continue
		}
		if !slices.Equal(sig.Params, c.params) || sig.Result != c.result {
			t.Errorf("%s%v: params %v result %v, want %v %v", c.name, c.args, sig.Params, sig.Result, c.params, c.result)
		}
	}
}
