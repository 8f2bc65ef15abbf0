// Package store is Vigil's embedded system of record: a write-ahead log
// for durability, hot buffers in DuckDB for read-your-writes, and
// immutable zstd Parquet segments per workspace, table and UTC day,
// listed in an atomically replaced catalog. See docs/storage.md.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"vigil/internal/ledger"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
	"vigil/internal/wal"
)

// Options tunes a Store. Zero values mean defaults.
type Options struct {
	// HotMaxBytes bounds the memory of rows not yet sealed; over it Append
	// returns ErrBusy. Default 256 MiB: the figure is an estimate of the
	// rows' size in DuckDB, and sealing needs about as much again, so the
	// default keeps a server ingesting without pause under 1 GiB.
	HotMaxBytes int64
	// A table's hot rows are sealed into segments when they reach
	// SealRows rows or SealBytes bytes, or the oldest is SealAge old.
	// Defaults: 500,000 rows, 64 MiB (about 100,000 syslog-like rows:
	// smaller generations hold less memory when ingestion outruns
	// sealing), 5 minutes.
	SealRows  int
	SealBytes int64
	SealAge   time.Duration
	// RetentionInterval is how often expired segments are deleted.
	// Default 10 minutes.
	RetentionInterval time.Duration
	// CompactInterval is how often small segments of a day are merged,
	// once a day has CompactMinSegments of them. Defaults: 1 minute, 4.
	CompactInterval    time.Duration
	CompactMinSegments int
	// MemoryLimit bounds DuckDB's memory (hot buffers, sealing,
	// compaction, queries); beyond it DuckDB spills to a scratch directory
	// (duckdb-tmp in the data directory). Default 4 × HotMaxBytes, at least
	// 1 GiB: the hot buffers are Go memory, not DuckDB's, and sealing and
	// compaction spill what does not fit, but queries share the limit with
	// them, and at 512 MiB `summarize arg_max(TimeGenerated, *) by` over
	// 5M rows failed for memory while a compaction ran.
	MemoryLimit int64
	// WALSegmentSize is passed to the WAL. Default 64 MiB.
	WALSegmentSize int64
	// ReadOnly opens the directory for forensic reading: the WAL is
	// replayed into memory and nothing in the directory is written.
	ReadOnly bool
	// Threads bounds the threads DuckDB runs a query on; 0 is one per
	// core. Verification runs several queries side by side and sets 1:
	// each then runs on the thread that asked, where with more DuckDB's
	// asking thread polls for the others' work (a sixth of the CPU of
	// reading every stored row).
	Threads int
	// Logger receives background errors. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock for retention; default time.Now.
	Now func() time.Time
}

