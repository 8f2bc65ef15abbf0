package engine

import (
	"database/sql/driver"
	"math"
	"strings"
	"sync"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
)

// The geo functions. As in Kusto, coordinates are WGS-84 degrees
// (longitude first), shapes are GeoJSON in dynamic values, edges are
// geodesics on a sphere, and the sphere is S2's (Kusto builds on S2 too)
// with the radius below, so distances, areas and S2 cells agree with
// Kusto's. A coordinate out of range or a malformed shape gives null.

// earthRadius is the radius, in meters, Kusto's geo functions use.
const earthRadius = 6371010.0

// geoPoint is a valid longitude and latitude as a point on the sphere.
func geoPoint(lon, lat float64) (s2.Point, bool) {
	if !(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90) {
		return s2.Point{}, false
	}
	return s2.PointFromLatLng(s2.LatLngFromDegrees(lat, lon)), true
}

// geoJSONPoint is a point as GeoJSON.
func geoJSONPoint(ll s2.LatLng) map[string]any {
	return map[string]any{"type": "Point", "coordinates": []any{ll.Lng.Degrees(), ll.Lat.Degrees()}}
}

// jsonPosition reads a GeoJSON position [lon, lat].
func jsonPosition(v any) (s2.Point, bool) {
	a, ok := asArray(v)
	if !ok || len(a) < 2 {
		return s2.Point{}, false
	}
	lon, ok1 := asNumber(a[0])
	lat, ok2 := asNumber(a[1])
	if !ok1 || !ok2 {
		return s2.Point{}, false
	}
	return geoPoint(lon, lat)
}

// jsonPositions reads an array of positions, at least min of them.
func jsonPositions(v any, min int) ([]s2.Point, bool) {
	a, ok := asArray(v)
	if !ok || len(a) < min {
		return nil, false
	}
	out := make([]s2.Point, len(a))
	for i, p := range a {
		if out[i], ok = jsonPosition(p); !ok {
			return nil, false
		}
	}
	return out, true
}

// geoParts reads a GeoJSON geometry of type single or multi (LineString
// or MultiLineString, Polygon or MultiPolygon) as the coordinates of its
// parts: one for single, at least one for multi.
func geoParts(v any, single, multi string) ([]any, bool) {
	bag, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	switch bag["type"] {
	case single:
		return []any{bag["coordinates"]}, true
	case multi:
		parts, ok := asArray(bag["coordinates"])
		return parts, ok && len(parts) > 0
	}
	return nil, false
}

// geoLines reads a LineString or MultiLineString as its lines.
func geoLines(v any) ([]s2.Polyline, bool) {
	lines, ok := geoParts(v, "LineString", "MultiLineString")
	if !ok {
		return nil, false
	}
	var out []s2.Polyline
	for _, l := range lines {
		pts, ok := jsonPositions(l, 2)
		if !ok {
			return nil, false
		}
		out = append(out, s2.Polyline(pts))
	}
	return out, true
}

// geoPolygon is a polygon: its outer ring and its holes.
type geoPolygon struct {
	shell *s2.Loop
	holes []*s2.Loop
}

func (p geoPolygon) contains(pt s2.Point) bool {
	if !p.shell.ContainsPoint(pt) {
		return false
	}
	for _, h := range p.holes {
		if h.ContainsPoint(pt) {
			return false
		}
	}
	return true
}

// rings are the polygon's boundaries as closed lines.
func (p geoPolygon) rings() []s2.Polyline {
	var out []s2.Polyline
	for _, l := range append([]*s2.Loop{p.shell}, p.holes...) {
		ring := append(s2.Polyline(nil), l.Vertices()...)
		out = append(out, append(ring, l.Vertex(0)))
	}
	return out
}

// edgesCross reports whether an edge of line crosses or touches an edge
// of any of the rings.
func edgesCross(line s2.Polyline, rings []s2.Polyline) bool {
	for i := 0; i+1 < len(line); i++ {
		for _, r := range rings {
			for j := 0; j+1 < len(r); j++ {
				if s2.CrossingSign(line[i], line[i+1], r[j], r[j+1]) != s2.DoNotCross {
					return true
				}
			}
		}
	}
	return false
}

