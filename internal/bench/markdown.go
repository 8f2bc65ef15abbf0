package bench

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the report as markdown tables.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "Machine: %d CPUs (%s), %.1f GiB RAM, %s, %s; load average %.1f at the start. Run %s.\n\n",
		m.CPUs, m.CPUModel, float64(m.MemBytes)/(1<<30), m.OS, m.GoVersion, m.LoadAvg, r.Started.Format("2006-01-02 15:04 UTC"))
	c := r.Config
	fmt.Fprintf(&b, "Data: %d records, seed %d (Syslog %d, Requests_CL %d, Signin_CL %d, Activity_CL %d); rare token planted in %d records.\n\n",
		c.Rows, c.Seed, c.Tables[TableSyslog], c.Tables[TableRequests], c.Tables[TableSignin], c.Tables[TableActivity], c.NeedleCount)

	in := r.Ingest
	fmt.Fprintf(&b, "### Ingestion (HTTP, %s endpoint, gzip, durable acknowledgements)\n\n", c.Endpoint)
	b.WriteString("| records | requests | clients | seconds | records/s | MB/s (JSON) | MB/s (gzip sent) | CPU s / 1M records | peak RSS MiB |\n|---|---|---|---|---|---|---|---|---|\n")
	fmt.Fprintf(&b, "| %d | %d | %d | %.1f | %.0f | %.1f | %.1f | %.1f | %.0f |\n\n", in.Records, in.Requests, c.Clients, in.Seconds, in.RecordsPerSec, in.MBPerSec, in.GzipMBPerSec, in.CPUSecPerMRecs, float64(in.PeakRSSBytes)/(1<<20))

	d := r.Disk
	fmt.Fprintf(&b, "### Disk after sealing (%d segments; JSON sent: %.0f bytes/record)\n\n", d.Segments, d.SentJSONPerRecord)
	b.WriteString("| table | records | segments B/record | original bytes B/record |\n|---|---|---|---|\n")
	for _, t := range d.Tables {
		fmt.Fprintf(&b, "| %s | %d | %.1f | %.1f |\n", t.Table, t.Records, t.SegmentPerRecord, t.OriginalPerRecord)
	}
	fmt.Fprintf(&b, "| all | %d | %.1f | %.1f |\n\n", d.RecordsInStore, d.SegmentPerRecord, d.OriginalPerRecord)
	fmt.Fprintf(&b, "Ledger: %.1f B/record. Total: %.1f B/record (WAL left after sealing: %d bytes).\n\n", d.LedgerPerRecord, d.TotalPerRecord, d.WALBytes)

	fmt.Fprintf(&b, "### Queries (ms; cold = first run after opening the store; warm = %d runs, the engine's and DuckDB's alternating; CPU = the warm runs' median process CPU time)\n\n", c.Runs)
	b.WriteString("| query | rows | HTTP cold | HTTP median | HTTP p95 | engine cold | engine median | engine p95 | DuckDB cold | DuckDB median | DuckDB p95 | engine/DuckDB warm | cold | CPU | same answer |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, q := range r.Queries {
		same := "yes"
		if !q.SameAnswer {
			same = "NO: " + q.Mismatch
		}
		fmt.Fprintf(&b, "| %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %.2f | %s |\n", q.Name, q.Rows,
			q.HTTP.ColdMs, q.HTTP.MedianMs, q.HTTP.P95Ms, q.Engine.ColdMs, q.Engine.MedianMs, q.Engine.P95Ms,
			q.DuckDB.ColdMs, q.DuckDB.MedianMs, q.DuckDB.P95Ms, q.Ratio, q.ColdRatio, q.CPURatio, same)
	}
	fmt.Fprintf(&b, "\nPeak RSS during the queries: %.0f MiB.\n", float64(r.QueryPeakRSSBytes)/(1<<20))
	_, err := io.WriteString(w, b.String())
	return err
}
