package store

import (
	"bufio"
	"context"
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

	"vigil/internal/ledger"
	"vigil/internal/schema"
	"vigil/internal/source"
)

func TestSchemaEvolutionAndTypeConflicts(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	if _, err := s.Append(context.Background(), customBatch("Evo_CL", 0, 5, t0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	// A new column, and N sent as text that is not a number.
	b := &Batch{Workspace: ws, Table: "Evo_CL", Columns: []schema.Column{
		{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "Extra", Type: schema.Bool}, {Name: "N", Type: schema.String}}}
	b.Rows = [][]any{{t0.Add(time.Hour), true, "12"}, {t0.Add(time.Hour), false, "many"}}
	if _, err := s.Append(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	def, _ := s.Tables(ws).Table("Evo_CL")
	if _, i := def.Column("Extra"); i < 0 {
		t.Fatal("column Extra not added")
	}
	if c, i := def.Column("N_string"); i < 0 || c.Type != schema.String {
		t.Fatalf("conflicting value's column N_string missing: %+v", def.Columns)
	}
	got := query(t, s, "Evo_CL", source.Scan{}, `SELECT count(*), count(Extra), sum(N), string_agg(N_string, ',') FROM {T}`)[0]
	if fmt.Sprint(got) != "[7 2 22 many]" {
		t.Fatalf("old segment rows read new columns as null, the convertible value lands in N: got %v", got)
	}
	s.Close()
	s = open(t, dir, Options{})
	defer s.Close()
	if got2 := query(t, s, "Evo_CL", source.Scan{}, `SELECT count(*), count(Extra), sum(N), string_agg(N_string, ',') FROM {T}`)[0]; fmt.Sprint(got2) != fmt.Sprint(got) {
		t.Fatalf("after restart %v", got2)
	}
}

func TestBadBatchesAreRefusedWhole(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	t0 := time.Now().UTC()
	cases := map[string]*Batch{
		`unknown table "Nope"`:             {Workspace: ws, Table: "Nope"},
		"invalid column name":              {Workspace: ws, Table: "X_CL", Columns: []schema.Column{{Name: "bad name", Type: schema.String}}, Rows: [][]any{{"v"}}},
		"column TenantId is set by Vigil":  {Workspace: ws, Table: "X_CL", Columns: []schema.Column{{Name: "TenantId", Type: schema.String}}, Rows: [][]any{{"v"}}},
		"row 1 has 1 values for 2 columns": {Workspace: ws, Table: "X_CL", Columns: []schema.Column{{Name: "A", Type: schema.String}, {Name: "B", Type: schema.String}}, Rows: [][]any{{"a", "b"}, {"a"}}},
		"row 0, column TimeGenerated":      {Workspace: ws, Table: "X_CL", Columns: []schema.Column{{Name: "TimeGenerated", Type: schema.DateTime}}, Rows: [][]any{{"not a time"}}},
		`invalid workspace id "../etc"`:    {Workspace: "../etc", Table: "X_CL"},
	}
	for want, b := range cases {
		_, err := s.Append(context.Background(), b)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error = %v, want one containing %q", err, want)
		}
	}
	if _, err := s.Append(context.Background(), customBatch("X_CL", 0, 1, t0)); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "X_CL"); n != 1 {
		t.Fatalf("rows = %d, want only the good batch's 1", n)
	}
}

func TestRetention(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	s := open(t, dir, Options{Now: func() time.Time { return now }})
	defer s.Close()
	// Five days of rows, one per hour, sealed into five day segments.
	b := &Batch{Workspace: ws, Table: "Ret_CL", Columns: []schema.Column{{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "H", Type: schema.Long}}, Raw: []byte("old")}
	for h := 0; h < 5*24; h++ {
		b.Rows = append(b.Rows, []any{time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC).Add(time.Duration(h) * time.Hour), int64(h)})
	}
	if _, err := s.Append(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	s.Flush()
	if err := s.SetRetention(ws, "Ret_CL", 3); err != nil {
		t.Fatal(err)
	}
	// At once: only rows at or after now-3d = 2024-03-07 12:00 are visible.
	if n := count(t, s, "Ret_CL"); n != 60 {
		t.Fatalf("visible after setting 3 days: %d, want 60", n)
	}
	if err := s.ApplyRetention(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "segments", ws, "Ret_CL", "*.parquet"))
	if len(files) != 3 { // 03-07 (half expired), 03-08, 03-09
		t.Fatalf("segments left: %v", files)
	}
	if n := count(t, s, "Ret_CL"); n != 60 {
		t.Fatalf("visible after deletion: %d", n)
	}
	l, _ := s.Ledger(ws)
	if l.Size() != 2 {
		t.Fatalf("ledger size %d, want the batch and the retention leaf", l.Size())
	}
	leaf, err := l.Leaf(1)
	if err != nil || leaf.Kind != 2 || leaf.Rows != 48 || leaf.Table != "Ret_CL" || !strings.Contains(leaf.Policy, "3d") ||
		len(leaf.Batches) != 1 || leaf.Batches[0] != (ledger.SeqRange{First: 0, Last: 0}) {
		t.Fatalf("retention leaf = %+v, %v", leaf, err)
	}
	for _, bad := range []struct {
		table string
		days  int
	}{{"", -1}, {"T", 3651}, {"T", -2}} {
		if err := s.SetRetention(ws, bad.table, bad.days); err == nil {
			t.Errorf("SetRetention(%q, %d) accepted", bad.table, bad.days)
		}
	}
}

