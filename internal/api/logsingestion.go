package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"vigil/internal/auth"
	"vigil/internal/schema"
)

// DataCollectionRule routes the Logs Ingestion API's streams to tables.
type DataCollectionRule struct {
	// ID is the rule's immutable id, as it appears in the URL.
	ID string `yaml:"id" json:"id"`
	// Workspace is the destination workspace's name or id.
	Workspace string   `yaml:"workspace" json:"workspace"`
	Streams   []Stream `yaml:"streams" json:"streams"`
}

// Stream is one input stream of a rule: its declared columns, the KQL
// transform applied to each batch, and the table the result goes to.
type Stream struct {
	Name         string        `yaml:"name" json:"name"`
	Columns      []StreamField `yaml:"columns" json:"columns"`
	TransformKQL string        `yaml:"transformKql" json:"transformKql"`
	OutputTable  string        `yaml:"outputTable" json:"outputTable"`
}

// StreamField is a declared input column.
type StreamField struct {
	Name string `yaml:"name" json:"name"`
	Type string `yaml:"type" json:"type"`
}

// Validate checks a rule's streams: types known, a table, a transform
// that at least parses.
func (d DataCollectionRule) Validate() error {
	if d.ID == "" || d.Workspace == "" || len(d.Streams) == 0 {
		return fmt.Errorf("data collection rule %q needs an id, a workspace and streams", d.ID)
	}
	for _, st := range d.Streams {
		if st.Name == "" || st.OutputTable == "" {
			return fmt.Errorf("data collection rule %s: a stream needs a name and an outputTable", d.ID)
		}
		for _, c := range st.Columns {
			if _, err := schema.ParseType(c.Type); err != nil {
				return fmt.Errorf("data collection rule %s, stream %s, column %s: %v", d.ID, st.Name, c.Name, err)
			}
		}
	}
	return nil
}

// logsIngestion serves the Logs Ingestion API:
// POST /dataCollectionRules/{dcr}/streams/{stream}?api-version=2023-01-01
// with a JSON array (official clients gzip it), answering 204 once the
// transformed batch is durable.
func (s *Server) logsIngestion(w http.ResponseWriter, r *http.Request) {
	p, err := s.keys.Authenticate(bearer(r), time.Now())
	if err != nil {
		writeError(w, http.StatusUnauthorized, "AuthorizationRequiredError", "Valid authentication was not provided: send an API key as 'Authorization: Bearer <key>'")
		return
	}
	if v := r.URL.Query().Get("api-version"); v == "" {
		writeError(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter is required, e.g. api-version=2023-01-01")
		return
	}
	rule, stream := s.findStream(r.PathValue("dcr"), r.PathValue("stream"))
	if rule == nil {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Data collection rule %q was not found", r.PathValue("dcr")))
		return
	}
	if stream == nil {
		writeError(w, http.StatusBadRequest, "InvalidStream", fmt.Sprintf("Data collection rule %s has no stream %q", rule.ID, r.PathValue("stream")))
		return
	}
	ws, err := s.workspaces.Resolve(rule.Workspace)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", "the rule's workspace: "+err.Error())
		return
	}
	if ok, why := p.Can(auth.PermIngest, ws.ID); !ok {
		writeError(w, http.StatusForbidden, "InsufficientAccessError", "The provided credentials have insufficient access to perform the requested operation: "+why)
		return
	}
	if !jsonContentType(w, r) {
		return
	}
	body, ok := s.readBody(w, r)
	if !ok || !s.admitIngest(w, ws, len(body)) {
		return
	}
	if !strings.HasPrefix(strings.TrimSpace(string(body)), "[") {
		writeError(w, http.StatusBadRequest, "InvalidPayload", "The body must be a JSON array of records")
		return
	}
	in, err := DecodeRecords(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidPayload", err.Error())
		return
	}
	// Keep the declared columns, typed as declared; fields the stream does
	// not declare are dropped, as the service does.
	cols := make([]schema.Column, len(stream.Columns))
	rows := make([][]any, len(in.Rows))
	for i := range rows {
		rows[i] = make([]any, len(cols))
	}
	for j, f := range stream.Columns {
		typ, _ := schema.ParseType(f.Type)
		cols[j] = schema.Column{Name: f.Name, Type: typ}
		_, k := (&schema.Table{Columns: in.Columns}).Column(f.Name)
		if k < 0 {
			continue
		}
		for i, row := range in.Rows {
			v, err := schema.Convert(typ, row[k])
			if err != nil {
				writeError(w, http.StatusBadRequest, "InvalidPayload", fmt.Sprintf("record %d, column %s: %v", i, f.Name, err))
				return
			}
			rows[i][j] = v
		}
	}
	if t := strings.TrimSpace(stream.TransformKQL); t != "" && t != "source" {
		cols, rows, err = s.engine.Transform(r.Context(), t, cols, rows)
		if err != nil {
			s.log.Error("data collection rule transform failed", "dcr", rule.ID, "stream", stream.Name, "err", err)
			writeError(w, http.StatusBadRequest, "TransformFailed", "The rule's transformKql failed on this batch: "+err.Error())
			return
		}
	}
	b := in
	b.Workspace, b.Table, b.Columns, b.Rows = ws.ID, stream.OutputTable, cols, rows
	b.Raw, b.ContentType = body, "application/json"
	if err := s.storeBatch(r.Context(), b); err != nil {
		s.ingestError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) findStream(dcr, stream string) (*DataCollectionRule, *Stream) {
	for i := range s.cfg.DataCollectionRules {
		rule := &s.cfg.DataCollectionRules[i]
		if !strings.EqualFold(rule.ID, dcr) {
			continue
		}
		for j := range rule.Streams {
			if rule.Streams[j].Name == stream {
				return rule, &rule.Streams[j]
			}
		}
		return rule, nil
	}
	return nil, nil
}

// checkRules compiles every rule's transform against its declared
// stream once at start, so a typo is an error at startup, not at the
// first batch.
func (s *Server) checkRules() error {
	for _, rule := range s.cfg.DataCollectionRules {
		if err := rule.Validate(); err != nil {
			return err
		}
		if _, err := s.workspaces.Resolve(rule.Workspace); err != nil {
			return fmt.Errorf("data collection rule %s: %v", rule.ID, err)
		}
		for _, st := range rule.Streams {
			t := strings.TrimSpace(st.TransformKQL)
			if t == "" || t == "source" {
				continue
			}
			cols := make([]schema.Column, len(st.Columns))
			for i, c := range st.Columns {
				typ, _ := schema.ParseType(c.Type)
				cols[i] = schema.Column{Name: c.Name, Type: typ}
			}
			if _, _, err := s.engine.Transform(context.Background(), t, cols, nil); err != nil {
				return fmt.Errorf("data collection rule %s, stream %s: transformKql: %v", rule.ID, st.Name, err)
			}
		}
	}
	return nil
}
