package ledger

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// signedLog returns a log of n test leaves of workspace ws and a
// checkpoint of it.
func signedLog(t *testing.T, ws string, n uint64) (*Log, []byte, string) {
	t.Helper()
	s, vkey := testKey(t)
	l, err := OpenLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	appendN(t, l, ws, n)
	tree, err := l.Tree()
	if err != nil {
		t.Fatal(err)
	}
	cp, err := SignTree(s, ws, tree)
	if err != nil {
		t.Fatal(err)
	}
	return l, cp, vkey
}

func TestProofsAsJSON(t *testing.T) {
	l, old, vkey := signedLog(t, "ws-a", 20)
	oldCp, err := OpenCheckpoint(old, vkey)
	if err != nil {
		t.Fatal(err)
	}
	_, other, _ := signedLog(t, "ws-b", 20) // same size, another log
	if _, err := l.ProveLeaf(3, other); err == nil || !strings.Contains(err.Error(), "not a tree of this log") {
		t.Fatalf("proof against a foreign checkpoint: err = %v", err)
	}
	appendN(t, l, "ws-a", 13)
	s, _ := testKey(t)
	tree, _ := l.Tree()
	newer, err := SignTree(s, "ws-a", tree)
	if err != nil {
		t.Fatal(err)
	}

	lp, err := l.ProveLeaf(7, old)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(lp)
	if err != nil {
		t.Fatal(err)
	}
	var back LeafProof
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckRecord(toHashes(t, back.Proof), oldCp.Tree.N, oldCp.Tree.Hash, back.Index, tlog.RecordHash(back.Leaf)); err != nil {
		t.Fatalf("leaf proof from JSON: %v", err)
	}
	if lf, err := DecodeLeaf(back.Leaf); err != nil || !reflect.DeepEqual(lf, testLeaf("ws-a", 7)) {
		t.Fatalf("leaf in proof = %+v, %v", lf, err)
	}

	tp, err := l.ProveConsistency(old, newer)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckTree(toHashes(t, tp.Proof), tree.N, tree.Hash, oldCp.Tree.N, oldCp.Tree.Hash); err != nil {
		t.Fatalf("consistency proof: %v", err)
	}
}

func toHashes(t *testing.T, bs [][]byte) []tlog.Hash {
	t.Helper()
	var out []tlog.Hash
	for _, b := range bs {
		if len(b) != tlog.HashSize {
			t.Fatalf("proof hash of %d bytes", len(b))
		}
		out = append(out, tlog.Hash(b))
	}
	return out
}

// TestAuditorProgram runs the independent checker shown in docs/ledger.md,
// as an auditor would, on a real proof: it must accept the proof and the
// original bytes, and reject altered bytes and a proof for the wrong leaf.
func TestAuditorProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a separate Go program")
	}
	dir := t.TempDir()
	writeAuditor(t, dir)

	l, cp, vkey := signedLog(t, "ws-a", 50)
	lp, err := l.ProveLeaf(21, cp)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(lp)
	proof := filepath.Join(dir, "proof.json")
	raw := filepath.Join(dir, "raw")
	writeTestFile(t, proof, b)
	writeTestFile(t, raw, rawFor(21))

	run := func(args ...string) (string, error) {
		cmd := exec.Command("go", append([]string{"run", "."}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run(vkey, proof, raw); err != nil || !strings.Contains(out, "seq 21") || !strings.HasSuffix(out, "OK\n") {
		t.Fatalf("auditor on a good proof: %v\n%s", err, out)
	}
	writeTestFile(t, raw, rawFor(22))
	if out, err := run(vkey, proof, raw); err == nil || !strings.Contains(out, "original bytes do not match") {
		t.Fatalf("auditor on altered bytes: %v\n%s", err, out)
	}
	lp.Index = 22
	b, _ = json.Marshal(lp)
	writeTestFile(t, proof, b)
	if out, err := run(vkey, proof); err == nil || !strings.Contains(out, "FAIL") {
		t.Fatalf("auditor on a proof for the wrong index: %v\n%s", err, out)
	}
}

// writeAuditor writes the program in docs/ledger.md into dir as a module
// that needs only golang.org/x/mod, at the version this module uses.
func writeAuditor(t *testing.T, dir string) {
	t.Helper()
	doc, err := os.ReadFile("../../docs/ledger.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := bytes.Cut(doc, []byte("<!-- auditor program -->\n```go\n"))
	if !ok {
		t.Fatal("docs/ledger.md has no auditor program")
	}
	prog, _, ok := bytes.Cut(after, []byte("\n```"))
	if !ok {
		t.Fatal("auditor program in docs/ledger.md is not closed")
	}
	writeTestFile(t, filepath.Join(dir, "main.go"), append(prog, '\n'))

	mod, sum := "", ""
	for _, f := range []string{"../../go.mod", "../../go.sum"} {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			switch {
			case strings.HasPrefix(line, "golang.org/x/mod ") && f == "../../go.mod":
				mod = strings.Fields(line)[1]
			case strings.HasPrefix(line, "golang.org/x/mod ") && f == "../../go.sum":
				sum += line + "\n"
			}
		}
		fh.Close()
	}
	if mod == "" {
		t.Fatal("go.mod does not require golang.org/x/mod")
	}
	writeTestFile(t, filepath.Join(dir, "go.mod"), []byte("module auditor\n\ngo 1.24\n\nrequire golang.org/x/mod "+mod+"\n"))
	writeTestFile(t, filepath.Join(dir, "go.sum"), []byte(sum))
}

func writeTestFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
