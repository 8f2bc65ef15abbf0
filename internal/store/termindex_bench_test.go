package store

import (
	"context"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"vigil/internal/engine"
	"vigil/internal/source"
)

var termBenchRows = flag.Int("termbench.rows", 1_000_000, "rows BenchmarkTermSearch seals (a multiple of 10,000)")

// BenchmarkTermSearch seals termbench.rows syslog-like rows (10 ms apart,
// so 1M rows are one day's segment) holding two rare tokens, one in 20
// consecutive rows (an incident's), one in every 100,000th row (as vigil
// bench plants its needle), and times a KQL `has` search for each through
// the engine, warm, with the term index and without it.
func BenchmarkTermSearch(b *testing.B) {
	s, err := Open(b.TempDir(), Options{HotMaxBytes: 4 << 30})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	const per = 10000
	batches := *termBenchRows / per
	for seed := 0; seed < batches; seed++ {
		bt := syslogBatch(seed, per, t0)
		if seed == batches/2 {
			for _, row := range bt.Rows[:20] {
				row[7] = row[7].(string) + " zq7needle"
			}
		}
		if seed%10 == 3 {
			bt.Rows[777][7] = bt.Rows[777][7].(string) + " zq7scattered"
		}
		if err := appendWaiting(s, bt); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now()
	if err := s.Flush(); err != nil {
		b.Fatal(err)
	}
	sealed := time.Since(start)
	var segBytes, indexBytes int64
	for _, seg := range s.cat.Segments {
		segBytes += seg.Bytes
		indexBytes += seg.TermsBytes
	}
	// The index's share of compaction: building it again for one segment
	// from its file (seals take the string columns from memory).
	seg := s.cat.Segments[0]
	start = time.Now()
	if _, err := startTermIndex(syslogColumns, seg.Rows, nil).finish(s, filepath.Join(s.dir, seg.Path)); err != nil {
		b.Fatal(err)
	}
	build := time.Since(start)
	b.Logf("%d rows in %d segments sealed in %v; index %.2f bytes/row (segments %.1f); building one segment's index of %d rows: %v",
		*termBenchRows, len(s.cat.Segments), sealed, float64(indexBytes)/float64(*termBenchRows), float64(segBytes)/float64(*termBenchRows), seg.Rows, build)

	eng := engine.New(s.DB())
	for _, c := range []struct {
		name, token string
		rows        int
		tables      source.Tables
	}{
		{"clustered/indexed", "zq7needle", 20, s.Tables(ws)},
		{"clustered/scan", "zq7needle", 20, noTerms{s.Tables(ws)}},
		{"scattered/indexed", "zq7scattered", batches / 10, s.Tables(ws)},
		{"scattered/scan", "zq7scattered", batches / 10, noTerms{s.Tables(ws)}},
	} {
		q := `Syslog_CL | where SyslogMessage has "` + c.token + `" | project TimeGenerated, Computer, SyslogMessage`
		b.Run(c.name, func(b *testing.B) {
			run := func() {
				res, err := eng.Query(context.Background(), engine.Request{Query: q, Tables: c.tables})
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Rows) != c.rows {
					b.Fatalf("%d rows, want %d", len(res.Rows), c.rows)
				}
			}
			run() // warm
			b.ResetTimer()
			for b.Loop() {
				run()
			}
		})
	}
}