// polygonsIntersect reports whether two sets of polygons share a point:
// their boundaries cross or touch, or one holds a vertex of the other.
func polygonsIntersect(a, b []geoPolygon) bool {
	for _, p := range a {
		for _, q := range b {
			if p.contains(q.shell.Vertex(0)) || q.contains(p.shell.Vertex(0)) {
				return true
			}
			for _, r := range p.rings() {
				if edgesCross(r, q.rings()) {
					return true
				}
			}
		}
	}
	return false
}

// geoPolygons reads a Polygon or MultiPolygon. A ring is closed (its
// last position repeats its first) and has at least three distinct
// positions; each ring encloses the smaller of the two regions it
// divides the sphere into.
func geoPolygons(v any) ([]geoPolygon, bool) {
	polys, ok := geoParts(v, "Polygon", "MultiPolygon")
	if !ok {
		return nil, false
	}
	var out []geoPolygon
	for _, p := range polys {
		rings, ok := asArray(p)
		if !ok || len(rings) == 0 {
			return nil, false
		}
		var poly geoPolygon
		for i, r := range rings {
			pts, ok := jsonPositions(r, 4)
			if !ok || pts[0] != pts[len(pts)-1] {
				return nil, false
			}
			pts = pts[:len(pts)-1]
			distinct := map[s2.Point]bool{}
			for _, q := range pts {
				distinct[q] = true
			}
			if len(distinct) < 3 {
				return nil, false
			}
			loop := s2.LoopFromPoints(pts)
			loop.Normalize()
			if i == 0 {
				poly.shell = loop
			} else {
				poly.holes = append(poly.holes, loop)
			}
		}
		out = append(out, poly)
	}
	return out, true
}

// shape is a GeoJSON text read once: its polygons (with their rings as
// lines, for distances to the boundary) or its lines; nil when it is not
// such a shape.
type shape struct {
	polys []geoPolygon
	rings []s2.Polyline
	lines []s2.Polyline
}

// shapeCache keeps the shapes of recent GeoJSON texts: a query usually
// tests every row against one or a few constant shapes, and reading the
// JSON and building the loops costs far more than the test.
type shapeCache struct {
	mu sync.Mutex
	m  map[string]shape
}

// shapes is the engine's shape cache; it holds at most maxShapes texts
// and starts over when full, so shapes that differ on every row cannot
// grow it without bound.
var shapes = shapeCache{m: map[string]shape{}}

const maxShapes = 256

func (c *shapeCache) get(text string) shape {
	c.mu.Lock()
	sh, ok := c.m[text]
	c.mu.Unlock()
	if ok {
		return sh
	}
	v := decodeJSON(text)
	if polys, ok := geoPolygons(v); ok {
		sh.polys = polys
		for _, p := range polys {
			sh.rings = append(sh.rings, p.rings()...)
		}
	}
	if lines, ok := geoLines(v); ok {
		sh.lines = lines
	}
	c.mu.Lock()
	if len(c.m) >= maxShapes {
		c.m = map[string]shape{}
	}
	c.m[text] = sh
	c.mu.Unlock()
	return sh
}

// meters is an angle on the sphere as a distance on the Earth.
func meters(a s1.Angle) float64 { return float64(a) * earthRadius }

// distanceToLines is the shortest distance from pt to any of the lines.
func distanceToLines(pt s2.Point, lines []s2.Polyline) float64 {
	best := math.Inf(1)
	for _, l := range lines {
		if len(l) == 1 {
			best = math.Min(best, meters(pt.Distance(l[0])))
			continue
		}
		q, _ := l.Project(pt)
		best = math.Min(best, meters(pt.Distance(q)))
	}
	return best
}

// geohashAlphabet is the geohash base-32 alphabet.
const geohashAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz"

