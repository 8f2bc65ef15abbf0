package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"vigil/internal/engine"
	"vigil/internal/schema"
	"vigil/internal/source"
)

func TestBloomHasEveryTermAddedAndFewOthers(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 100, 5000, 70000} {
		hashes := make([]uint64, n)
		for i := range hashes {
			hashes[i] = r.Uint64()
		}
		// Repeats, as common terms give, must not change the answer.
		b := sizedBloom(append(hashes, hashes[:n/2]...))
		for _, h := range hashes {
			if !blockHas(b.block(h), h) {
				t.Fatalf("n=%d: an added hash is missing", n)
			}
		}
		fp := 0
		const probes = 200000
		for i := 0; i < probes; i++ {
			h := r.Uint64()
			if blockHas(b.block(h), h) {
				fp++
			}
		}
		if rate := float64(fp) / probes; rate > 0.02 {
			t.Errorf("n=%d: false-positive rate %.4f, sized for 1%% (%d blocks)", n, rate, len(b)/8)
		}
		if bits := len(b) * 32 / n; n >= 5000 && (bits < termBitsPerTerm-1 || bits > termBitsPerTerm+2) {
			t.Errorf("n=%d: %d bits a term, sized for %d", n, bits, termBitsPerTerm)
		}
	}
}

// idxTable is the custom table the term index tests fill.
const idxTable = "Idx_CL"

var idxColumns = []schema.Column{{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "Msg", Type: schema.String},
	{Name: "Host", Type: schema.String}, {Name: "Props", Type: schema.Dynamic}, {Name: "N", Type: schema.Long}}

// idxWords mixes cases, punctuation inside terms, short terms, characters
// outside ASCII and the three that fold to ASCII letters (the Kelvin
// sign, the long s, the dotted capital I), so every case rule is tried.
var idxWords = []string{"error", "Error", "ERROR", "errors", "warn", "fail", "failed", "sshd", "kernel", "user42", "User42",
	"10.0.0.1", "web-01", "web-02", "db01", "café", "CAFÉ", "caf", "\u212aelvin", "kelvin", "\u017fystem", "system", "\u0130stanbul",
	"istanbul", "a.b", "foo_bar", "foo", "bar", "x", "ab", "GET", "/api/v1/items", "needle", "Needle", "haystack", "😀smile"}

var idxSeps = []string{" ", " ", ".", "-", "/", "\"", ": ", ",", "é"}

// idxBatch makes n rows from row first on, spread over days from t0.
func idxBatch(r *rand.Rand, first, n int, t0 time.Time, days int, escapes bool) *Batch {
	b := &Batch{Workspace: ws, Table: idxTable, ContentType: "application/json", Columns: idxColumns}
	word := func() string { return idxWords[r.IntN(len(idxWords))] }
	for i := first; i < first+n; i++ {
		var msg strings.Builder
		for k := r.IntN(6); k >= 0; k-- {
			msg.WriteString(word())
			if k > 0 {
				msg.WriteString(idxSeps[r.IntN(len(idxSeps))])
			}
		}
		var props any
		switch r.IntN(3) {
		case 0:
			props = map[string]any{"k": word(), "list": []any{word(), int64(r.IntN(100))}}
		case 1:
			// With a newline, the JSON text has an escape: not plain.
			sep := " "
			if escapes {
				sep = "\n"
			}
			props = word() + sep + word()
		}
		host := word()
		if r.IntN(4) == 0 {
			host = ""
		}
		at := t0.Add(time.Duration(r.IntN(days*24*60)) * time.Minute)
		if i%20 == 0 && at.Day() == t0.Day()+1 {
			msg.WriteString(" Rare-Day2") // in the second day's segments only
		}
		b.Rows = append(b.Rows, []any{at, msg.String(), host, props, int64(i)})
	}
	b.Raw = []byte(fmt.Sprintf("rows %d..%d", first, first+n))
	return b
}

