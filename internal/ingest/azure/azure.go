// Package azure parses the log exports Azure's diagnostic settings write
// to storage accounts and event hubs — {"records":[...]} documents, JSON
// lines of records, or a bare JSON array of records — and routes each
// record by its category to the built-in table with the matching public
// schema: activity log records (and activity log events as the REST API
// gives them) to AzureActivity, Entra ID sign-ins to SigninLogs and its
// three sibling tables, directory audits to AuditLogs, Graph API calls
// to MicrosoftGraphActivityLogs, NSG and virtual network flow logs (one
// row per flow tuple) to AzureNetworkFlows and all other resource logs
// to AzureDiagnostics.
package azure

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"vigil/internal/ingest"
	"vigil/internal/schema"
	"vigil/internal/store"
)

// Format is the "azure-records" format.
type Format struct{}

// Name implements ingest.Format.
func (Format) Name() string { return "azure-records" }

func init() { ingest.Register(Format{}) }

// ContentType is the content type of this format's batches: their
// original bytes are a JSON array of records this format parses again to
// the same rows, which is how deep verification re-derives them.
const ContentType = "application/vnd.vigil.azure-records+json"

// Chunks implements ingest.Chunker. A single records document or array
// larger than max is cut between records into JSON arrays of whole
// records, each record's bytes unchanged, so each piece stores the rows
// and original bytes the whole would have. JSON lines are left to be cut
// at line ends.
func (Format) Chunks(raw []byte, max int) ([][]byte, bool) {
	if len(raw) <= max {
		return nil, false
	}
	values, rejects, err := documents(raw)
	if err != nil || len(values) != 1 || len(rejects) > 0 {
		return nil, false
	}
	elems, single, err := elements(values[0])
	if err != nil || single {
		return nil, false
	}
	var pieces [][]byte
	var cur []byte
	for _, e := range elems {
		if len(cur) > 0 && len(cur)+len(e.b)+2 > max {
			pieces = append(pieces, append(cur, ']'))
			cur = nil
		}
		if cur == nil {
			cur = append(make([]byte, 0, min(max, len(raw))+1), '[')
		} else {
			cur = append(cur, ',')
		}
		cur = append(cur, e.b...)
	}
	if cur != nil {
		pieces = append(pieces, append(cur, ']'))
	}
	return pieces, len(pieces) > 0
}

// span is a JSON value of the input: its bytes and where they start.
type span struct {
	b   []byte
	off int
}

// Parse implements ingest.Format. Each destination table gets one batch
// whose original bytes are a JSON array of the records routed to it,
// byte for byte as received; row i of a batch is element i of that array,
// except in AzureNetworkFlows, where a record gives a row per flow tuple
// and the hidden _RecordIndex column names the element.
func (Format) Parse(workspace string, raw []byte, received time.Time) ([]*store.Batch, []ingest.Reject, error) {
	records, rejects, err := split(raw)
	if err != nil {
		return nil, nil, err
	}
	r := router{workspace: workspace, received: received, tables: map[string]*tableBatch{}}
	for i, rec := range records {
		rejects = append(rejects, r.route(i, rec)...)
	}
	if len(records) == 0 && len(rejects) == 0 {
		return nil, nil, errors.New("no records in the input")
	}
	return r.batches(), rejects, nil
}

// split finds the records of the input: the elements of a records
// document's "records" array, of a bare array, or the objects of JSON
// lines (which may themselves be records documents). A line or element
// that is not a JSON object is rejected; input that is not JSON at all
// is an error.
func split(raw []byte) ([]span, []ingest.Reject, error) {
	values, rejects, err := documents(raw)
	if err != nil {
		return nil, nil, err
	}
	var records []span
	for _, v := range values {
		elems, single, err := elements(v)
		switch {
		case err != nil:
			rejects = append(rejects, ingest.Reject{Reason: err.Error(), Raw: v.b, Offset: v.off})
		case single:
			records = append(records, v)
		}
		for _, e := range elems {
			if e.b[0] != '{' {
				rejects = append(rejects, ingest.Reject{Reason: "record is not a JSON object", Raw: e.b, Offset: e.off})
				continue
			}
			records = append(records, e)
		}
	}
	return records, rejects, nil
}

// elements returns the records a top-level value holds: the elements of
// an array, or of a records document's "records" array. single is true
// when the value is an object that is not a records document: a record
// itself.
func elements(v span) (elems []span, single bool, err error) {
	switch v.b[0] {
	case '[':
		elems, _ = children(v)
		return elems, false, nil
	case '{':
		members, keys := children(v)
		for i, k := range keys {
			if k != "records" {
				continue
			}
			if members[i].b[0] != '[' {
				return nil, false, errors.New(`"records" is not an array`)
			}
			elems, _ = children(members[i])
			return elems, false, nil
		}
		return nil, true, nil
	}
	return nil, false, errors.New("not a JSON object or array")
}

