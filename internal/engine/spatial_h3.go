package engine

import (
	"database/sql/driver"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/golang/geo/s2"
	h3 "github.com/uber/h3-go/v4"
)

// The H3 geo functions, on Uber's H3 library as Kusto's are: cells are
// their 15-digit hexadecimal tokens; an invalid token, resolution or
// coordinate gives null.

// maxH3ChildLevels and maxH3Rings bound what one call may produce (7^5
// children; rings up to distance 100), so a query cannot ask for
// billions of cells.
const (
	maxH3ChildLevels = 5
	maxH3Rings       = 100
)

// h3Cell reads a cell token.
func h3Cell(v any) (h3.Cell, bool) {
	s, ok := v.(string)
	if !ok || len(s) == 0 || len(s) > 16 || strings.Trim(strings.ToLower(s), "0123456789abcdef") != "" {
		return 0, false
	}
	c := h3.Cell(h3.IndexFromString(s))
	return c, c.IsValid()
}

func h3Tokens(cells []h3.Cell) []any {
	out := make([]any, 0, len(cells))
	for _, c := range cells {
		if c != 0 {
			out = append(out, c.String())
		}
	}
	return out
}

// h3Level is an optional resolution argument: def when absent, false
// when not a whole number in lo..hi.
func h3Level(v any, def, lo, hi int) (int, bool) {
	if v == nil {
		return def, def >= lo && def <= hi
	}
	n, ok := asInt(v)
	return int(n), ok && int(n) >= lo && int(n) <= hi
}

func init() {
	udfs = append(udfs,
		udf{name: "kql_h3cell", args: []duckdb.Type{tDouble, tDouble, tBigint}, result: tVarchar, fn: func(a []driver.Value) (any, error) {
			lon, lat, res := a[0].(float64), a[1].(float64), a[2].(int64)
			if _, ok := geoPoint(lon, lat); !ok || res < 0 || res > 15 {
				return nil, nil
			}
			return h3.LatLngToCell(h3.NewLatLng(lat, lon), int(res)).String(), nil
		}},
		jsonUDF("kql_h3cell_point", 1, func(v []any) (any, error) {
			c, ok := h3Cell(v[0])
			if !ok {
				return nil, nil
			}
			ll := c.LatLng()
			return geoJSONPoint(s2.LatLngFromDegrees(ll.Lat, ll.Lng)), nil
		}),
		jsonUDF("kql_h3cell_polygon", 1, func(v []any) (any, error) {
			c, ok := h3Cell(v[0])
			if !ok {
				return nil, nil
			}
			var ring []any
			b := c.Boundary()
			for _, ll := range append(b, b[0]) {
				ring = append(ring, []any{ll.Lng, ll.Lat})
			}
			return map[string]any{"type": "Polygon", "coordinates": []any{ring}}, nil
		}),
		jsonUDF("kql_h3cell_level", 1, func(v []any) (any, error) {
			c, ok := h3Cell(v[0])
			if !ok {
				return nil, nil
			}
			return c.Resolution(), nil
		}),
		jsonUDF("kql_h3cell_parent", 2, func(v []any) (any, error) {
			c, ok := h3Cell(v[0])
			if !ok {
				return nil, nil
			}
			res, ok := h3Level(v[1], c.Resolution()-1, 0, c.Resolution())
			if !ok {
				return nil, nil
			}
			return c.Parent(res).String(), nil
		}),
		jsonUDF("kql_h3cell_children", 2, func(v []any) (any, error) {
			c, ok := h3Cell(v[0])
			if !ok {
				return nil, nil
			}
			res, ok := h3Level(v[1], c.Resolution()+1, c.Resolution(), min(15, c.Resolution()+maxH3ChildLevels))
			if !ok {
				return nil, nil
			}
			return h3Tokens(c.Children(res)), nil
		}),
		jsonUDF("kql_h3cell_neighbors", 1, func(v []any) (any, error) {
			c, ok := h3Cell(v[0])
			if !ok {
				return nil, nil
			}
			var around []h3.Cell
			for _, n := range c.GridDisk(1) {
				if n != c {
					around = append(around, n)
				}
			}
			return h3Tokens(around), nil
		}),
		jsonUDF("kql_h3cell_rings", 2, func(v []any) (any, error) {
			c, ok := h3Cell(v[0])
			k, ok2 := h3Level(v[1], -1, 0, maxH3Rings)
			if !ok || !ok2 {
				return nil, nil
			}
			var out []any
			for _, ring := range c.GridDiskDistances(k) {
				out = append(out, h3Tokens(ring))
			}
			return out, nil
		}),
	)
}
