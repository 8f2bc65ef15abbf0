package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"vigil/internal/bench"
)

// runBench runs the benchmark harness: generate, ingest over HTTP,
// measure disk, time the query set against DuckDB (docs/benchmarks.md).
func runBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	rows := fs.String("rows", "1M", "records to generate over all tables (suffixes k, M)")
	seed := fs.Uint64("seed", 1, "seed of the generated data")
	batch := fs.Int("batch", 5000, "records per HTTP request")
	clients := fs.Int("clients", 8, "concurrent ingestion clients")
	endpoint := fs.String("endpoint", bench.EndpointRows, "ingestion endpoint: rows (NDJSON to the rows endpoint) or logs-ingestion (JSON arrays through a data collection rule)")
	runs := fs.Int("runs", 10, "warm runs of each query")
	needle := fs.Int("needle-every", 100_000, "plant the rare token once every so many syslog records")
	data := fs.String("data", "", "data directory, new or empty (default: a temporary directory, removed afterwards)")
	jsonOut := fs.String("json", "", "also write the results as JSON to this file")
	profile := fs.String("ingest-cpuprofile", "", "write a CPU profile (pprof) of the ingestion phase to this file")
	if pos, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("bench takes no arguments, got %q", pos)
	}
	n, err := parseCount(*rows)
	if err != nil {
		return fmt.Errorf("--rows: %w", err)
	}
	cfg := bench.Config{Rows: n, Seed: *seed, BatchRows: *batch, Clients: *clients, Endpoint: *endpoint, Runs: *runs,
		NeedleEvery: *needle, Dir: *data, Progress: os.Stderr}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		cfg.IngestProfile = f
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if err := rep.WriteMarkdown(os.Stdout); err != nil {
		return err
	}
	if *jsonOut != "" {
		out, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, append(out, '\n'), 0o644); err != nil {
			return err
		}
	}
	for _, q := range rep.Queries {
		if !q.SameAnswer {
			return fmt.Errorf("query %q: Vigil and DuckDB disagree: %s", q.Name, q.Mismatch)
		}
	}
	return nil
}

// parseCount reads a count such as 20000, 20k or 10M.
func parseCount(s string) (int, error) {
	mult := 1
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult, s = 1000, s[:len(s)-1]
	case strings.HasSuffix(s, "M"):
		mult, s = 1_000_000, s[:len(s)-1]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a positive count (examples: 20000, 20k, 10M)", s)
	}
	return n * mult, nil
}
