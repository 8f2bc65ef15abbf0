package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"vigil/internal/schema"
	"vigil/internal/store"
	"vigil/internal/workspace"
)

// readBody returns the request body, gunzipped when Content-Encoding says
// gzip, refusing more than the configured bytes after decompression.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	var src io.Reader = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(src)
		if err != nil {
			writeError(w, http.StatusBadRequest, "BadArgumentError", "body is not valid gzip: "+err.Error())
			return nil, false
		}
		defer zr.Close()
		src = zr
	}
	body, err := io.ReadAll(io.LimitReader(src, s.cfg.MaxBodyBytes+1))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || int64(len(body)) > s.cfg.MaxBodyBytes {
		s.metrics.rejected.WithLabelValues("too_large").Inc()
		writeError(w, http.StatusRequestEntityTooLarge, "PayloadTooLarge", fmt.Sprintf("request body is over the limit of %d bytes", s.cfg.MaxBodyBytes))
		return nil, false
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadArgumentError", "reading body: "+err.Error())
		return nil, false
	}
	return body, true
}

// ingestRows takes a JSON array of objects or newline-delimited JSON
// objects into a table, as one atomic batch: 204 when durable.
func (s *Server) ingestRows(w http.ResponseWriter, r *http.Request, ws *workspace.Workspace) {
	if !jsonContentType(w, r) {
		return
	}
	body, ok := s.readBody(w, r)
	if !ok || !s.admitIngest(w, ws, len(body)) {
		return
	}
	table := r.PathValue("table")
	batch, err := DecodeRecords(body)
	if err != nil {
		s.metrics.rejected.WithLabelValues("bad_json").Inc()
		writeError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
		return
	}
	batch.Workspace, batch.Table = ws.ID, table
	batch.Raw, batch.ContentType = body, r.Header.Get("Content-Type")
	if err := s.storeBatch(r.Context(), batch); err != nil {
		s.ingestError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// JSONContentTypes are the media types the JSON endpoints take (the rows
// API records the one a client sent with the batch; "" when it sent none).
var JSONContentTypes = map[string]bool{
	"": true, "application/json": true, "application/x-ndjson": true, "application/ndjson": true,
	"application/jsonl": true, "application/x-json-stream": true, "text/json": true,
}

// jsonContentType refuses, with 415, a body whose Content-Type says it is
// not JSON: sending CSV or text to a JSON endpoint is a client mistake
// better named than reported as malformed JSON. No Content-Type is taken
// as JSON, as curl and simple shippers send none.
func jsonContentType(w http.ResponseWriter, r *http.Request) bool {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
	if JSONContentTypes[ct] {
		return true
	}
	writeError(w, http.StatusUnsupportedMediaType, "UnsupportedContentType",
		fmt.Sprintf("Content-Type %s is not accepted here: send a JSON array or newline-delimited JSON as application/json or application/x-ndjson", ct))
	return false
}

// DecodeRecords parses a JSON array of objects, or objects one per line,
// into a batch: one column per field, in order of first appearance, typed
// from the JSON value (numbers with no fraction are long, others real;
// strings that are ISO 8601 times are datetime in a field named
// TimeGenerated; objects and arrays are dynamic). An error gives the byte
// offset of the problem.
func DecodeRecords(body []byte) (*store.Batch, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	trimmed := bytes.TrimSpace(body)
	array := len(trimmed) > 0 && trimmed[0] == '['
	if array {
		if _, err := dec.Token(); err != nil {
			return nil, jsonError(err, dec)
		}
	}
	b := &store.Batch{}
	index := map[string]int{}
	for {
		if array && !dec.More() {
			if _, err := dec.Token(); err != nil {
				return nil, jsonError(err, dec)
			}
			break
		}
		var rec map[string]any
		start := dec.InputOffset()
		if err := dec.Decode(&rec); err == io.EOF && !array {
			break
		} else if err != nil {
			return nil, jsonError(err, dec)
		}
		if rec == nil {
			return nil, fmt.Errorf("record %d at offset %d is not a JSON object", len(b.Rows), start)
		}
		row := make([]any, len(b.Columns))
		for _, name := range sortedKeys(rec) {
			v := rec[name]
			i, ok := index[name]
			if ok && b.Columns[i].Type == schema.Long && jsonType(name, v) == schema.Real {
				// JSON does not tell 2 from 2.0: a column with both is real.
				b.Columns[i].Type = schema.Real
			}
			if !ok {
				i = len(b.Columns)
				index[name] = i
				b.Columns = append(b.Columns, schema.Column{Name: name, Type: jsonType(name, v)})
				row = append(row, nil)
			}
			row[i] = v
		}
		b.Rows = append(b.Rows, row)
	}
	if len(b.Rows) == 0 {
		return nil, errors.New("no records in body")
	}
	for i, row := range b.Rows {
		for len(row) < len(b.Columns) {
			row = append(row, nil)
		}
		b.Rows[i] = row
	}
	if array {
		if _, err := dec.Token(); err != io.EOF {
			return nil, fmt.Errorf("unexpected data after the JSON array at offset %d", dec.InputOffset())
		}
	}
	return b, nil
}

func jsonError(err error, dec *json.Decoder) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("malformed JSON at offset %d: %v", syn.Offset, err)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("record at offset %d is not a JSON object", typ.Offset)
	}
	return fmt.Errorf("malformed JSON at offset %d: %v", dec.InputOffset(), err)
}

func jsonType(name string, v any) schema.Type {
	switch x := v.(type) {
	case bool:
		return schema.Bool
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return schema.Long
		}
		return schema.Real
	case string:
		if name == schema.ColTimeGenerated {
			if _, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return schema.DateTime
			}
		}
		return schema.String
	case map[string]any, []any:
		return schema.Dynamic
	}
	return schema.String
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Go maps lose the document's field order; a stable order keeps new
	// columns deterministic across identical requests.
	sort.Strings(keys)
	return keys
}
