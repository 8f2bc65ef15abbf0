package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"vigil/internal/schema"
	"vigil/internal/source"
	"vigil/internal/sqlgen"
)

// Tables returns the workspace's tables as the query engine reads them.
func (s *Store) Tables(workspace string) source.Tables {
	return wsTables{s, workspace}
}

type wsTables struct {
	s  *Store
	ws string
}

func (w wsTables) Table(name string) (*schema.Table, bool) {
	t := w.s.lookup(w.ws, name)
	if t == nil {
		return nil, false
	}
	return t.definition(), true
}

func (w wsTables) Names() []string {
	names := schema.BuiltinNames()
	w.s.mu.Lock()
	for k, t := range w.s.tables {
		if k.workspace == w.ws && t.definition() != nil && t.definition().Custom {
			names = append(names, k.name)
		}
	}
	w.s.mu.Unlock()
	w.s.catMu.Lock()
	for _, d := range w.s.cat.Custom[w.ws] {
		names = append(names, d.Name)
	}
	w.s.catMu.Unlock()
	sort.Strings(names)
	out := names[:0]
	for i, n := range names {
		if i == 0 || n != names[i-1] {
			out = append(out, n)
		}
	}
	return out
}

// Relation returns the table's rows in [scan.From, scan.To) that
// retention still keeps: the segments that overlap the range, checked
// against their checksums, and the hot generations, as one SQL relation.
// Until Release, the files and hot tables it names stay in place.
func (w wsTables) Relation(ctx context.Context, name string, scan source.Scan) (source.Relation, error) {
	s := w.s
	t := s.lookup(w.ws, name)
	if t == nil {
		return source.Relation{}, fmt.Errorf("unknown table %q", name)
	}
	from, to := scan.From, scan.To
	if cutoff, _ := s.cutoff(w.ws, name); !cutoff.IsZero() && cutoff.After(from) {
		from = cutoff
	}
	def := t.definition()

	t.mu.Lock()
	var gens []*gen
	for _, g := range []*gen{t.sealing, t.hot} {
		if g != nil {
			g.refs++
			gens = append(gens, g)
		}
	}
	var segs []*Segment
	for _, seg := range t.segs {
		if (!from.IsZero() && seg.MaxTime.Before(from)) || (!to.IsZero() && !seg.MinTime.Before(to)) {
			continue
		}
		if t.refs == nil {
			t.refs = map[string]int{}
		}
		t.refs[seg.Path]++
		segs = append(segs, seg)
	}
	t.mu.Unlock()
	var once sync.Once
	release := func() { once.Do(func() { t.release(gens, segs) }) }

	hashes, narrow := scanHashes(scan.Terms)
	var read []*Segment
	var ranges map[*Segment][][2]int64
	for _, seg := range segs {
		if narrow {
			rows, err := s.segmentRows(seg, hashes)
			if err != nil {
				release()
				return source.Relation{}, err
			}
			if rows != nil && len(rows) == 0 {
				continue
			}
			if rows != nil {
				if ranges == nil {
					ranges = map[*Segment][][2]int64{}
				}
				ranges[seg] = rows
			}
		}
		if err := s.verifySegment(seg); err != nil {
			release()
			return source.Relation{}, err
		}
		read = append(read, seg)
	}
	return source.Relation{SQL: t.relationSQL(def, sqlgen.DuckDBType, gens, read, ranges, from, to), Release: release}, nil
}

// release drops the references a relation took, removing hot tables and
// files that were retired while it was in use.
func (t *table) release(gens []*gen, segs []*Segment) {
	t.mu.Lock()
	var drop []*gen
	for _, g := range gens {
		g.refs--
		if g.refs == 0 && g.retired {
			drop = append(drop, g)
		}
	}
	var remove []string
	for _, seg := range segs {
		t.refs[seg.Path]--
		if t.refs[seg.Path] == 0 {
			delete(t.refs, seg.Path)
			if t.doomed[seg.Path] {
				delete(t.doomed, seg.Path)
				remove = append(remove, seg.Path)
			}
		}
	}
	t.mu.Unlock()
	for _, g := range drop {
		t.store.dropGen(g)
	}
	for _, p := range remove {
		t.store.removeSegment(p)
	}
}

// verifySegment checks a segment's checksum once per process, so a
// damaged or missing file is reported by name and never served as data.
func (s *Store) verifySegment(seg *Segment) error {
	if _, ok := s.verified.Load(seg.Path); ok {
		return nil
	}
	sum, _, err := fileSum(filepath.Join(s.dir, seg.Path), false)
	if err != nil {
		return fmt.Errorf("segment %s of table %s is missing or unreadable: %v", seg.Path, seg.Table, err)
	}
	if sum != seg.SHA256 {
		return fmt.Errorf("segment %s of table %s is corrupt: its checksum does not match the catalog", seg.Path, seg.Table)
	}
	s.verified.Store(seg.Path, true)
	return nil
}

func timeLit(t time.Time) string {
	return "TIMESTAMP '" + t.UTC().Format("2006-01-02 15:04:05.999999") + "'"
}