func (o *Options) setDefaults() {
	if o.HotMaxBytes <= 0 {
		o.HotMaxBytes = 256 << 20
	}
	if o.MemoryLimit <= 0 {
		o.MemoryLimit = max(4*o.HotMaxBytes, 1<<30)
	}
	if o.SealRows <= 0 {
		o.SealRows = 500_000
	}
	if o.SealBytes <= 0 {
		o.SealBytes = 64 << 20
	}
	if o.SealAge <= 0 {
		o.SealAge = 5 * time.Minute
	}
	if o.RetentionInterval <= 0 {
		o.RetentionInterval = 10 * time.Minute
	}
	if o.CompactInterval <= 0 {
		o.CompactInterval = time.Minute
	}
	if o.CompactMinSegments <= 1 {
		o.CompactMinSegments = 4
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Store is an open data directory. It is safe for concurrent use.
type Store struct {
	dir  string
	opts Options
	// scratch is where DuckDB spills; its files live only as long as the
	// process's DuckDB and are removed on Close.
	scratch string
	db      *sql.DB
	wal     *wal.WAL // nil when read-only
	log     *slog.Logger

	// sealDB is the DuckDB seals run their queries in (seal.go); nil
	// when read-only.
	sealDB *sql.DB

	// seqMu orders the WAL: a record's sequence number is assigned and the
	// record written under it, so each workspace's records are in seq order.
	seqMu    sync.Mutex
	next     map[string]uint64   // workspace -> next sequence number
	inflight map[wal.LSN]pending // written to the WAL, not yet in a hot buffer

	mu     sync.Mutex // guards tables and cat
	tables map[tableKey]*table
	cat    *catalog
	catMu  sync.Mutex // serializes catalog writes
	genSeq atomic.Uint64
	gens   sync.Map // generation id -> *gen, for the vigil_hot table functions
	// sealDays holds the days being written by seals, for vigil_seal.
	sealDays sync.Map // int64 -> *hotDay
	sealSeq  atomic.Int64

	ledgerMu  sync.Mutex
	ledgers   map[string]*ledger.Log
	leafQueue map[string][]queuedLeaf

	hotBytes atomic.Int64
	verified sync.Map // segment path -> checksum verified this process

	termIndexes sync.Map // segment path -> *termIndex, checksum verified
	termStats   termCounters

	stop chan struct{}
	// sealNow asks the background loop to seal a generation that reached
	// its size.
	sealNow chan struct{}
	wg      sync.WaitGroup
}

type tableKey struct{ workspace, name string }

type pending struct {
	workspace string
	seq       uint64
}

// Open opens the data directory dir, creating it if needed, and recovers:
// it reads the catalog, removes files a crash left half made, and replays
// the WAL records not yet sealed into the hot buffers.
func Open(dir string, opts Options) (*Store, error) {
	opts.setDefaults()
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	s := &Store{
		dir: dir, opts: opts, log: opts.Logger,
		next: map[string]uint64{}, inflight: map[wal.LSN]pending{},
		tables: map[tableKey]*table{}, stop: make(chan struct{}), sealNow: make(chan struct{}, 1),
		ledgers: map[string]*ledger.Log{}, leafQueue: map[string][]queuedLeaf{},
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	cat, err := loadCatalog(dir)
	if err != nil {
		return nil, err
	}
	s.cat = cat
	for ws, m := range cat.Workspaces {
		s.next[ws] = m.NextSeq
	}
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, fmt.Errorf("store: opening DuckDB: %w", err)
	}
	s.db = sql.OpenDB(connector)
	// Segments are immutable and never reuse a name, so their Parquet
	// footers can be kept parsed: otherwise every scan of a segment (and a
	// term-narrowed relation has one per row range) parses the footer of
	// each row group's column chunks again.
	scratch := filepath.Join(dir, "duckdb-tmp")
	if opts.ReadOnly {
		// Nothing is written in a directory opened for forensics.
		if scratch, err = os.MkdirTemp("", "vigil-duckdb-"); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	s.scratch = scratch
	if !opts.ReadOnly {
		// Spill files of generations a crash left behind are no data:
		// their batches are in the WAL.
		if err := os.MkdirAll(scratch, 0o755); err != nil {
			s.db.Close()
			return nil, fmt.Errorf("store: %w", err)
		}
		old, _ := filepath.Glob(filepath.Join(scratch, spillPrefix+"*"))
		for _, f := range old {
			os.Remove(f)
		}
	}
	// DuckDB keeps to MemoryLimit by spilling to scratch, so sealing and
	// compacting large days cannot grow the process without bound, and
	// gives memory back once a task has used more than 16 MB (not DuckDB's
	// 128 MB), so a seal's buffers do not stay resident between seals.
	config := fmt.Sprintf("SET GLOBAL parquet_metadata_cache = true; SET GLOBAL allocator_flush_threshold = '16MB'; SET GLOBAL memory_limit = '%dB'; SET GLOBAL temp_directory = %s",
		opts.MemoryLimit, sqlgen.QuoteString(scratch))
	if opts.Threads > 0 {
		config += fmt.Sprintf("; SET GLOBAL threads = %d", opts.Threads)
	}
	if _, err := s.db.Exec(config); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("store: configuring DuckDB: %w", err)
	}
	if err := s.registerHot(s.db, false); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("store: registering the hot buffer's table functions: %w", err)
	}
	if !opts.ReadOnly {
		if s.sealDB, err = openSealDB(opts, scratch); err == nil {
			err = s.registerHot(s.sealDB, true)
		}
		if err != nil {
			s.closeDBs()
			return nil, fmt.Errorf("store: opening the seal's DuckDB: %w", err)
		}
	}
	if err := s.registerSink(); err != nil {
		s.closeDBs()
		return nil, fmt.Errorf("store: registering the verification sink: %w", err)
	}
	for _, seg := range cat.Segments {
		t := s.tableFor(seg.Workspace, seg.Table)
		t.segs = append(t.segs, seg)
	}
	if !opts.ReadOnly {
		if err := s.removeOrphans(); err != nil {
			s.closeDBs()
			return nil, err
		}
	}
	if err := s.replay(); err != nil {
		s.closeDBs()
		return nil, err
	}
	if !opts.ReadOnly {
		s.wg.Add(1)
		go s.background()
	}
	return s, nil
}

// DB returns the DuckDB database the relations of Tables are valid in.
func (s *Store) DB() *sql.DB { return s.db }

// tableFor returns the state of a table, creating it. The definition is
// the built-in one, the catalog's for a known custom table, or nil.
func (s *Store) tableFor(workspace, name string) *table {
	key := tableKey{workspace, name}
	if t, ok := s.tables[key]; ok {
		return t
	}
	t := &table{store: s, workspace: workspace, name: name}
	if def, ok := schema.Builtin(name); ok {
		t.def = def
	} else if def := s.cat.customTable(workspace, name); def != nil {
		t.def = def
	}
	s.tables[key] = t
	return t
}

// lookup returns the table if it exists in the workspace: a built-in
// table, or a custom table that has received rows.
func (s *Store) lookup(workspace, name string) *table {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tables[tableKey{workspace, name}]; ok && t.definition() != nil {
		return t
	}
	if _, ok := schema.Builtin(name); ok {
		return s.tableFor(workspace, name)
	}
	return nil
}

// Append makes a batch durable and visible. It returns when the batch is
// in the WAL, fsynced, and in the hot buffer; on error nothing of it was
// accepted.
func (s *Store) Append(ctx context.Context, b *Batch) (Ack, error) {
	if s.wal == nil {
		return Ack{}, errors.New("store: opened read-only")
	}
	if err := ctx.Err(); err != nil {
		return Ack{}, err
	}
	if b.Workspace == "" || !validWorkspace(b.Workspace) {
		return Ack{}, fmt.Errorf("store: invalid workspace id %q", b.Workspace)
	}
	_, builtin := schema.Builtin(b.Table)
	if !builtin && (!schema.IsCustomName(b.Table) || !validName(b.Table)) {
		return Ack{}, fmt.Errorf("store: unknown table %q: not a built-in table, and custom table names end in _CL and use letters, digits and underscores", b.Table)
	}
	if s.hotBytes.Load() > s.opts.HotMaxBytes {
		s.kickSeal()
		return Ack{}, ErrBusy
	}
	received := b.Received
	if received.IsZero() {
		received = s.opts.Now()
	}
	received = received.UTC().Truncate(time.Microsecond)

	s.mu.Lock()
	t := s.tableFor(b.Workspace, b.Table)
	s.mu.Unlock()

	// Normalizing and growing a custom table's columns are serialized per
	// table, so two batches cannot add the same column twice.
	t.defMu.Lock()
	grown, cols, rows, err := normalize(b.Workspace, t.definition(), b, received)
	if err != nil {
		t.defMu.Unlock()
		return Ack{}, fmt.Errorf("store: %s: %w", b.Table, err)
	}
	if grown != t.definition() {
		if err := t.grow(grown); err != nil {
			t.defMu.Unlock()
			return Ack{}, err
		}
	}
	t.defMu.Unlock()

	rec := &batchRecord{workspace: b.Workspace, table: b.Table, contentType: b.ContentType,
		received: received, cols: cols, rows: rows, raw: b.Raw}
	head, raw := rec.encode()
	leaf := batchLeaf(rec)
	lsn, seq, err := s.writeRecord(b.Workspace, leaf, head, raw)
	if err != nil {
		return Ack{}, err
	}
	rec.seq = seq
	if err := s.wal.Sync(lsn); err != nil {
		// The record stays in inflight until the WAL is repaired, which
		// hands its number out again.
		return Ack{}, fmt.Errorf("store: batch not stored: %w", err)
	}
	if err := s.appendLeaves(b.Workspace, seq); err != nil {
		s.forget(lsn)
		return Ack{}, fmt.Errorf("store: batch %d is durable but its ledger leaf could not be written until restart: %w", seq, err)
	}
	t.insert(lsn, rec)
	s.forget(lsn)
	return Ack{Seq: seq}, nil
}

// writeRecord numbers the record for workspace, writes it to the WAL and
// queues its leaf for the ledger. The record is the concatenation of
// parts; the first holds the sequence number.
func (s *Store) writeRecord(workspace string, leaf ledger.Leaf, parts ...[]byte) (wal.LSN, uint64, error) {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	if s.wal.Failed() {
		from, to, err := s.wal.Repair()
		if err != nil {
			return 0, 0, fmt.Errorf("store: batch not stored: %w", err)
		}
		// Records in the lost range were never durable: their numbers are
		// handed out again, so each workspace's sequence has no gap.
		for lsn, p := range s.inflight {
			if lsn > from && lsn <= to {
				if p.seq < s.next[p.workspace] {
					s.next[p.workspace] = p.seq
				}
				delete(s.inflight, lsn)
			}
		}
		s.dropLostLeaves(from, to)
	}
	seq := s.next[workspace]
	setSeq(parts[0], seq)
	lsn, err := s.wal.Write(parts...)
	if err != nil {
		return 0, 0, fmt.Errorf("store: batch not stored: %w", err)
	}
	s.next[workspace] = seq + 1
	s.inflight[lsn] = pending{workspace, seq}
	leaf.Seq = seq
	s.queueLeaf(lsn, leaf)
	return lsn, seq, nil
}

func (s *Store) forget(lsn wal.LSN) {
	s.seqMu.Lock()
	delete(s.inflight, lsn)
	s.seqMu.Unlock()
}

// replay puts the WAL records the catalog does not cover into the hot
// buffers. In read-only mode the WAL is read without being opened for
// writing, so a torn tail is left as it is.
func (s *Store) replay() error {
	sealed := s.cat.sealedSeqs()
	apply := func(lsn wal.LSN, b []byte) error {
		v, err := decodeRecord(b)
		if err != nil {
			return fmt.Errorf("store: WAL record at %d: %w", lsn, err)
		}
		switch rec := v.(type) {
		case *batchRecord:
			if rec.seq >= s.next[rec.workspace] {
				s.next[rec.workspace] = rec.seq + 1
			}
			if !s.opts.ReadOnly {
				if err := s.replayLeaf(batchLeaf(rec)); err != nil {
					return err
				}
			}
			if sealed[rec.workspace].has(rec.seq) {
				return nil
			}
			t := s.tableFor(rec.workspace, rec.table)
			if t.definition() == nil {
				t.def = &schema.Table{Name: rec.table, Custom: true, Columns: schema.StandardColumns()}
			}
			t.growTo(rec.cols)
			t.insert(lsn, rec)
			return nil
		case *retentionRecord:
			if rec.seq >= s.next[rec.workspace] {
				s.next[rec.workspace] = rec.seq + 1
			}
			if !s.opts.ReadOnly {
				return s.replayLeaf(retentionLeaf(rec))
			}
			return nil
		}
		return nil
	}
	walDir := filepath.Join(s.dir, "wal")
	if s.opts.ReadOnly {
		return wal.ReadOnlyReplay(walDir, wal.LSN(s.cat.ReplayFrom), apply)
	}
	w, err := wal.Open(walDir, wal.Options{SegmentSize: s.opts.WALSegmentSize})
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if r := w.Recovery(); r.CutFile != "" {
		s.log.Warn("WAL tail cut at recovery", "file", r.CutFile, "offset", r.CutAt, "bytes", r.CutSize, "reason", r.Reason)
	}
	s.wal = w
	if err := w.Replay(wal.LSN(s.cat.ReplayFrom), apply); err != nil {
		w.Close()
		return err
	}
	return nil
}

// background seals hot buffers, compacts small segments and applies
// retention.
func (s *Store) background() {
	defer s.wg.Done()
	sealTick := time.NewTicker(time.Second)
	defer sealTick.Stop()
	retTick := time.NewTicker(s.opts.RetentionInterval)
	defer retTick.Stop()
	compactTick := time.NewTicker(s.opts.CompactInterval)
	defer compactTick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-sealTick.C:
			s.sealAll(false)
		case <-s.sealNow:
			s.sealAll(false)
		case <-compactTick.C:
			if err := s.compactAll(); err != nil {
				s.log.Error("compaction", "err", err)
			}
		case <-retTick.C:
			if err := s.ApplyRetention(); err != nil {
				s.log.Error("retention", "err", err)
			}
		}
	}
}