// geohashEncode is the geohash of a point to precision characters:
// bits alternate longitude and latitude, longitude first, each halving
// the range left.
func geohashEncode(lon, lat float64, precision int) string {
	lonR, latR := [2]float64{-180, 180}, [2]float64{-90, 90}
	out := make([]byte, 0, precision)
	even := true
	for len(out) < precision {
		c := 0
		for b := 0; b < 5; b++ {
			r, x := &latR, lat
			if even {
				r, x = &lonR, lon
			}
			mid := (r[0] + r[1]) / 2
			c <<= 1
			if x >= mid {
				c |= 1
				r[0] = mid
			} else {
				r[1] = mid
			}
			even = !even
		}
		out = append(out, geohashAlphabet[c])
	}
	return string(out)
}

// geohashBounds is the cell of a geohash: longitude and latitude ranges.
func geohashBounds(h string) (lonR, latR [2]float64, ok bool) {
	lonR, latR = [2]float64{-180, 180}, [2]float64{-90, 90}
	if h == "" || len(h) > 18 {
		return lonR, latR, false
	}
	even := true
	for i := 0; i < len(h); i++ {
		c := strings.IndexByte(geohashAlphabet, h[i]|0x20)
		if c < 0 {
			return lonR, latR, false
		}
		for b := 4; b >= 0; b-- {
			r := &latR
			if even {
				r = &lonR
			}
			mid := (r[0] + r[1]) / 2
			if c>>b&1 == 1 {
				r[0] = mid
			} else {
				r[1] = mid
			}
			even = !even
		}
	}
	return lonR, latR, true
}

// geohashNeighbors are the up to eight cells around a geohash's cell, of
// the same precision; none beyond a pole, and wrapping at ±180°.
func geohashNeighbors(h string) []any {
	lonR, latR, ok := geohashBounds(h)
	if !ok {
		return nil
	}
	w, hgt := lonR[1]-lonR[0], latR[1]-latR[0]
	cLon, cLat := (lonR[0]+lonR[1])/2, (latR[0]+latR[1])/2
	out := []any{}
	// Kusto's order: south-west, north-west, south-east, north, west,
	// north-east, east, south.
	for _, d := range [][2]float64{{-1, -1}, {-1, 1}, {1, -1}, {0, 1}, {-1, 0}, {1, 1}, {1, 0}, {0, -1}} {
		lat := cLat + d[1]*hgt
		if lat > 90 || lat < -90 {
			continue
		}
		lon := cLon + d[0]*w
		if lon > 180 {
			lon -= 360
		} else if lon < -180 {
			lon += 360
		}
		out = append(out, geohashEncode(lon, lat, len(h)))
	}
	return out
}

// s2Cell reads an S2 cell token.
func s2Cell(v any) (s2.CellID, bool) {
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	id := s2.CellIDFromToken(s)
	return id, id.IsValid()
}

// ringJSON is a GeoJSON polygon of one ring, closed.
func ringJSON(lls []s2.LatLng) map[string]any {
	var ring []any
	for _, ll := range append(lls, lls[0]) {
		ring = append(ring, []any{ll.Lng.Degrees(), ll.Lat.Degrees()})
	}
	return map[string]any{"type": "Polygon", "coordinates": []any{ring}}
}

// centroid is the point of a sum of weighted centroids, or nil when the
// weights cancel (a degenerate shape).
func centroid(sum s2.Point) any {
	if sum.Norm() == 0 {
		return nil
	}
	return geoJSONPoint(s2.LatLngFromPoint(s2.Point{Vector: sum.Normalize()}))
}

