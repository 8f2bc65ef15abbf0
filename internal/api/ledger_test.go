package api

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"vigil/internal/auth"
)

// The auditor's side of the ledger API, written from docs/ledger.md with
// nothing but crypto/sha256 and crypto/ed25519: no Vigil or x/mod code.

// openCheckpoint checks a checkpoint note's Ed25519 signature against a
// verifier key "name+hash+base64(0x01 || public key)" and returns the
// tree size, root hash and workspace of its text.
func openCheckpoint(vkey, note string) (size int64, root [32]byte, ws string, err error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return 0, root, "", errors.New("verifier key is not name+hash+key")
	}
	name := parts[0]
	kb, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(kb) != 33 || kb[0] != 1 {
		return 0, root, "", errors.New("verifier key is not an Ed25519 key")
	}
	pub := ed25519.PublicKey(kb[1:])
	// The key hash: the first 4 bytes of SHA-256(name "\n" 0x01 key).
	kh := sha256.Sum256(append([]byte(name+"\n"), kb...))
	text, sigs, ok := strings.Cut(note, "\n\n")
	if !ok {
		return 0, root, "", errors.New("note has no signature block")
	}
	text += "\n"
	verified := false
	for _, line := range strings.Split(strings.TrimSuffix(sigs, "\n"), "\n") {
		rest, ok := strings.CutPrefix(line, "— "+name+" ")
		if !ok {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(rest)
		if err != nil || len(sig) != 4+ed25519.SignatureSize || !bytes.Equal(sig[:4], kh[:4]) {
			continue
		}
		verified = verified || ed25519.Verify(pub, []byte(text), sig[4:])
	}
	if !verified {
		return 0, root, "", errors.New("no valid signature by the key")
	}
	lines := strings.Split(text, "\n")
	if len(lines) < 4 || lines[0] != "go.sum database tree" || !strings.HasPrefix(lines[3], "workspace ") {
		return 0, root, "", fmt.Errorf("checkpoint text %q", text)
	}
	if size, err = strconv.ParseInt(lines[1], 10, 64); err != nil {
		return 0, root, "", err
	}
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(h) != 32 {
		return 0, root, "", errors.New("bad root hash")
	}
	copy(root[:], h)
	return size, root, strings.TrimPrefix(lines[3], "workspace "), nil
}

func node(l, r []byte) []byte {
	h := sha256.Sum256(append(append([]byte{1}, l...), r...))
	return h[:]
}

// checkInclusion is RFC 9162 section 2.1.3.2.
func checkInclusion(leaf []byte, index, size int64, proof [][]byte, root [32]byte) error {
	if index >= size {
		return errors.New("index past the tree")
	}
	lh := sha256.Sum256(append([]byte{0}, leaf...))
	r, fn, sn := lh[:], index, size-1
	for _, p := range proof {
		if sn == 0 {
			return errors.New("proof too long")
		}
		if fn&1 == 1 || fn == sn {
			r = node(p, r)
			for fn&1 == 0 && fn != 0 {
				fn, sn = fn>>1, sn>>1
			}
		} else {
			r = node(r, p)
		}
		fn, sn = fn>>1, sn>>1
	}
	if sn != 0 || !bytes.Equal(r, root[:]) {
		return errors.New("the proof does not lead to the root")
	}
	return nil
}

// checkConsistency is RFC 9162 section 2.1.4.2.
func checkConsistency(oldSize, newSize int64, oldRoot, newRoot [32]byte, proof [][]byte) error {
	if oldSize == newSize {
		if len(proof) == 0 && oldRoot == newRoot {
			return nil
		}
		return errors.New("same size, different roots")
	}
	if oldSize&(oldSize-1) == 0 {
		proof = append([][]byte{oldRoot[:]}, proof...)
	}
	if len(proof) == 0 {
		return errors.New("empty proof")
	}
	fn, sn := oldSize-1, newSize-1
	for fn&1 == 1 {
		fn, sn = fn>>1, sn>>1
	}
	fr, sr := proof[0], proof[0]
	for _, c := range proof[1:] {
		if sn == 0 {
			return errors.New("proof too long")
		}
		if fn&1 == 1 || fn == sn {
			fr, sr = node(c, fr), node(c, sr)
			for fn&1 == 0 && fn != 0 {
				fn, sn = fn>>1, sn>>1
			}
		} else {
			sr = node(sr, c)
		}
		fn, sn = fn>>1, sn>>1
	}
	if sn != 0 || !bytes.Equal(fr, oldRoot[:]) || !bytes.Equal(sr, newRoot[:]) {
		return errors.New("the proof does not lead to both roots")
	}
	return nil
}