// documents splits the input into its top-level JSON values: one value,
// a stream of values (JSON lines, or pretty-printed documents one after
// another), or, when the stream has a syntax error, lines, each valid one
// a value and each invalid one a reject. Input in which no line is a JSON
// object is not JSON lines but a broken document: an error.
func documents(raw []byte) ([]span, []ingest.Reject, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil, errors.New("empty input")
	}
	if json.Valid(raw) {
		off := skipSpace(raw, 0)
		return []span{{b: bytes.TrimRight(raw[off:], " \t\r\n"), off: off}}, nil, nil
	}
	if vs, err := stream(raw); err == nil {
		return vs, nil, nil
	}
	var values []span
	var rejects []ingest.Reject
	objects := 0
	for off, n := 0, 1; off < len(raw); n++ {
		end := bytes.IndexByte(raw[off:], '\n')
		if end < 0 {
			end = len(raw)
		} else {
			end += off
		}
		start := skipSpace(raw[:end], off)
		line := bytes.TrimRight(raw[start:end], " \t\r")
		switch {
		case len(line) == 0:
		case json.Valid(line):
			values = append(values, span{b: line, off: start})
			if line[0] == '{' {
				objects++
			}
		default:
			rejects = append(rejects, ingest.Reject{Reason: fmt.Sprintf("line %d is not valid JSON: %v", n, syntaxError(line)), Raw: line, Offset: start})
		}
		off = end + 1
	}
	if objects == 0 {
		return nil, nil, fmt.Errorf("input is not JSON: %v", syntaxError(raw))
	}
	return values, rejects, nil
}

// stream reads the input as a sequence of JSON values.
func stream(raw []byte) ([]span, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var out []span
	for dec.More() {
		start := int(dec.InputOffset())
		var m json.RawMessage
		if err := dec.Decode(&m); err != nil {
			return nil, err
		}
		off := skipSpace(raw, start)
		out = append(out, span{b: raw[off : off+len(m)], off: off})
	}
	return out, nil
}

// syntaxError describes why b is not valid JSON, with the byte offset.
func syntaxError(b []byte) string {
	var v any
	err := json.Unmarshal(b, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v (at byte %d)", se, se.Offset)
	}
	if err == nil {
		return "more than one JSON value"
	}
	return err.Error()
}

// children returns the elements of a JSON array, or the member values of
// a JSON object with their keys, each with its offset in the input. v
// must be valid JSON (the caller checked): a plain scan finds where each
// value ends, much faster than decoding them.
func children(v span) ([]span, []string) {
	var out []span
	var keys []string
	b := v.b
	i := skipSpace(b, 1)
	for i < len(b) && b[i] != ']' && b[i] != '}' {
		if b[0] == '{' {
			end := valueEnd(b, i)
			k, ok := jsonString(b[i:end])
			if !ok {
				return out, keys
			}
			keys = append(keys, k)
			i = skipSeparators(b, end)
		}
		end := valueEnd(b, i)
		out = append(out, span{b: b[i:end], off: v.off + i})
		i = skipSeparators(b, end)
	}
	return out, keys
}

// jsonString decodes a valid JSON string literal; most have no escapes
// and are valid UTF-8, and those are taken as they are. Invalid UTF-8
// becomes U+FFFD, as encoding/json makes it.
func jsonString(lit []byte) (string, bool) {
	if len(lit) >= 2 && lit[0] == '"' && bytes.IndexByte(lit, '\\') < 0 && utf8.Valid(lit) {
		return string(lit[1 : len(lit)-1]), true
	}
	var s string
	err := json.Unmarshal(lit, &s)
	return s, err == nil
}

