package engine

import (
	"context"
	"os"
	"testing"
)

// benchQuery reads the 30-line query of the kind detections are written
// in, shared with the parser's benchmarks.
func benchQuery(tb testing.TB) string {
	q, err := os.ReadFile("../kql/testdata/bench_query.kql")
	if err != nil {
		tb.Fatal(err)
	}
	return string(q)
}

// BenchmarkCompile measures KQL text to SQL (target: under 1 ms).
func BenchmarkCompile(b *testing.B) {
	e := newEngine(b)
	req := Request{Query: benchQuery(b), Now: fixedNow}
	if _, _, err := e.Compile(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := e.Compile(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBenchQueryRuns keeps the benchmark's query honest: it must run.
func TestBenchQueryRuns(t *testing.T) {
	res, err := newEngine(t).Query(context.Background(), Request{Query: benchQuery(t), Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 2 || len(res.Columns) != 8 {
		t.Fatalf("got %d rows, %d columns", len(res.Rows), len(res.Columns))
	}
}

// overheadKQL and overheadSQL ask the same question over the same
// million generated rows: KQL through the engine, SQL written by hand.
const overheadKQL = `range x from 1 to 1000000 step 1
| extend k = x % 100
| where x % 3 != 0
| summarize n = count(), total = sum(x), top = max(x) by k
| top 10 by total desc`

const overheadSQL = `SELECT x % 100 AS k, count(*) AS n, sum(x) AS total, max(x) AS top
FROM generate_series(1, 1000000) AS g(x)
WHERE x % 3 <> 0
GROUP BY k ORDER BY total DESC LIMIT 10`

// BenchmarkOverhead compares running a KQL query with running the
// hand-written SQL for it (target: the engine within 10%).
func BenchmarkOverhead(b *testing.B) {
	e := newEngine(b)
	ctx := context.Background()
	b.Run("kql", func(b *testing.B) {
		for b.Loop() {
			res, err := e.Query(ctx, Request{Query: overheadKQL, Now: fixedNow})
			if err != nil || len(res.Rows) != 10 {
				b.Fatal(err)
			}
		}
	})
	b.Run("sql", func(b *testing.B) {
		for b.Loop() {
			rows, err := e.db.QueryContext(ctx, overheadSQL)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			rows.Close()
			if n != 10 {
				b.Fatalf("%d rows", n)
			}
		}
	})
}

// BenchmarkScan measures scan, which folds its rows one by one: a
// three-step sequence over 20,000 rows, reported per row.
func BenchmarkScan(b *testing.B) {
	e := newEngine(b)
	const rows = 20000
	q := `range x from 1 to 20000 step 1
| extend Event = case(x % 7 == 0, "Start", x % 7 == 3, "Stop", "Other"), Ts = x * 1s
| scan with_match_id=m declare (n:long = 0) with (
    step s1: Event == "Start" => n = 1;
    step s2: Event == "Other" and Ts - s1.Ts <= 5s => n = s2.n + 1;
    step s3: Event == "Stop" => n = s2.n + 1;
)
| summarize count(), max(m)`
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.Query(ctx, Request{Query: q, Now: fixedNow}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
}
