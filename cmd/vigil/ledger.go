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
)

const ledgerUsage = `usage:
  vigil ledger key        [--url URL --key KEY | --data DIR]
  vigil ledger checkpoint [--url URL --key KEY | --data DIR] [--workspace WS]
  vigil ledger prove      --url URL --key KEY [--workspace WS] --batch N [--size M]
  vigil ledger prove      --url URL --key KEY [--workspace WS] --from M [--to N]`

// runLedger prints what an auditor keeps and checks: the public key, the
// latest signed checkpoint, and proofs (docs/ledger.md).
func runLedger(args []string) error { return ledgerCommand(args, os.Stdout, os.Stderr) }

func ledgerCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(ledgerUsage)
	}
	fs := flag.NewFlagSet("ledger "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := clientFlags(fs)
	data := fs.String("data", "", "read this data directory directly instead of a server")
	wsName := fs.String("workspace", "default", "workspace name or id")
	batch := fs.Int64("batch", -1, "prove: the batch's sequence number")
	size := fs.Int64("size", -1, "prove: the tree size of the checkpoint to prove against (default: the latest)")
	from := fs.Int64("from", -1, "prove: the older checkpoint's tree size, for a consistency proof")
	to := fs.Int64("to", -1, "prove: the newer checkpoint's tree size (default: the latest)")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return errors.New(ledgerUsage)
	}
	ws := "/v1/workspaces/" + url.PathEscape(*wsName) + "/ledger"
	var out []byte
	switch args[0] {
	case "key":
		if *data != "" {
			var vkey string
			vkey, err = ledger.ReadVerifierKey(filepath.Join(*data, ledgerKeyFile+".pub"))
			out = []byte(vkey + "\n")
		} else {
			out, err = c.send("GET", ws+"/key", "", nil)
		}
	case "checkpoint":
		if *data != "" {
			out, err = checkpointFromDir(*data, *wsName)
		} else {
			out, err = c.send("GET", ws+"/checkpoint", "", nil)
		}
	case "prove":
		if *data != "" {
			return errors.New("vigil ledger prove asks a server (--url); a data directory is checked whole with vigil verify")
		}
		q := url.Values{}
		switch {
		case *batch >= 0 && *from < 0:
			q.Set("seq", fmt.Sprint(*batch))
			if *size >= 0 {
				q.Set("size", fmt.Sprint(*size))
			}
			out, err = c.send("GET", ws+"/proof/inclusion?"+q.Encode(), "", nil)
		case *from >= 0 && *batch < 0:
			q.Set("from", fmt.Sprint(*from))
			if *to >= 0 {
				q.Set("to", fmt.Sprint(*to))
			}
			out, err = c.send("GET", ws+"/proof/consistency?"+q.Encode(), "", nil)
		default:
			return errors.New("vigil ledger prove: give --batch N (inclusion) or --from M (consistency)\n" + ledgerUsage)
		}
	default:
		return fmt.Errorf("unknown ledger command %q\n%s", args[0], ledgerUsage)
	}
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

// checkpointFromDir reads a workspace's latest checkpoint from a data
// directory.
func checkpointFromDir(dir, wsName string) ([]byte, error) {
	wsID, err := workspaceID(dir, wsName)
	if err != nil {
		return nil, err
	}
	msg, err := ledger.LatestCheckpoint(store.LedgerDir(dir, wsID))
	if err == nil && msg == nil {
		err = fmt.Errorf("workspace %s has no checkpoint yet", wsName)
	}
	return msg, err
}
