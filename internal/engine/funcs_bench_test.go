package engine

import (
	"context"
	"testing"
)

// BenchmarkFunctions measures the functions of the long tail over
// 200,000 generated rows each, summarized to one row so the cost is the
// functions', not the result's: a built-in SQL function as the baseline,
// Go functions taking numbers, Go functions taking GeoJSON text, and the
// window steps of row_window_session (whose runs without a gap are
// kept short here: its work grows with their square).
func BenchmarkFunctions(b *testing.B) {
	e := newEngine(b)
	ctx := context.Background()
	const rows = "range x from 1 to 200000 step 1 | extend lon = (x % 360) - 180.0, lat = (x % 180) - 90.0"
	for _, c := range []struct{ name, query string }{
		{"baseline_sqrt", rows + " | summarize s = sum(sqrt(abs(lon * lat)))"},
		{"geo_distance_2points", rows + " | summarize s = sum(geo_distance_2points(lon, lat, 2.35, 48.85))"},
		{"geo_point_to_geohash", rows + " | summarize s = dcount(geo_point_to_geohash(lon, lat, 6))"},
		{"geo_point_in_polygon", rows + " | summarize s = countif(geo_point_in_polygon(lon, lat, dynamic({'type':'Polygon','coordinates':[[[0,0],[60,0],[60,60],[0,60],[0,0]]]})))"},
		{"parse_version", rows + " | summarize s = max(parse_version(strcat(x % 7, '.', x % 13, '.', x)))"},
		// Runs of 100 rows a minute apart, then a two-hour gap.
		{"row_window_session", "range x from 1 to 200000 step 1 | extend t = datetime(2024-01-01) + x * 1m + (x / 100) * 2h | extend s = row_window_session(t, 1h, 30m) | summarize dcount(s)"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				res, err := e.Query(ctx, Request{Query: c.query, Now: fixedNow})
				if err != nil || len(res.Rows) != 1 {
					b.Fatal(c.name, err)
				}
			}
		})
	}
}
