package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"vigil/internal/ledger"
)

// TestLedgerAndRawCLI: the auditor's commands against a running server,
// then read-only against its data directory once it stopped.
func TestLedgerAndRawCLI(t *testing.T) {
	dir := t.TempDir()
	srv, url := startServer(t, dir)
	defer srv.Process.Kill()
	body := "{\"Host\":\"web1\",\"Bytes\":10}\n{\"Host\":\"web2\",\"Bytes\":32}\n"
	if code, err := post(url+"/v1/workspaces/default/tables/Audit_CL/rows", body); err != nil || code != 204 {
		t.Fatalf("ingest: %d %v", code, err)
	}
	req, _ := http.NewRequest("GET", url+"/v1/workspaces/default/ledger", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tree struct{ TreeSize int64 }
	json.NewDecoder(resp.Body).Decode(&tree)
	resp.Body.Close()
	seq := strconv.FormatInt(tree.TreeSize-1, 10) // the batch is the last leaf
	remote := []string{"--url", url, "--key", testKey}
	run := func(args ...string) string {
		t.Helper()
		out, err := vigil(t, args...)
		if err != nil {
			t.Fatalf("vigil %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}

	vkey := strings.TrimSpace(run(append([]string{"ledger", "key"}, remote...)...))
	note := run(append([]string{"ledger", "checkpoint"}, remote...)...)
	cp, err := ledger.OpenCheckpoint([]byte(note), vkey)
	if err != nil || cp.Tree.N != tree.TreeSize {
		t.Fatalf("checkpoint %q: %+v %v", note, cp, err)
	}
	var p ledger.LeafProof
	if err := json.Unmarshal([]byte(run(append([]string{"ledger", "prove", "--batch", seq}, remote...)...)), &p); err != nil {
		t.Fatal(err)
	}
	var proof tlog.RecordProof
	for _, h := range p.Proof {
		proof = append(proof, tlog.Hash(h))
	}
	if err := tlog.CheckRecord(proof, cp.Tree.N, cp.Tree.Hash, p.Index, tlog.RecordHash(p.Leaf)); err != nil {
		t.Fatalf("inclusion proof from the CLI: %v", err)
	}
	if out, err := vigil(t, append([]string{"ledger", "prove"}, remote...)...); err == nil || !strings.Contains(out, "--batch N") {
		t.Fatalf("prove without --batch or --from: %v %s", err, out)
	}
	if out := run(append([]string{"raw", "--batch", seq}, remote...)...); !strings.HasSuffix(out, body) {
		t.Fatalf("raw batch: %q", out)
	}
	if out := run(append([]string{"raw", "--batch", seq, "--row", "1"}, remote...)...); !strings.HasSuffix(out, `{"Host":"web2","Bytes":32}`) {
		t.Fatalf("raw row: %q", out)
	}

	srv.Process.Signal(syscall.SIGTERM)
	srv.Wait()
	if got := strings.TrimSpace(run("ledger", "key", "--data", dir)); got != vkey {
		t.Fatalf("key from the directory %q, from the server %q", got, vkey)
	}
	var stdout strings.Builder
	if err := rawCommand([]string{"--data", dir, "--batch", seq, "--row", "0"}, &stdout, io.Discard); err != nil || stdout.String() != `{"Host":"web1","Bytes":10}` {
		t.Fatalf("raw row from the directory: %q %v", stdout.String(), err)
	}
	stdout.Reset()
	if err := ledgerCommand([]string{"checkpoint", "--data", dir}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if last, err := ledger.OpenCheckpoint([]byte(stdout.String()), vkey); err != nil || last.Tree.N < cp.Tree.N {
		t.Fatalf("checkpoint from the directory: %+v %v", last, err)
	}
	if out := run("verify", "--data", dir, "--deep"); !strings.Contains(out, "intact") {
		t.Fatalf("verify: %s", out)
	}
}