// relationSQL builds the relation: each part (a group of segments with
// the same columns, a row range of a segment the term index narrowed, or
// a hot generation's rows as they are now) selects the table's stored columns in order, NULL for
// columns it predates; the outer select adds the derived _ItemId and
// filters the time range. Segments with ranges are read only in those
// rows (file_row_number filters prune Parquet row groups); the others
// whole. Columns are cast to sqlType's type for theirs: sqlgen.DuckDBType
// for queries, sqlgen.StorageType to read them as stored (dynamic values
// as their text, not parsed again as JSON).
func (t *table) relationSQL(def *schema.Table, sqlType func(schema.Type) string, gens []*gen, segs []*Segment, ranges map[*Segment][][2]int64, from, to time.Time) string {
	rec := recordColumns(def)
	part := func(ncols int, src string) string { return partSQL(rec, ncols, src, sqlType) }
	var parts []string
	byCols := map[int][]string{}
	var widths []int
	for _, seg := range segs {
		if rows, ok := ranges[seg]; ok {
			// One scan a segment with an OR of its ranges: DuckDB prunes
			// row groups by each range of file_row_number, and one scan
			// costs less than a scan a range (about two thirds of the CPU
			// for 100 ranges in 10 segments, the same for 10).
			conds := make([]string, len(rows))
			for i, r := range rows {
				conds[i] = fmt.Sprintf("(file_row_number >= %d AND file_row_number < %d)", r[0], r[1])
			}
			file := sqlgen.QuoteString(filepath.Join(t.store.dir, seg.Path))
			parts = append(parts, part(seg.Columns, fmt.Sprintf("read_parquet(%s, file_row_number=true) WHERE %s", file, strings.Join(conds, " OR "))))
			continue
		}
		if _, ok := byCols[seg.Columns]; !ok {
			widths = append(widths, seg.Columns)
		}
		byCols[seg.Columns] = append(byCols[seg.Columns], sqlgen.QuoteString(filepath.Join(t.store.dir, seg.Path)))
	}
	for _, n := range widths {
		parts = append(parts, part(n, "read_parquet(["+strings.Join(byCols[n], ", ")+"])"))
	}
	for _, g := range gens {
		// The rows the generation holds now: every batch acknowledged
		// before the relation was made, each whole.
		v := g.view.Load()
		parts = append(parts, part(len(v.cols), hotScanSQL(g.id, int64(v.rows), from, to)))
	}
	if len(parts) == 0 {
		parts = append(parts, part(0, "(SELECT CAST(NULL AS BIGINT) AS "+sqlgen.QuoteIdent(schema.ColBatchSeq)+", CAST(NULL AS INTEGER) AS "+sqlgen.QuoteIdent(schema.ColBatchRow)+" WHERE false)"))
	}
	var out strings.Builder
	out.WriteString("(SELECT ")
	for i, c := range def.Columns {
		if i > 0 {
			out.WriteString(", ")
		}
		if c.Name == schema.ColItemID {
			out.WriteString(itemIDExpr + " AS " + sqlgen.QuoteIdent(c.Name))
		} else {
			out.WriteString(sqlgen.QuoteIdent(c.Name))
		}
	}
	out.WriteString(" FROM (" + strings.Join(parts, " UNION ALL ") + ")")
	var conds []string
	tg := sqlgen.QuoteIdent(schema.ColTimeGenerated)
	if !from.IsZero() {
		conds = append(conds, tg+" >= "+timeLit(from))
	}
	if !to.IsZero() {
		conds = append(conds, tg+" < "+timeLit(to))
	}
	if len(conds) > 0 {
		out.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	out.WriteString(")")
	return out.String()
}

// partSQL selects a table's stored columns in order from src, which has
// the first ncols record columns, cast to sqlType's types: later columns
// read as NULL.
func partSQL(rec []schema.Column, ncols int, src string, sqlType func(schema.Type) string) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range rec {
		if i < ncols {
			fmt.Fprintf(&b, "CAST(%s AS %s) AS %s, ", sqlgen.QuoteIdent(c.Name), sqlType(c.Type), sqlgen.QuoteIdent(c.Name))
		} else {
			fmt.Fprintf(&b, "CAST(NULL AS %s) AS %s, ", sqlType(c.Type), sqlgen.QuoteIdent(c.Name))
		}
	}
	fmt.Fprintf(&b, "%s, %s FROM %s", sqlgen.QuoteIdent(schema.ColBatchSeq), sqlgen.QuoteIdent(schema.ColBatchRow), src)
	return b.String()
}

// itemIDExpr derives a row's _ItemId from its origin, so it costs no
// storage and is the same however often the row is read or recovered:
// the MD5 of "workspace:seq:row" in GUID form.
var itemIDExpr = func() string {
	h := fmt.Sprintf("md5(%s || ':' || CAST(%s AS VARCHAR) || ':' || CAST(%s AS VARCHAR))",
		sqlgen.QuoteIdent(schema.ColTenantID), sqlgen.QuoteIdent(schema.ColBatchSeq), sqlgen.QuoteIdent(schema.ColBatchRow))
	return fmt.Sprintf("substr(%[1]s, 1, 8) || '-' || substr(%[1]s, 9, 4) || '-' || substr(%[1]s, 13, 4) || '-' || substr(%[1]s, 17, 4) || '-' || substr(%[1]s, 21, 12)", h)
}()
