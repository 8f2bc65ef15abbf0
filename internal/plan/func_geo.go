package plan

import "vigil/internal/schema"

// The geospatial functions. Coordinates are reals in degrees; shapes and
// cells given as GeoJSON or tokens are read by Go functions, so they
// pass as dynamic values, as do the cells' optional levels, which those
// functions check themselves.
func init() {
	r, l, d := schema.Real, schema.Long, schema.Dynamic
	// point takes a point and an optional level (accuracy, resolution)
	// and gives a cell's token.
	point := fixed(schema.String, 2, 3, r, r, l)
	// pointShape takes a point and a GeoJSON shape.
	pointShape := func(result schema.Type) Func { return fixed(result, 3, 3, r, r, d) }
	define(map[string]Func{
		"geo_distance_2points": fixed(schema.Real, 4, 4, r),
		"geo_point_in_circle":  fixed(schema.Bool, 5, 5, r),

		"geo_point_to_geohash":         point,
		"geo_geohash_to_central_point": jsonFunc(d, 1, 1),
		"geo_geohash_to_polygon":       jsonFunc(d, 1, 1),
		"geo_geohash_neighbors":        jsonFunc(d, 1, 1),

		"geo_point_to_s2cell":         point,
		"geo_s2cell_to_central_point": jsonFunc(d, 1, 1),
		"geo_s2cell_to_polygon":       jsonFunc(d, 1, 1),
		"geo_s2cell_neighbors":        jsonFunc(d, 1, 1),

		"geo_point_to_h3cell":         point,
		"geo_h3cell_to_central_point": jsonFunc(d, 1, 1),
		"geo_h3cell_to_polygon":       jsonFunc(d, 1, 1),
		"geo_h3cell_level":            jsonFunc(schema.Int, 1, 1),
		"geo_h3cell_parent":           jsonFunc(schema.String, 1, 2),
		"geo_h3cell_children":         jsonFunc(d, 1, 2),
		"geo_h3cell_neighbors":        jsonFunc(d, 1, 1),
		"geo_h3cell_rings":            jsonFunc(d, 2, 2),

		"geo_point_in_polygon":          pointShape(schema.Bool),
		"geo_distance_point_to_line":    pointShape(schema.Real),
		"geo_distance_point_to_polygon": pointShape(schema.Real),

		"geo_polygon_area":                 jsonFunc(schema.Real, 1, 1),
		"geo_polygon_perimeter":            jsonFunc(schema.Real, 1, 1),
		"geo_polygon_centroid":             jsonFunc(d, 1, 1),
		"geo_line_length":                  jsonFunc(schema.Real, 1, 1),
		"geo_line_centroid":                jsonFunc(d, 1, 1),
		"geo_intersects_2lines":            jsonFunc(schema.Bool, 2, 2),
		"geo_intersects_2polygons":         jsonFunc(schema.Bool, 2, 2),
		"geo_intersects_line_with_polygon": jsonFunc(schema.Bool, 2, 2),
	})
}