// noTerms is the store's tables with the term hint removed: the same
// rows read without the index.
type noTerms struct{ source.Tables }

func (n noTerms) Relation(ctx context.Context, name string, scan source.Scan) (source.Relation, error) {
	scan.Terms = nil
	return n.Tables.Relation(ctx, name, scan)
}

// idxQueries are KQL predicates over Idx_CL with %s for a word: each
// gives the engine terms, or (the last ones) must give none.
var idxQueries = []string{
	`Idx_CL | where Msg has %q`,
	`Idx_CL | where Msg has_cs %q`,
	`Idx_CL | where Msg hasprefix %q`,
	`Idx_CL | where Msg hassuffix %q`,
	`Idx_CL | where Msg contains %q`,
	`Idx_CL | where Msg startswith %q`,
	`Idx_CL | where Msg endswith_cs %q`,
	`Idx_CL | where Host == %q`,
	`Idx_CL | where Host =~ %q`,
	`Idx_CL | where Host in (%q, "db01")`,
	`Idx_CL | where Host in~ (%q, "DB01")`,
	`Idx_CL | where Msg has_any (%q, "kernel")`,
	`Idx_CL | where Msg has_all (%q, "kernel")`,
	`Idx_CL | where Props has %q`,
	`Idx_CL | where Props == %q`,
	`Idx_CL | where N %% 3 == 0 and Msg has %q`,
	`Idx_CL | where Msg has %q or Host has "web"`,
	`Idx_CL | where N > 10 | where Msg has %[1]q | where Host !has %[1]q`,
	`Idx_CL | search %q`,
	`search in (Idx_CL) %q and "kernel"`,
	`Idx_CL | where not(Msg has %q)`,
	`Idx_CL | where Msg has %q or N < 100`,
	`Idx_CL | where Msg !has %q`,
}

// checkNoFalseNegatives runs every query for a few random words with and
// without the index and fails on any difference.
func checkNoFalseNegatives(t *testing.T, s *Store, phase string, now time.Time, r *rand.Rand) {
	t.Helper()
	eng := engine.New(s.DB())
	words := append(append([]string(nil), idxWords...), "web", "never-seen", "10.0.0", "bar\"x", "ISTANBUL", "KELVIN", "SYSTEM")
	n := 2
	if testing.Short() {
		n = 1
	}
	for _, q := range idxQueries {
		for i := range n + 2 {
			w := words[r.IntN(len(words))]
			switch i {
			case n:
				w = "rare-day2"
			case n + 1:
				w = "never-seen"
			}
			text := fmt.Sprintf(q, w) + " | project N"
			run := func(tables source.Tables) []int64 {
				res, err := eng.Query(context.Background(), engine.Request{Query: text, Tables: tables, Now: now})
				if err != nil {
					t.Fatalf("%s: %s: %v", phase, text, err)
				}
				var ns []int64
				for _, row := range res.Rows {
					ns = append(ns, row[0].(int64))
				}
				slices.Sort(ns)
				return ns
			}
			got, want := run(s.Tables(ws)), run(noTerms{s.Tables(ws)})
			if !slices.Equal(got, want) {
				t.Fatalf("%s: %s: %d rows with the index, %d without", phase, text, len(got), len(want))
			}
		}
	}
}

