package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"vigil/internal/schema"
)

func newEngine(t testing.TB) *Engine {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return New(db)
}

// display renders a result value as the Kusto documentation shows it.
func display(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.0000000Z")
	case time.Duration:
		return schema.FormatTimespan(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case json.RawMessage:
		return string(x)
	}
	return fmt.Sprint(v)
}

// normalizeWant undoes the documentation's display of a cell: code
// quotes, and the ways it shows an empty or null cell.
func normalizeWant(want string) string {
	want = strings.TrimSpace(strings.Trim(strings.TrimSpace(want), "`"))
	switch want {
	case "(null)", "null", "&nbsp;":
		return ""
	}
	return want
}

// same compares a documented cell with a result cell, normalizing both.
func same(want, got string) bool {
	want, got = normalizeWant(want), strings.TrimSpace(got)
	if want == got || strings.TrimSpace(strings.ReplaceAll(want, "<br>", "\n")) == got {
		return true
	}
	if strings.EqualFold(want, got) && (strings.EqualFold(want, "true") || strings.EqualFold(want, "false")) {
		return true
	}
	if (want == "1" && got == "true") || (want == "0" && got == "false") {
		return true
	}
	wf, err1 := strconv.ParseFloat(want, 64)
	gf, err2 := strconv.ParseFloat(got, 64)
	if err1 == nil && err2 == nil {
		return wf == gf || math.Abs(wf-gf) <= 1e-9*math.Max(math.Abs(wf), math.Abs(gf)) || (math.IsNaN(wf) && math.IsNaN(gf))
	}
	if wt, err := schema.ParseDateTime(strings.TrimSuffix(want, "Z")); err == nil {
		if gt, err := schema.ParseDateTime(strings.TrimSuffix(got, "Z")); err == nil {
			return wt.Equal(gt)
		}
	}
	if wd, err := schema.ParseTimespan(want); err == nil && strings.Contains(want, ":") {
		if gd, err := schema.ParseTimespan(got); err == nil {
			return wd == gd
		}
	}
	// A dynamic string shows without its JSON quotes.
	if unq, err := strconv.Unquote(got); err == nil && strings.HasPrefix(got, `"`) && unq == want {
		return true
	}
	var wj, gj any
	w := strings.ReplaceAll(want, "<br>", "")
	if json.Unmarshal([]byte(w), &wj) != nil {
		// Dynamic values shown with single quotes, as dynamic() takes them.
		if json.Unmarshal([]byte(strings.ReplaceAll(w, "'", `"`)), &wj) != nil {
			return false
		}
	}
	if json.Unmarshal([]byte(got), &gj) == nil {
		return jsonEqual(wj, gj)
	}
	return false
}

func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y)))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if !jsonEqual(x[k], y[k]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// conformanceCase is one query with its expected typed result.
type conformanceCase struct {
	Name     string     `json:"name"`
	Query    string     `json:"query"`
	Columns  []string   `json:"columns"` // "Name:type"
	Rows     [][]string `json:"rows"`
	Ordered  bool       `json:"ordered"`
	Error    string     `json:"error"` // expected error text, instead of a result
	Skip     string     `json:"skip"`
	Expected []string   `json:"-"`
}

func matchRows(want [][]string, got [][]string, ordered bool) bool {
	if len(want) != len(got) {
		return false
	}
	if !ordered {
		key := func(r []string) string {
			var cells []string
			for _, c := range r {
				cells = append(cells, normalizeWant(c))
			}
			return strings.Join(cells, "\x00")
		}
		sort.Slice(want, func(i, j int) bool { return key(want[i]) < key(want[j]) })
		sort.Slice(got, func(i, j int) bool { return key(got[i]) < key(got[j]) })
	}
	for i := range want {
		if len(want[i]) != len(got[i]) {
			return false
		}
		for j := range want[i] {
			if !same(want[i][j], got[i][j]) {
				return false
			}
		}
	}
	return true
}

func resultRows(res *Result) [][]string {
	var out [][]string
	for _, r := range res.Rows {
		var row []string
		for _, v := range r {
			row = append(row, display(v))
		}
		out = append(out, row)
	}
	return out
}

var fixedNow = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// TestConformance runs the cases in testdata/conformance*.jsonl, each a
// query over datatable, range or print with its expected typed result,
// checked against the Kusto documentation's semantics.
func TestConformance(t *testing.T) {
	files, err := filepath.Glob("testdata/conformance*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatal("no conformance cases", err)
	}
	var lines []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.Split(strings.TrimSpace(string(data)), "\n")...)
	}
	e := newEngine(t)
	for i, line := range lines {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var c conformanceCase
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		t.Run(c.Name, func(t *testing.T) {
			if c.Skip != "" {
				t.Skip("not supported yet: " + c.Skip)
			}
			res, err := e.Query(context.Background(), Request{Query: c.Query, Now: fixedNow})
			if c.Error != "" {
				if err == nil || !strings.Contains(err.Error(), c.Error) {
					t.Fatalf("error = %v, want one containing %q", err, c.Error)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, c.Query)
			}
			var cols []string
			for _, col := range res.Columns {
				cols = append(cols, col.Name+":"+col.Type.String())
			}
			if !reflect.DeepEqual(cols, c.Columns) {
				t.Errorf("columns = %v, want %v", cols, c.Columns)
			}
			if got := resultRows(res); !matchRows(c.Rows, got, c.Ordered) {
				t.Errorf("rows = %q\nwant %q", got, c.Rows)
			}
		})
	}
}

