package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"vigil/internal/api"
	"vigil/internal/engine"
	"vigil/internal/store"
	"vigil/internal/workspace"
)

// runQuery runs a KQL query against a server (--url, --key, --workspace)
// or, read-only, on a data directory (--data), and prints the result.
func runQuery(args []string) error {
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	c := clientFlags(fs)
	ws := fs.String("workspace", "default", "workspace name or id")
	dataDir := fs.String("data", "", "query this data directory directly, read-only, instead of a server")
	format := fs.String("format", "table", "output: table, json or csv")
	timespan := fs.String("timespan", "", "ISO 8601 timespan restricting TimeGenerated, e.g. P1D or PT1H")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: vigil query [--url URL --key KEY | --data DIR] [--workspace WS] [--format table|json|csv] [--timespan P1D] 'KQL'")
	}
	var table api.ResponseTable
	if *dataDir != "" {
		table, err = queryDir(*dataDir, *ws, *timespan, pos[0])
	} else {
		table, err = queryServer(c.url, c.key, *ws, *timespan, pos[0])
	}
	if err != nil {
		return err
	}
	return printTable(os.Stdout, table, *format)
}

// queryDir opens a data directory read-only (nothing in it is changed)
// and runs the query there, for forensic use or without a server.
func queryDir(dir, wsName, timespan, query string) (api.ResponseTable, error) {
	st, err := store.Open(dir, store.Options{ReadOnly: true})
	if err != nil {
		return api.ResponseTable{}, err
	}
	defer st.Close()
	req := engine.Request{Query: query, Now: time.Now().UTC()}
	if reg, err := workspace.OpenExisting(filepath.Join(dir, "workspaces.json")); err == nil {
		w, err := reg.Resolve(wsName)
		if err != nil {
			return api.ResponseTable{}, err
		}
		req.Tables = st.Tables(w.ID)
	} else if !errors.Is(err, os.ErrNotExist) {
		return api.ResponseTable{}, err
	}
	if timespan != "" {
		if req.From, req.To, err = api.ParseTimespan(timespan, req.Now); err != nil {
			return api.ResponseTable{}, err
		}
	}
	res, err := engine.New(st.DB()).Query(context.Background(), req)
	if err != nil {
		return api.ResponseTable{}, err
	}
	return api.ResultTable("PrimaryResult", res), nil
}

func queryServer(url, key, ws, timespan, query string) (api.ResponseTable, error) {
	c := &client{url: url, key: key}
	raw, err := c.call("POST", "/v1/workspaces/"+ws+"/query", map[string]string{"query": query, "timespan": timespan})
	if err != nil {
		return api.ResponseTable{}, err
	}
	var out api.QueryResponse
	if err := json.Unmarshal(raw, &out); err != nil || len(out.Tables) == 0 {
		return api.ResponseTable{}, fmt.Errorf("unexpected response: %.200s", raw)
	}
	return out.Tables[0], nil
}

// errorMessage pulls the most specific message out of an API error.
func errorMessage(raw []byte) string {
	var e struct {
		Error struct {
			Message    string `json:"message"`
			InnerError struct {
				Message string `json:"message"`
			} `json:"innererror"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &e) != nil {
		return strings.TrimSpace(string(raw))
	}
	if e.Error.InnerError.Message != "" {
		return e.Error.InnerError.Message
	}
	return e.Error.Message
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		b, _ := json.Marshal(x)
		return string(b)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func printTable(w io.Writer, t api.ResponseTable, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(t)
	case "csv":
		cw := csv.NewWriter(w)
		var head []string
		for _, c := range t.Columns {
			head = append(head, c.Name)
		}
		cw.Write(head)
		for _, r := range t.Rows {
			var rec []string
			for _, v := range r {
				rec = append(rec, cell(v))
			}
			cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	case "table":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		var head []string
		for _, c := range t.Columns {
			head = append(head, c.Name)
		}
		fmt.Fprintln(tw, strings.Join(head, "\t"))
		for _, r := range t.Rows {
			var rec []string
			for _, v := range r {
				rec = append(rec, strings.ReplaceAll(cell(v), "\t", " "))
			}
			fmt.Fprintln(tw, strings.Join(rec, "\t"))
		}
		return tw.Flush()
	}
	return fmt.Errorf("unknown format %q: use table, json or csv", format)
}
