package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"vigil/internal/api"
	"vigil/internal/ingest"
	"vigil/internal/ledger"
	"vigil/internal/store"
)

const tamperWS = "4b0a6c2e-7f43-4d6b-9a53-0d2f1e8c9b11"

// tamperDir is a data directory made through the real store and ledger:
// three rows-API batches of App_CL on three days and a syslog file batch,
// sealed into segments and files of original bytes, one more App_CL
// batch still in the WAL, and a signed checkpoint of it all, also copied
// out to outside.
type tamperDir struct {
	dir, outside string
	signer       ledgerSigner
}

type ledgerSigner = interface {
	Name() string
	KeyHash() uint32
	Sign([]byte) ([]byte, error)
}

var tamperDay = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

func appBatch(t *testing.T, day, n int) *store.Batch {
	t.Helper()
	var raw bytes.Buffer
	for i := range n {
		fmt.Fprintf(&raw, `{"TimeGenerated":%q,"User":"u%d","Bytes":%d,"Ok":%v}`+"\n", tamperDay.AddDate(0, 0, day).Add(time.Duration(i)*time.Minute).Format(time.RFC3339Nano), i, 100*i+day, i%2 == 0)
	}
	b, err := api.DecodeRecords(raw.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	b.Workspace, b.Table, b.Raw, b.ContentType = tamperWS, "App_CL", raw.Bytes(), "application/x-ndjson"
	b.Received = tamperDay.AddDate(0, 0, day).Add(time.Hour)
	return b
}

func newTamperDir(t *testing.T) *tamperDir {
	t.Helper()
	d := &tamperDir{dir: t.TempDir(), outside: filepath.Join(t.TempDir(), "checkpoints.jsonl")}
	st, err := store.Open(d.dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for day := range 3 {
		if _, err := st.Append(ctx, appBatch(t, day, 5+day)); err != nil {
			t.Fatal(err)
		}
	}
	f, _ := ingest.Lookup("syslog")
	sys, _, err := f.Parse(tamperWS, []byte("<34>1 2026-11-20T10:00:00Z web1 sshd 42 - - Failed password for root\n<13>Nov 20 10:00:01 web2 cron[7]: job done\n"), tamperDay.Add(2*time.Hour))
	if err != nil || len(sys) != 1 {
		t.Fatalf("syslog parse: %v %v", sys, err)
	}
	if _, err := st.Append(ctx, sys[0]); err != nil {
		t.Fatal(err)
	}
	if err := st.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Append(ctx, appBatch(t, 3, 2)); err != nil {
		t.Fatal(err)
	}
	signer, _, err := ledger.LoadOrCreateKey(filepath.Join(d.dir, ledgerKeyFile), "vigil-test")
	if err != nil {
		t.Fatal(err)
	}
	d.signer = signer
	l, err := st.Ledger(tamperWS)
	if err != nil {
		t.Fatal(err)
	}
	checkpoint(t, signer, l, d.outside)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return d
}

// checkpoint signs l's tree as the server's checkpointer does, copying
// it to copyFile if set.
func checkpoint(t *testing.T, signer ledgerSigner, l *ledger.Log, copyFile string) {
	t.Helper()
	cp, err := ledger.NewCheckpointer(ledger.CheckpointerConfig{Signer: signer, Interval: time.Hour, CopyFile: copyFile})
	if err != nil {
		t.Fatal(err)
	}
	cp.Add(tamperWS, l)
	if _, err := cp.Checkpoint(tamperWS); err != nil {
		t.Fatal(err)
	}
}

// verify runs `vigil verify` on the directory and returns its exit
// status (0 intact, 1 problems) and what it printed.
func (d *tamperDir) verify(t *testing.T, extra ...string) (int, string) {
	t.Helper()
	var out, progress bytes.Buffer
	err := verifyCommand(append([]string{"--data", d.dir}, extra...), &out, &progress)
	switch {
	case err == nil:
		return 0, out.String()
	case err == errProblems:
		return 1, out.String()
	}
	t.Fatalf("verify did not run: %v\n%s", err, progress.String())
	return 0, ""
}

// uncatalog removes rel's entry from the catalog's list kind ("segments"
// or "raws"), as an attacker covering up a deleted file would.
func (d *tamperDir) uncatalog(t *testing.T, kind, rel string) {
	t.Helper()
	d.catalog(t, func(cat map[string]any) {
		var kept []any
		for _, e := range cat[kind].([]any) {
			if e.(map[string]any)["path"] != rel {
				kept = append(kept, e)
			}
		}
		cat[kind] = kept
	})
}

// catalog edits catalog.json as an attacker with write access would,
// keeping its checksum line right.
func (d *tamperDir) catalog(t *testing.T, edit func(cat map[string]any)) {
	t.Helper()
	path := filepath.Join(d.dir, "catalog.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	body, _, _ := bytes.Cut(data, []byte("\nsha256:"))
	var cat map[string]any
	if err := json.Unmarshal(body, &cat); err != nil {
		t.Fatal(err)
	}
	edit(cat)
	body, _ = json.MarshalIndent(cat, "", " ")
	sum := sha256.Sum256(body)
	if err := os.WriteFile(path, append(body, "\nsha256:"+hex.EncodeToString(sum[:])+"\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// file returns the catalog entry of list ("segments" or "raws") whose
// table is table and whose path has the given part.
func (d *tamperDir) file(t *testing.T, list, table, part string) string {
	t.Helper()
	var found string
	d.catalog(t, func(cat map[string]any) {
		for _, e := range cat[list].([]any) {
			m := e.(map[string]any)
			if m["table"] == table && strings.Contains(m["path"].(string), part) {
				found = m["path"].(string)
			}
		}
	})
	if found == "" {
		t.Fatalf("no %s of %s with %q", list, table, part)
	}
	return found
}

// rewriteSegment replaces a segment with the result of a DuckDB query
// over it ({S} stands for the segment) and fixes its catalog entry.
func (d *tamperDir) rewriteSegment(t *testing.T, rel, query string) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	path := filepath.Join(d.dir, rel)
	src := "read_parquet('" + path + "')"
	if _, err := db.Exec("COPY (" + strings.ReplaceAll(query, "{S}", src) + ") TO '" + path + ".new' (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
	var rows int64
	if err := db.QueryRow("SELECT count(*) FROM read_parquet('" + path + ".new')").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	sum := sha256.Sum256(b)
	d.catalog(t, func(cat map[string]any) {
		for _, e := range cat["segments"].([]any) {
			if m := e.(map[string]any); m["path"] == rel {
				m["sha256"], m["bytes"], m["rows"] = hex.EncodeToString(sum[:]), len(b), rows
			}
		}
	})
}

func flipByte(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x20
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyTampering makes each change an attacker or a failing disk can
// make to a real data directory and checks that `vigil verify` exits
// non-zero naming it.
func TestVerifyTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, d *tamperDir) []string // extra verify flags
		want   []string
	}{
		{"one byte flipped in a segment", func(t *testing.T, d *tamperDir) []string {
			flipByte(t, filepath.Join(d.dir, d.file(t, "segments", "App_CL", "")))
			return nil
		}, []string{"file-damaged", "segments/" + tamperWS + "/App_CL/", "checksum does not match", "rows-missing"}},
		{"one byte flipped in stored original bytes", func(t *testing.T, d *tamperDir) []string {
			flipByte(t, filepath.Join(d.dir, d.file(t, "raws", "App_CL", "")))
			return nil
		}, []string{"file-damaged", "raw/" + tamperWS + "/App_CL/", "original bytes of table App_CL are corrupt", "raw-missing"}},
		{"one byte flipped in stored original bytes, checksum fixed", func(t *testing.T, d *tamperDir) []string {
			rel := d.file(t, "raws", "Syslog", "")
			db, _ := sql.Open("duckdb", "")
			defer db.Close()
			path := filepath.Join(d.dir, rel)
			if _, err := db.Exec("COPY (SELECT seq, content_type, received, encode(replace(decode(raw), 'root', 'r00t')) AS raw FROM read_parquet('" + path + "')) TO '" + path + ".new' (FORMAT parquet)"); err != nil {
				t.Fatal(err)
			}
			os.Rename(path+".new", path)
			b, _ := os.ReadFile(path)
			sum := sha256.Sum256(b)
			d.catalog(t, func(cat map[string]any) {
				for _, e := range cat["raws"].([]any) {
					if m := e.(map[string]any); m["path"] == rel {
						m["sha256"], m["bytes"] = hex.EncodeToString(sum[:]), len(b)
					}
				}
			})
			return nil
		}, []string{"raw-mismatch", "seq 3", "do not hash to the leaf's RawHash"}},
		{"a whole segment deleted", func(t *testing.T, d *tamperDir) []string {
			os.Remove(filepath.Join(d.dir, d.file(t, "segments", "Syslog", "")))
			return nil
		}, []string{"file-damaged", "missing", "rows-missing: workspace " + tamperWS + " seq 3"}},
		{"a whole segment deleted, and from the catalog", func(t *testing.T, d *tamperDir) []string {
			rel := d.file(t, "segments", "Syslog", "")
			os.Remove(filepath.Join(d.dir, rel))
			d.uncatalog(t, "segments", rel)
			return nil
		}, []string{"rows-missing: workspace " + tamperWS + " seq 3", "row-count-mismatch", "table Syslog holds 0 rows"}},
		{"a row appended to a segment with DuckDB", func(t *testing.T, d *tamperDir) []string {
			d.rewriteSegment(t, d.file(t, "segments", "App_CL", "2026-11-21"),
				`SELECT * FROM {S} UNION ALL (SELECT * REPLACE ('intruder' AS "User", 99 AS "_BatchRow") FROM {S} LIMIT 1)`)
			return nil
		}, []string{"rows-unaccounted: workspace " + tamperWS + " seq 1", "7 rows of App_CL are stored for a batch of 6", "row-count-mismatch"}},
		{"rows removed from a segment with DuckDB", func(t *testing.T, d *tamperDir) []string {
			d.rewriteSegment(t, d.file(t, "segments", "App_CL", "2026-11-22"), `SELECT * FROM {S} WHERE "_BatchRow" NOT IN (1, 2)`)
			return nil
		}, []string{"rows-missing: workspace " + tamperWS + " seq 2", "2 of the 7 rows", "row-count-mismatch"}},
		{"a value altered in a segment with DuckDB", func(t *testing.T, d *tamperDir) []string {
			d.rewriteSegment(t, d.file(t, "segments", "App_CL", "2026-11-20"), `SELECT * REPLACE ('admin' AS "User") FROM {S}`)
			return nil
		}, []string{"rows-mismatch: workspace " + tamperWS + " seq 0"}},
		{"the ledger rewritten consistently from scratch", func(t *testing.T, d *tamperDir) []string {
			dir := filepath.Join(d.dir, "ledger", tamperWS)
			old, err := ledger.OpenLog(dir)
			if err != nil {
				t.Fatal(err)
			}
			var leaves []ledger.Leaf
			for lf, err := range old.Leaves(0, old.Size()) {
				if err != nil {
					t.Fatal(err)
				}
				leaves = append(leaves, lf)
			}
			old.Close()
			os.RemoveAll(dir)
			// Batch 1 backdated by a day: nothing else records when it came.
			leaves[1].Time = leaves[1].Time.AddDate(0, 0, -1)
			l, err := ledger.OpenLog(dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Append(leaves...); err != nil {
				t.Fatal(err)
			}
			checkpoint(t, d.signer, l, "")
			l.Close()
			// Without the outside copy the rewrite cannot be seen.
			if code, out := d.verify(t); code != 0 {
				t.Fatalf("a consistent rewrite, no outside copy: %d %s", code, out)
			}
			return []string{"--checkpoint", d.outside}
		}, []string{"checkpoint-inconsistent", "the ledger was rewritten"}},
		{"a checkpoint with a bad signature", func(t *testing.T, d *tamperDir) []string {
			b, _ := os.ReadFile(d.outside)
			b = bytes.Replace(b, []byte(`tree\n5\n`), []byte(`tree\n6\n`), 1)
			os.WriteFile(d.outside, b, 0o644)
			return []string{"--checkpoint", d.outside}
		}, []string{"checkpoint-bad-signature", "checkpoints.jsonl:1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newTamperDir(t)
			if code, out := d.verify(t, "--checkpoint", d.outside); code != 0 || !strings.Contains(out, "intact") {
				t.Fatalf("before tampering: %d %s", code, out)
			}
			extra := tc.tamper(t, d)
			code, out := d.verify(t, extra...)
			if code != 1 {
				t.Fatalf("exit %d after tampering:\n%s", code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestVerifyRetentionAndDeep: rows deleted by a retention policy are not
// a problem, and --deep parses every re-derivable batch again.
func TestVerifyRetentionAndDeep(t *testing.T) {
	d := newTamperDir(t)
	code, out := d.verify(t, "--deep", "--checkpoint", d.outside)
	if code != 0 {
		t.Fatalf("deep: %d %s", code, out)
	}
	var progress bytes.Buffer
	verifyCommand([]string{"--data", d.dir, "--deep"}, &bytes.Buffer{}, &progress)
	if !strings.Contains(progress.String(), "5 batches parsed again from their original bytes; 0 cannot be re-derived") {
		t.Fatalf("deep summary:\n%s", progress.String())
	}

	// Retention of one day: the segments of the first two days go, and a
	// retention leaf records it.
	now := tamperDay.AddDate(0, 0, 3)
	st, err := store.Open(d.dir, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetRetention(tamperWS, "App_CL", 1); err != nil {
		t.Fatal(err)
	}
	if err := st.ApplyRetention(); err != nil {
		t.Fatal(err)
	}
	l, err := st.Ledger(tamperWS)
	if err != nil {
		t.Fatal(err)
	}
	if l.Size() < 6 {
		t.Fatalf("no retention leaf: %d leaves", l.Size())
	}
	lf, err := l.Leaf(5)
	// It names the batches whose rows went: 0 and 1, not 2 (its day is
	// kept) nor 4 (in memory still).
	if err != nil || lf.Kind != ledger.RetentionLeaf || lf.Table != "App_CL" || !slices.Equal(lf.Batches, []ledger.SeqRange{{First: 0, Last: 1}}) {
		t.Fatalf("leaf 5 = %+v, %v", lf, err)
	}
	checkpoint(t, d.signer, l, d.outside)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if code, out := d.verify(t, "--deep", "--checkpoint", d.outside); code != 0 {
		t.Fatalf("after retention: %d %s", code, out)
	}

	// The day retention kept, deleted with its catalog entry as if
	// retention had taken it: no retention leaf covers its batch.
	rel := d.file(t, "segments", "App_CL", "")
	catalog, err := os.ReadFile(filepath.Join(d.dir, "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	segment, err := os.ReadFile(filepath.Join(d.dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(d.dir, rel))
	d.uncatalog(t, "segments", rel)
	code, out = d.verify(t)
	if code != 1 || !strings.Contains(out, "rows-missing: workspace "+tamperWS+" seq 2: 7 of the 7 rows of the App_CL batch are gone, and no retention leaf of App_CL covers it") {
		t.Fatalf("a kept day's segment deleted: %d %s", code, out)
	}
	os.WriteFile(filepath.Join(d.dir, rel), segment, 0o644)
	os.WriteFile(filepath.Join(d.dir, "catalog.json"), catalog, 0o644)

	// Nor does it excuse the original bytes of that batch.
	rel = d.file(t, "raws", "App_CL", "")
	os.Remove(filepath.Join(d.dir, rel))
	d.uncatalog(t, "raws", rel)
	code, out = d.verify(t)
	if code != 1 || !strings.Contains(out, "raw-missing: workspace "+tamperWS+" seq 2") {
		t.Fatalf("bytes deleted under cover of retention: %d %s", code, out)
	}
}

// TestVerifyDeepFormats: batches of the receiver formats, from every
// table they route to and sealed or not, are parsed again from their
// original bytes to the rows stored.
func TestVerifyDeepFormats(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, in := range []struct{ format, dir, name string }{
		{"azure-records", "azure", "activity.json"}, {"azure-records", "azure", "signin.json"}, {"azure-records", "azure", "audit.json"},
		{"azure-records", "azure", "keyvault.jsonl"}, {"azure-records", "azure", "nsg_v1.json"}, {"azure-records", "azure", "nsg_v2.json"},
		{"azure-records", "azure", "vnet.json"}, {"azure-records", "azure", "activity_events.json"}, {"azure-records", "azure", "graph.jsonl"}, {"windows-xml", "winevent", "security.xml"}, {"windows-xml", "winevent", "system.xml"},
		{"storage-analytics", "storagelog", "sample.log"},
	} {
		name := in.dir + "/" + in.name
		raw, err := os.ReadFile(filepath.Join("..", "..", "internal", "ingest", in.dir, "testdata", in.name))
		if err != nil {
			t.Fatal(err)
		}
		f, _ := ingest.Lookup(in.format)
		batches, rejects, err := f.Parse(tamperWS, raw, tamperDay)
		// The Windows and storage samples hold bad records on purpose.
		if err != nil || len(rejects) > 0 && in.format == "azure-records" {
			t.Fatalf("%s: %v %v", name, rejects, err)
		}
		for _, b := range batches {
			if _, err := st.Append(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			n++
		}
		if i == 2 {
			if err := st.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	verifyDeepAll(t, st, dir, n)
}

// verifyDeepAll closes st, gives its directory a signing key and checks
// that `vigil verify --deep` finds it intact with all n batches parsed
// again from their original bytes.
func verifyDeepAll(t *testing.T, st *store.Store, dir string, n int) {
	t.Helper()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ledger.LoadOrCreateKey(filepath.Join(dir, ledgerKeyFile), "vigil-test"); err != nil {
		t.Fatal(err)
	}
	var out, progress bytes.Buffer
	if err := verifyCommand([]string{"--data", dir, "--deep"}, &out, &progress); err != nil {
		t.Fatalf("verify: %v\n%s\n%s", err, out.String(), progress.String())
	}
	if want := fmt.Sprintf("%d batches parsed again from their original bytes; 0 cannot be re-derived", n); !strings.Contains(progress.String(), want) {
		t.Fatalf("deep summary lacks %q:\n%s", want, progress.String())
	}
}

// benchDir builds a data directory of batches of NDJSON sent to the rows
// API, ~300 bytes a record, sealed into segments and files of original
// bytes, and returns it with the original bytes' total.
func benchDir(b *testing.B, batches, rows int) (string, int64) {
	dir := b.TempDir()
	st, err := store.Open(dir, store.Options{HotMaxBytes: 4 << 30})
	if err != nil {
		b.Fatal(err)
	}
	var total int64
	for i := range batches {
		raw := benchBody(i, rows)
		bt, err := api.DecodeRecords(raw)
		if err != nil {
			b.Fatal(err)
		}
		bt.Workspace, bt.Table, bt.Raw, bt.ContentType = tamperWS, "Bench_CL", raw, "application/x-ndjson"
		if _, err := st.Append(context.Background(), bt); err != nil {
			b.Fatal(err)
		}
		total += int64(len(raw))
	}
	if err := st.Flush(); err != nil {
		b.Fatal(err)
	}
	if _, _, err := ledger.LoadOrCreateKey(filepath.Join(dir, ledgerKeyFile), "vigil-bench"); err != nil {
		b.Fatal(err)
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	return dir, total
}

// benchBody is the i-th batch of benchDir: rows NDJSON records of ~300
// bytes with a nested object, as a shipper sends them to the rows API.
func benchBody(i, rows int) []byte {
	var raw bytes.Buffer
	for k := range rows {
		n := i*rows + k
		fmt.Fprintf(&raw, `{"TimeGenerated":%q,"Computer":"host-%03d","Level":"info","Latency":%d.%d,"Ok":%v,"Message":"session %d opened for user u%d from 10.%d.%d.%d port %d ssh2: RSA SHA256:%016x","Props":{"k":%d,"tag":"t%d"}}`+"\n",
			tamperDay.Add(time.Duration(n)*time.Second).Format(time.RFC3339Nano), n%300, n%1000, n%7, n%17 != 0, n, n%97, n%250, n/7%250, n%13, 1024+n%50000, uint64(n)*2654435761, n, n%10)
	}
	return raw.Bytes()
}

// BenchmarkRederive measures deep verification's own work on benchDir's
// batches, without the rest of verification: each batch's original bytes
// parsed again, mapped onto the table and hashed as its leaf says, on one
// goroutine (verification runs one such worker per core).
func BenchmarkRederive(b *testing.B) {
	batches := 40
	if testing.Short() {
		batches = 8
	}
	dir, total := benchDir(b, batches, 1000)
	st, err := store.Open(dir, store.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	rederive := rederiver(st)
	raws := make([][]byte, batches)
	for i := range raws {
		raws[i] = benchBody(i, 1000)
	}
	lf := ledger.Leaf{Kind: ledger.BatchLeaf, Workspace: tamperWS, Table: "Bench_CL", Time: tamperDay}
	b.SetBytes(total)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		for _, raw := range raws {
			if _, ok, err := rederive(lf, "application/x-ndjson", raw); !ok || err != nil {
				b.Fatalf("not re-derived: %v", err)
			}
		}
	}
	b.ReportMetric(float64(total)*float64(b.N)/(cpuTime()-cpu).Seconds()/1e6, "MB/cpu-s")
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkVerify measures `vigil verify` in original bytes per second
// over a sealed data directory: the default (ledger, original bytes,
// every stored row re-hashed) and --deep (each batch parsed again too) on
// 40 batches (9.7 MB), and the default on 200 (48.8 MB), where opening
// the store weighs less.
func BenchmarkVerify(b *testing.B) {
	type mode struct {
		name  string
		flags []string
	}
	sizes := []struct {
		batches int
		modes   []mode
	}{{40, []mode{{"default", nil}, {"deep", []string{"--deep"}}}}, {200, []mode{{"default-200", nil}}}}
	if testing.Short() {
		sizes = sizes[:1]
		sizes[0].batches = 8
	}
	for _, size := range sizes {
		dir, total := benchDir(b, size.batches, 1000)
		for _, mode := range size.modes {
			b.Run(mode.name, func(b *testing.B) {
				b.SetBytes(total)
				cpu := cpuTime()
				for b.Loop() {
					var out bytes.Buffer
					if err := verifyCommand(append([]string{"--data", dir}, mode.flags...), &out, io.Discard); err != nil {
						b.Fatalf("%v: %s", err, out.String())
					}
				}
				// The machine is shared: CPU time, all threads of the process
				// counted, says what verification costs whatever else runs.
				b.ReportMetric(float64(total)*float64(b.N)/(cpuTime()-cpu).Seconds()/1e6, "MB/cpu-s")
			})
		}
	}
}

// TestVerifyDeepOTLP: batches of OTLP export requests, protobuf and
// JSON, of every signal and every table they fill, sealed or not, are
// parsed again from their original bytes to the rows stored.
func TestVerifyDeepOTLP(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	span := &tracepb.Span{TraceId: []byte("0123456789abcdef"), SpanId: []byte("01234567"), Name: "GET /", Kind: tracepb.Span_SPAN_KIND_SERVER,
		StartTimeUnixNano: 1e18, EndTimeUnixNano: 1e18 + 5e6, Events: []*tracepb.Span_Event{{Name: "exception"}}}
	pb, err := proto.Marshal(&coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{
		span, {TraceId: span.TraceId, SpanId: []byte("abcdefgh"), ParentSpanId: span.SpanId, Name: "SELECT", Kind: tracepb.Span_SPAN_KIND_CLIENT, StartTimeUnixNano: 1e18, EndTimeUnixNano: 1e18}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	inputs := []struct {
		format string
		raw    []byte
	}{
		{"otlp-traces", pb},
		{"otlp-logs", []byte(`{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"}}]},"scopeLogs":[{"logRecords":[{"body":{"stringValue":"no time: the time received"}},{"timeUnixNano":"1000000000000000000","severityNumber":9,"traceId":"5b8efff798038103d269b633813fc60c"}]}]}]}`)},
		{"otlp-metrics", []byte(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","sum":{"dataPoints":[{"asDouble":1.5,"attributes":[{"key":"k","value":{"intValue":"3"}}]}]}}]}]}]}`)},
	}
	n := 0
	for i, in := range inputs {
		f, _ := ingest.Lookup(in.format)
		batches, rejects, err := f.Parse(tamperWS, in.raw, tamperDay.Add(time.Duration(i)*time.Second+123456789))
		if err != nil || len(rejects) > 0 {
			t.Fatalf("%s: %v %v", in.format, rejects, err)
		}
		for _, b := range batches {
			if _, err := st.Append(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			n++
		}
		if i == 0 {
			if err := st.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n != 5 {
		t.Fatalf("%d batches, want 5 (requests, dependencies, exceptions, traces, metrics)", n)
	}
	verifyDeepAll(t, st, dir, n)
}

// TestVerifyDeepUnknownContentType: a batch of a content type no path is
// known for, which no registered format reproduces, is counted as not
// re-derivable, not reported as tampered.
func TestVerifyDeepUnknownContentType(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	other := appBatch(t, 0, 2)
	other.ContentType = "application/x-vendor-thing"
	if _, err := st.Append(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ledger.LoadOrCreateKey(filepath.Join(dir, ledgerKeyFile), "vigil-test"); err != nil {
		t.Fatal(err)
	}
	var out, progress bytes.Buffer
	if err := verifyCommand([]string{"--data", dir, "--deep"}, &out, &progress); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if want := "0 batches parsed again from their original bytes; 1 cannot be re-derived"; !strings.Contains(progress.String(), want) {
		t.Fatalf("want %q in:\n%s", want, progress.String())
	}
}

// TestVerifyBesideLiveServer: a segment merged away under a running
// verification (the way a live server's compaction replaces files) makes
// it start again from the new catalog instead of reporting the old file
// missing. The outside checkpoint copy is a named pipe, so the change
// happens at a known point: after the store was opened, before its files
// are checked.
func TestVerifyBesideLiveServer(t *testing.T) {
	d := newTamperDir(t)
	copyData, err := os.ReadFile(d.outside)
	if err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(t.TempDir(), "copy.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		// Opening blocks until verification opens the pipe to read.
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			done <- err
			return
		}
		defer f.Close()
		rel := d.file(t, "segments", "App_CL", "2026-11-20")
		moved := strings.TrimSuffix(rel, ".parquet") + "-merged.parquet"
		for _, suffix := range []string{"", ".terms"} { // the segment and its term index
			if err := os.Rename(filepath.Join(d.dir, rel+suffix), filepath.Join(d.dir, moved+suffix)); err != nil {
				done <- err
				return
			}
		}
		d.catalog(t, func(cat map[string]any) {
			for _, e := range cat["segments"].([]any) {
				if m := e.(map[string]any); m["path"] == rel {
					m["path"] = moved
				}
			}
		})
		// The next attempt reads a plain copy; this one gets the pipe's.
		err = os.WriteFile(fifo+".tmp", copyData, 0o644)
		if err == nil {
			err = os.Rename(fifo+".tmp", fifo)
		}
		if err == nil {
			_, err = f.Write(copyData)
		}
		done <- err
	}()
	var out, progress bytes.Buffer
	err = verifyCommand([]string{"--data", d.dir, "--checkpoint", fifo}, &out, &progress)
	if err != nil || !strings.Contains(out.String(), "intact") || !strings.Contains(progress.String(), "verifying again") {
		t.Fatalf("%v\n%s\n%s", err, out.String(), progress.String())
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestVerifyVersion1DataDirectory: testdata/v1-data was written by Vigil
// before leaves version 2 (two tables, seqs interleaved, on four days;
// App_CL's first two days removed by retention; a batch in the WAL). It
// still verifies, as it is and after the current version has appended
// leaves and run retention on it.
func TestVerifyVersion1DataDirectory(t *testing.T) {
	d := &tamperDir{dir: t.TempDir()}
	if err := os.CopyFS(d.dir, os.DirFS("testdata/v1-data")); err != nil {
		t.Fatal(err)
	}
	if code, out := d.verify(t); code != 0 {
		t.Fatalf("version 1 data directory: %d %s", code, out)
	}

	// Its retention leaf does not name batches, so a kept day's segment
	// deleted with its catalog entry is only caught by the row count.
	rel := d.file(t, "segments", "App_CL", "2026-11-04")
	catalog, err := os.ReadFile(filepath.Join(d.dir, "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	d.uncatalog(t, "segments", rel)
	code, out := d.verify(t)
	if code != 1 || !strings.Contains(out, "row-count-mismatch: workspace "+tamperWS+": table App_CL holds") || strings.Contains(out, "rows-missing") {
		t.Fatalf("a kept day deleted under a version 1 retention leaf: %d %s", code, out)
	}
	if err := os.WriteFile(filepath.Join(d.dir, "catalog.json"), catalog, 0o644); err != nil {
		t.Fatal(err)
	}

	// Upgraded: a batch and a retention of one more day, as version 2
	// leaves after the version 1 ones.
	day0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	now := day0.AddDate(0, 0, 5)
	st, err := store.Open(d.dir, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	b := appBatch(t, 0, 3)
	b.Received = now
	if _, err := st.Append(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if err := st.ApplyRetention(); err != nil {
		t.Fatal(err)
	}
	l, err := st.Ledger(tamperWS)
	if err != nil {
		t.Fatal(err)
	}
	if l.Size() < 12 {
		t.Fatalf("no retention leaf: %d leaves", l.Size())
	}
	old, err := l.Leaf(8)
	if err != nil || old.Kind != ledger.RetentionLeaf || old.Version != 1 {
		t.Fatalf("leaf 8 = %+v, %v", old, err)
	}
	batch, err := l.Leaf(10)
	if err != nil || batch.Kind != ledger.BatchLeaf || batch.Version != 0 {
		t.Fatalf("leaf 10 = %+v, %v", batch, err)
	}
	// App_CL's third day (batch 4) goes; 6 stays, 10 is in memory.
	ret, err := l.Leaf(11)
	if err != nil || ret.Kind != ledger.RetentionLeaf || ret.Version != 0 || !slices.Equal(ret.Batches, []ledger.SeqRange{{First: 4, Last: 4}}) {
		t.Fatalf("leaf 11 = %+v, %v", ret, err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if code, out := d.verify(t); code != 0 {
		t.Fatalf("upgraded version 1 data directory: %d %s", code, out)
	}
}