// TestTermIndexNeverLosesARow compares random term queries with and
// without the index across the life of segments: hot rows, sealed
// segments (the terms of dynamic values taken from memory in some, read
// back in others), compacted ones and after retention.
func TestTermIndexNeverLosesARow(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	now := t0.Add(9 * 24 * time.Hour)
	s := open(t, dir, Options{CompactMinSegments: 2, Now: func() time.Time { return now }})
	defer func() { s.Close() }()
	r := rand.New(rand.NewPCG(7, 7))
	next := 0
	add := func(n int) {
		if _, err := s.Append(context.Background(), idxBatch(r, next, n, t0, 4, next%800 < 400)); err != nil {
			t.Fatal(err)
		}
		next += n
	}
	add(300)
	checkNoFalseNegatives(t, s, "hot", now, r)

	for i := 0; i < 3; i++ {
		add(400)
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	add(100) // some rows stay hot
	checkNoFalseNegatives(t, s, "sealed", now, r)
	if st := s.Stats().TermIndex; st.SegmentsSkipped == 0 || st.SegmentsUnindexed != 0 {
		t.Fatalf("after sealing, the index skipped nothing: %+v", st)
	}

	if err := s.compactAll(); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Stats().Tables); n == 0 || s.Stats().Segments != 4 {
		t.Fatalf("compaction left %d segments, want one a day", s.Stats().Segments)
	}
	checkNoFalseNegatives(t, s, "compacted", now, r)

	// Reopened, the index files are read from disk and checked again.
	s.Close()
	s = open(t, dir, Options{CompactMinSegments: 2, Now: func() time.Time { return now }})
	checkNoFalseNegatives(t, s, "reopened", now, r)

	// Retention of 7 days on May 10th drops May 1st and 2nd.
	if err := s.SetRetention(ws, idxTable, 7); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplyRetention(); err != nil {
		t.Fatal(err)
	}
	if s.Stats().Segments != 2 {
		t.Fatalf("after retention %d segments, want 2", s.Stats().Segments)
	}
	checkNoFalseNegatives(t, s, "retention", now, r)
	files, _ := filepath.Glob(filepath.Join(dir, "segments", ws, idxTable, "*"+termSuffix))
	if len(files) != 2 {
		t.Fatalf("%d term index files after retention, want one per segment: %v", len(files), files)
	}
}

// TestPlainJSONHasDuckDBsTerms: for JSON that plainJSON accepts, every
// term of the text DuckDB makes of it is a term of the JSON itself, so
// the index taken from memory holds all a query can look for; JSON whose
// text DuckDB changes is not plain.
func TestPlainJSONHasDuckDBsTerms(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	terms := func(text string) map[string]bool {
		m := map[string]bool{}
		source.ForIndexTerms([]byte(text), func(term []byte) { m[string(term)] = true })
		return m
	}
	for _, tc := range []struct {
		json  string
		plain bool
	}{
		{`{"http.route":"/orders","user.id":"4711","items":3,"ok":true,"none":null}`, true},
		{`{"a":{"b":[{"c":"Déjà-vu 😀 Kelvin ſystem İstanbul"}]},"n":-12,"big":123456789012345678}`, true},
		{`"plain text, no escapes"`, true}, {`1234`, true}, {`[]`, true}, {`{"k":"x/y <tag> & e5 1.5"}`, true},
		{`{"k":"a\u0041b"}`, false}, {`{"k":"line\nbreak"}`, false}, {`12.50`, false}, {`[1e5]`, false},
		{`{"n":123.4560}`, false}, {`12345678901234567890123`, false}, {`{"k":"\"quoted\""}`, false},
	} {
		if got := plainJSON([]byte(tc.json)); got != tc.plain {
			t.Errorf("plainJSON(%s) = %v, want %v", tc.json, got, tc.plain)
		}
		var text string
		if err := s.DB().QueryRow(`SELECT json_extract_string(CAST(? AS VARCHAR), '$')`, tc.json).Scan(&text); err != nil {
			t.Fatal(err)
		}
		own, duck := terms(tc.json), terms(text)
		var missing []string
		for term := range duck {
			if !own[term] {
				missing = append(missing, term)
			}
		}
		if tc.plain && len(missing) > 0 {
			t.Errorf("%s: DuckDB's text %q has terms %v the JSON lacks", tc.json, text, missing)
		}
	}
}

