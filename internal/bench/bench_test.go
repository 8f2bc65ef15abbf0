package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"vigil/internal/schema"
)

// TestGeneratorDeterministic checks that a seed gives the same records
// whatever order batches are made in, another seed other records, and
// that the data has the promised shape: every record valid JSON, times
// increasing and unique within a table, the needle exactly where said.
func TestGeneratorDeterministic(t *testing.T) {
	const rows, batch, every = 30_000, 2000, 700
	a := NewGenerator(7, rows, batch, every)
	b := NewGenerator(7, rows, batch, every)
	other := NewGenerator(8, rows, batch, every)
	total := 0
	for table, n := range a.Counts() {
		total += n
		var last time.Time
		seen, needles := 0, 0
		// b makes the batches backwards: the order must not matter.
		for i := a.Batches(table) - 1; i >= 0; i-- {
			got, n1 := a.Batch(table, a.Batches(table)-1-i)
			want, n2 := b.Batch(table, b.Batches(table)-1-i)
			if !bytes.Equal(got, want) || n1 != n2 {
				t.Fatalf("%s batch %d differs between two generators of the same seed", table, i)
			}
			if o, _ := other.Batch(table, a.Batches(table)-1-i); bytes.Equal(o, got) {
				t.Fatalf("%s batch %d is the same for seeds 7 and 8", table, i)
			}
		}
		for i := 0; i < a.Batches(table); i++ {
			body, n := a.Batch(table, i)
			sc := bufio.NewScanner(bytes.NewReader(body))
			sc.Buffer(nil, 1<<20)
			lines := 0
			for sc.Scan() {
				lines++
				var rec map[string]any
				if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
					t.Fatalf("%s batch %d line %d: %v: %s", table, i, lines, err, sc.Text())
				}
				ts, err := time.Parse(time.RFC3339Nano, rec["TimeGenerated"].(string))
				if err != nil {
					t.Fatal(err)
				}
				if !ts.After(last) || ts.Before(Start) || !ts.Before(Start.Add(Span)) {
					t.Fatalf("%s record %d: time %v after %v, outside [%v, %v)", table, seen, ts, last, Start, Start.Add(Span))
				}
				last = ts
				if strings.Contains(sc.Text(), a.Needle()) {
					needles++
				}
				seen++
			}
			if lines != n {
				t.Fatalf("%s batch %d: %d lines, said %d", table, i, lines, n)
			}
		}
		if seen != n {
			t.Errorf("%s: %d records, want %d", table, seen, n)
		}
		if want := map[string]int{TableSyslog: a.NeedleCount()}[table]; needles != want {
			t.Errorf("%s: needle in %d records, want %d", table, needles, want)
		}
	}
	if total != rows {
		t.Errorf("tables hold %d records, want %d", total, rows)
	}
	if a.NeedleCount() != (rows/2+every/2)/every {
		t.Errorf("needle count %d for %d syslog records every %d", a.NeedleCount(), rows/2, every)
	}
}

// TestRunSmall runs the whole harness at a small scale: data through the
// real HTTP ingestion into a real store, every query of the set asked of
// Vigil (HTTP and engine) and of DuckDB, which must give the same
// answers; the JSON report has the fields.
func TestRunSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a server and 30 store reopenings")
	}
	rep, err := Run(context.Background(), Config{Rows: 20_000, Seed: 3, BatchRows: 2500, Clients: 4, Runs: 1, NeedleEvery: 1000, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ingest.Records != 20_000 || rep.Disk.RecordsInStore != 20_000 {
		t.Errorf("ingested %d, stored %d records, want 20000", rep.Ingest.Records, rep.Disk.RecordsInStore)
	}
	if len(rep.Queries) != 10 {
		t.Errorf("%d queries, want the 10 of the set", len(rep.Queries))
	}
	for _, q := range rep.Queries {
		if !q.SameAnswer {
			t.Errorf("query %q: Vigil and DuckDB disagree: %s", q.Name, q.Mismatch)
		}
		if q.Rows == 0 {
			t.Errorf("query %q returned no rows: it tests nothing", q.Name)
		}
		if q.Name == "rare token has" && q.Rows != rep.Config.NeedleCount {
			t.Errorf("rare token found in %d records, planted in %d", q.Rows, rep.Config.NeedleCount)
		}
	}
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"machine.cpus", "config.rows", "ingest.records_per_sec", "ingest.mb_per_sec", "ingest.cpu_sec_per_million_records",
		"ingest.peak_rss_bytes", "disk.segment_bytes_per_record", "disk.original_bytes_per_record", "disk.ledger_bytes_per_record"} {
		if v, ok := lookup(doc, path).(float64); !ok || v <= 0 {
			t.Errorf("JSON %s = %v, want a positive number", path, lookup(doc, path))
		}
	}
	q0 := doc["queries"].([]any)[0]
	for _, path := range []string{"http.cold_ms", "http.median_ms", "http.p95_ms", "engine.median_ms", "engine.cpu_median_ms", "duckdb.median_ms", "duckdb.cold_ms", "duckdb.cpu_median_ms", "ratio", "cpu_ratio"} {
		if v, ok := lookup(q0, path).(float64); !ok || v <= 0 {
			t.Errorf("JSON queries[0].%s = %v, want a positive number", path, lookup(q0, path))
		}
	}
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| Syslog | 10000 |", fmt.Sprintf("| rare token has | %d |", rep.Config.NeedleCount), "records/s"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
}

func lookup(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// TestIngestLogsIngestionAPI sends the generated records through the
// Logs Ingestion API with the harness's data collection rule: every
// record must be stored, in the tables the rows endpoint fills, with the
// same column types.
func TestIngestLogsIngestionAPI(t *testing.T) {
	g := NewGenerator(5, 4000, 500, 1000)
	f, err := os.CreateTemp(t.TempDir(), "spool")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bodies, err := spool(g, f, 2, true)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := benchRules(g)
	if err != nil {
		t.Fatal(err)
	}
	s, err := startServer(t.TempDir(), "", rules)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	var in IngestResult
	if err := ingest(context.Background(), s, EndpointLogsIngestion, f, bodies, 3, &in); err != nil {
		t.Fatal(err)
	}
	var disk DiskResult
	if err := measureDisk(s, g, &disk); err != nil {
		t.Fatal(err)
	}
	if in.Records != 4000 || disk.RecordsInStore != 4000 || disk.OriginalBytes == 0 {
		t.Errorf("sent %d, stored %d records with %d original bytes", in.Records, disk.RecordsInStore, disk.OriginalBytes)
	}
	for table, want := range map[string]schema.Type{TableSyslog: schema.Int, TableRequests: schema.Real, TableSignin: schema.Dynamic} {
		col := map[string]string{TableSyslog: "ProcessID", TableRequests: "DurationMs", TableSignin: "LocationDetails"}[table]
		def, ok := s.store.Tables(s.ws.ID).Table(table)
		if !ok {
			t.Fatalf("no table %s", table)
		}
		if c, i := def.Column(col); i < 0 || c.Type != want {
			t.Errorf("%s.%s is %v, want %v", table, col, c.Type, want)
		}
	}
}
