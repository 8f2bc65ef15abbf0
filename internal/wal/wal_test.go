package wal

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// mustOpen opens the log in dir, failing the test if it cannot.
func mustOpen(tb testing.TB, dir string, opts Options) *WAL {
	tb.Helper()
	w, err := Open(dir, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

func record(i int) []byte {
	return []byte(fmt.Sprintf("record-%06d-%s", i, strings.Repeat("x", i%97)))
}

func readAll(t *testing.T, w *WAL, from LSN) [][]byte {
	t.Helper()
	var out [][]byte
	if err := w.Replay(from, func(_ LSN, rec []byte) error {
		out = append(out, append([]byte(nil), rec...))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRoundTripAcrossSegments(t *testing.T) {
	dir := t.TempDir()
	w := mustOpen(t, dir, Options{SegmentSize: 4096})
	var lsns []LSN
	for i := 0; i < 500; i++ {
		lsn, err := w.Append(record(i))
		if err != nil {
			t.Fatal(err)
		}
		lsns = append(lsns, lsn)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
	if len(files) < 5 {
		t.Fatalf("expected rotation into several segments, got %d files", len(files))
	}
	w = mustOpen(t, dir, Options{SegmentSize: 4096})
	defer w.Close()
	if got := w.Recovery(); got.Records != 500 || got.CutFile != "" {
		t.Fatalf("recovery = %+v, want 500 records and no cut", got)
	}
	recs := readAll(t, w, 0)
	if len(recs) != 500 {
		t.Fatalf("replayed %d records, want 500", len(recs))
	}
	for i, r := range recs {
		if !bytes.Equal(r, record(i)) {
			t.Fatalf("record %d = %q", i, r)
		}
	}
	if got := readAll(t, w, lsns[399]); len(got) != 100 || !bytes.Equal(got[0], record(400)) {
		t.Fatalf("replay from record 400's predecessor gave %d records", len(got))
	}
	if w.End() != lsns[499] {
		t.Fatalf("End = %d, want %d", w.End(), lsns[499])
	}
	if err := w.TruncateBefore(lsns[399]); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, w, lsns[399]); len(got) != 100 {
		t.Fatalf("after TruncateBefore, replay from 400 gave %d records, want 100", len(got))
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
	if len(left) >= len(files) {
		t.Fatalf("TruncateBefore removed nothing: %d files left of %d", len(left), len(files))
	}
}

func TestTornTailIsCut(t *testing.T) {
	for _, damage := range []string{"truncate", "garbage", "flip"} {
		t.Run(damage, func(t *testing.T) {
			dir := t.TempDir()
			w := mustOpen(t, dir, Options{})
			for i := 0; i < 10; i++ {
				if _, err := w.Append(record(i)); err != nil {
					t.Fatal(err)
				}
			}
			w.Close()
			path := filepath.Join(dir, fmt.Sprintf("%016x.wal", 0))
			data, _ := os.ReadFile(path)
			switch damage {
			case "truncate":
				data = data[:len(data)-5]
			case "garbage":
				data = append(data, 0, 0, 0, 9, 1, 2, 3)
			case "flip":
				data[len(data)-3] ^= 0x40
			}
			os.WriteFile(path, data, 0o644)
			w = mustOpen(t, dir, Options{})
			want := 9
			if damage == "garbage" {
				want = 10
			}
			rec := w.Recovery()
			if rec.Records != want || rec.CutFile != path || rec.Reason == "" {
				t.Fatalf("recovery = %+v, want %d records and a cut of %s", rec, want, path)
			}
			if _, err := w.Append([]byte("after")); err != nil {
				t.Fatal(err)
			}
			w.Close()
			w = mustOpen(t, dir, Options{})
			defer w.Close()
			recs := readAll(t, w, 0)
			if len(recs) != want+1 || string(recs[want]) != "after" {
				t.Fatalf("after cut and append got %d records, last %q", len(recs), recs[len(recs)-1])
			}
		})
	}
}

func TestCorruptionInEarlierSegmentIsAnError(t *testing.T) {
	dir := t.TempDir()
	w := mustOpen(t, dir, Options{SegmentSize: 1024})
	for i := 0; i < 100; i++ {
		if _, err := w.Append(record(i)); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	first := filepath.Join(dir, fmt.Sprintf("%016x.wal", 0))
	data, _ := os.ReadFile(first)
	data[headerSize+frameHeader+2] ^= 1
	os.WriteFile(first, data, 0o644)
	_, err := Open(dir, Options{SegmentSize: 1024})
	if err == nil || !strings.Contains(err.Error(), first) || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("Open error = %v, want a checksum mismatch naming %s", err, first)
	}
}

// TestDiskFull fills a real, small tmpfs: appends fail with a disk-full
// error, what was acknowledged stays intact, and appends work again once
// space is freed.
func TestDiskFull(t *testing.T) {
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v %s", err, out)
	}
	defer exec.Command("umount", mnt).Run()
	dir := filepath.Join(mnt, "wal")
	w := mustOpen(t, dir, Options{SegmentSize: 256 << 10})
	ballast := filepath.Join(mnt, "ballast")
	if err := os.WriteFile(ballast, make([]byte, 400<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := bytes.Repeat([]byte("y"), 10<<10)
	acked := 0
	var full error
	for i := 0; i < 200; i++ {
		if _, err := w.Append(rec); err != nil {
			full = err
			break
		}
		acked++
	}
	if full == nil || !errors.Is(full, ErrDiskFull) {
		t.Fatalf("expected a disk-full error, got %v after %d appends", full, acked)
	}
	if !strings.Contains(full.Error(), "disk full") {
		t.Fatalf("error %q does not say the disk is full", full)
	}
	// After a failed write the log is repaired into the segment prepared
	// next, whose preallocated space may still take a few records: those
	// are acknowledged and durable. Then appends fail again while the
	// disk stays full.
	failed := 0
	for i := 0; i < 100 && failed < 3; i++ {
		if _, err := w.Append(rec); err != nil {
			if !errors.Is(err, ErrDiskFull) {
				t.Fatalf("append on a full disk: %v, want a disk-full error", err)
			}
			failed++
		} else {
			acked++
		}
	}
	if failed < 3 {
		t.Fatalf("appends kept succeeding on a full disk (%d acknowledged)", acked)
	}
	os.Remove(ballast)
	if _, err := w.Append([]byte("after space returned")); err != nil {
		t.Fatalf("append after space returned: %v", err)
	}
	w.Close()
	w = mustOpen(t, dir, Options{SegmentSize: 256 << 10})
	defer w.Close()
	recs := readAll(t, w, 0)
	if len(recs) != acked+1 || string(recs[acked]) != "after space returned" {
		t.Fatalf("after disk full: %d records, want %d acknowledged + 1", len(recs), acked)
	}
	for i := 0; i < acked; i++ {
		if !bytes.Equal(recs[i], rec) {
			t.Fatalf("acknowledged record %d damaged", i)
		}
	}
}

// TestCrash kills a child process that appends from several goroutines at
// a random moment, and checks that every record it acknowledged is there,
// exactly once, in an order consistent with each writer's order.
func TestCrash(t *testing.T) {
	if dir := os.Getenv("VIGIL_WAL_CRASH_CHILD"); dir != "" {
		crashChild(dir)
		return
	}
	iterations := 20
	if testing.Short() {
		iterations = 3
	}
	for it := 0; it < iterations; it++ {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$")
		cmd.Env = append(os.Environ(), "VIGIL_WAL_CRASH_CHILD="+dir)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := map[string]bool{}
		sc := bufio.NewScanner(stdout)
		deadline := 20 + rand.Intn(400)
		for sc.Scan() {
			acked[sc.Text()] = true
			if len(acked) >= deadline {
				break
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		for sc.Scan() {
			acked[sc.Text()] = true
		}
		cmd.Wait()
		w, err := Open(dir, Options{SegmentSize: 64 << 10})
		if err != nil {
			t.Fatalf("iteration %d: reopen: %v", it, err)
		}
		seen := map[string]int{}
		last := map[string]int{}
		w.Replay(0, func(_ LSN, rec []byte) error {
			id := string(rec[:bytes.IndexByte(rec, ' ')])
			seen[id]++
			writer, n, _ := strings.Cut(id, "-")
			k, _ := strconv.Atoi(n)
			if prev, ok := last[writer]; ok && k <= prev {
				t.Errorf("iteration %d: writer %s's record %d after %d", it, writer, k, prev)
			}
			last[writer] = k
			return nil
		})
		w.Close()
		for id := range acked {
			if seen[id] != 1 {
				t.Fatalf("iteration %d: acknowledged record %s present %d times", it, id, seen[id])
			}
		}
	}
}

func crashChild(dir string) {
	w, err := Open(dir, Options{SegmentSize: 64 << 10})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			pad := strings.Repeat("p", 1000)
			for i := 0; ; i++ {
				id := fmt.Sprintf("%d-%d", g, i)
				if _, err := w.Append([]byte(id + " " + pad)); err != nil {
					os.Exit(2)
				}
				mu.Lock()
				out.WriteString(id + "\n")
				out.Flush()
				mu.Unlock()
			}
		}(g)
	}
	wg.Wait()
}

func FuzzOpen(f *testing.F) {
	good := new(bytes.Buffer)
	good.Write(segmentHeader())
	for _, r := range [][]byte{[]byte("hello"), {}, bytes.Repeat([]byte{0xff}, 40)} {
		dir := f.TempDir()
		w := mustOpen(f, dir, Options{SegmentSize: 4096})
		w.Append(r)
		w.Close()
		data, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%016x.wal", 0)))
		f.Add(data)
	}
	f.Add(crashImage(f, 4096, 3, 100))
	v1, _ := os.ReadFile("testdata/v1/00000000000000d2.wal")
	f.Add(v1)
	f.Add(good.Bytes())
	f.Add([]byte("VIGILWAL"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%016x.wal", 0)), data, 0o644)
		w, err := Open(dir, Options{SegmentSize: 4096})
		if err != nil {
			return
		}
		defer w.Close()
		n := 0
		if err := w.Replay(0, func(_ LSN, rec []byte) error { n++; return nil }); err != nil {
			t.Fatalf("replay after a successful open: %v", err)
		}
		if n != w.Recovery().Records {
			t.Fatalf("replayed %d records, recovery counted %d", n, w.Recovery().Records)
		}
		if _, err := w.Append([]byte("next")); err != nil {
			t.Fatalf("append after recovery: %v", err)
		}
	})
}

// BenchmarkAppend measures durable appends of ~300 KB records (a batch of
// 1,000 syslog-like rows) from 1, 8 and 64 concurrent writers.
func BenchmarkAppend(b *testing.B) {
	rec := bytes.Repeat([]byte("<34>1 2024-03-01T12:00:00Z host app 123 ID47 - a syslog-like message of ordinary size "), 4000)[:300<<10]
	for _, writers := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			w := mustOpen(b, b.TempDir(), Options{})
			defer w.Close()
			b.SetBytes(int64(len(rec)))
			b.SetParallelism((writers + 1) / 2)
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := w.Append(rec); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
		})
	}
}

// crashImage returns the segment file of a log of segment size segSize
// holding n records of size bytes, as a crash would leave it: written,
// never closed, the preallocated rest of the segment zeros.
func crashImage(tb testing.TB, segSize int64, n, size int) []byte {
	tb.Helper()
	dir := tb.TempDir()
	w := mustOpen(tb, dir, Options{SegmentSize: segSize})
	for i := 0; i < n; i++ {
		if _, err := w.Append(sized(i, size)); err != nil {
			tb.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%016x.wal", 0)))
	if err != nil {
		tb.Fatal(err)
	}
	w.Close()
	return data
}

// sized is record i padded to size bytes.
func sized(i, size int) []byte {
	rec := bytes.Repeat([]byte{byte('a' + i%26)}, size)
	copy(rec, fmt.Sprintf("record-%06d ", i))
	return rec
}

// TestUnwrittenTail opens logs left by a crash: the preallocated zeros
// after the last record end the log without a cut, and appends go on
// where the records end; a torn record, data after zeros, and a damaged
// record before the last are cut as before.
func TestUnwrittenTail(t *testing.T) {
	const segSize, n, size = 64 << 10, 10, 1000
	frame := frameHeader + size
	end := headerSize + n*frame // file offset past the last record
	for _, tc := range []struct {
		name   string
		damage func(data []byte)
		want   int // records kept
	}{
		{"zeros", nil, n},
		{"torn last record", func(d []byte) { clear(d[end-300 : end]) }, n - 1},
		{"last header zeroed", func(d []byte) { clear(d[end-frame : end-frame+frameHeader]) }, n - 1},
		{"data after zeros", func(d []byte) { copy(d[end+5000:], "stray") }, n},
		{"damaged record 5", func(d []byte) { d[headerSize+5*frame+frameHeader+7] ^= 1 }, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := crashImage(t, segSize, n, size)
			if len(data) != headerSize+segSize {
				t.Fatalf("segment file of %d bytes, want %d preallocated", len(data), headerSize+segSize)
			}
			if tc.damage != nil {
				tc.damage(data)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, fmt.Sprintf("%016x.wal", 0))
			os.WriteFile(path, data, 0o644)
			w := mustOpen(t, dir, Options{SegmentSize: segSize})
			rec := w.Recovery()
			if rec.Records != tc.want || (rec.CutFile != "") != (tc.damage != nil) {
				t.Fatalf("recovery = %+v, want %d records and a cut: %v", rec, tc.want, tc.damage != nil)
			}
			if _, err := w.Append([]byte("after")); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			w = mustOpen(t, dir, Options{SegmentSize: segSize})
			defer w.Close()
			if r := w.Recovery(); r.CutFile != "" {
				t.Fatalf("a cut after a clean close: %+v", r)
			}
			recs := readAll(t, w, 0)
			if len(recs) != tc.want+1 || string(recs[tc.want]) != "after" {
				t.Fatalf("after recovery and append: %d records, want %d and then \"after\"", len(recs), tc.want)
			}
			for i := 0; i < tc.want; i++ {
				if !bytes.Equal(recs[i], sized(i, size)) {
					t.Fatalf("record %d damaged", i)
				}
			}
		})
	}
}

// TestVersion1Segments opens a log written in the version 1 format
// (testdata/v1, by the code before preallocation: two segments, the last
// ending in an empty record, whose frame is all zeros): every record is
// read, and new records go to a version 2 segment after the old ones,
// which are left unchanged.
func TestVersion1Segments(t *testing.T) {
	var want []string
	for i := 0; i < 12; i++ {
		want = append(want, fmt.Sprintf("v1 record %d", i))
	}
	want = append(want, "")
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/v1")); err != nil {
		t.Fatal(err)
	}
	var ro []string
	if err := ReadOnlyReplay(dir, 0, func(_ LSN, rec []byte) error { ro = append(ro, string(rec)); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(ro, "|") != strings.Join(want, "|") {
		t.Fatalf("read-only replay of version 1 segments = %q, want %q", ro, want)
	}
	w := mustOpen(t, dir, Options{SegmentSize: 4096})
	if r := w.Recovery(); r.Records != len(want) || r.CutFile != "" {
		t.Fatalf("recovery = %+v, want %d records and no cut", r, len(want))
	}
	if _, err := w.Append([]byte("v2 record")); err != nil {
		t.Fatal(err)
	}
	w.Close()
	w = mustOpen(t, dir, Options{SegmentSize: 4096})
	defer w.Close()
	var got []string
	for _, r := range readAll(t, w, 0) {
		got = append(got, string(r))
	}
	if strings.Join(got, "|") != strings.Join(append(want, "v2 record"), "|") {
		t.Fatalf("after an append to a version 1 log: %q", got)
	}
	for _, name := range []string{"0000000000000000.wal", "00000000000000d2.wal"} {
		a, _ := os.ReadFile(filepath.Join("testdata/v1", name))
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if !bytes.Equal(a, b) {
			t.Fatalf("version 1 segment %s changed", name)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*.wal")); len(files) != 3 {
		t.Fatalf("%d segment files, want the 2 old ones and a new one", len(files))
	}
}

// TestConcurrentMixedSizes appends records small enough to be gathered
// and large enough to be written directly from many goroutines across
// segment rotations, and checks that every acknowledged record is read
// back once, whole, in each writer's order.
func TestConcurrentMixedSizes(t *testing.T) {
	dir := t.TempDir()
	w := mustOpen(t, dir, Options{SegmentSize: 512 << 10})
	const writers, each = 8, 40
	var wg sync.WaitGroup
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				size := 100 + (g*each+i)%7*20000 // 100 B to 120 kB
				rec := sized(i, size)
				rec[0] = byte('0' + g)
				if _, err := w.Append(rec); err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range mustGlob(t, dir) {
		st, _ := os.Stat(f)
		if st.Size() > int64(headerSize+(512<<10)+(140<<10)) {
			t.Fatalf("%s is %d bytes after Close, more than its records", f, st.Size())
		}
	}
	w = mustOpen(t, dir, Options{SegmentSize: 512 << 10})
	defer w.Close()
	next := make([]int, writers)
	for _, rec := range readAll(t, w, 0) {
		g := int(rec[0] - '0')
		i, _ := strconv.Atoi(string(rec[7:13]))
		want := sized(i, len(rec))
		want[0] = rec[0]
		if i != next[g] || !bytes.Equal(rec, want) {
			t.Fatalf("writer %d: record %d (%d bytes) out of order or damaged, want record %d", g, i, len(rec), next[g])
		}
		next[g]++
	}
	for g, n := range next {
		if n != each {
			t.Fatalf("writer %d: %d records read back, want %d", g, n, each)
		}
	}
	if len(mustGlob(t, dir)) < 3 {
		t.Fatal("expected several segments")
	}
}

func mustGlob(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.wal"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestWriteParts writes records given in parts, small (gathered) and
// large (written from the parts), and reads back each one whole.
func TestWriteParts(t *testing.T) {
	dir := t.TempDir()
	w := mustOpen(t, dir, Options{SegmentSize: 1 << 20})
	big := sized(1, 200<<10)
	records := [][][]byte{{[]byte("head|"), []byte("small tail")}, {big[:100], big[100:]}, {nil, []byte("one part")}, {}}
	for _, parts := range records {
		lsn, err := w.Write(parts...)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Sync(lsn); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	w = mustOpen(t, dir, Options{SegmentSize: 1 << 20})
	defer w.Close()
	got := readAll(t, w, 0)
	if len(got) != len(records) {
		t.Fatalf("%d records read back, want %d", len(got), len(records))
	}
	for i, parts := range records {
		if want := bytes.Join(parts, nil); !bytes.Equal(got[i], want) {
			t.Fatalf("record %d: %d bytes back, want the %d of its parts", i, len(got[i]), len(want))
		}
	}
}

// TestPreparedSegment: rotations take the segment prepared in the
// background, Close removes the one prepared but not used, and one left
// by a crash (here holding records) is removed by Open, never read.
func TestPreparedSegment(t *testing.T) {
	dir := t.TempDir()
	w := mustOpen(t, dir, Options{SegmentSize: 4096})
	for i := 0; i < 300; i++ {
		if _, err := w.Append(record(i)); err != nil {
			t.Fatal(err)
		}
	}
	first, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%016x.wal", 0)))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	spare := filepath.Join(dir, spareName)
	if _, err := os.Stat(spare); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("after Close, the prepared segment is still there: %v", err)
	}
	if len(mustGlob(t, dir)) < 3 {
		t.Fatal("expected several segments")
	}
	os.WriteFile(spare, first, 0o644)
	w = mustOpen(t, dir, Options{SegmentSize: 4096})
	defer w.Close()
	if got := readAll(t, w, 0); len(got) != 300 {
		t.Fatalf("%d records, want 300: a leftover prepared segment was read", len(got))
	}
	if st, err := os.Stat(spare); err == nil && st.Size() == int64(len(first)) {
		t.Fatal("Open kept the leftover prepared segment")
	}
}
