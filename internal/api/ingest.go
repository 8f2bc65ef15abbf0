package api

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
// application/x-www-form-urlencoded is there because curl labels every
// body sent with -d or --data-binary so unless told otherwise, and
// `curl --data-binary @events.ndjson` is how most people first send logs;
// a body that really is a form fails as malformed JSON, with its offset.
var JSONContentTypes = map[string]bool{
	"": true, "application/json": true, "application/x-ndjson": true, "application/ndjson": true,
	"application/jsonl": true, "application/x-json-stream": true, "text/json": true,
	"application/x-www-form-urlencoded": true,
}

// jsonContentType refuses, with 415, a body whose Content-Type says it is
// not JSON: sending CSV or text to a JSON endpoint is a client mistake
// better named than reported as malformed JSON. No Content-Type is taken
// as JSON, as simple shippers send none.
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
// offset of the problem. The batch's strings share one copy of body: one
// kept beyond the batch keeps that copy, so keepers copy them (the hot
// buffer copies strings and JSON text; GUIDs are new strings).
func DecodeRecords(body []byte) (*store.Batch, error) {
	s := &recordScanner{b: body, text: string(body)}
	array := !s.atEnd() && body[s.pos] == '['
	if array {
		s.pos++
	}
	b := &store.Batch{}
	index := map[string]int{}
	// last is the column of each place in the previous record's sorted
	// fields: records of a batch mostly have the same fields.
	var last []int
	var slab []any
	for {
		if s.atEnd() {
			if array {
				return nil, s.unexpected("")
			}
			break
		}
		if array && len(b.Rows) == 0 && body[s.pos] == ']' {
			s.pos++
			break
		}
		if err := s.record(len(b.Rows)); err != nil {
			return nil, err
		}
		// Rows are cut from slabs, as many rows as the batch has so far
		// at a time, up to 256.
		width := len(b.Columns) + len(s.fields)
		if len(slab) < width {
			slab = make([]any, width*min(256, len(b.Rows)+1))
		}
		row := slab[:len(b.Columns):width]
		slab = slab[width:]
		for k, f := range s.fields {
			var i int
			ok := k < len(last) && b.Columns[last[k]].Name == f.name
			if ok {
				i = last[k]
			} else {
				i, ok = index[f.name]
			}
			if ok && b.Columns[i].Type == schema.Long && jsonType(f.name, f.value) == schema.Real {
				// JSON does not tell 2 from 2.0: a column with both is real.
				b.Columns[i].Type = schema.Real
			}
			if !ok {
				i = len(b.Columns)
				index[f.name] = i
				b.Columns = append(b.Columns, schema.Column{Name: f.name, Type: jsonType(f.name, f.value)})
				row = append(row, nil)
			}
			row[i] = f.value
			if k < len(last) {
				last[k] = i
			} else {
				last = append(last, i)
			}
		}
		b.Rows = append(b.Rows, row)
		if !array {
			continue
		}
		if s.skipSpace(); s.pos < len(body) && body[s.pos] == ',' {
			s.pos++
			continue
		}
		if s.pos < len(body) && body[s.pos] == ']' {
			s.pos++
			break
		}
		return nil, s.unexpected("after array element")
	}
	if array && !s.atEnd() {
		return nil, fmt.Errorf("unexpected data after the JSON array at offset %d", s.pos)
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
	return b, nil
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
	case json.RawMessage:
		return schema.Dynamic
	}
	return schema.String
}