func init() {
	// Functions of points take and return plain numbers, for speed on
	// large tables.
	udfs = append(udfs,
		udf{name: "kql_geo_distance", args: []duckdb.Type{tDouble, tDouble, tDouble, tDouble}, result: tDouble, fn: func(a []driver.Value) (any, error) {
			p, ok1 := geoPoint(a[0].(float64), a[1].(float64))
			q, ok2 := geoPoint(a[2].(float64), a[3].(float64))
			if !ok1 || !ok2 {
				return nil, nil
			}
			return meters(p.Distance(q)), nil
		}},
		udf{name: "kql_geohash", args: []duckdb.Type{tDouble, tDouble, tBigint}, result: tVarchar, fn: func(a []driver.Value) (any, error) {
			lon, lat, n := a[0].(float64), a[1].(float64), a[2].(int64)
			if _, ok := geoPoint(lon, lat); !ok || n < 1 || n > 18 {
				return nil, nil
			}
			return geohashEncode(lon, lat, int(n)), nil
		}},
		udf{name: "kql_s2cell", args: []duckdb.Type{tDouble, tDouble, tBigint}, result: tVarchar, fn: func(a []driver.Value) (any, error) {
			lon, lat, n := a[0].(float64), a[1].(float64), a[2].(int64)
			if _, ok := geoPoint(lon, lat); !ok || n < 0 || n > 30 {
				return nil, nil
			}
			return s2.CellIDFromLatLng(s2.LatLngFromDegrees(lat, lon)).Parent(int(n)).ToToken(), nil
		}},
		jsonUDF("kql_geohash_point", 1, func(v []any) (any, error) {
			s, _ := v[0].(string)
			lonR, latR, ok := geohashBounds(s)
			if !ok {
				return nil, nil
			}
			return map[string]any{"type": "Point", "coordinates": []any{(lonR[0] + lonR[1]) / 2, (latR[0] + latR[1]) / 2}}, nil
		}),
		jsonUDF("kql_geohash_polygon", 1, func(v []any) (any, error) {
			s, _ := v[0].(string)
			lonR, latR, ok := geohashBounds(s)
			if !ok {
				return nil, nil
			}
			return ringJSON([]s2.LatLng{
				s2.LatLngFromDegrees(latR[0], lonR[0]), s2.LatLngFromDegrees(latR[0], lonR[1]),
				s2.LatLngFromDegrees(latR[1], lonR[1]), s2.LatLngFromDegrees(latR[1], lonR[0]),
			}), nil
		}),
		jsonUDF("kql_geohash_neighbors", 1, func(v []any) (any, error) {
			s, _ := v[0].(string)
			if n := geohashNeighbors(s); n != nil {
				return n, nil
			}
			return nil, nil
		}),
		jsonUDF("kql_s2cell_point", 1, func(v []any) (any, error) {
			id, ok := s2Cell(v[0])
			if !ok {
				return nil, nil
			}
			return geoJSONPoint(id.LatLng()), nil
		}),
		jsonUDF("kql_s2cell_polygon", 1, func(v []any) (any, error) {
			id, ok := s2Cell(v[0])
			if !ok {
				return nil, nil
			}
			cell := s2.CellFromCellID(id)
			var lls []s2.LatLng
			for i := 0; i < 4; i++ {
				lls = append(lls, s2.LatLngFromPoint(cell.Vertex(i)))
			}
			return ringJSON(lls), nil
		}),
		jsonUDF("kql_s2cell_neighbors", 1, func(v []any) (any, error) {
			id, ok := s2Cell(v[0])
			if !ok {
				return nil, nil
			}
			ns := id.AllNeighbors(id.Level())
			if len(ns) == 8 {
				// S2 lists them by rows of the face's (i, j) grid; Kusto
				// lists the same cells in this order.
				ns = []s2.CellID{ns[7], ns[0], ns[1], ns[2], ns[3], ns[5], ns[4], ns[6]}
			}
			out := []any{}
			for _, n := range ns {
				out = append(out, n.ToToken())
			}
			return out, nil
		}),
		udf{name: "kql_geo_point_in_polygon", args: []duckdb.Type{tDouble, tDouble, tVarchar}, result: tBool, fn: func(a []driver.Value) (any, error) {
			pt, ok1 := geoPoint(a[0].(float64), a[1].(float64))
			sh := shapes.get(a[2].(string))
			if !ok1 || sh.polys == nil {
				return nil, nil
			}
			for _, p := range sh.polys {
				if p.contains(pt) {
					return true, nil
				}
			}
			return false, nil
		}},
		udf{name: "kql_geo_distance_to_line", args: []duckdb.Type{tDouble, tDouble, tVarchar}, result: tDouble, fn: func(a []driver.Value) (any, error) {
			pt, ok1 := geoPoint(a[0].(float64), a[1].(float64))
			sh := shapes.get(a[2].(string))
			if !ok1 || sh.lines == nil {
				return nil, nil
			}
			return distanceToLines(pt, sh.lines), nil
		}},
		udf{name: "kql_geo_distance_to_polygon", args: []duckdb.Type{tDouble, tDouble, tVarchar}, result: tDouble, fn: func(a []driver.Value) (any, error) {
			pt, ok1 := geoPoint(a[0].(float64), a[1].(float64))
			sh := shapes.get(a[2].(string))
			if !ok1 || sh.polys == nil {
				return nil, nil
			}
			// Zero inside; otherwise the distance to the nearest edge.
			for _, p := range sh.polys {
				if p.contains(pt) {
					return 0.0, nil
				}
			}
			return distanceToLines(pt, sh.rings), nil
		}},
		jsonUDF("kql_geo_polygon_area", 1, func(v []any) (any, error) {
			polys, ok := geoPolygons(v[0])
			if !ok {
				return nil, nil
			}
			var area float64
			for _, p := range polys {
				area += p.shell.Area()
				for _, h := range p.holes {
					area -= h.Area()
				}
			}
			return area * earthRadius * earthRadius, nil
		}),
		jsonUDF("kql_geo_polygon_perimeter", 1, func(v []any) (any, error) {
			polys, ok := geoPolygons(v[0])
			if !ok {
				return nil, nil
			}
			var length s1.Angle
			for _, p := range polys {
				for _, r := range p.rings() {
					length += r.Length()
				}
			}
			return meters(length), nil
		}),
		jsonUDF("kql_geo_polygon_centroid", 1, func(v []any) (any, error) {
			polys, ok := geoPolygons(v[0])
			if !ok {
				return nil, nil
			}
			var sum s2.Point
			for _, p := range polys {
				sum = s2.Point{Vector: sum.Add(p.shell.Centroid().Vector)}
				for _, h := range p.holes {
					sum = s2.Point{Vector: sum.Sub(h.Centroid().Vector)}
				}
			}
			return centroid(sum), nil
		}),
		jsonUDF("kql_geo_line_length", 1, func(v []any) (any, error) {
			lines, ok := geoLines(v[0])
			if !ok {
				return nil, nil
			}
			var length s1.Angle
			for _, l := range lines {
				length += l.Length()
			}
			return meters(length), nil
		}),
		jsonUDF("kql_geo_line_centroid", 1, func(v []any) (any, error) {
			lines, ok := geoLines(v[0])
			if !ok {
				return nil, nil
			}
			var sum s2.Point
			for _, l := range lines {
				sum = s2.Point{Vector: sum.Add(l.Centroid().Vector)}
			}
			return centroid(sum), nil
		}),
		jsonUDF("kql_geo_intersects_2polygons", 2, func(v []any) (any, error) {
			a, ok1 := geoPolygons(v[0])
			b, ok2 := geoPolygons(v[1])
			if !ok1 || !ok2 {
				return nil, nil
			}
			return polygonsIntersect(a, b), nil
		}),
		jsonUDF("kql_geo_intersects_line_with_polygon", 2, func(v []any) (any, error) {
			lines, ok1 := geoLines(v[0])
			polys, ok2 := geoPolygons(v[1])
			if !ok1 || !ok2 {
				return nil, nil
			}
			for _, p := range polys {
				for _, l := range lines {
					if p.contains(l[0]) || edgesCross(l, p.rings()) {
						return true, nil
					}
				}
			}
			return false, nil
		}),
		jsonUDF("kql_geo_intersects_2lines", 2, func(v []any) (any, error) {
			a, ok1 := geoLines(v[0])
			b, ok2 := geoLines(v[1])
			if !ok1 || !ok2 {
				return nil, nil
			}
			for _, l := range a {
				for _, m := range b {
					if l.Intersects(&m) {
						return true, nil
					}
				}
			}
			return false, nil
		}),
	)
}