// sealAll seals every table whose hot buffer is due (or every non-empty
// one when force is set). Then, while the hot buffers together hold more
// than half of HotMaxBytes, it seals the largest: several tables can fill
// the hot budget between them with none at its seal size, and waiting for
// their age would refuse appends for minutes.
func (s *Store) sealAll(force bool) error {
	s.mu.Lock()
	ts := make([]*table, 0, len(s.tables))
	for _, t := range s.tables {
		ts = append(ts, t)
	}
	s.mu.Unlock()
	sort.Slice(ts, func(i, j int) bool {
		return ts[i].workspace+ts[i].name < ts[j].workspace+ts[j].name
	})
	var first error
	seal := func(t *table) error {
		err := t.seal()
		if err != nil {
			s.log.Error("seal", "workspace", t.workspace, "table", t.name, "err", err)
			if first == nil {
				first = err
			}
		}
		return err
	}
	for _, t := range ts {
		if force || t.due() {
			seal(t)
		}
	}
	for s.hotBytes.Load() > s.opts.HotMaxBytes/2 {
		var largest *table
		var size int64
		for _, t := range ts {
			if n := t.hotSize(); n > size {
				largest, size = t, n
			}
		}
		if largest == nil || seal(largest) != nil {
			break
		}
	}
	return first
}

