package sqlgen

import "vigil/internal/schema"

// The geospatial functions are Go functions registered in DuckDB
// (internal/engine's spatial.go and spatial_h3.go). Those of points take
// their coordinates as DOUBLE and give their result typed; those of
// shapes and cells take JSON text (goCall).
func init() {
	spell(map[string]spelling{
		"geo_distance_2points": tmpl("kql_geo_distance($1, $2, $3, $4)"),
		// A radius that is not positive (or NaN) is an invalid circle,
		// for which Kusto gives null, as for invalid coordinates.
		"geo_point_in_circle": tmpl("CASE WHEN $5 > 0 AND NOT isnan($5) THEN kql_geo_distance($1, $2, $3, $4) <= $5 END"),

		"geo_point_to_geohash":         geoCell("kql_geohash", "5"),
		"geo_geohash_to_central_point": goFixed("kql_geohash_point", 1),
		"geo_geohash_to_polygon":       goFixed("kql_geohash_polygon", 1),
		"geo_geohash_neighbors":        goFixed("kql_geohash_neighbors", 1),

		"geo_point_to_s2cell":         geoCell("kql_s2cell", "11"),
		"geo_s2cell_to_central_point": goFixed("kql_s2cell_point", 1),
		"geo_s2cell_to_polygon":       goFixed("kql_s2cell_polygon", 1),
		"geo_s2cell_neighbors":        goFixed("kql_s2cell_neighbors", 1),

		"geo_point_to_h3cell":         geoCell("kql_h3cell", "6"),
		"geo_h3cell_to_central_point": goFixed("kql_h3cell_point", 1),
		"geo_h3cell_to_polygon":       goFixed("kql_h3cell_polygon", 1),
		"geo_h3cell_level":            goFixed("kql_h3cell_level", 1),
		"geo_h3cell_parent":           goFixed("kql_h3cell_parent", 2),
		"geo_h3cell_children":         goFixed("kql_h3cell_children", 2),
		"geo_h3cell_neighbors":        goFixed("kql_h3cell_neighbors", 1),
		"geo_h3cell_rings":            goFixed("kql_h3cell_rings", 2),

		"geo_point_in_polygon":          geoPointShape("kql_geo_point_in_polygon"),
		"geo_distance_point_to_line":    geoPointShape("kql_geo_distance_to_line"),
		"geo_distance_point_to_polygon": geoPointShape("kql_geo_distance_to_polygon"),

		"geo_polygon_area":                 goFixed("kql_geo_polygon_area", 1),
		"geo_polygon_perimeter":            goFixed("kql_geo_polygon_perimeter", 1),
		"geo_polygon_centroid":             goFixed("kql_geo_polygon_centroid", 1),
		"geo_line_length":                  goFixed("kql_geo_line_length", 1),
		"geo_line_centroid":                goFixed("kql_geo_line_centroid", 1),
		"geo_intersects_2lines":            goFixed("kql_geo_intersects_2lines", 2),
		"geo_intersects_2polygons":         goFixed("kql_geo_intersects_2polygons", 2),
		"geo_intersects_line_with_polygon": goFixed("kql_geo_intersects_line_with_polygon", 2),
	})
}

// geoCell spells the Go function name of a point and a level, def when
// the call leaves the level out. A null level stays null: Kusto treats
// it as an invalid level, not as the default.
func geoCell(name, def string) spelling {
	return func(_ *DuckDB, a []Arg, _ schema.Type) string {
		level := def
		if len(a) > 2 {
			level = a[2].SQL
		}
		return name + "(" + a[0].SQL + ", " + a[1].SQL + ", " + level + ")"
	}
}

// geoPointShape spells the Go function name of a point and a GeoJSON
// shape.
func geoPointShape(name string) spelling {
	return func(_ *DuckDB, a []Arg, _ schema.Type) string {
		return name + "(" + a[0].SQL + ", " + a[1].SQL + ", " + jsonArg(a, 2) + ")"
	}
}
