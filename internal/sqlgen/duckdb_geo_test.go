package sqlgen

import (
	"testing"

	"vigil/internal/schema"
)

func TestGeoXMLSpellings(t *testing.T) {
	lon, lat := Arg{SQL: "lon", Type: schema.Real}, Arg{SQL: "lat", Type: schema.Real}
	shape := Arg{SQL: "s", Type: schema.Dynamic}
	checkSpellings(t, []spellingCase{
		{"geo_point_in_circle", []Arg{lon, lat, {SQL: "1"}, {SQL: "2"}, {SQL: "r"}}, schema.Bool, "CASE WHEN r > 0 AND NOT isnan(r) THEN kql_geo_distance(lon, lat, 1, 2) <= r END"},
		// A level left out is Kusto's default one.
		{"geo_point_to_geohash", []Arg{lon, lat}, schema.String, "kql_geohash(lon, lat, 5)"},
		{"geo_point_to_s2cell", []Arg{lon, lat}, schema.String, "kql_s2cell(lon, lat, 11)"},
		{"geo_point_to_h3cell", []Arg{lon, lat, {SQL: "CAST(NULL AS BIGINT)", Type: schema.Long}}, schema.String, "kql_h3cell(lon, lat, CAST(NULL AS BIGINT))"},
		{"geo_point_in_polygon", []Arg{lon, lat, shape}, schema.Bool, "kql_geo_point_in_polygon(lon, lat, CAST(s AS VARCHAR))"},
		// A Go function of cells gets its missing arguments as nulls.
		{"geo_h3cell_parent", []Arg{shape}, schema.String, "json_extract_string(kql_h3cell_parent(CAST(s AS VARCHAR), CAST(NULL AS VARCHAR)), '$')"},
		{"parse_xml", []Arg{{SQL: "x", Type: schema.String}}, schema.Dynamic, "CAST(kql_parse_xml(x) AS JSON)"},
	})
}
