package engine

import (
	"math"
	"testing"
)

// FuzzGeoJSON feeds arbitrary text, as a dynamic column may hold, to the
// GeoJSON readers and to what the geo functions compute from the shapes
// they accept: never a panic, and measures are finite and not negative.
func FuzzGeoJSON(f *testing.F) {
	for _, s := range []string{
		`{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[4,4],[6,4],[6,6],[4,6],[4,4]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[10,10],[10,10],[0,0]]]}`,
		`{"type":"LineString","coordinates":[[1,1],[2,2]]}`,
		`{"type":"MultiLineString","coordinates":[[[1,1],[2,2]],[[0,0],[0,0]]]}`,
		`{"type":"Polygon","coordinates":[[[180,90],[-180,-90],[0,0],[180,90]]]}`,
		`{"type":"Polygon"}`, `[]`, `"x"`, `"862a1072fffffff"`, `"89c259"`, `"sunny"`, `{"type":"LineString","coordinates":[[1e400,1]]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := decodeJSON(s)
		pt, _ := geoPoint(1, 1)
		if polys, ok := geoPolygons(v); ok {
			for _, p := range polys {
				p.contains(pt)
				if a := p.shell.Area(); math.IsNaN(a) || a < 0 {
					t.Fatalf("area %v of %s", a, s)
				}
			}
		}
		if lines, ok := geoLines(v); ok {
			if d := distanceToLines(pt, lines); math.IsNaN(d) || d < 0 {
				t.Fatalf("distance %v to %s", d, s)
			}
		}
		if str, ok := v.(string); ok {
			geohashNeighbors(str)
			if id, ok := s2Cell(str); ok {
				id.AllNeighbors(id.Level())
			}
			if c, ok := h3Cell(str); ok {
				c.Boundary()
				c.GridDisk(1)
				if c.Resolution() < 15 {
					c.Children(c.Resolution() + 1)
				}
			}
		}
	})
}
