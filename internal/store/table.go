package store

import (
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"vigil/internal/schema"
	"vigil/internal/sqlgen"
	"vigil/internal/wal"
)

// table is one table of one workspace: its definition, its hot buffer
// generations and its sealed segments.
type table struct {
	store     *Store
	workspace string
	name      string

	defMu  sync.Mutex // serializes normalization and growth of def
	defPtr atomic.Pointer[schema.Table]
	def    *schema.Table // set before the table is shared; then use definition()

	// appendMu serializes writing into the hot generation and swapping
	// it into sealing, so no row is added to a generation being sealed.
	appendMu sync.Mutex
	// sized is the room the next generation starts with: what the last
	// one sealed for its size held, so a busy table's columns do not grow
	// by copying. Guarded by appendMu.
	sized hotSize
	// sealMu lets one seal of the table run at a time.
	sealMu sync.Mutex

	// mu guards the view queries take: generations, segments, references.
	mu      sync.Mutex
	hot     *gen
	sealing *gen
	segs    []*Segment
	refs    map[string]int // segment path -> relations using it
	doomed  map[string]bool
}

// gen is one generation of a table's hot buffer: its rows in Go (hot.go),
// read by DuckDB through the vigil_hot table functions.
type gen struct {
	id      uint64
	cols    int // record columns the generation has
	rows    int64
	bytes   int64
	minLSN  wal.LSN
	seqs    rangeSet
	created time.Time
	refs    int
	retired bool
	// data is written under the table's appendMu; view is what it held
	// after the last whole batch, which is all readers see.
	data hotData
	view atomic.Pointer[hotView]
}

// rawTable is the SQL table of the generation's original bytes: seq,
// content_type, received, raw. It is valid while the generation is
// referenced.
func (g *gen) rawTable() string { return fmt.Sprintf("vigil_hot_raw(%d)", g.id) }

func (t *table) definition() *schema.Table {
	if d := t.defPtr.Load(); d != nil {
		return d
	}
	return t.def
}

// grow records a custom table's new definition, durably in the catalog,
// before any row using the new columns is written.
func (t *table) grow(def *schema.Table) error {
	s := t.store
	s.catMu.Lock()
	defer s.catMu.Unlock()
	s.cat.setCustom(t.workspace, def)
	if err := s.cat.save(s.dir); err != nil {
		return err
	}
	t.defPtr.Store(def)
	return nil
}

// growTo extends the definition during replay so it has cols.
func (t *table) growTo(cols []schema.Column) {
	def := t.definition()
	have := recordColumns(def)
	if len(cols) <= len(have) {
		return
	}
	grown := &schema.Table{Name: def.Name, Custom: true, Columns: append([]schema.Column(nil), def.Columns...)}
	grown.Columns = append(grown.Columns, cols[len(have):]...)
	t.defPtr.Store(grown)
}

// newGen makes a generation and lists it for the table functions.
func (t *table) newGen() *gen {
	s := t.store
	g := &gen{id: s.genSeq.Add(1), created: time.Now(), data: hotData{room: t.sized}}
	// Without a spill file, the original bytes stay in memory.
	if f, err := os.OpenFile(filepath.Join(s.scratch, fmt.Sprintf("%s%d", spillPrefix, g.id)), os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o600); err == nil {
		g.data.spill = f
	} else {
		s.log.Warn("hot buffer keeps original bytes in memory", "err", err)
	}
	g.view.Store(g.data.view())
	s.gens.Store(g.id, g)
	return g
}

// insert puts a durable batch into the hot generation. Its rows count,
// for queries, only once all of them are in, so a batch is visible whole
// or not at all.
func (t *table) insert(lsn wal.LSN, rec *batchRecord) {
	t.appendMu.Lock()
	defer t.appendMu.Unlock()
	t.mu.Lock()
	g := t.hot
	t.mu.Unlock()
	if g == nil {
		g = t.newGen()
		t.mu.Lock()
		t.hot = g
		t.mu.Unlock()
	}
	size := g.data.add(rec)
	view := g.data.view()
	t.mu.Lock()
	g.view.Store(view)
	g.cols = len(view.cols)
	g.rows = int64(view.rows)
	g.bytes += size
	g.seqs = g.seqs.add(rec.seq)
	if g.minLSN == 0 || lsn < g.minLSN {
		g.minLSN = lsn
	}
	o := t.store.opts
	full := g.rows >= int64(o.SealRows) || g.bytes >= o.SealBytes
	t.mu.Unlock()
	if hot := t.store.hotBytes.Add(size); full || hot > o.HotMaxBytes/2 {
		// Seal now rather than at the next tick: a busy table fills a
		// second's worth of rows past the seal size meanwhile, memory
		// the generation and the next (which starts as large) would hold;
		// and hot buffers over half their limit together are sealed
		// before appends find them full (see sealAll).
		t.store.kickSeal()
	}
}