// TestTermIndexReadsOnlyRowGroupsThatMayMatch seals one segment of five
// units with a rare term in the second and fourth: a query for it reads
// those two units only, a query for an absent term skips the segment.
func TestTermIndexReadsOnlyRowGroupsThatMayMatch(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	const rows = 5 * termUnitRows
	for first := 0; first < rows; first += termUnitRows {
		b := &Batch{Workspace: ws, Table: "Big_CL", Columns: []schema.Column{{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "Msg", Type: schema.String}}}
		for i := first; i < first+termUnitRows; i++ {
			msg := fmt.Sprintf("host%d sshd[%d]: session opened for user u%d", i%50, i, i%977)
			if i == termUnitRows+5 || i == 3*termUnitRows+7 {
				msg += " zzneedle"
			}
			b.Rows = append(b.Rows, []any{t0.Add(time.Duration(i) * time.Second / 10), msg})
		}
		if _, err := s.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	match := "SELECT count(*) FROM {T} WHERE Msg LIKE '%zzneedle%'"
	before := s.Stats().TermIndex
	got := query(t, s, "Big_CL", source.Scan{Terms: []string{"zzneedle"}}, match)[0][0]
	st := s.Stats().TermIndex
	if got != int64(2) || st.UnitsRead-before.UnitsRead != 2 || st.UnitsSkipped-before.UnitsSkipped != 3 {
		t.Fatalf("rare term: %v rows; units read %d, skipped %d; want 2 rows from 2 units of 5",
			got, st.UnitsRead-before.UnitsRead, st.UnitsSkipped-before.UnitsSkipped)
	}
	rel, err := s.Tables(ws).Relation(context.Background(), "Big_CL", source.Scan{Terms: []string{"zzneedle"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []int{1, 3} {
		if want := fmt.Sprintf("(file_row_number >= %d AND file_row_number < %d)", u*termUnitRows, (u+1)*termUnitRows); !strings.Contains(rel.SQL, want) {
			t.Errorf("the relation does not read row group %d alone:\n%s", u, rel.SQL)
		}
	}
	if n := strings.Count(rel.SQL, "read_parquet("); n != 1 {
		t.Errorf("the relation has %d scans, want one:\n%s", n, rel.SQL)
	}
	rel.Release()

	got = query(t, s, "Big_CL", source.Scan{Terms: []string{"nosuchterm"}}, "SELECT count(*) FROM {T}")[0][0]
	if after := s.Stats().TermIndex; got != int64(0) || after.SegmentsSkipped != st.SegmentsSkipped+1 {
		t.Fatalf("absent term: %v rows, segments skipped %d -> %d", got, st.SegmentsSkipped, after.SegmentsSkipped)
	}
	// Terms the index cannot answer (short, or not lowercase) read all.
	for _, terms := range [][]string{{"zzneedle", "ab"}, {"ZZNEEDLE"}, {"zz-needle"}} {
		if got := query(t, s, "Big_CL", source.Scan{Terms: terms}, "SELECT count(*) FROM {T}")[0][0]; got != int64(rows) {
			t.Errorf("terms %q: %v rows, want all %d", terms, got, rows)
		}
	}
}

// TestTermIndexOfDynamicValues seals one segment of four units whose
// dynamic values are plain JSON in units 0, 1 and 3 (their terms taken
// from memory) and hold escapes in unit 2 (read back from the file): a
// term only in a dynamic value of unit 1 finds it, and so does a term
// that only DuckDB's text of a unit 2 value has (the escape decoded).
func TestTermIndexOfDynamicValues(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	cols := []schema.Column{{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "Props", Type: schema.Dynamic}}
	for first := 0; first < 4*termUnitRows; first += termUnitRows {
		b := &Batch{Workspace: ws, Table: "Dyn_CL", Columns: cols}
		for i := first; i < first+termUnitRows; i++ {
			props := fmt.Sprintf(`{"host":"host%d","n":%d}`, i%50, i)
			switch i {
			case termUnitRows + 5:
				props = `{"k":"zzdyn in plain JSON"}`
			case 2*termUnitRows + 7:
				props = `{"k":"say \"hi\" zzdyn"}`
			case 2*termUnitRows + 9:
				props = `{"k":"\u0041zzq"}`
			}
			b.Rows = append(b.Rows, []any{t0.Add(time.Duration(i) * time.Second / 10), json.RawMessage(props)})
		}
		if _, err := s.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		term          string
		rows, skipped int64
	}{{"zzdyn", 2, 2}, {"azzq", 1, 3}, {"nosuchterm", 0, 4}} {
		before := s.Stats().TermIndex
		got := query(t, s, "Dyn_CL", source.Scan{Terms: []string{tc.term}},
			"SELECT count(*) FROM {T} WHERE lower(json_extract_string(Props, '$')) LIKE '%"+tc.term+"%'")[0][0]
		st := s.Stats().TermIndex
		if skipped := st.UnitsSkipped - before.UnitsSkipped; got != tc.rows || skipped != tc.skipped {
			t.Errorf("%s: %v rows, %d units of 4 skipped; want %d rows, %d skipped", tc.term, got, skipped, tc.rows, tc.skipped)
		}
	}
}

// TestTermIndexDamageAndOrphans: a damaged index is reported by name and
// never trusted; a crash's leftover index file is removed at open; a
// backup carries the index files.
func TestTermIndexDamageAndOrphans(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	s := open(t, dir, Options{})
	if _, err := s.Append(context.Background(), idxBatch(rand.New(rand.NewPCG(1, 1)), 0, 50, t0, 1, true)); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "segments", ws, idxTable, "*"+termSuffix))
	if len(files) != 1 {
		t.Fatalf("term index files: %v", files)
	}
	backup := filepath.Join(t.TempDir(), "b")
	if err := Backup(context.Background(), dir, backup); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(backup, strings.TrimPrefix(files[0], dir))); err != nil {
		t.Fatalf("backup lacks the term index: %v", err)
	}

	stray := strings.Replace(files[0], ".parquet", "-stray.parquet", 1)
	if err := os.WriteFile(stray, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(files[0])
	data[len(data)-1] ^= 0xff
	if err := os.WriteFile(files[0], data, 0o644); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, Options{})
	defer s.Close()
	if _, err := os.Stat(stray); !os.IsNotExist(err) {
		t.Errorf("an unlisted term index survived open: %v", err)
	}
	_, err := s.Tables(ws).Relation(context.Background(), idxTable, source.Scan{Terms: []string{"kernel"}})
	if err == nil || !strings.Contains(err.Error(), "term index of segment") || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("damaged index: %v", err)
	}
	if n := count(t, s, idxTable); n != 50 {
		t.Fatalf("without terms the segment still reads: %d rows", n)
	}
	var damaged []string
	if err := s.Holdings().Damaged(ws, func(file, detail string) { damaged = append(damaged, file+": "+detail) }); err != nil {
		t.Fatal(err)
	}
	if len(damaged) != 1 || !strings.HasSuffix(strings.SplitN(damaged[0], ":", 2)[0], termSuffix) {
		t.Fatalf("verification reports %q, want the damaged term index", damaged)
	}
}

