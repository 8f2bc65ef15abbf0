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
