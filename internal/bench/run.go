package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"vigil/internal/api"
	"vigil/internal/engine"
)

// Config is one benchmark run.
type Config struct {
	// Rows is the number of records generated, over all tables.
	Rows int
	// Seed makes the data; the same seed and Rows give the same records.
	Seed uint64
	// BatchRows is the number of records per HTTP request. Default 5,000.
	BatchRows int
	// Clients is the number of concurrent ingestion clients. Default 8.
	Clients int
	// Endpoint is where records are sent: EndpointRows (the default) or
	// EndpointLogsIngestion.
	Endpoint string
	// Runs is the number of warm runs of each query. Default 10.
	Runs int
	// NeedleEvery plants the rare token once every so many syslog
	// records. Default 100,000.
	NeedleEvery int
	// Dir is the data directory, which must be new or empty; empty: a
	// temporary directory, removed afterwards.
	Dir string
	// Progress receives a line per step; nil: none.
	Progress io.Writer
	// IngestProfile, when set, receives a CPU profile (pprof) of the
	// ingestion phase, client and server together.
	IngestProfile io.Writer
}

// Report is a run's results, as written to the JSON file.
type Report struct {
	Started time.Time     `json:"started"`
	Machine Machine       `json:"machine"`
	Config  ReportConfig  `json:"config"`
	Ingest  IngestResult  `json:"ingest"`
	Disk    DiskResult    `json:"disk"`
	Queries []QueryResult `json:"queries"`
	// QueryPeakRSSBytes is the process's peak RSS during the queries.
	QueryPeakRSSBytes int64 `json:"query_peak_rss_bytes"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model"`
	MemBytes  int64  `json:"mem_bytes"`
	OS        string `json:"os"`
	GoVersion string `json:"go_version"`
	// LoadAvg is the 1-minute load average when the run started: the
	// machine may be shared, and a load over CPUs slows every figure.
	LoadAvg float64 `json:"load_avg"`
}

// ReportConfig is the run's configuration.
type ReportConfig struct {
	Rows        int            `json:"rows"`
	Seed        uint64         `json:"seed"`
	BatchRows   int            `json:"batch_rows"`
	Clients     int            `json:"clients"`
	Endpoint    string         `json:"endpoint"`
	Runs        int            `json:"runs"`
	Tables      map[string]int `json:"tables"`
	Needle      string         `json:"needle"`
	NeedleCount int            `json:"needle_count"`
}

// IngestResult is the ingestion phase: every batch through HTTP, each
// acknowledged only when fsynced.
type IngestResult struct {
	Records        int64   `json:"records"`
	Requests       int     `json:"requests"`
	Seconds        float64 `json:"seconds"`
	RecordsPerSec  float64 `json:"records_per_sec"`
	MBPerSec       float64 `json:"mb_per_sec"`
	GzipMBPerSec   float64 `json:"gzip_mb_per_sec"`
	CPUSecPerMRecs float64 `json:"cpu_sec_per_million_records"`
	PeakRSSBytes   int64   `json:"peak_rss_bytes"`
	// PeakRSSReset says the peak was reset before ingestion; when false
	// it includes the data generation before it.
	PeakRSSReset bool `json:"peak_rss_reset"`
}

// DiskResult is the bytes on disk after every record was sealed.
type DiskResult struct {
	Tables            []TableDisk `json:"tables"`
	Segments          int         `json:"segments"`
	SegmentBytes      int64       `json:"segment_bytes"`
	OriginalBytes     int64       `json:"original_bytes"`
	LedgerBytes       int64       `json:"ledger_bytes"`
	WALBytes          int64       `json:"wal_bytes"`
	SegmentPerRecord  float64     `json:"segment_bytes_per_record"`
	OriginalPerRecord float64     `json:"original_bytes_per_record"`
	LedgerPerRecord   float64     `json:"ledger_bytes_per_record"`
	TotalPerRecord    float64     `json:"total_bytes_per_record"`
	SettleSeconds     float64     `json:"settle_seconds"`
	FlushSeconds      float64     `json:"flush_seconds"`
	RecordsInStore    int64       `json:"records_in_store"`
	SentJSONPerRecord float64     `json:"sent_json_bytes_per_record"`
}

// TableDisk is one table's share of the disk.
type TableDisk struct {
	Table             string  `json:"table"`
	Records           int64   `json:"records"`
	SegmentBytes      int64   `json:"segment_bytes"`
	OriginalBytes     int64   `json:"original_bytes"`
	SegmentPerRecord  float64 `json:"segment_bytes_per_record"`
	OriginalPerRecord float64 `json:"original_bytes_per_record"`
}