// kickSeal wakes the background sealer, if it is not already awake.
func (s *Store) kickSeal() {
	select {
	case s.sealNow <- struct{}{}:
	default:
	}
}

// Flush seals every hot buffer into segments now.
func (s *Store) Flush() error {
	if s.wal == nil {
		return errors.New("store: opened read-only")
	}
	return s.sealAll(true)
}

// Close stops background work and closes the WAL and DuckDB. Everything
// acknowledged is in the WAL or in segments, so nothing is lost.
func (s *Store) Close() error {
	close(s.stop)
	s.wg.Wait()
	var err error
	if s.wal != nil {
		err = s.wal.Close()
		if lerr := s.closeLedgers(); err == nil {
			err = lerr
		}
	}
	if cerr := s.closeDBs(); err == nil {
		err = cerr
	}
	s.gens.Range(func(_, g any) bool {
		g.(*gen).closeSpill()
		return true
	})
	os.RemoveAll(s.scratch)
	return err
}

// Stats is what the store reports for metrics.
type Stats struct {
	WALBytes     int64
	HotBytes     int64
	Segments     int
	SegmentBytes int64
	Tables       []TableStats
	TermIndex    TermIndexStats
}

// TableStats is one table's share.
type TableStats struct {
	Workspace, Table string
	HotRows          int64
	SegmentRows      int64
	SegmentBytes     int64
}

