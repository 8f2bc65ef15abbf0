package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vigil/internal/schema"
)

var syslogColumns = []schema.Column{
	{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "Computer", Type: schema.String},
	{Name: "HostIP", Type: schema.String}, {Name: "Facility", Type: schema.String},
	{Name: "SeverityLevel", Type: schema.String}, {Name: "ProcessName", Type: schema.String},
	{Name: "ProcessID", Type: schema.Long}, {Name: "SyslogMessage", Type: schema.String},
	{Name: "EventTime", Type: schema.DateTime}, {Name: "SourceSystem", Type: schema.String},
	{Name: "MsgId", Type: schema.String}, {Name: "Size", Type: schema.Long},
	{Name: "Region", Type: schema.String}, {Name: "Latency", Type: schema.Real},
	{Name: "Ok", Type: schema.Bool},
}

var facilities = []string{"auth", "authpriv", "cron", "daemon", "kern", "local0", "mail", "user"}
var severities = []string{"info", "notice", "warning", "err", "debug"}
var programs = []string{"sshd", "cron", "systemd", "kernel", "nginx", "postfix", "sudo", "dockerd"}

// syslogBatch makes n syslog-like rows (~15 columns) with their original
// text (~300 bytes a row), deterministic from seed: a few hundred hosts
// and programs, skewed like real logs.
func syslogBatch(seed, n int, t0 time.Time) *Batch {
	b := &Batch{Workspace: ws, Table: "Syslog_CL", Columns: syslogColumns, ContentType: "text/syslog"}
	raw := make([]byte, 0, n*310)
	for i := 0; i < n; i++ {
		k := seed*n + i
		host := fmt.Sprintf("host-%03d", (k*k)%(1+k%300))
		prog := programs[k%len(programs)]
		ts := t0.Add(time.Duration(k) * 10 * time.Millisecond)
		msg := fmt.Sprintf("session %d opened for user u%d from 10.%d.%d.%d port %d ssh2: RSA SHA256:%08x", k, k%97, k%250, (k/7)%250, k%13, 1024+k%50000, k*2654435761)
		line := fmt.Sprintf("<%d>1 %s %s %s %d ID%d - %s", 8+k%8*8+k%5, ts.Format(time.RFC3339Nano), host, prog, 1000+k%5000, k%100, msg)
		for len(line) < 300 {
			line += " pad"
		}
		raw = append(raw, line...)
		raw = append(raw, '\n')
		b.Rows = append(b.Rows, []any{ts, host, fmt.Sprintf("10.1.%d.%d", k%250, k%200), facilities[k%len(facilities)],
			severities[(k*k)%len(severities)], prog, int64(1000 + k%5000), msg, ts, "Linux", fmt.Sprintf("ID%d", k%100),
			int64(len(line)), "eu-west", float64(k%1000) / 7, k%17 != 0})
	}
	b.Raw = raw
	return b
}

// BenchmarkAppend measures durable appends of 1,000-row syslog-like
// batches from 1, 8 and 64 writers, in rows per second. Seals run as
// they would (the first after about 150,000 rows), and their CPU counts.
func BenchmarkAppend(b *testing.B) {
	for _, writers := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			benchAppend(b, writers, Options{HotMaxBytes: 4 << 30})
		})
	}
}

// BenchmarkUnsealedAppend is BenchmarkAppend with 8 writers and no seal:
// the cost of the append path alone (normalization, WAL, ledger leaf, hot
// buffer), apart from that of sealing, which BenchmarkAppend's CPU a row
// includes in a share that depends on how many rows it ran.
func BenchmarkUnsealedAppend(b *testing.B) {
	benchAppend(b, 8, Options{HotMaxBytes: 8 << 30, SealBytes: 8 << 30, SealRows: 1 << 30})
}