// hotSize is the memory of the hot generation, 0 when there is none.
func (t *table) hotSize() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hot == nil || t.hot.rows == 0 {
		return 0
	}
	return t.hot.bytes
}

// due reports whether the hot generation should be sealed.
func (t *table) due() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.hot
	o := t.store.opts
	return g != nil && g.rows > 0 && (g.rows >= int64(o.SealRows) || g.bytes >= o.SealBytes || time.Since(g.created) >= o.SealAge)
}

// seal writes the hot generation's rows into one segment per UTC day and
// its original bytes into a raw file, then, in one catalog write, lists
// them and marks their batches sealed. Queries see the generation until
// the catalog lists the segments, and the segments after: never both,
// never neither.
func (t *table) seal() error {
	t.sealMu.Lock()
	defer t.sealMu.Unlock()
	s := t.store
	t.appendMu.Lock()
	t.mu.Lock()
	g := t.sealing
	if g == nil && t.hot != nil && t.hot.rows > 0 {
		g, t.sealing, t.hot = t.hot, t.hot, nil
		o := s.opts
		if g.rows >= int64(o.SealRows) || g.bytes >= o.SealBytes {
			t.sized = g.data.size()
		} else {
			t.sized = hotSize{}
		}
	}
	t.mu.Unlock()
	t.appendMu.Unlock()
	if g == nil {
		return nil
	}
	def := t.definition()
	cols := recordColumns(def)[:g.cols]
	dir := filepath.Join("segments", t.workspace, t.name)
	if err := os.MkdirAll(filepath.Join(s.dir, dir), 0o755); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	view := g.view.Load()
	days := view.days()
	// The original bytes are written on another connection while the
	// segments are: each COPY is read by one thread, and the seal keeps
	// up with a busy table only if it uses more than one core.
	type rawResult struct {
		file *RawFile
		err  error
	}
	rawDone := make(chan rawResult, 1)
	go func() {
		f, err := t.writeRaw(g)
		rawDone <- rawResult{f, err}
	}()
	// cleanup removes what the seal wrote, once it cannot be cataloged.
	var made []*Segment
	var raw *RawFile
	cleanup := func() {
		for _, m := range made {
			s.removeSegment(m.Path)
		}
		if raw != nil {
			os.Remove(filepath.Join(s.dir, raw.Path))
		}
	}
	for _, day := range days {
		start, _ := time.Parse(time.DateOnly, day)
		end := start.AddDate(0, 0, 1)
		hot := view.day(start, end)
		seg, err := t.writeSegment("", cols, dir, day, &hot)
		if err != nil {
			raw = (<-rawDone).file
			cleanup()
			return err
		}
		made = append(made, seg)
	}
	r := <-rawDone
	if r.err != nil {
		cleanup()
		return r.err
	}
	raw = r.file

	// The catalog write below moves the WAL's replay point past these
	// batches, so their leaves (appended when they were acknowledged) must
	// be on disk first: the WAL is where lost leaves are rebuilt from.
	if err := s.syncLedgers(); err != nil {
		cleanup()
		return err
	}
	s.catMu.Lock()
	t.mu.Lock()
	s.cat.Segments = append(s.cat.Segments, made...)
	s.cat.Raws = append(s.cat.Raws, raw)
	m := s.cat.ws(t.workspace)
	m.Sealed = m.Sealed.union(g.seqs)
	if n := m.Sealed.max() + 1; n > m.NextSeq {
		m.NextSeq = n
	}
	g.retired = true
	replayFrom := s.replayFrom(t, g)
	prevFrom := s.cat.ReplayFrom
	s.cat.ReplayFrom = uint64(replayFrom)
	if err := s.cat.save(s.dir); err != nil {
		// Undo in memory: the old catalog is still the one on disk.
		s.cat.Segments = s.cat.Segments[:len(s.cat.Segments)-len(made)]
		s.cat.Raws = s.cat.Raws[:len(s.cat.Raws)-1]
		s.cat.ReplayFrom = prevFrom
		g.retired = false
		t.mu.Unlock()
		s.catMu.Unlock()
		cleanup()
		return err
	}
	t.segs = append(t.segs, made...)
	t.sealing = nil
	drop := g.refs == 0
	t.mu.Unlock()
	s.catMu.Unlock()
	s.hotBytes.Add(-g.bytes)
	if drop {
		s.dropGen(g)
	}
	if err := s.wal.TruncateBefore(replayFrom); err != nil {
		s.log.Error("truncating WAL", "err", err)
	}
	return nil
}

