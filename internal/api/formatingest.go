package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"vigil/internal/ingest"
	"vigil/internal/workspace"
)

// maxRejectsShown bounds the rejects listed in a format ingestion answer;
// all of them are counted and sampled into VigilIngestionErrors.
const maxRejectsShown = 20

// formatIngestResult answers POST /v1/workspaces/{ws}/ingest.
type formatIngestResult struct {
	// Tables counts the rows stored per destination table.
	Tables map[string]int `json:"tables"`
	// Rejected counts the records that could not be parsed; Rejects lists
	// the first of them.
	Rejected int            `json:"rejected"`
	Rejects  []rejectAnswer `json:"rejects,omitempty"`
}

type rejectAnswer struct {
	Offset int    `json:"offset"`
	Reason string `json:"reason"`
}

// ingestFormat serves POST /v1/workspaces/{ws}/ingest?format=NAME: the
// body is parsed by the named ingestion format (syslog, azure-records,
// ...), which routes its records to their tables. Records that do not
// parse are answered, counted and kept in VigilIngestionErrors; they never
// cost their neighbours their place. The answer comes when every batch is
// durable. A body routed to several tables is stored as one atomic batch
// per table: should a later table's batch fail, the answer (an error)
// names the tables already stored.
func (s *Server) ingestFormat(w http.ResponseWriter, r *http.Request, ws *workspace.Workspace) {
	name := r.URL.Query().Get("format")
	format, ok := ingest.Lookup(name)
	if !ok {
		s.metrics.rejected.WithLabelValues("unknown_format").Inc()
		writeError(w, http.StatusBadRequest, "BadArgumentError", fmt.Sprintf("unknown format %q: the format parameter must be one of %s", name, strings.Join(ingest.Names(), ", ")))
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	if !s.admitIngest(w, ws, len(body)) {
		return
	}
	received := time.Now().UTC()
	batches, rejects, err := format.Parse(ws.ID, body, received)
	if err != nil {
		s.metrics.rejected.WithLabelValues("bad_" + strings.ReplaceAll(name, "-", "_")).Inc()
		writeError(w, http.StatusBadRequest, "BadArgumentError", fmt.Sprintf("the body is not valid %s: %v", name, err))
		return
	}
	res := formatIngestResult{Tables: map[string]int{}, Rejected: len(rejects)}
	for _, b := range batches {
		// Every batch is checked before any is stored, so a request over
		// a limit stores nothing.
		if err := checkFieldLimits(b, s.cfg.MaxFieldsPerRecord, s.cfg.MaxFieldBytes); err != nil {
			s.ingestError(w, fieldLimitError{fmt.Errorf("table %s: %w", b.Table, err)})
			return
		}
	}
	for _, b := range batches {
		if err := s.storeBatch(r.Context(), b); err != nil {
			if len(res.Tables) > 0 {
				err = fmt.Errorf("%w (already stored: %v)", err, res.Tables)
			}
			s.ingestError(w, err)
			return
		}
		res.Tables[b.Table] += len(b.Rows)
	}
	if len(rejects) > 0 {
		// Recording is best effort: the records are answered either way.
		if err := s.rejects.Record(context.WithoutCancel(r.Context()), ws.ID, "http", name, r.RemoteAddr, rejects, received); err != nil {
			s.log.Error("recording rejected input", "err", err)
		}
		for _, rej := range rejects[:min(len(rejects), maxRejectsShown)] {
			res.Rejects = append(res.Rejects, rejectAnswer{Offset: rej.Offset, Reason: rej.Reason})
		}
	}
	if len(batches) == 0 {
		writeJSON(w, http.StatusBadRequest, res)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
