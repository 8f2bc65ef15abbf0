package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"vigil/internal/api"
)

// spooled is one request body, generated and gzipped ahead of the timed
// ingestion so that making the data does not count as ingesting it.
type spooled struct {
	table       string
	index       int
	rows        int
	raw         int64 // bytes before gzip
	off, size   int64 // where the gzipped body is in the spool file
	firstRecord float64
}

// spool generates every batch into a file of gzipped bodies, with
// workers goroutines, and returns them in the order they are sent:
// interleaved by time, as collectors of several sources send. Bodies are
// NDJSON, or JSON arrays when array is set (the Logs Ingestion API takes
// only arrays).
func spool(g *Generator, f *os.File, workers int, array bool) ([]*spooled, error) {
	var todo []*spooled
	for _, t := range tableShares {
		nb := g.Batches(t.name)
		for i := 0; i < nb; i++ {
			todo = append(todo, &spooled{table: t.name, index: i, firstRecord: float64(i) / float64(nb)})
		}
	}
	sort.SliceStable(todo, func(i, j int) bool { return todo[i].firstRecord < todo[j].firstRecord })
	var (
		next  atomic.Int64
		mu    sync.Mutex
		off   int64
		first error
		wg    sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			for {
				k := int(next.Add(1)) - 1
				if k >= len(todo) {
					return
				}
				s := todo[k]
				body, rows := g.Batch(s.table, s.index)
				if array {
					body = jsonArray(body)
				}
				buf.Reset()
				zw.Reset(&buf)
				zw.Write(body)
				zw.Close()
				mu.Lock()
				_, err := f.WriteAt(buf.Bytes(), off)
				s.rows, s.raw, s.off, s.size = rows, int64(len(body)), off, int64(buf.Len())
				off += int64(buf.Len())
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, fmt.Errorf("writing the spool file: %w", first)
	}
	return todo, nil
}

// jsonArray turns newline-delimited JSON records into a JSON array.
func jsonArray(ndjson []byte) []byte {
	body := bytes.TrimSuffix(ndjson, []byte("\n"))
	out := make([]byte, 0, len(body)+2)
	out = append(out, '[')
	out = append(out, bytes.ReplaceAll(body, []byte("}\n{"), []byte("},{"))...)
	return append(out, ']')
}

// The ingestion endpoints the harness can send to.
const (
	// EndpointRows is Vigil's own rows endpoint, taking NDJSON.
	EndpointRows = "rows"
	// EndpointLogsIngestion is the Logs Ingestion API, through a data
	// collection rule with one stream per table and no transform.
	EndpointLogsIngestion = "logs-ingestion"
)

// benchRule is the id of the data collection rule the harness declares.
const benchRule = "dcr-00000000000000000000000000000b3c"

// streamName is the rule's stream for a table.
func streamName(table string) string { return "Custom-" + strings.TrimSuffix(table, "_CL") }

// benchRules declares, for the Logs Ingestion API, one stream per table
// with the columns (and types) the generated records have, as a user
// declares a rule for the records they send.
func benchRules(g *Generator) ([]api.DataCollectionRule, error) {
	rule := api.DataCollectionRule{ID: benchRule, Workspace: "default"}
	for _, t := range tableShares {
		body, _ := g.Batch(t.name, 0)
		b, err := api.DecodeRecords(body)
		if err != nil {
			return nil, fmt.Errorf("bench: generated %s records: %w", t.name, err)
		}
		st := api.Stream{Name: streamName(t.name), TransformKQL: "source", OutputTable: t.name}
		for _, c := range b.Columns {
			st.Columns = append(st.Columns, api.StreamField{Name: c.Name, Type: c.Type.String()})
		}
		rule.Streams = append(rule.Streams, st)
	}
	return []api.DataCollectionRule{rule}, nil
}

// send posts every spooled body to the endpoint from clients concurrent
// clients, with gzip content encoding like the official clients send. A
// 503 (hot buffer full) or 429 is retried after its Retry-After, as
// clients do; any other failure stops the run.
func send(ctx context.Context, s *server, endpoint string, f *os.File, bodies []*spooled, clients int) error {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				k := int(next.Add(1)) - 1
				if k >= len(bodies) {
					return
				}
				if err := post(ctx, client, s, endpoint, f, bodies[k]); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return errs[0]
	}
	return ctx.Err()
}

func post(ctx context.Context, client *http.Client, s *server, endpoint string, f *os.File, b *spooled) error {
	url, contentType := s.url+"/v1/workspaces/default/tables/"+b.table+"/rows", "application/x-ndjson"
	if endpoint == EndpointLogsIngestion {
		url, contentType = s.url+"/dataCollectionRules/"+benchRule+"/streams/"+streamName(b.table)+"?api-version=2023-01-01", "application/json"
	}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, io.NewSectionReader(f, b.off, b.size))
		if err != nil {
			return err
		}
		req.ContentLength = b.size
		req.Header.Set("Authorization", "Bearer "+s.key)
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Content-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("sending batch %d of %s: %w", b.index, b.table, err)
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusNoContent, http.StatusOK:
			return nil
		case http.StatusServiceUnavailable, http.StatusTooManyRequests:
			wait := 100 * time.Millisecond
			if sec, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && sec > 0 {
				wait = time.Duration(sec) * time.Second
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		default:
			return fmt.Errorf("batch %d of %s: HTTP %d: %s", b.index, b.table, resp.StatusCode, strings.TrimSpace(string(msg)))
		}
	}
}

// cpuSeconds is the process's user and system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// peakRSS is the process's peak resident set size in bytes, VmHWM of
// /proc/self/status, or ru_maxrss where that is missing.
func peakRSS() int64 {
	if data, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				if err == nil {
					return kb << 10
				}
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Maxrss << 10
}

// resetPeakRSS starts the peak RSS afresh (Linux: writing 5 to
// /proc/self/clear_refs), so the ingestion's peak is not the data
// generation's. It reports whether the kernel allowed it.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}