// QueryResult is one query's timings and whether Vigil and DuckDB agree.
type QueryResult struct {
	Name       string `json:"name"`
	KQL        string `json:"kql"`
	SQL        string `json:"sql"`
	Rows       int    `json:"rows"`
	SameAnswer bool   `json:"same_answer"`
	Mismatch   string `json:"mismatch,omitempty"`
	// HTTP is the query API end to end (including the LAQueryLogs audit
	// row it writes); Engine is the KQL engine in process; DuckDB is the
	// hand-written SQL on the same relations.
	HTTP   Timing `json:"http"`
	Engine Timing `json:"engine"`
	DuckDB Timing `json:"duckdb"`
	// Ratio is Engine's warm median over DuckDB's; ColdRatio the same of
	// the cold runs; CPURatio the same of the warm runs' CPU time.
	Ratio     float64 `json:"ratio"`
	ColdRatio float64 `json:"cold_ratio"`
	CPURatio  float64 `json:"cpu_ratio"`
}

// Timing is one way of running a query: its first run after the store
// was opened (cold) and the median and 95th percentile of the warm runs,
// in milliseconds, and the median process CPU time of the warm runs,
// which other work on a shared machine sways less than wall time.
type Timing struct {
	ColdMs      float64 `json:"cold_ms"`
	MedianMs    float64 `json:"median_ms"`
	P95Ms       float64 `json:"p95_ms"`
	CPUMedianMs float64 `json:"cpu_median_ms"`
}

