// Command vigil is Vigil: a self-hosted logging, auditing and
// security-monitoring platform in one binary. Run `vigil help` for the
// subcommands.
package main

import (
	"flag"
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

var commands = map[string]struct {
	run  func(args []string) error
	help string
}{
	"serve":     {runServe, "run the server on a data directory"},
	"query":     {runQuery, "run a KQL query against a server or, read-only, a data directory"},
	"ingest":    {runIngest, "send NDJSON, JSON array or CSV files to a table on a server"},
	"key":       {runKey, "create, list or revoke API keys on a server"},
	"workspace": {runWorkspace, "show, list, create or delete workspaces on a server"},
	"verify":    {runVerify, "prove a data directory intact against its ledgers and checkpoints"},
	"raw":       {runRaw, "print a batch's original bytes, or one row's, byte for byte"},
	"ledger":    {runLedger, "print the checkpoint key, the latest signed checkpoint, or a proof"},
	"backup":    {runBackup, "copy a data directory consistently, even while a server writes to it"},
	"restore":   {runRestore, "copy a backup into a new data directory"},
	"bench":     {runBench, "benchmark ingestion, disk and queries on generated data (docs/benchmarks.md)"},
	"version":   {func([]string) error { fmt.Println("vigil", version); return nil }, "print the version"},
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "help" || os.Args[1] == "-h" || os.Args[1] == "--help" {
		usage()
		return
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "vigil: unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if err := cmd.run(os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "vigil:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: vigil <command> [options]\n\ncommands:")
	for _, name := range []string{"serve", "ingest", "query", "key", "workspace", "verify", "raw", "ledger", "backup", "restore", "bench", "version"} {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", name, commands[name].help)
	}
}

// parseFlags parses args allowing flags after positional arguments too
// (vigil query 'KQL' --format csv), returning the positionals.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