// Stats returns sizes for metrics.
func (s *Store) Stats() Stats {
	st := Stats{HotBytes: s.hotBytes.Load(), TermIndex: s.termStats.snapshot()}
	if s.wal != nil {
		st.WALBytes = s.wal.Size()
	}
	s.mu.Lock()
	ts := make([]*table, 0, len(s.tables))
	for _, t := range s.tables {
		ts = append(ts, t)
	}
	s.mu.Unlock()
	for _, t := range ts {
		ts := t.stats()
		if ts.HotRows == 0 && ts.SegmentRows == 0 {
			continue
		}
		st.Tables = append(st.Tables, ts)
	}
	for _, t := range st.Tables {
		st.SegmentBytes += t.SegmentBytes
	}
	s.catMu.Lock()
	st.Segments = len(s.cat.Segments)
	s.catMu.Unlock()
	sort.Slice(st.Tables, func(i, j int) bool {
		a, b := st.Tables[i], st.Tables[j]
		return a.Workspace < b.Workspace || a.Workspace == b.Workspace && a.Table < b.Table
	})
	return st
}

func errorf(format string, args ...any) error { return fmt.Errorf("store: "+format, args...) }

// validWorkspace reports whether id can name a directory safely.
func validWorkspace(id string) bool {
	if len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
