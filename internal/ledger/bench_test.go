package ledger

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BenchmarkAppend measures the ledger's cost per accepted batch: one leaf
// appended, the way the store appends after each WAL record. The issue's
// budget is far below the ~4 µs a durable batch costs.
func BenchmarkAppend(b *testing.B) {
	l, err := OpenLog(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	lf := testLeaf("4b0a6c2e-7f43-4d6b-9a53-0d2f1e8c9b11", 0)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		lf.Seq = l.Size()
		if err := l.Append(lf); err != nil {
			b.Fatal(err)
		}
	}
	if err := l.Sync(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "leaves/s")
}

// BenchmarkVerifyRaw measures verification speed in original bytes per
// second: a ledger of 1 MiB batches checked against their bytes in files.
func BenchmarkVerifyRaw(b *testing.B) {
	h := fileHoldings{b.TempDir()}
	const ws, batches, size = "ws", 64, 1 << 20
	l, err := OpenLog(h.LogDir(ws))
	if err != nil {
		b.Fatal(err)
	}
	raw := make([]byte, size)
	for i := range raw {
		raw[i] = byte(i * 7)
	}
	rawDir := filepath.Join(h.root, ws, "raw")
	// Batches without rows: only the original bytes are of interest.
	for _, d := range []string{rawDir, filepath.Join(h.root, ws, "rows")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
	}
	for i := range uint64(batches) {
		raw[0] = byte(i)
		if err := os.WriteFile(filepath.Join(rawDir, strconv.FormatUint(i, 10)), raw, 0o644); err != nil {
			b.Fatal(err)
		}
		lf := testLeaf(ws, i)
		lf.RawHash, lf.Rows = sha256.Sum256(raw), 0
		if err := l.Append(lf); err != nil {
			b.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(batches * size)
	_, vkey := testKey(b)
	for b.Loop() {
		rep, err := Verify(h, VerifyOptions{VerifierKeys: []string{vkey}})
		if err != nil || !rep.OK() || rep.RawBytes != batches*size {
			b.Fatalf("verify: %v, %+v", err, rep)
		}
	}
}

// BenchmarkVerifyLedger measures the ledger phase of verification: every
// stored hash recomputed from its leaf, in leaves per second.
func BenchmarkVerifyLedger(b *testing.B) {
	h := fileHoldings{b.TempDir()}
	n := uint64(100_000)
	if testing.Short() {
		n = 10_000
	}
	l, err := OpenLog(h.LogDir("ws"))
	if err != nil {
		b.Fatal(err)
	}
	appendN(b, l, "ws", n)
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	for _, d := range []string{"raw", "rows"} {
		if err := os.MkdirAll(filepath.Join(h.root, "ws", d), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	_, vkey := testKey(b)
	for b.Loop() {
		rep, err := Verify(h, VerifyOptions{VerifierKeys: []string{vkey}, MaxProblems: 1})
		// Every batch's bytes are missing here; only the ledger is of interest.
		if err != nil || rep.Leaves != n {
			b.Fatalf("verify: %v, %+v", err, rep)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "leaves/s")
}

// BenchmarkHashRows measures the row hash the store computes per batch and
// verification recomputes, in rows per second, in the current leaf
// version and in version 1, which old ledgers hold.
func BenchmarkHashRows(b *testing.B) {
	rows := make([][]any, 1000)
	for i := range rows {
		rows[i] = []any{
			fixtureStart.Add(time.Duration(i) * time.Second), "host-1", int64(4624), 0.25,
			json.RawMessage(`{"LogonType":3,"TargetUserName":"alice"}`), int64(7), int32(i),
		}
	}
	for _, lf := range []Leaf{{}, {Version: 1}} {
		b.Run(fmt.Sprintf("v%d", lf.version()), func(b *testing.B) {
			for b.Loop() {
				lf.HashRows(testCols, rows)
			}
			b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
