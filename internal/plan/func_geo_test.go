package plan

import (
	"testing"

	"vigil/internal/schema"
)

func TestGeoXMLTypes(t *testing.T) {
	r, l, s, d := schema.Real, schema.Long, schema.String, schema.Dynamic
	checkTyping(t, []typingCase{
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
		{name: "geo_point_in_circle", args: []schema.Type{r, r, r, r, schema.Bool}, errMsg: "Cannot convert bool to real", errCol: 50},
		{name: "geo_point_to_geohash", args: []schema.Type{schema.DateTime, r}, errMsg: "Cannot convert datetime to real", errCol: 10},
		{name: "geo_point_to_h3cell", args: []schema.Type{r, r, schema.Timespan}, errMsg: "Cannot convert timespan to long", errCol: 30},
		// Kusto's numbers of arguments, refused at the call.
		{name: "geo_distance_2points", args: []schema.Type{r, r, r}, errMsg: "The function 'geo_distance_2points' needs 4 arguments, got 3", errCol: 1},
		{name: "geo_point_to_s2cell", args: []schema.Type{r, r, l, l}, errMsg: "The function 'geo_point_to_s2cell' takes at most 3 arguments, got 4", errCol: 1},
		{name: "geo_h3cell_rings", args: []schema.Type{s}, errMsg: "The function 'geo_h3cell_rings' needs 2 arguments, got 1", errCol: 1},
		{name: "parse_xml", args: []schema.Type{s, s}, errMsg: "The function 'parse_xml' takes at most 1 arguments, got 2", errCol: 1},
	})
}