// recordScans is the store's tables, noting the terms each read got.
type recordScans struct {
	source.Tables
	scans *[]string
}

func (r recordScans) Relation(ctx context.Context, name string, scan source.Scan) (source.Relation, error) {
	if name == idxTable {
		*r.scans = append(*r.scans, fmt.Sprint(scan.Terms))
	}
	return r.Tables.Relation(ctx, name, scan)
}

// TestEngineGivesTermsOnlyWhereSound checks which terms the KQL compiler
// passes to the store for each predicate shape.
func TestEngineGivesTermsOnlyWhereSound(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	if _, err := s.Append(context.Background(), idxBatch(rand.New(rand.NewPCG(3, 3)), 0, 5, time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), 1, true)); err != nil {
		t.Fatal(err)
	}
	other := &Batch{Workspace: ws, Table: "Other_CL", Columns: []schema.Column{{Name: "n", Type: schema.String}}, Rows: [][]any{{"1234"}}}
	if _, err := s.Append(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	eng := engine.New(s.DB())
	for _, c := range []struct{ query, scans string }{
		{`Idx_CL | where Msg has "Error"`, "[error]"},
		{`Idx_CL | where Msg has "web-01.example"`, "[example]"},
		{`Idx_CL | where Msg has "ab"`, "[]"},
		{`Idx_CL | where Msg has_any ("alpha", "beta")`, "[alpha beta]"},
		{`Idx_CL | where Msg has_any ("alpha", "be")`, "[]"},
		{`Idx_CL | where Msg has_all ("alpha", "gamma12")`, "[gamma12]"},
		{`Idx_CL | where N > 1 and Host == "db01"`, "[db01]"},
		{`Idx_CL | where Msg has "alpha" or Host == "beta"`, "[alpha beta]"},
		{`Idx_CL | where Msg has "alpha" or N > 1`, "[]"},
		{`Idx_CL | where not(Msg has "alpha")`, "[]"},
		{`Idx_CL | where Msg !has "alpha"`, "[]"},
		{`Idx_CL | where Msg startswith "GET /api"`, "[get]"},
		{`Idx_CL | where Msg endswith "GET /api"`, "[api]"},
		{`Idx_CL | where Msg hasprefix "alpha.bet"`, "[alpha]"},
		{`Idx_CL | where Msg contains "xx alpha yy"`, "[alpha]"},
		{`Idx_CL | where Msg contains "alpha"`, "[]"},
		{`Idx_CL | where Msg has "\u212aelvin"`, "[]"},
		{`Idx_CL | where Msg has_cs "\u212aelvin"`, "[elvin]"},
		{`Idx_CL | where Host =~ "café"`, "[]"},
		{`Idx_CL | where Host =~ "Cafe"`, "[cafe]"},
		{`Idx_CL | where Msg has "café"`, "[caf]"},
		{`Idx_CL | where Msg in ("alpha", "beta")`, "[alpha beta]"},
		{`Idx_CL | where Props has "alpha"`, "[alpha]"},
		{`Idx_CL | where Props.k has "alpha"`, "[]"},
		{`Idx_CL | where _ItemId == "abcdef"`, "[]"},
		{`Idx_CL | where N == 5 | where Msg has "alpha" | where Host has "betalonger"`, "[betalonger]"},
		{`Idx_CL | where Msg has "alpha" | summarize count()`, "[alpha]"},
		{`Idx_CL | extend Msg = "alpha" | where Msg has "alpha"`, "[]"},
		{`Idx_CL | take 5 | where Msg has "alpha"`, "[]"},
		{`let x = "alpha"; Idx_CL | where Msg has x`, "[]"},
		{`Idx_CL | search "alpha"`, "[alpha]"},
		{`Idx_CL | search "alp*"`, "[]"},
		{`search in (Idx_CL) "alpha" or "beta"`, "[alpha beta]"},
		// Other_CL's text column n is Idx_CL's long N to DuckDB.
		{`search in (Idx_CL, Other_CL) "1234"`, "[]"},
		{`Idx_CL | where Msg has "alpha" | join (Idx_CL | where Host == "db01") on N`, "[alpha] [db01]"},
		{`Idx_CL | where N in (Idx_CL | where Host == "db01" | project N)`, "[] [db01]"},
	} {
		var scans []string
		if _, err := eng.Query(context.Background(), engine.Request{Query: c.query, Tables: recordScans{s.Tables(ws), &scans}}); err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if got := strings.Join(scans, " "); got != c.scans {
			t.Errorf("%s: terms %s, want %s", c.query, got, c.scans)
		}
	}
}