// TestDocumentationExamples runs the public documentation's examples in
// ../shared/kql and requires a floor of them to give the documented
// result; raise the floor as the engine grows. A failure that is the
// documentation's mistake is listed in docs/kql.md, never special-cased.
func TestDocumentationExamples(t *testing.T) {
	data, err := os.ReadFile("../../../shared/kql/doc-examples.jsonl")
	if err != nil {
		t.Skip("shared examples not present:", err)
	}
	e := newEngine(t)
	pass, run, total := 0, 0, 0
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var c struct {
			File, Query                      string
			ExpectedColumns                  []string   `json:"expected_columns"`
			ExpectedRows                     [][]string `json:"expected_rows"`
			Ordered                          bool
			Nondeterministic, Elided, Ragged bool
		}
		if json.Unmarshal([]byte(line), &c) != nil {
			continue
		}
		total++
		if c.Nondeterministic || c.Elided || c.Ragged {
			continue
		}
		run++
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := e.Query(ctx, Request{Query: c.Query, Now: fixedNow})
		cancel()
		if err != nil {
			// SQL the compiler produced must run: only errors of the data
			// (a failed conversion) may come from the backend.
			if refusedSQL(err) {
				t.Errorf("%s: the compiler accepted SQL DuckDB refuses: %v", c.File, err)
			}
			if testing.Verbose() {
				t.Logf("%s: %v", c.File, err)
			}
			continue
		}
		var names []string
		for _, col := range res.Columns {
			names = append(names, col.Name)
		}
		wantNames := make([]string, len(c.ExpectedColumns))
		for i, n := range c.ExpectedColumns {
			wantNames[i] = strings.Trim(n, "`")
		}
		if reflect.DeepEqual(names, wantNames) && matchRows(c.ExpectedRows, resultRows(res), c.Ordered) {
			pass++
		} else if testing.Verbose() {
			t.Logf("%s: got %v %q, want %v %q", c.File, names, resultRows(res), wantNames, c.ExpectedRows)
		}
	}
	t.Logf("documentation examples: %d of %d comparable pass (%d in the file)", pass, run, total)
	if pass < docExamplesFloor {
		t.Errorf("%d documentation examples pass, below the floor of %d", pass, docExamplesFloor)
	}
}

// refusedSQL reports whether err is DuckDB refusing SQL the compiler
// produced (a compiler bug) rather than an error of the data, such as a
// failed conversion, which a query may meet at run time.
func refusedSQL(err error) bool {
	var ee *ExecError
	if !errors.As(err, &ee) {
		return false
	}
	for _, kind := range []string{"Parser Error", "Binder Error", "Catalog Error", "Not implemented Error", "INTERNAL Error", "Internal Error"} {
		if strings.Contains(err.Error(), kind) {
			return true
		}
	}
	return false
}

// TestAcceptedQueriesRun runs every query of the corpora the compiler
// accepts, the conformance cases and the documentation examples whose
// output cannot be compared (random, elided or malformed): whatever the
// compiler accepts must be SQL DuckDB runs, so no raw DuckDB error
// reaches the user. TestDocumentationExamples checks the others.
func TestAcceptedQueriesRun(t *testing.T) {
	var queries []string
	files, err := filepath.Glob("testdata/conformance*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatal("no conformance cases", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var c conformanceCase
			if json.Unmarshal([]byte(line), &c) == nil && c.Query != "" {
				queries = append(queries, c.Query)
			}
		}
	}
	if data, err := os.ReadFile("../../../shared/kql/doc-examples.jsonl"); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var c struct {
				Query                            string
				Nondeterministic, Elided, Ragged bool
			}
			if json.Unmarshal([]byte(line), &c) == nil && (c.Nondeterministic || c.Elided || c.Ragged) {
				queries = append(queries, c.Query)
			}
		}
	}
	e := newEngine(t)
	accepted := 0
	for _, q := range queries {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := e.Query(ctx, Request{Query: q, Now: fixedNow})
		cancel()
		if refusedSQL(err) {
			t.Errorf("the compiler accepted SQL DuckDB refuses: %v\n%s", err, q)
		}
		var ee *ExecError
		if err == nil || errors.As(err, &ee) {
			accepted++
		}
	}
	t.Logf("%d of %d queries compiled and ran", accepted, len(queries))
}

// docExamplesFloor is the number of documentation examples known to pass.
const docExamplesFloor = 252

// TestOutOfMemoryIsNamed runs a query that needs more memory than the
// database may use: the user gets ErrOutOfMemory, which says what to
// change, not DuckDB's advice on its settings.
func TestOutOfMemoryIsNamed(t *testing.T) {
	e := newEngine(t)
	if _, err := e.db.Exec("SET memory_limit = '32MB'; SET threads = 1"); err != nil {
		t.Fatal(err)
	}
	_, err := e.Query(context.Background(), Request{Query: "range x from 1 to 3000000 step 1 | summarize make_set(strcat('value number ', x))"})
	if !errors.Is(err, ErrOutOfMemory) {
		t.Fatalf("err = %v, want ErrOutOfMemory", err)
	}
}
