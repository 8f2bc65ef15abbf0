package azure_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"vigil/internal/ingest/ingesttest"
)

// benchInput is a records document of n records taken in turn from the
// sample documents (activity, sign-ins, audit, resource logs, NSG flow
// logs, virtual network flow logs), as an event hub delivers a mix of categories.
func benchInput(b *testing.B, n int) []byte {
	var samples []json.RawMessage
	for _, name := range []string{"activity.json", "signin.json", "audit.json", "nsg_v1.json", "nsg_v2.json", "vnet.json"} {
		var doc struct{ Records []json.RawMessage }
		if err := json.Unmarshal(readFile(b, name), &doc); err != nil {
			b.Fatal(err)
		}
		samples = append(samples, doc.Records...)
	}
	for _, line := range bytes.Split(bytes.TrimSpace(readFile(b, "keyvault.jsonl")), []byte("\n")) {
		samples = append(samples, line)
	}
	var buf bytes.Buffer
	buf.WriteString(`{"records":[`)
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(samples[i%len(samples)])
	}
	buf.WriteString("]}")
	return buf.Bytes()
}

// BenchmarkParse measures parsing and routing alone (no store): records
// per second and allocations per record.
func BenchmarkParse(b *testing.B) {
	const n = 1000
	raw := benchInput(b, n)
	f := format(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, rejects, err := f.Parse(ws, raw, received); err != nil || len(rejects) > 0 {
			b.Fatal(err, rejects)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(testing.AllocsPerRun(1, func() { f.Parse(ws, raw, received) }))/n, "allocs/record")
}

// BenchmarkParseAndStore measures what a sender sees: parsing and routing
// a request of 1000 records, then appending each table's batch durably
// (WAL fsync, ledger leaf, hot buffer) into a real store.
func BenchmarkParseAndStore(b *testing.B) {
	const n = 1000
	raw := benchInput(b, n)
	f := format(b)
	st := ingesttest.Store(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		batches, _, err := f.Parse(ws, raw, received)
		if err != nil {
			b.Fatal(err)
		}
		for _, bt := range batches {
			if _, err := st.Append(context.Background(), bt); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}
