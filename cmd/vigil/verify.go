package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"

	"vigil/internal/api"
	"vigil/internal/ingest"
	"vigil/internal/ingest/azure"
	"vigil/internal/ingest/otlp"
	"vigil/internal/ingest/storagelog"
	"vigil/internal/ingest/winevent"
	"vigil/internal/ledger"
	"vigil/internal/store"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// errProblems makes vigil exit non-zero after printing what it found.
var errProblems = errors.New("verification found problems")

// runVerify checks a data directory against its ledgers and checkpoints:
// exit status 0 only when intact.
func runVerify(args []string) error { return verifyCommand(args, os.Stdout, os.Stderr) }

// verifyCommand is runVerify writing its findings to stdout and its
// progress to stderr.
func verifyCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./vigil-data", "data directory to verify (read-only)")
	deep := fs.Bool("deep", false, "also parse every batch's original bytes again and compare the rows with its leaf")
	var checkpoints, keys listFlag
	fs.Var(&checkpoints, "checkpoint", "a checkpoint copy kept outside the data directory (repeatable)")
	fs.Var(&keys, "key", "a verifier public key file (repeatable; default DIR/ledger-key.pub)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, err := os.Stat(*data); err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	if len(keys) == 0 {
		keys = append(keys, filepath.Join(*data, ledgerKeyFile+".pub"))
	}
	var vkeys []string
	for _, k := range keys {
		v, err := ledger.ReadVerifierKey(k)
		if err != nil {
			return fmt.Errorf("verifier key: %w", err)
		}
		vkeys = append(vkeys, v)
	}
	opts := ledger.VerifyOptions{
		VerifierKeys: vkeys, CheckpointFiles: checkpoints, Deep: *deep,
		Progress: func(p ledger.Progress) {
			fmt.Fprintf(stderr, "%s %s: %d/%d leaves, %d bytes hashed\n", p.Workspace, p.Phase, p.Done, p.Total, p.Bytes)
		},
	}
	// A live server seals, merges and deletes segments under a reader: if
	// the catalog changed while problems were found, they may be files it
	// replaced, so verification starts again from the new catalog, as
	// vigil backup does.
	var rep *ledger.Report
	for attempt := 1; ; attempt++ {
		before, err := store.CatalogVersion(*data)
		if err != nil {
			return err
		}
		if rep, err = verifyOnce(*data, opts); err != nil {
			return err
		}
		after, err := store.CatalogVersion(*data)
		if err != nil {
			return err
		}
		if rep.OK() || after == before || attempt == 3 {
			break
		}
		fmt.Fprintln(stderr, "the data directory changed during verification (a live server sealed, merged or deleted segments); verifying again")
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(stdout, p.String())
	}
	fmt.Fprintf(stderr, "%d workspaces, %d leaves, %d checkpoints, %d original bytes, %d rows checked\n",
		rep.Workspaces, rep.Leaves, rep.Checkpoints, rep.RawBytes, rep.Rows)
	if *deep {
		fmt.Fprintf(stderr, "%d batches parsed again from their original bytes; %d cannot be re-derived from their bytes alone\n", rep.Rederived, rep.Underived)
	}
	if !rep.OK() {
		if rep.Dropped > 0 {
			fmt.Fprintf(stdout, "... and %d more problems\n", rep.Dropped)
		}
		return errProblems
	}
	fmt.Fprintln(stdout, "intact")
	return nil
}

// verifyOnce verifies the data directory as a read-only store opened now
// sees it.
func verifyOnce(data string, opts ledger.VerifyOptions) (*ledger.Report, error) {
	// One DuckDB thread a query: the original bytes and each table's rows
	// are read by queries side by side, which keep the cores busy.
	st, err := store.Open(data, store.Options{ReadOnly: true, Threads: 1})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if opts.Deep {
		opts.Rederive = rederiver(st)
	}
	return ledger.Verify(st.Holdings(), opts)
}

// serverContentTypes are the content types Vigil's own paths record for
// batches whose rows do not follow from the bytes alone: JSON from the
// Data Collector and Logs Ingestion APIs and Vigil's audit rows, syslog
// from the network receivers, rejected input.
var serverContentTypes = map[string]bool{"application/json": true, "text/syslog": true, "application/octet-stream": true}

// formatContentTypes names the ingest format that parses batches of each
// content type a format gives its batches.
var formatContentTypes = map[string]string{"text/syslog": "syslog", azure.ContentType: "azure-records",
	winevent.ContentType: "windows-xml", storagelog.ContentType: "storage-analytics"}

// rederiver returns deep verification's Rederive: it parses a batch's
// original bytes again through the ingestion path its content type
// names and maps the rows onto the table as the store does. A content
// type only one path records (a JSON type other than application/json
// comes from the rows API alone, the Azure records and OTLP types from
// their formats) makes the answer certain: a parse error or another hash
// is reported. Where several paths record the same content type
// (application/json; text/syslog: files re-derive, network receivers add
// the sender and each message's arrival time), and for content types no
// path is known for (then every registered format is tried), a batch a
// path reproduces is verified and any other is counted as not
// re-derivable rather than reported.
func rederiver(st *store.Store) func(ledger.Leaf, string, []byte) ([32]byte, bool, error) {
	return func(lf ledger.Leaf, contentType string, raw []byte) ([32]byte, bool, error) {
		mt, params, err := mime.ParseMediaType(contentType)
		if err != nil {
			mt = strings.ToLower(strings.TrimSpace(contentType))
		}
		// The formats to try; "" is the rows API's parser.
		var paths []string
		certain := false
		switch {
		case params[otlp.SignalParam] != "":
			// An OTLP export request of that signal, protobuf or JSON.
			paths, certain = []string{"otlp-" + params[otlp.SignalParam]}, true
		case formatContentTypes[mt] != "":
			paths, certain = []string{formatContentTypes[mt]}, !serverContentTypes[mt]
		case api.JSONContentTypes[mt]:
			paths, certain = []string{""}, !serverContentTypes[mt]
		default:
			paths = ingest.Names()
		}
		for _, path := range paths {
			var batches []*store.Batch
			if path == "" {
				var b *store.Batch
				if b, err = api.DecodeRecords(raw); err == nil {
					batches = []*store.Batch{b}
				}
			} else if f, ok := ingest.Lookup(path); ok {
				batches, _, err = f.Parse(lf.Workspace, raw, lf.Time)
			}
			if err != nil {
				if certain {
					return [32]byte{}, false, err
				}
				continue
			}
			for _, b := range batches {
				if b.Table != "" && b.Table != lf.Table {
					continue
				}
				b.Workspace, b.Table, b.Received = lf.Workspace, lf.Table, lf.Time
				cols, rows, err := st.Rederive(b)
				if err != nil {
					if certain {
						return [32]byte{}, false, err
					}
					continue
				}
				if sum := lf.HashRows(cols, rows); certain || sum == lf.RowsHash {
					return sum, true, nil
				}
			}
		}
		return [32]byte{}, false, nil
	}
}