// replayFrom is the WAL position before the oldest record not yet sealed,
// other than those of g, which sealing is retiring from sealer. Called with
// catMu and sealer.mu held.
func (s *Store) replayFrom(sealer *table, g *gen) wal.LSN {
	s.seqMu.Lock()
	min := s.wal.End()
	for lsn := range s.inflight {
		if lsn-1 < min {
			min = lsn - 1
		}
	}
	s.seqMu.Unlock()
	s.mu.Lock()
	ts := make([]*table, 0, len(s.tables))
	for _, t := range s.tables {
		ts = append(ts, t)
	}
	s.mu.Unlock()
	for _, t := range ts {
		if t != sealer {
			t.mu.Lock()
		}
		for _, h := range []*gen{t.hot, t.sealing} {
			if h != nil && h != g && h.minLSN > 0 && h.minLSN-1 < min {
				min = h.minLSN - 1
			}
		}
		if t != sealer {
			t.mu.Unlock()
		}
	}
	return min
}

// dropGen forgets a generation no relation uses any more, so its memory
// and its spill file can go.
func (s *Store) dropGen(g *gen) {
	s.gens.Delete(g.id)
	g.closeSpill()
}

// spillPrefix names the generations' spill files in the scratch
// directory.
const spillPrefix = "hot-raw-"