func TestDamagedFilesAreReportedByName(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	s.Append(context.Background(), customBatch("D_CL", 0, 10, t0))
	s.Flush()
	s.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "segments", ws, "D_CL", "*.parquet"))
	data, _ := os.ReadFile(files[0])
	data[len(data)/2] ^= 1
	os.WriteFile(files[0], data, 0o644)
	s = open(t, dir, Options{})
	_, err := s.Tables(ws).Relation(context.Background(), "D_CL", source.Scan{})
	if err == nil || !strings.Contains(err.Error(), "corrupt") || !strings.Contains(err.Error(), filepath.Base(files[0])) {
		t.Fatalf("flipped byte: error %v, want one naming the segment as corrupt", err)
	}
	s.Close()
	os.Remove(files[0])
	s = open(t, dir, Options{})
	_, err = s.Tables(ws).Relation(context.Background(), "D_CL", source.Scan{})
	if err == nil || !strings.Contains(err.Error(), "missing") || !strings.Contains(err.Error(), filepath.Base(files[0])) {
		t.Fatalf("missing segment: error %v", err)
	}
	s.Close()

	// A half-written catalog temp file is ignored; a damaged catalog is refused.
	os.WriteFile(filepath.Join(dir, catalogFile+".tmp"), []byte(`{"version":1,"segm`), 0o644)
	s = open(t, dir, Options{})
	s.Close()
	cat, _ := os.ReadFile(filepath.Join(dir, catalogFile))
	os.WriteFile(filepath.Join(dir, catalogFile), cat[:len(cat)/2], 0o644)
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged catalog: %v", err)
	}
}

func TestTornWALTailAndReadOnly(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		s.Append(context.Background(), customBatch("W_CL", i*10, 10, t0))
	}
	s.Close()
	walFiles, _ := filepath.Glob(filepath.Join(dir, "wal", "*.wal"))
	f, _ := os.OpenFile(walFiles[len(walFiles)-1], os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte{0, 0, 1, 0, 9, 9, 9, 9, 1, 2, 3}) // a torn record
	f.Close()

	before := snapshotDir(t, dir)
	ro := open(t, dir, Options{ReadOnly: true})
	if n := count(t, ro, "W_CL"); n != 30 {
		t.Fatalf("read-only sees %d rows, want 30", n)
	}
	if _, err := ro.Append(context.Background(), customBatch("W_CL", 0, 1, t0)); err == nil {
		t.Fatal("read-only store accepted an append")
	}
	ro.Close()
	if after := snapshotDir(t, dir); after != before {
		t.Fatalf("read-only open changed the directory:\n%s\n%s", before, after)
	}

	s = open(t, dir, Options{})
	defer s.Close()
	if n := count(t, s, "W_CL"); n != 30 {
		t.Fatalf("after cutting the torn tail: %d rows, want 30", n)
	}
	if ack, err := s.Append(context.Background(), customBatch("W_CL", 30, 1, t0)); err != nil || ack.Seq != 3 {
		t.Fatalf("append after recovery: %v, %v", ack, err)
	}
}

