package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"

	"vigil/internal/ledger"
	"vigil/internal/store"
	"vigil/internal/workspace"
)

// runRaw prints a batch's original bytes, or one row's part of them,
// byte for byte, from a server or read-only from a data directory.
func runRaw(args []string) error { return rawCommand(args, os.Stdout, os.Stderr) }

const rawUsage = "usage: vigil raw [--url URL --key KEY | --data DIR] [--workspace WS] --batch N [--row I]"

func rawCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("raw", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := clientFlags(fs)
	data := fs.String("data", "", "read this data directory directly, read-only, instead of a server")
	wsName := fs.String("workspace", "default", "workspace name or id")
	batch := fs.Int64("batch", -1, "the batch's sequence number")
	row := fs.Int64("row", -1, "a row's position in the batch (_BatchRow): print only its part of the bytes")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *batch < 0 {
		return errors.New(rawUsage)
	}
	var raw []byte
	var contentType string
	if *data != "" {
		raw, contentType, err = rawFromDir(*data, *wsName, uint64(*batch), *row)
	} else {
		path := fmt.Sprintf("/v1/workspaces/%s/batches/%d/raw", url.PathEscape(*wsName), *batch)
		if *row >= 0 {
			path = fmt.Sprintf("/v1/workspaces/%s/batches/%d/rows/%d/raw", url.PathEscape(*wsName), *batch, *row)
		}
		var hdr map[string][]string
		raw, hdr, err = c.exchange("GET", path, "", nil)
		if err == nil {
			contentType = first(hdr["Content-Type"])
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "content type: %s, %d bytes\n", contentType, len(raw))
	_, err = stdout.Write(raw)
	return err
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// workspaceID resolves a workspace name or id in a data directory.
func workspaceID(dir, name string) (string, error) {
	reg, err := workspace.OpenExisting(filepath.Join(dir, "workspaces.json"))
	if err != nil {
		return "", err
	}
	w, err := reg.Resolve(name)
	if err != nil {
		return "", err
	}
	return w.ID, nil
}

// rawFromDir reads original bytes from a data directory without changing
// it; a row's part is cut by its leaf's row count, as the server does.
func rawFromDir(dir, wsName string, seq uint64, row int64) ([]byte, string, error) {
	wsID, err := workspaceID(dir, wsName)
	if err != nil {
		return nil, "", err
	}
	st, err := store.Open(dir, store.Options{ReadOnly: true})
	if err != nil {
		return nil, "", err
	}
	defer st.Close()
	raw, contentType, err := st.Raw(wsID, seq)
	if err != nil || row < 0 {
		return raw, contentType, err
	}
	lf, err := ledger.ReadLeaf(store.LedgerDir(dir, wsID), seq)
	if err != nil {
		return nil, "", err
	}
	b, err := ledger.RowBytes(contentType, raw, lf.Rows, row)
	return b, contentType, err
}
