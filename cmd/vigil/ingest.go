package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"vigil/internal/ingest"
)

// runIngest sends files to a table: NDJSON or a JSON array as they are,
// CSV as records named by its header row. Large files go in chunks of
// about 4 MiB, each an atomic, durable batch.
func runIngest(args []string) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	c := clientFlags(fs)
	ws := fs.String("workspace", "default", "workspace name or id")
	table := fs.String("table", "", "destination table (built-in, or a custom *_CL table)")
	format := fs.String("format", "", "ndjson, json or csv (default: from the file extension) into --table; or a receiver format that routes records to their own tables: "+strings.Join(ingest.Names(), ", "))
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if _, routed := ingest.Lookup(*format); routed && len(files) > 0 {
		for _, f := range files {
			if err := ingestRouted(c, *ws, *format, f); err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
		}
		return nil
	}
	if *table == "" || len(files) == 0 {
		return errors.New("usage: vigil ingest --url URL --key KEY --workspace WS --table TABLE [--format ndjson|json|csv] FILE [FILE]\n   or: vigil ingest --url URL --key KEY --workspace WS --format " + strings.Join(ingest.Names(), "|") + " FILE [FILE]")
	}
	total := 0
	for _, f := range files {
		n, err := ingestFile(c, *ws, *table, f, *format)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		total += n
	}
	fmt.Fprintf(os.Stderr, "sent %d records to %s\n", total, *table)
	return nil
}

// ingestChunkBytes is about how much one request carries: large files go
// in several requests, each an atomic, durable batch.
const ingestChunkBytes = 4 << 20

// ingestRouted sends a file to the server's format ingestion endpoint,
// in chunks cut at line ends, and reports where its records went and
// what was rejected.
func ingestRouted(c *client, ws, format, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	tables := map[string]int{}
	rejected := 0
	f, _ := ingest.Lookup(format)
	pieces, cut := [][]byte(nil), false
	if ch, ok := f.(ingest.Chunker); ok {
		pieces, cut = ch.Chunks(data, ingestChunkBytes)
	}
	if !cut {
		pieces = lineChunks(data)
	}
	for _, piece := range pieces {
		raw, err := c.sendRetrying("POST", "/v1/workspaces/"+url.PathEscape(ws)+"/ingest?format="+url.QueryEscape(format), "application/octet-stream", piece)
		if err != nil {
			return err
		}
		var res struct {
			Tables   map[string]int `json:"tables"`
			Rejected int            `json:"rejected"`
			Rejects  []struct {
				Offset int    `json:"offset"`
				Reason string `json:"reason"`
			} `json:"rejects"`
		}
		if err := json.Unmarshal(raw, &res); err != nil {
			return fmt.Errorf("unexpected answer %q", raw)
		}
		for t, k := range res.Tables {
			tables[t] += k
		}
		rejected += res.Rejected
		for _, r := range res.Rejects {
			fmt.Fprintf(os.Stderr, "rejected at byte %d: %s\n", r.Offset, r.Reason)
		}
	}
	for _, t := range slices.Sorted(maps.Keys(tables)) {
		fmt.Fprintf(os.Stderr, "sent %d records to %s\n", tables[t], t)
	}
	if rejected > 0 {
		return fmt.Errorf("%d records rejected (kept in VigilIngestionErrors)", rejected)
	}
	return nil
}

// lineChunks cuts data into requests of about ingestChunkBytes, after
// the last line end inside each; a single line longer than that goes
// whole.
func lineChunks(data []byte) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		n := len(data)
		if n > ingestChunkBytes {
			if i := bytes.LastIndexByte(data[:ingestChunkBytes], '\n'); i >= 0 {
				n = i + 1
			} else if i := bytes.IndexByte(data, '\n'); i >= 0 {
				n = i + 1
			}
		}
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

func ingestFile(c *client, ws, table, path, format string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	if format == "" {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".csv":
			format = "csv"
		case ".json":
			format = "json"
		default:
			format = "ndjson"
		}
	}
	var records []json.RawMessage
	switch format {
	case "ndjson":
		for i, line := range bytes.Split(data, []byte("\n")) {
			line = bytes.TrimSpace(line)
			if len(line) == 0 {
				continue
			}
			if !json.Valid(line) {
				return 0, fmt.Errorf("line %d is not valid JSON", i+1)
			}
			records = append(records, line)
		}
	case "json":
		if err := json.Unmarshal(data, &records); err != nil {
			return 0, fmt.Errorf("not a JSON array of records: %v", err)
		}
	case "csv":
		r := csv.NewReader(bytes.NewReader(data))
		head, err := r.Read()
		if err != nil {
			return 0, fmt.Errorf("no CSV header: %v", err)
		}
		for line := 2; ; line++ {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return 0, err
			}
			obj := map[string]any{}
			for i, v := range rec {
				if i < len(head) && v != "" {
					obj[head[i]] = csvValue(v)
				}
			}
			b, _ := json.Marshal(obj)
			records = append(records, b)
		}
	default:
		return 0, fmt.Errorf("unknown format %q: use ndjson, json or csv", format)
	}
	path = "/v1/workspaces/" + ws + "/tables/" + table + "/rows"
	var chunk bytes.Buffer
	send := func() error {
		if chunk.Len() == 0 {
			return nil
		}
		_, err := c.sendRetrying("POST", path, "application/x-ndjson", chunk.Bytes())
		chunk.Reset()
		return err
	}
	for _, r := range records {
		chunk.Write(r)
		chunk.WriteByte('\n')
		if chunk.Len() >= ingestChunkBytes {
			if err := send(); err != nil {
				return 0, err
			}
		}
	}
	return len(records), send()
}

// csvValue types a CSV cell as JSON would: numbers and booleans as such.
func csvValue(v string) any {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return f
	}
	if b, err := strconv.ParseBool(v); err == nil && (v == "true" || v == "false") {
		return b
	}
	return v
}