// benchAppend appends batches from writers goroutines to a store opened
// with opts and reports rows a second and the process's CPU a row.
func benchAppend(b *testing.B, writers int, opts Options) {
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	s, err := Open(b.TempDir(), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	batches := make([]*Batch, 16)
	for i := range batches {
		batches[i] = syslogBatch(i, 1000, t0)
	}
	var n atomic.Int64
	b.SetBytes(int64(len(batches[0].Raw)))
	b.SetParallelism((writers + 1) / 2)
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			bt := *batches[i%int64(len(batches))]
			if err := appendWaiting(s, &bt); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)*1000/time.Since(start).Seconds(), "rows/s")
	b.ReportMetric(float64((cpuTime()-cpu)/time.Nanosecond)/float64(b.N*1000), "cpu-ns/row")
}

// appendWaiting appends bt, waiting out ErrBusy as a client would.
func appendWaiting(s *Store, bt *Batch) error {
	for {
		_, err := s.Append(context.Background(), bt)
		if err != ErrBusy {
			return err
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkSeal measures sealing one generation of 100,000 syslog-like
// rows (segment, term index, original bytes, catalog) by itself: the
// rate at which one busy table's hot rows become segments, which bounds
// sustained ingestion once the hot buffer is full. It reports rows
// sealed a second and the process's CPU time a row.
func BenchmarkSeal(b *testing.B) {
	const rows = 100_000
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	var wall, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, err := Open(b.TempDir(), Options{HotMaxBytes: 4 << 30, SealBytes: 4 << 30, SealRows: 2 * rows})
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < rows/1000; j++ {
			if _, err := s.Append(context.Background(), syslogBatch(j, 1000, t0)); err != nil {
				b.Fatal(err)
			}
		}
		// The rows' making left garbage whose collection is no part of
		// the seal's CPU.
		runtime.GC()
		b.StartTimer()
		start, c := time.Now(), cpuTime()
		if err := s.Flush(); err != nil {
			b.Fatal(err)
		}
		wall, cpu = wall+time.Since(start), cpu+cpuTime()-c
		b.StopTimer()
		s.Close()
	}
	b.ReportMetric(float64(b.N*rows)/wall.Seconds(), "rows/s")
	b.ReportMetric(float64(cpu)/float64(b.N*rows), "cpu-ns/row")
}

// BenchmarkBytesPerRow seals syslog-like rows and reports the bytes on
// disk per row in segments and in the original-bytes files.
func BenchmarkBytesPerRow(b *testing.B) {
	const rows = 200_000
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		s, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < rows/1000; j++ {
			if _, err := s.Append(context.Background(), syslogBatch(j, 1000, t0)); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.Flush(); err != nil {
			b.Fatal(err)
		}
		s.Close()
		b.ReportMetric(float64(dirSize(filepath.Join(dir, "segments")))/rows, "segment-bytes/row")
		b.ReportMetric(float64(dirSize(filepath.Join(dir, "raw")))/rows, "raw-bytes/row")
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		b.ReportMetric(float64(m.Sys)/(1<<20), "go-sys-MiB")
	}
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// BenchmarkIngestRSS appends VIGIL_BENCH_ROWS syslog-like rows (default
// 10 million) from 8 writers with the default options, sealing as it
// goes, and reports the process's peak resident memory (VmHWM): the
// target is under 1 GiB. Run it alone: go test -run X -bench IngestRSS
// -benchtime 1x ./internal/store
func BenchmarkIngestRSS(b *testing.B) {
	total := 10_000_000
	if v, err := strconv.Atoi(os.Getenv("VIGIL_BENCH_ROWS")); err == nil && v > 0 {
		total = v
	}
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	batches := make([]*Batch, 64)
	for i := range batches {
		batches[i] = syslogBatch(i, 1000, t0)
	}
	for i := 0; i < b.N; i++ {
		s, err := Open(b.TempDir(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		var next atomic.Int64
		var wg sync.WaitGroup
		start, cpu := time.Now(), cpuTime()
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					k := next.Add(1) - 1
					if k >= int64(total/1000) {
						return
					}
					bt := *batches[k%int64(len(batches))]
					if err := appendWaiting(s, &bt); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		b.ReportMetric(float64(total)/time.Since(start).Seconds(), "rows/s")
		b.ReportMetric(float64((cpuTime()-cpu)/time.Nanosecond)/float64(total), "cpu-ns/row")
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
}

// peakRSS returns the process's peak resident set size in bytes, from
// VmHWM in /proc/self/status.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