func snapshotDir(t *testing.T, dir string) string {
	var b strings.Builder
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			fmt.Fprintf(&b, "%s %d %d\n", p, info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	return b.String()
}

// TestBusyWhenHotBufferFull holds the table's sealer, as a slow disk
// would, so the hot buffer fills: appends are refused with ErrBusy, not
// taken into memory without bound, and are taken again once sealing
// catches up.
func TestBusyWhenHotBufferFull(t *testing.T) {
	s := open(t, t.TempDir(), Options{HotMaxBytes: 1000, SealAge: time.Hour})
	defer s.Close()
	t0 := time.Now().UTC()
	if _, err := s.Append(context.Background(), customBatch("B_CL", 0, 10, t0)); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	tb := s.tables[tableKey{ws, "B_CL"}]
	s.mu.Unlock()
	tb.sealMu.Lock()
	var err error
	for i := 1; i < 10 && err == nil; i++ {
		_, err = s.Append(context.Background(), customBatch("B_CL", i*10, 10, t0))
	}
	tb.sealMu.Unlock()
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("err = %v, want ErrBusy", err)
	}
	if err := appendWaiting(s, customBatch("B_CL", 100, 10, t0)); err != nil {
		t.Fatalf("after sealing caught up: %v", err)
	}
}

// TestHotBudgetSharedByTables fills the hot budget from four tables, none
// of which reaches its seal size or age: the largest are sealed to make
// room, so appends keep being taken (before, they were refused until a
// seal age of an hour) and a sealing pass leaves at most half the budget.
func TestHotBudgetSharedByTables(t *testing.T) {
	s := open(t, t.TempDir(), Options{HotMaxBytes: 256 << 10, SealRows: 1 << 30, SealBytes: 1 << 40, SealAge: time.Hour})
	defer s.Close()
	t0 := time.Now().UTC()
	for i := 0; i < 100; i++ {
		if err := appendWaiting(s, customBatch(fmt.Sprintf("T%d_CL", i%4), i*100, 100, t0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.sealAll(false); err != nil {
		t.Fatal(err)
	}
	if hot := s.Stats().HotBytes; hot > (256<<10)/2 {
		t.Errorf("hot buffers hold %d bytes after sealing, over half their budget", hot)
	}
	n := 0
	for i := 0; i < 4; i++ {
		n += len(query(t, s, fmt.Sprintf("T%d_CL", i), source.Scan{}, "SELECT * FROM {T}"))
	}
	if n != 100*100 {
		t.Errorf("%d rows readable, want %d", n, 100*100)
	}
}

func TestDiskFull(t *testing.T) {
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v %s", err, out)
	}
	defer exec.Command("umount", mnt).Run()
	dir := filepath.Join(mnt, "data")
	s := open(t, dir, Options{WALSegmentSize: 512 << 10})
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	ballast := filepath.Join(mnt, "ballast")
	// Room for the WAL segment being written and the one prepared next.
	os.WriteFile(ballast, make([]byte, 2560<<10), 0o644)
	acked := 0
	var err error
	for i := 0; i < 500; i++ {
		if _, err = s.Append(context.Background(), customBatch("F_CL", i*50, 50, t0)); err != nil {
			break
		}
		acked++
	}
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("after %d batches: err = %v, want a disk-full error", acked, err)
	}
	os.Remove(ballast)
	if _, err := s.Append(context.Background(), customBatch("F_CL", 100000, 1, t0)); err != nil {
		t.Fatalf("append after space returned: %v", err)
	}
	s.Close()
	s = open(t, dir, Options{})
	defer s.Close()
	if n := count(t, s, "F_CL"); n != int64(acked*50+1) {
		t.Fatalf("rows after restart: %d, want %d", n, acked*50+1)
	}
	l, _ := s.Ledger(ws)
	if l.Size() != uint64(acked+1) {
		t.Fatalf("ledger size %d, want %d: a lost batch's number was not reused", l.Size(), acked+1)
	}
}

// TestCrash runs a child process that appends from several goroutines
// while sealing and compaction run, kills it with SIGKILL at a random
// moment, restarts, and checks that every acknowledged batch is present
// exactly once, and that the ledger holds one leaf per record.
func TestCrash(t *testing.T) {
	if dir := os.Getenv("VIGIL_STORE_CRASH_CHILD"); dir != "" {
		crashChild(dir)
		return
	}
	iterations := 12
	if testing.Short() {
		iterations = 2
	}
	dir := t.TempDir() // one directory across iterations: recovery of recovery
	acked := map[string]bool{}
	for it := 0; it < iterations; it++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$")
		cmd.Env = append(os.Environ(), "VIGIL_STORE_CRASH_CHILD="+dir, fmt.Sprintf("VIGIL_STORE_CRASH_IT=%d", it))
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		limit := 5 + rand.Intn(60)
		n := 0
		for sc.Scan() {
			acked[sc.Text()] = true
			if n++; n >= limit {
				break
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		for sc.Scan() {
			acked[sc.Text()] = true
		}
		cmd.Wait()

		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("iteration %d: reopen: %v", it, err)
		}
		rows := query(t, s, "Crash_CL", source.Scan{}, "SELECT Batch, count(*) FROM {T} GROUP BY Batch")
		seen := map[string]int64{}
		for _, r := range rows {
			seen[r[0].(string)] = r[1].(int64)
		}
		for id := range acked {
			if seen[id] != 20 {
				t.Fatalf("iteration %d: acknowledged batch %s has %d rows, want 20", it, id, seen[id])
			}
		}
		for id, n := range seen {
			if n != 20 {
				t.Fatalf("iteration %d: batch %s has %d rows, want all 20 or none", it, id, n)
			}
		}
		l, err := s.Ledger(ws)
		if err != nil {
			t.Fatal(err)
		}
		if l.Size() != s.next[ws] {
			t.Fatalf("iteration %d: ledger has %d leaves, workspace has %d records", it, l.Size(), s.next[ws])
		}
		s.Close()
		// The ledger and everything it records verify after the crash.
		if rep := verifyStore(t, dir); !rep.OK() || rep.Leaves != l.Size() {
			t.Fatalf("iteration %d: verify after restart: %d leaves, problems:\n%s", it, rep.Leaves, problems(rep))
		}
	}
}

func crashChild(dir string) {
	it, _ := strconv.Atoi(os.Getenv("VIGIL_STORE_CRASH_IT"))
	s, err := Open(dir, Options{SealRows: 100 + rand.Intn(300), WALSegmentSize: 64 << 10, CompactMinSegments: 2, CompactInterval: time.Hour})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for g := 0; g < 4; g++ {
		go func(g int) {
			for i := 0; ; i++ {
				id := fmt.Sprintf("%d-%d-%d", it, g, i)
				b := &Batch{Workspace: ws, Table: "Crash_CL", Raw: []byte(id),
					Columns: []schema.Column{{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "Batch", Type: schema.String}, {Name: "K", Type: schema.Long}}}
				for k := 0; k < 20; k++ {
					b.Rows = append(b.Rows, []any{t0.Add(time.Duration(i*20+k) * time.Minute), id, int64(k)})
				}
				if _, err := s.Append(context.Background(), b); err != nil {
					if errors.Is(err, ErrBusy) {
						time.Sleep(time.Millisecond)
						continue
					}
					fmt.Fprintln(os.Stderr, "child append:", err)
					os.Exit(2)
				}
				mu.Lock()
				out.WriteString(id + "\n")
				out.Flush()
				mu.Unlock()
			}
		}(g)
	}
	for {
		time.Sleep(time.Duration(rand.Intn(20)) * time.Millisecond)
		if err := s.Flush(); err != nil {
			fmt.Fprintln(os.Stderr, "child flush:", err)
			os.Exit(3)
		}
		if rand.Intn(3) == 0 {
			if err := s.compactAll(); err != nil {
				fmt.Fprintln(os.Stderr, "child compaction:", err)
				os.Exit(4)
			}
		}
	}
}

// TestBackupWhileAppending backs up a directory while batches are being
// appended, restores it elsewhere, and checks the restored store: every
// batch acknowledged before the backup began is there, whole, and no
// batch is there twice or in part.
func TestBackupWhileAppending(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{SealRows: 150})
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	acked := []string{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("%d-%d", g, i)
				b := &Batch{Workspace: ws, Table: "Bk_CL", Raw: []byte(id), Columns: []schema.Column{{Name: "Batch", Type: schema.String}, {Name: "TimeGenerated", Type: schema.DateTime}}}
				for k := 0; k < 10; k++ {
					b.Rows = append(b.Rows, []any{id, t0.Add(time.Duration(i) * time.Hour)})
				}
				if _, err := s.Append(context.Background(), b); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
				if i%20 == 0 {
					s.Flush()
				}
			}
		}(g)
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	backup := filepath.Join(t.TempDir(), "backup")
	if err := Backup(context.Background(), dir, backup); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	s.Close()

	restored := filepath.Join(t.TempDir(), "restored")
	if err := Restore(backup, restored); err != nil {
		t.Fatal(err)
	}
	if err := Restore(backup, restored); err == nil {
		t.Fatal("restore into a non-empty directory was allowed")
	}
	r := open(t, restored, Options{})
	defer r.Close()
	rows := query(t, r, "Bk_CL", source.Scan{}, "SELECT Batch, count(*) FROM {T} GROUP BY Batch")
	seen := map[string]int64{}
	for _, row := range rows {
		seen[row[0].(string)] = row[1].(int64)
	}
	for _, id := range before {
		if seen[id] != 10 {
			t.Fatalf("batch %s acknowledged before the backup has %d rows in the restore", id, seen[id])
		}
	}
	for id, n := range seen {
		if n != 10 {
			t.Fatalf("batch %s has %d rows in the restore", id, n)
		}
	}
	l, _ := r.Ledger(ws)
	if l.Size() != r.next[ws] {
		t.Fatalf("restored ledger has %d leaves for %d records", l.Size(), r.next[ws])
	}
	t.Logf("%d batches acknowledged before the backup, %d restored", len(before), len(seen))
}

