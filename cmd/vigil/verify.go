package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
func runVerify(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	data := fs.String("data", "./vigil-data", "data directory to verify (read-only)")
	deep := fs.Bool("deep", false, "also re-hash every stored row against its leaf")
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
	st, err := store.Open(*data, store.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := ledger.Verify(st.Holdings(), ledger.VerifyOptions{
		VerifierKeys: vkeys, CheckpointFiles: checkpoints, Deep: *deep,
		Progress: func(p ledger.Progress) {
			fmt.Fprintf(os.Stderr, "%s %s: %d/%d leaves, %d bytes hashed\n", p.Workspace, p.Phase, p.Done, p.Total, p.Bytes)
		},
	})
	if err != nil {
		return err
	}
	for _, p := range rep.Problems {
		fmt.Println(p.String())
	}
	fmt.Fprintf(os.Stderr, "%d workspaces, %d leaves, %d checkpoints, %d original bytes, %d rows checked\n",
		rep.Workspaces, rep.Leaves, rep.Checkpoints, rep.RawBytes, rep.Rows)
	if !rep.OK() {
		if rep.Dropped > 0 {
			fmt.Printf("... and %d more problems\n", rep.Dropped)
		}
		return errProblems
	}
	fmt.Println("intact")
	return nil
}