// valueEnd returns where the valid JSON value starting at b[i] ends.
func valueEnd(b []byte, i int) int {
	depth := 0
	for j := i; j < len(b); j++ {
		switch c := b[j]; c {
		case '"':
			for j++; j < len(b) && b[j] != '"'; j++ {
				if b[j] == '\\' {
					j++
				}
			}
			if depth == 0 {
				return j + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth <= 0 {
				return j + 1 + depth
			}
		case ',', ' ', '\t', '\r', '\n', ':':
			if depth == 0 {
				return j
			}
		}
	}
	return len(b)
}

// skipSpace returns the offset of the first byte at or after i that is
// not JSON whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// skipSeparators is skipSpace that also skips the ',' and ':' a decoder
// stops before.
func skipSeparators(b []byte, i int) int {
	for i < len(b) && strings.IndexByte(" \t\r\n,:", b[i]) >= 0 {
		i++
	}
	return i
}

// shape is the columns a batch of one table carries (all but those the
// store fills) and their positions: index finds them by name, lower by
// lowercase name.
type shape struct {
	cols  []schema.Column
	index map[string]int
	lower map[string]int
}

// tableBatch gathers the rows of one destination table.
type tableBatch struct {
	*shape
	batch *store.Batch
	// records counts the records in the batch's original bytes.
	records int
}

// storeSet are the standard columns the store fills itself.
var storeSet = map[string]bool{
	schema.ColTenantID: true, schema.ColType: true, schema.ColItemID: true,
	schema.ColTimeReceived: true, schema.ColBatchSeq: true, schema.ColBatchRow: true,
}

// shapes holds the shape of each table this package writes, computed once.
var shapes = map[string]*shape{}

func init() {
	for _, name := range []string{"AzureActivity", "SigninLogs", "AADNonInteractiveUserSignInLogs",
		"AADServicePrincipalSignInLogs", "AADManagedIdentitySignInLogs", "AuditLogs", "MicrosoftGraphActivityLogs",
		"AzureDiagnostics", "AzureNetworkFlows"} {
		def, ok := schema.Builtin(name)
		if !ok {
			panic("azure: no built-in table " + name)
		}
		sh := &shape{index: map[string]int{}, lower: map[string]int{}}
		for _, c := range def.Columns {
			if storeSet[c.Name] {
				continue
			}
			sh.index[c.Name] = len(sh.cols)
			sh.lower[strings.ToLower(c.Name)] = len(sh.cols)
			sh.cols = append(sh.cols, schema.Column{Name: c.Name, Type: c.Type})
		}
		// Batches share the column list: clipped, an append by a reader
		// copies it rather than writing into it.
		sh.cols = slices.Clip(sh.cols)
		shapes[name] = sh
	}
}

// router sends each record to its table's batch.
type router struct {
	workspace string
	received  time.Time
	tables    map[string]*tableBatch
	order     []string
}

// table returns the batch of the named table, starting it when new.
func (r *router) table(name string) *tableBatch {
	if t, ok := r.tables[name]; ok {
		return t
	}
	sh := shapes[name]
	t := &tableBatch{shape: sh, batch: &store.Batch{
		Workspace: r.workspace, Table: name, Columns: sh.cols, ContentType: ContentType, Received: r.received,
	}}
	r.tables[name] = t
	r.order = append(r.order, name)
	return t
}

// batches returns the batches in the order their tables first appeared,
// with their original bytes closed as JSON arrays.
func (r *router) batches() []*store.Batch {
	out := make([]*store.Batch, 0, len(r.order))
	for _, name := range r.order {
		t := r.tables[name]
		if len(t.batch.Rows) == 0 {
			continue
		}
		t.batch.Raw = append(t.batch.Raw, ']')
		out = append(out, t.batch)
	}
	return out
}

// keep adds a record's rows to the table and its bytes to the batch's
// original bytes.
func (t *tableBatch) keep(rec span, rows ...[]any) {
	if t.records == 0 {
		t.batch.Raw = append(t.batch.Raw, '[')
	} else {
		t.batch.Raw = append(t.batch.Raw, ',')
	}
	t.batch.Raw = append(t.batch.Raw, rec.b...)
	t.batch.Rows = append(t.batch.Rows, rows...)
	t.records++
}

// row is one row being filled for a table.
type row struct {
	t    *tableBatch
	vals []any
}

func (t *tableBatch) newRow() row { return row{t: t, vals: make([]any, len(t.cols))} }

// set converts v to the named column's type and stores it. A table
// without the column ignores it; a value that does not fit the column is
// an error naming the field it came from.
func (r row) set(col, field string, v any) error {
	i, ok := r.t.index[col]
	if !ok {
		return nil
	}
	return r.setAt(i, field, v)
}

// setAt is set for the column at position i.
func (r row) setAt(i int, field string, v any) error {
	if v == nil {
		return nil
	}
	cv, err := schema.Convert(r.t.cols[i].Type, v)
	if err != nil {
		return fmt.Errorf("field %s: %v", field, err)
	}
	r.store(i, cv)
	return nil
}

// MaxValueBytes bounds one stored value. A longer string keeps its first
// MaxValueBytes bytes (whole characters), a longer dynamic value becomes a
// JSON string of the start of its JSON text (half as long, as escaping
// may double it), and the row's Truncated column says so; the whole
// record stays in the batch's original bytes. The bound keeps a record
// within the server's default limit on a field (64 KiB), which would
// refuse the whole request.
const MaxValueBytes = 32 << 10

// store puts a canonical value in column i, cut to MaxValueBytes.
func (r row) store(i int, v any) {
	long := false
	switch x := v.(type) {
	case string:
		if long = len(x) > MaxValueBytes; long {
			v = cut(x, MaxValueBytes)
		}
	case json.RawMessage:
		if long = len(x) > MaxValueBytes; long {
			b, _ := json.Marshal(cut(string(x), MaxValueBytes/2))
			v = json.RawMessage(b)
		}
	}
	r.vals[i] = v
	if j, ok := r.t.index["Truncated"]; ok && long {
		r.vals[j] = true
	}
}

// cut returns the longest prefix of s of at most n bytes (n < len(s))
// that ends on a character boundary.
func cut(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