func (c *Config) setDefaults() {
	if c.BatchRows <= 0 {
		c.BatchRows = 5000
	}
	if c.Clients <= 0 {
		c.Clients = 8
	}
	if c.Endpoint == "" {
		c.Endpoint = EndpointRows
	}
	if c.Runs <= 0 {
		c.Runs = 10
	}
	if c.NeedleEvery <= 0 {
		c.NeedleEvery = 100_000
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
}

// Run generates the data, ingests it, measures the disk and runs the
// query set.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg.setDefaults()
	if cfg.Rows <= 0 {
		return nil, errors.New("bench: the number of rows must be positive")
	}
	if cfg.Endpoint != EndpointRows && cfg.Endpoint != EndpointLogsIngestion {
		return nil, fmt.Errorf("bench: unknown endpoint %q: use %s or %s", cfg.Endpoint, EndpointRows, EndpointLogsIngestion)
	}
	dir := cfg.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "vigil-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir = filepath.Join(tmp, "data")
	} else if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("bench: data directory %s is not empty; the benchmark needs a new one", dir)
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(cfg.Progress, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	g := NewGenerator(cfg.Seed, cfg.Rows, cfg.BatchRows, cfg.NeedleEvery)
	rep := &Report{Started: time.Now().UTC(), Machine: describeMachine(), Config: ReportConfig{
		Rows: cfg.Rows, Seed: cfg.Seed, BatchRows: cfg.BatchRows, Clients: cfg.Clients, Endpoint: cfg.Endpoint, Runs: cfg.Runs,
		Tables: g.Counts(), Needle: g.Needle(), NeedleCount: g.NeedleCount(),
	}}

	spoolFile, err := os.CreateTemp("", "vigil-bench-spool-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(spoolFile.Name())
	defer spoolFile.Close()
	logf("generating %d records (seed %d) into %s", cfg.Rows, cfg.Seed, spoolFile.Name())
	bodies, err := spool(g, spoolFile, runtime.NumCPU(), cfg.Endpoint == EndpointLogsIngestion)
	if err != nil {
		return nil, err
	}
	var rules []api.DataCollectionRule
	if cfg.Endpoint == EndpointLogsIngestion {
		if rules, err = benchRules(g); err != nil {
			return nil, err
		}
	}

	srv, err := startServer(dir, "", rules)
	if err != nil {
		return nil, err
	}
	defer func() {
		if srv != nil {
			srv.close()
		}
	}()
	logf("ingesting %d requests from %d clients into %s (%s)", len(bodies), cfg.Clients, srv.url, cfg.Endpoint)
	if cfg.IngestProfile != nil {
		if err := pprof.StartCPUProfile(cfg.IngestProfile); err != nil {
			return nil, err
		}
	}
	err = ingest(ctx, srv, cfg.Endpoint, spoolFile, bodies, cfg.Clients, &rep.Ingest)
	if cfg.IngestProfile != nil {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return nil, err
	}
	logf("ingested %.0f records/s, %.1f MB/s", rep.Ingest.RecordsPerSec, rep.Ingest.MBPerSec)

	if err := measureDisk(srv, g, &rep.Disk); err != nil {
		return nil, err
	}
	rep.Disk.SentJSONPerRecord = float64(sumRaw(bodies)) / float64(rep.Ingest.Records)
	logf("on disk: %.1f bytes/record (segments %.1f, original bytes %.1f, ledger %.1f)",
		rep.Disk.TotalPerRecord, rep.Disk.SegmentPerRecord, rep.Disk.OriginalPerRecord, rep.Disk.LedgerPerRecord)

	resetPeakRSS()
	syslog, ok := srv.store.Tables(srv.ws.ID).Table(TableSyslog)
	if !ok {
		return nil, errors.New("bench: the store has no Syslog table")
	}
	for _, q := range querySet(g, syslog) {
		logf("query %q", q.Name)
		res, next, err := timeQuery(ctx, srv, q, cfg.Runs)
		srv = next
		if err != nil {
			return nil, err
		}
		rep.Queries = append(rep.Queries, res)
	}
	rep.QueryPeakRSSBytes = peakRSS()
	return rep, nil
}

func sumRaw(bodies []*spooled) int64 {
	var n int64
	for _, b := range bodies {
		n += b.raw
	}
	return n
}

// ingest sends the spooled bodies and fills out with the measurements.
func ingest(ctx context.Context, s *server, endpoint string, f *os.File, bodies []*spooled, clients int, out *IngestResult) error {
	var raw, gz int64
	for _, b := range bodies {
		out.Records += int64(b.rows)
		raw += b.raw
		gz += b.size
	}
	out.Requests = len(bodies)
	out.PeakRSSReset = resetPeakRSS()
	cpu0, t0 := cpuSeconds(), time.Now()
	if err := send(ctx, s, endpoint, f, bodies, clients); err != nil {
		return err
	}
	out.Seconds = time.Since(t0).Seconds()
	cpu := cpuSeconds() - cpu0
	out.PeakRSSBytes = peakRSS()
	out.RecordsPerSec = float64(out.Records) / out.Seconds
	out.MBPerSec = float64(raw) / 1e6 / out.Seconds
	out.GzipMBPerSec = float64(gz) / 1e6 / out.Seconds
	out.CPUSecPerMRecs = cpu / (float64(out.Records) / 1e6)
	return nil
}

// measureDisk seals everything, lets compaction settle, checks that the
// store holds every record sent and measures the bytes per record.
func measureDisk(s *server, g *Generator, out *DiskResult) error {
	t0 := time.Now()
	if err := s.store.Flush(); err != nil {
		return err
	}
	out.FlushSeconds = time.Since(t0).Seconds()
	// Compaction runs in the background every storeOptions.CompactInterval;
	// wait until the number of segments stops changing.
	t0 = time.Now()
	prev := -1
	for time.Since(t0) < 2*time.Minute {
		n := s.store.Stats().Segments
		if n == prev {
			break
		}
		prev = n
		time.Sleep(2 * storeOptions.CompactInterval)
	}
	out.SettleSeconds = time.Since(t0).Seconds()
	st := s.store.Stats()
	out.Segments = st.Segments
	stored := map[string]int64{}
	for _, t := range st.Tables {
		if t.Workspace == s.ws.ID {
			stored[t.Table] = t.SegmentRows + t.HotRows
		}
	}
	counts := g.Counts()
	var records int64
	for _, t := range tableShares {
		want := int64(counts[t.name])
		if stored[t.name] != want {
			return fmt.Errorf("bench: table %s holds %d records, %d were acknowledged", t.name, stored[t.name], want)
		}
		records += want
		td := TableDisk{Table: t.name, Records: want,
			SegmentBytes:  dirSize(filepath.Join(s.dir, "segments", s.ws.ID, t.name)),
			OriginalBytes: dirSize(filepath.Join(s.dir, "raw", s.ws.ID, t.name))}
		td.SegmentPerRecord = float64(td.SegmentBytes) / float64(want)
		td.OriginalPerRecord = float64(td.OriginalBytes) / float64(want)
		out.SegmentBytes += td.SegmentBytes
		out.OriginalBytes += td.OriginalBytes
		out.Tables = append(out.Tables, td)
	}
	out.RecordsInStore = records
	out.LedgerBytes = dirSize(filepath.Join(s.dir, "ledger", s.ws.ID))
	// The log's records, not the space preallocated past them.
	out.WALBytes = st.WALBytes
	out.SegmentPerRecord = float64(out.SegmentBytes) / float64(records)
	out.OriginalPerRecord = float64(out.OriginalBytes) / float64(records)
	out.LedgerPerRecord = float64(out.LedgerBytes) / float64(records)
	out.TotalPerRecord = out.SegmentPerRecord + out.OriginalPerRecord + out.LedgerPerRecord
	return nil
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// timeQuery runs one query three ways: through the HTTP query API,
// through the engine in process, and as hand-written SQL. Each way's
// first run is cold: it comes right after the server was reopened (a
// fresh store and DuckDB; the OS page cache stays warm, which only root
// could drop). The warm runs of the engine and of the SQL alternate, in
// turn first (engine, SQL, SQL, engine, ...), so that other work on the
// machine, the store's background work and the caches weigh on both
// alike: timed one way after the other, a change of the machine's load
// between the two showed as the engine's overhead. It returns the server
// as reopened last.
func timeQuery(ctx context.Context, s *server, q query, runs int) (QueryResult, *server, error) {
	res := QueryResult{Name: q.Name, KQL: q.KQL, SQL: q.SQL}
	var err error
	if s, err = s.reopen(); err != nil {
		return res, nil, err
	}
	var httpRows int
	httpRuns := newSamples(runs)
	for i := 0; i <= runs; i++ {
		if err := httpRuns.time(func() (err error) { httpRows, err = runHTTP(ctx, s, q); return err }); err != nil {
			return res, s, err
		}
	}

	var vigil, duck answer
	vigilRun := func(e *engine.Engine) func() error {
		return func() (err error) { vigil, err = runEngine(ctx, e, s, q); return err }
	}
	duckRun := func() (err error) {
		if duck, err = runDuck(ctx, s, q); err != nil {
			return fmt.Errorf("query %q in DuckDB SQL: %w", q.Name, err)
		}
		return nil
	}
	engRuns, sqlRuns := newSamples(runs), newSamples(runs)
	if s, err = s.reopen(); err != nil {
		return res, nil, err
	}
	if err := engRuns.time(vigilRun(engine.New(s.store.DB()))); err != nil {
		return res, s, err
	}
	if s, err = s.reopen(); err != nil {
		return res, nil, err
	}
	if err := sqlRuns.time(duckRun); err != nil {
		return res, s, err
	}
	// The engine on this store creates its SQL macros and functions
	// once, at its first query, as a server's does: before the clock.
	e := engine.New(s.store.DB())
	if _, _, err := e.Compile(ctx, engineRequest(s, q)); err != nil {
		return res, s, fmt.Errorf("query %q: %w", q.Name, err)
	}
	ways := [2]struct {
		runs *samples
		fn   func() error
	}{{engRuns, vigilRun(e)}, {sqlRuns, duckRun}}
	for i := 0; i < runs; i++ {
		for j := range ways {
			w := ways[(i+j)%2]
			if err := w.runs.time(w.fn); err != nil {
				return res, s, err
			}
		}
	}
	res.HTTP, res.Engine, res.DuckDB = httpRuns.timing(), engRuns.timing(), sqlRuns.timing()

	res.Rows = len(vigil)
	res.Mismatch = diff(vigil, duck)
	if res.Mismatch == "" && httpRows != len(vigil) {
		res.Mismatch = fmt.Sprintf("the query API returned %d rows, the engine %d", httpRows, len(vigil))
	}
	res.SameAnswer = res.Mismatch == ""
	if res.DuckDB.MedianMs > 0 {
		res.Ratio = res.Engine.MedianMs / res.DuckDB.MedianMs
	}
	if res.DuckDB.ColdMs > 0 {
		res.ColdRatio = res.Engine.ColdMs / res.DuckDB.ColdMs
	}
	if res.DuckDB.CPUMedianMs > 0 {
		res.CPURatio = res.Engine.CPUMedianMs / res.DuckDB.CPUMedianMs
	}
	return res, s, nil
}

// samples are the runs of one way of running a query: the first cold,
// the others warm, each in wall and process CPU milliseconds.
type samples struct {
	wall, cpu []float64
}

func newSamples(runs int) *samples {
	return &samples{wall: make([]float64, 0, runs+1), cpu: make([]float64, 0, runs+1)}
}

// time runs fn once and records how long it took.
func (s *samples) time(fn func() error) error {
	cpu0, t0 := cpuSeconds(), time.Now()
	if err := fn(); err != nil {
		return err
	}
	s.wall = append(s.wall, float64(time.Since(t0).Microseconds())/1000)
	s.cpu = append(s.cpu, (cpuSeconds()-cpu0)*1000)
	return nil
}

// timing summarizes the runs: the first as cold, the rest as warm.
func (s *samples) timing() Timing {
	if len(s.wall) == 0 {
		return Timing{}
	}
	t := Timing{ColdMs: s.wall[0]}
	warm := append([]float64(nil), s.wall[1:]...)
	cpu := append([]float64(nil), s.cpu[1:]...)
	sort.Float64s(warm)
	sort.Float64s(cpu)
	t.MedianMs = percentile(warm, 50)
	t.P95Ms = percentile(warm, 95)
	t.CPUMedianMs = percentile(cpu, 50)
	return t
}

// percentile is the nearest-rank percentile p of sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}

func describeMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, GoVersion: runtime.Version()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				m.CPUModel = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Sscanf(string(data), "%f", &m.LoadAvg)
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(data), "MemTotal: %d kB", &kb); err == nil {
			m.MemBytes = kb << 10
		}
	}
	return m
}
