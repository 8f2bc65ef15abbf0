package engine

import (
	"context"
	"testing"
)

// benchQuery is a 30-line query of the kind detections are written in.
const benchQuery = `let threshold = 5;
let window = 1h;
let Signins = datatable(TimeGenerated:datetime, UserPrincipalName:string, IPAddress:string, ResultType:string, AppDisplayName:string, Location:string)
[
    datetime(2024-03-01 10:00), 'alice@contoso.com', '10.0.0.1', '50126', 'Azure Portal', 'NL',
    datetime(2024-03-01 10:05), 'alice@contoso.com', '10.0.0.1', '0', 'Azure Portal', 'NL',
    datetime(2024-03-01 10:07), 'bob@contoso.com', '203.0.113.7', '50126', 'Exchange', 'US'
];
let Failures = Signins
    | where ResultType != "0"
    | extend Hour = bin(TimeGenerated, window)
    | summarize FailedCount = count(), Apps = make_set(AppDisplayName), FirstSeen = min(TimeGenerated) by UserPrincipalName, IPAddress, Hour;
let Successes = Signins
    | where ResultType == "0"
    | summarize LastSuccess = max(TimeGenerated) by UserPrincipalName;
Failures
| where FailedCount >= 1 and not(IPAddress startswith "192.168.")
| join kind=leftouter Successes on UserPrincipalName
| extend SucceededAfter = isnotnull(LastSuccess) and LastSuccess > FirstSeen
| extend Severity = case(FailedCount > threshold * 2, "High", FailedCount > threshold, "Medium", "Low")
| extend Private = ipv4_is_private(IPAddress)
| where UserPrincipalName has "contoso" or IPAddress in ("203.0.113.7", "198.51.100.1")
| project UserPrincipalName, IPAddress, Hour, FailedCount, Apps, SucceededAfter, Severity, Private
| sort by FailedCount desc, UserPrincipalName asc
| take 100`

// BenchmarkCompile measures KQL text to SQL (target: under 1 ms).
func BenchmarkCompile(b *testing.B) {
	e := newEngine(b)
	req := Request{Query: benchQuery, Now: fixedNow}
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
	res, err := newEngine(t).Query(context.Background(), Request{Query: benchQuery, Now: fixedNow})
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
