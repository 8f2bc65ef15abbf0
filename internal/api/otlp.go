package api

import (
	"fmt"
	"net/http"

	"vigil/internal/auth"
	"vigil/internal/ingest/otlp"
	"vigil/internal/store"
	"vigil/internal/workspace"
)

// WorkspaceHeader names the workspace OTLP requests on the main port go
// to; without it they go to the key's workspace, or "default" for a key
// valid in every workspace. OTLP's paths have no room for a workspace.
const WorkspaceHeader = "x-vigil-workspace"

// otlpRoutes serves OTLP/HTTP (/v1/logs, /v1/traces, /v1/metrics) on the
// main port, so an OpenTelemetry SDK or Collector can send there with an
// API key (Ingestor or above) as a bearer token.
func (s *Server) otlpRoutes() {
	rcv := otlp.NewReceiver(s.store, s.rejects, s.log)
	// The field limits of every other ingestion path hold here too.
	rcv.Check = func(b *store.Batch) error {
		if err := checkFieldLimits(b, s.cfg.MaxFieldsPerRecord, s.cfg.MaxFieldBytes); err != nil {
			return fmt.Errorf("table %s: %w", b.Table, err)
		}
		return nil
	}
	for _, sig := range otlp.Signals {
		s.route("POST "+sig.Path(), auth.PermIngest, func(w http.ResponseWriter, r *http.Request, _ *workspace.Workspace) {
			p := r.Context().Value(principalKey{}).(auth.Principal)
			name := r.Header.Get(WorkspaceHeader)
			if name == "" {
				name = p.Workspace
			}
			if name == "" {
				name = "default"
			}
			ws, err := s.workspaces.Resolve(name)
			if err != nil {
				writeError(w, http.StatusNotFound, "WorkspaceNotFoundError", err.Error())
				return
			}
			if ok, why := p.Can(auth.PermIngest, ws.ID); !ok {
				s.metrics.rejected.WithLabelValues("forbidden").Inc()
				writeError(w, http.StatusForbidden, "InsufficientAccessError", "The provided credentials have insufficient access to perform the requested operation: "+why)
				return
			}
			// The workspace's ingestion rate limit applies as on every
			// other ingestion path.
			rcv.HandleHTTP(w, r, sig, ws.ID, s.cfg.MaxBodyBytes, func(w http.ResponseWriter, n int) bool { return s.admitIngest(w, ws, n) })
		})
	}
}