func TestCompaction(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{CompactInterval: time.Hour})
	t0 := time.Date(2024, 3, 1, 1, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		b := customBatch("C_CL", i*10, 10, t0)
		if i >= 3 { // a column added half-way: older segments lack it
			b.Columns = append(b.Columns, schema.Column{Name: "Late", Type: schema.String})
			for j := range b.Rows {
				b.Rows[j] = append(b.Rows[j], "late")
			}
		}
		if _, err := s.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		s.Flush()
	}
	want := query(t, s, "C_CL", source.Scan{}, "SELECT count(*), count(Late), sum(N), count(DISTINCT _ItemId) FROM {T}")[0]
	// A query that started before the compaction keeps reading its files.
	held, err := s.Tables(ws).Relation(context.Background(), "C_CL", source.Scan{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.compactAll(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "segments", ws, "C_CL", "*.parquet"))
	if len(files) != 6 { // five inputs kept for the held relation, one output
		t.Fatalf("files during a held query: %d", len(files))
	}
	var n int64
	if err := s.DB().QueryRow("SELECT count(*) FROM " + held.SQL).Scan(&n); err != nil || n != 50 {
		t.Fatalf("held relation after compaction: %d, %v", n, err)
	}
	held.Release()
	files, _ = filepath.Glob(filepath.Join(dir, "segments", ws, "C_CL", "*.parquet"))
	if len(files) != 1 {
		t.Fatalf("after release: %d files, want 1", len(files))
	}
	if got := query(t, s, "C_CL", source.Scan{}, "SELECT count(*), count(Late), sum(N), count(DISTINCT _ItemId) FROM {T}")[0]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after compaction %v, before %v", got, want)
	}
	s.Close()
	s = open(t, dir, Options{})
	defer s.Close()
	if got := query(t, s, "C_CL", source.Scan{}, "SELECT count(*), count(Late), sum(N), count(DISTINCT _ItemId) FROM {T}")[0]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after restart %v, want %v", got, want)
	}
}