// leafRawHash reads the raw hash out of an encoded leaf: version, kind,
// workspace (uvarint length), seq (8), table (uvarint length), time (8),
// rows (8), then the 32-byte SHA-256 of the original bytes.
func leafRawHash(leaf []byte) (seq uint64, table string, raw [32]byte, err error) {
	r := bytes.NewReader(leaf[2:])
	str := func() string {
		n, _ := binary.ReadUvarint(r)
		b := make([]byte, min(n, uint64(r.Len())))
		io.ReadFull(r, b)
		return string(b)
	}
	var eight [8]byte
	str()
	io.ReadFull(r, eight[:])
	seq = binary.BigEndian.Uint64(eight[:])
	table = str()
	r.Seek(16, io.SeekCurrent)
	if _, err := io.ReadFull(r, raw[:]); err != nil {
		return 0, "", raw, err
	}
	return seq, table, raw, nil
}

func (f *fixture) get(t *testing.T, path, key string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// TestLedgerProofsCheckIndependently: a Reader fetches the key, a
// checkpoint, proofs and original bytes, and checks them all with the
// documented formats alone.
func TestLedgerProofsCheckIndependently(t *testing.T) {
	f := newFixture(t)
	ingestor, reader := f.keys[auth.Ingestor], f.keys[auth.Reader]
	bodies := []string{"{\"a\":1}\n{\"a\":2,\"b\":\"x\"}\n", `[{"a":3},{"a":4},{"a":5}]`, "{\"a\":6}"}
	for _, b := range bodies {
		if code, resp := f.do(t, "POST", "/v1/workspaces/default/tables/Proof_CL/rows", ingestor, []byte(b), "Content-Type", "application/x-ndjson"); code != 204 {
			t.Fatalf("ingest: %d %s", code, resp)
		}
	}
	code, _, key := f.get(t, "/v1/workspaces/default/ledger/key", reader)
	if code != 200 || strings.TrimSpace(string(key)) != f.vkey {
		t.Fatalf("key: %d %q", code, key)
	}
	vkey := strings.TrimSpace(string(key))
	code, _, note := f.get(t, "/v1/workspaces/default/ledger/checkpoint", reader)
	if code != 200 {
		t.Fatalf("checkpoint: %d %s", code, note)
	}
	oldSize, oldRoot, ws, err := openCheckpoint(vkey, string(note))
	// The three batches are the ledger's last leaves.
	base := int(oldSize) - len(bodies)
	if err != nil || ws != f.ws.ID || base < 0 {
		t.Fatalf("checkpoint %q: size %d ws %s: %v", note, oldSize, ws, err)
	}
	forged := bytes.Replace(note, []byte(fmt.Sprintf("\n%d\n", oldSize)), []byte(fmt.Sprintf("\n%d\n", oldSize+1)), 1)
	if _, _, _, err := openCheckpoint(vkey, string(forged)); err == nil {
		t.Fatal("a forged checkpoint checks")
	}

	for i, body := range bodies {
		seq := base + i
		code, _, pj := f.get(t, fmt.Sprintf("/v1/workspaces/default/ledger/proof/inclusion?seq=%d", seq), reader)
		if code != 200 {
			t.Fatalf("proof of %d: %d %s", seq, code, pj)
		}
		var p struct {
			Leaf       []byte   `json:"leaf"`
			Index      int64    `json:"index"`
			Proof      [][]byte `json:"proof"`
			Checkpoint string   `json:"checkpoint"`
		}
		if err := json.Unmarshal(pj, &p); err != nil {
			t.Fatal(err)
		}
		size, root, _, err := openCheckpoint(vkey, p.Checkpoint)
		if err != nil || size != oldSize || root != oldRoot {
			t.Fatalf("proof's checkpoint: %v", err)
		}
		if err := checkInclusion(p.Leaf, p.Index, size, p.Proof, root); err != nil {
			t.Fatalf("inclusion of %d: %v", seq, err)
		}
		lseq, table, rawHash, err := leafRawHash(p.Leaf)
		if err != nil || lseq != uint64(seq) || table != "Proof_CL" {
			t.Fatalf("leaf: seq %d table %s %v", lseq, table, err)
		}
		code, hdr, raw := f.get(t, fmt.Sprintf("/v1/workspaces/default/batches/%d/raw", seq), reader)
		if code != 200 || string(raw) != body || hdr.Get("Content-Type") != "application/x-ndjson" || sha256.Sum256(raw) != rawHash {
			t.Fatalf("batch %d: %d %q %v", seq, code, raw, hdr)
		}
		if want := "sha-256=:" + base64.StdEncoding.EncodeToString(rawHash[:]) + ":"; hdr.Get("Repr-Digest") != want {
			t.Fatalf("Repr-Digest %q, want %q", hdr.Get("Repr-Digest"), want)
		}
		p.Leaf[len(p.Leaf)-1] ^= 1
		if checkInclusion(p.Leaf, p.Index, size, p.Proof, root) == nil {
			t.Fatal("an altered leaf checks")
		}
	}

	// One row's bytes, from NDJSON and from a JSON array.
	batch := func(i int, rest string) string {
		return fmt.Sprintf("/v1/workspaces/default/batches/%d%s", base+i, rest)
	}
	for _, c := range []struct {
		path string
		code int
		want string
	}{
		{batch(0, "/rows/1/raw"), 200, `{"a":2,"b":"x"}`},
		{batch(1, "/rows/2/raw"), 200, `{"a":5}`},
		{batch(1, "/rows/3/raw"), 404, "has 3 rows"},
		{"/v1/workspaces/default/batches/99/raw", 404, "no original bytes for batch 99"},
		{"/v1/workspaces/default/batches/x/raw", 400, "not a sequence number"},
		{"/v1/workspaces/default/ledger/proof/inclusion?seq=99", 404, "batch 99"},
		{"/v1/workspaces/default/ledger/proof/inclusion?seq=0&size=1", 404, "no checkpoint of 1 leaves"},
		{"/v1/workspaces/default/ledger/proof/inclusion", 400, "seq"},
		{"/v1/workspaces/default/ledger/proof/consistency?from=-1", 400, "non-negative"},
	} {
		code, _, b := f.get(t, c.path, reader)
		if code != c.code || !strings.Contains(string(b), c.want) {
			t.Errorf("%s: %d %s, want %d %q", c.path, code, b, c.code, c.want)
		}
	}

	// More batches and a newer checkpoint: the newer tree extends the older.
	if code, resp := f.do(t, "POST", "/v1/workspaces/default/tables/Proof_CL/rows", ingestor, []byte(`{"a":7}`)); code != 204 {
		t.Fatalf("ingest: %d %s", code, resp)
	}
	if _, err := f.checkpoints.Checkpoint(f.ws.ID); err != nil {
		t.Fatal(err)
	}
	code, _, cj := f.get(t, fmt.Sprintf("/v1/workspaces/default/ledger/proof/consistency?from=%d", oldSize), reader)
	if code != 200 {
		t.Fatalf("consistency: %d %s", code, cj)
	}
	var tp struct {
		Old, New string
		Proof    [][]byte
	}
	if err := json.Unmarshal(cj, &tp); err != nil {
		t.Fatal(err)
	}
	oldN, or, _, err1 := openCheckpoint(vkey, tp.Old)
	ns, nr, _, err2 := openCheckpoint(vkey, tp.New)
	if err1 != nil || err2 != nil || oldN != oldSize || ns <= oldN || or != oldRoot {
		t.Fatalf("consistency checkpoints: %d %d %v %v", oldN, ns, err1, err2)
	}
	if err := checkConsistency(oldN, ns, or, nr, tp.Proof); err != nil {
		t.Fatalf("consistency %d -> %d: %v", oldN, ns, err)
	}
	if checkConsistency(oldN, ns, nr, or, tp.Proof) == nil {
		t.Fatal("swapped roots check")
	}
}