func (g *gen) closeSpill() {
	if f := g.data.spill; f != nil {
		f.Close()
		os.Remove(f.Name())
	}
}

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// writeSegment writes the rows of one day to a Parquet file, fsyncs it,
// and returns its catalog entry: with hot, the day's rows of a generation
// being sealed, in their order; otherwise those of from (a relation with
// the table's stored columns), sorted by TimeGenerated, _BatchSeq and
// _BatchRow. The order is total, so hot knows which rows each row group
// holds without reading the file back. The file is written under a
// temporary name and renamed, so a crash leaves no partial segment under
// a segment's name; an unlisted leftover is removed at the next Open.
func (t *table) writeSegment(from string, cols []schema.Column, dir, day string, hot *hotDay) (*Segment, error) {
	s := t.store
	rel := filepath.Join(dir, day+"-"+newID()+".parquet")
	path := filepath.Join(s.dir, rel)
	tmp := path + ".tmp"
	var sel strings.Builder
	for _, c := range cols {
		sel.WriteString(sqlgen.QuoteIdent(c.Name) + ", ")
	}
	seqCol, rowCol := sqlgen.QuoteIdent(schema.ColBatchSeq), sqlgen.QuoteIdent(schema.ColBatchRow)
	sel.WriteString(seqCol + ", " + rowCol)
	tg := sqlgen.QuoteIdent(schema.ColTimeGenerated)
	var rows string
	// What the term index takes from memory is taken while the file is
	// written, on another core.
	terms := make(chan *termBuild, 1)
	if hot != nil {
		// Sorted in Go, the rows stream to the file: no sort in DuckDB,
		// and no memory for one.
		id := s.sealSeq.Add(1)
		s.sealDays.Store(id, hot)
		defer s.sealDays.Delete(id)
		rows = fmt.Sprintf("SELECT %s FROM vigil_seal(%d)", sel.String(), id)
		go func() { terms <- startTermIndex(cols, int64(len(hot.order)), hot) }()
	} else {
		rows = fmt.Sprintf("SELECT %s FROM %s WHERE strftime(CAST(%s AS DATE), '%%Y-%%m-%%d') = %s ORDER BY %s, %s, %s",
			sel.String(), from, tg, sqlgen.QuoteString(day), tg, seqCol, rowCol)
	}
	q := fmt.Sprintf(`COPY (%s) TO %s (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE %d)`,
		rows, sqlgen.QuoteString(tmp), termUnitRows)
	db := s.db
	if hot != nil {
		db = s.sealDB
	}
	res, err := db.Exec(q)
	if err != nil {
		if hot != nil {
			<-terms
		}
		os.Remove(tmp)
		return nil, fmt.Errorf("store: writing segment: %w", err)
	}
	var seg Segment
	var seqs []int64
	var build *termBuild
	if hot != nil {
		build = <-terms
		seg.Rows, seg.MinTime, seg.MaxTime, seqs = hot.stats()
		if n, err := res.RowsAffected(); err != nil || n != seg.Rows {
			os.Remove(tmp)
			return nil, fmt.Errorf("store: writing segment: %d rows written of %d (%v)", n, seg.Rows, err)
		}
	} else {
		err := s.db.QueryRow(fmt.Sprintf(`SELECT count(*), min(%s), max(%s), list(DISTINCT %s) FROM read_parquet(%s)`,
			tg, tg, seqCol, sqlgen.QuoteString(tmp))).Scan(&seg.Rows, &seg.MinTime, &seg.MaxTime, duckdbList(&seqs))
		if err != nil {
			os.Remove(tmp)
			return nil, fmt.Errorf("store: reading back segment: %w", err)
		}
		build = startTermIndex(cols, seg.Rows, nil)
	}
	index, err := build.finish(s, tmp)
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	indexTmp := path + termSuffix + ".tmp"
	if err := writeFileSync(indexTmp, index); err != nil {
		os.Remove(tmp)
		os.Remove(indexTmp)
		return nil, fmt.Errorf("store: writing term index: %w", err)
	}
	sum, size, err := fileSum(tmp, true)
	if err == nil {
		seg.TermsSHA256, seg.TermsBytes, err = fileSum(indexTmp, false)
	}
	if err == nil {
		err = os.Rename(indexTmp, path+termSuffix)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		os.Remove(indexTmp)
		os.Remove(path + termSuffix)
		return nil, err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	seg.Path, seg.Workspace, seg.Table, seg.Day = rel, t.workspace, t.name, day
	seg.MinTime, seg.MaxTime = seg.MinTime.UTC(), seg.MaxTime.UTC()
	seg.SHA256, seg.Bytes, seg.Columns = sum, size, len(cols)
	for _, q := range seqs {
		seg.Seqs = seg.Seqs.add(uint64(q))
	}
	s.verified.Store(rel, true)
	return &seg, nil
}

// rawGroupBytes is about how many original bytes a row group of an
// original-bytes file holds (whole batches, one at least): a few
// megabytes, so writing the file streams instead of holding a
// generation's bytes in DuckDB's memory (its Parquet writer holds about
// four times a row group while writing it), and reading one batch's bytes
// reads little else. vigil_hot_raw gives each row group a chunk of its own
// and the file is written with ROW_GROUP_SIZE 1, so a chunk is a row group
// (DuckDB ends a row group after the chunk that reaches ROW_GROUP_SIZE
// rows): a count of batches would make row groups of 36 MB from batches
// of 5,000 JSON records.
const rawGroupBytes = 4 << 20

// writeRaw writes a generation's original bytes to a Parquet file.
func (t *table) writeRaw(g *gen) (*RawFile, error) {
	s := t.store
	rel := filepath.Join("raw", t.workspace, t.name, newID()+".parquet")
	path := filepath.Join(s.dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	tmp := path + ".tmp"
	// zstd level 1: DuckDB's Parquet writer makes these files smallest at
	// level 1 and at a fraction of the CPU (200 batches of 1,000 JSON
	// syslog records: 31.1 bytes a record at level 1 in 0.34 s, 34.1 at
	// level 3 in 0.64 s, 33.4 at level 6 in 3.0 s; text syslog alike), and
	// at level 6 this file was a third of the CPU of steady ingestion.
	if _, err := s.sealDB.Exec(fmt.Sprintf(`COPY (SELECT * FROM %s) TO %s (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 1)`, g.rawTable(), sqlgen.QuoteString(tmp))); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("store: writing original bytes: %w", err)
	}
	sum, size, err := fileSum(tmp, true)
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	return &RawFile{Path: rel, Workspace: t.workspace, Table: t.name, SHA256: sum, Bytes: size, Seqs: g.seqs}, nil
}

// fileSum returns a file's SHA-256 and size, fsyncing it first if asked.
func fileSum(path string, sync bool) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	if sync {
		if err := f.Sync(); err != nil {
			return "", 0, fmt.Errorf("store: fsync %s: %w", path, err)
		}
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// duckdbList scans a DuckDB LIST of BIGINT into dst.
func duckdbList(dst *[]int64) sql.Scanner { return listScanner{dst} }

type listScanner struct{ dst *[]int64 }

func (l listScanner) Scan(src any) error {
	items, ok := src.([]any)
	if !ok && src != nil {
		return fmt.Errorf("store: expected a list, got %T", src)
	}
	for _, it := range items {
		if v, ok := it.(int64); ok {
			*l.dst = append(*l.dst, v)
		}
	}
	return nil
}

func (t *table) stats() TableStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := TableStats{Workspace: t.workspace, Table: t.name}
	for _, g := range []*gen{t.hot, t.sealing} {
		if g != nil {
			st.HotRows += g.rows
		}
	}
	for _, s := range t.segs {
		st.SegmentRows += s.Rows
		st.SegmentBytes += s.Bytes
	}
	return st
}
