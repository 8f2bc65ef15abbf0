package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// runIngest sends files to a table: NDJSON or a JSON array as they are,
// CSV as records named by its header row. Large files go in chunks of
// about 4 MiB, each an atomic, durable batch.
func runIngest(args []string) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	c := clientFlags(fs)
	ws := fs.String("workspace", "default", "workspace name or id")
	table := fs.String("table", "", "destination table (built-in, or a custom *_CL table)")
	format := fs.String("format", "", "ndjson, json or csv (default: from the file extension)")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *table == "" || len(files) == 0 {
		return errors.New("usage: vigil ingest --url URL --key KEY --workspace WS --table TABLE [--format ndjson|json|csv] FILE [FILE]")
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
		_, err := c.send("POST", path, "application/x-ndjson", bytes.NewReader(chunk.Bytes()))
		chunk.Reset()
		return err
	}
	for _, r := range records {
		chunk.Write(r)
		chunk.WriteByte('\n')
		if chunk.Len() >= 4<<20 {
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
