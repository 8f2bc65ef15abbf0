// Package api serves Vigil's HTTP surfaces: ingestion, queries, the
// ledger, health and metrics, behind key authentication.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"vigil/internal/auth"
	"vigil/internal/engine"
	"vigil/internal/ingest"
	"vigil/internal/ledger"
	"vigil/internal/store"
	"vigil/internal/workspace"
)

// Config is what the server needs besides its parts.
type Config struct {
	// MaxBodyBytes bounds a request body after decompression. Default 64 MiB.
	MaxBodyBytes int64
	// MaxResultRows bounds a query's result; beyond it the response is
	// partial, with the API's partial-result error. Default 500,000.
	MaxResultRows int
	// MaxResultBytes bounds a query's result size (estimated as encoded);
	// beyond it the response is partial as well. Default 64 MiB.
	MaxResultBytes int64
	// QueryTimeout bounds a query's run time; Prefer: wait=N can shorten
	// it, not lengthen it. Default 3 minutes.
	QueryTimeout time.Duration
	// MaxFieldsPerRecord and MaxFieldBytes bound the fields of one
	// ingested record and the size of one field's value. Defaults: 500
	// fields (as Log Analytics limits a table's columns) and 64 KiB.
	MaxFieldsPerRecord int
	MaxFieldBytes      int
	// Limits are every workspace's ingestion rate limits; WorkspaceLimits
	// overrides them per workspace, keyed by name or id.
	Limits          Limits
	WorkspaceLimits map[string]Limits
	// Rejects records what the receivers could not parse; the server
	// shares it so /metrics counts every receiver's rejects. New makes one
	// when nil.
	Rejects *ingest.RejectRecorder
	// DataCollectionRules route the Logs Ingestion API's streams.
	DataCollectionRules []DataCollectionRule
	// Collectors are further metrics served on /metrics, from the
	// receivers that run beside the API (syslog, ...).
	Collectors []prometheus.Collector
	// Checkpoints makes the first checkpoint of a workspace's ledger when
	// one is asked for before any was made; nil leaves that to its own
	// interval. VerifierKey is the public key checkpoints are signed with,
	// served to auditors.
	Checkpoints *ledger.Checkpointer
	VerifierKey string
	Logger      *slog.Logger
}

// Server is Vigil's HTTP API.
type Server struct {
	cfg        Config
	store      *store.Store
	keys       *auth.Keys
	workspaces *workspace.Registry
	engine     *engine.Engine
	log        *slog.Logger
	mux        *http.ServeMux
	metrics    *metrics
	limiter    *rateLimiter
	rejects    *ingest.RejectRecorder
}

// New returns a server over the given parts. It fails when a data
// collection rule is invalid (its transform is compiled once here).
func New(cfg Config, st *store.Store, keys *auth.Keys, ws *workspace.Registry) (*Server, error) {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 20
	}
	if cfg.MaxResultRows <= 0 {
		cfg.MaxResultRows = 500_000
	}
	if cfg.MaxResultBytes <= 0 {
		cfg.MaxResultBytes = 64 << 20
	}
	if cfg.QueryTimeout <= 0 {
		cfg.QueryTimeout = 3 * time.Minute
	}
	if cfg.MaxFieldsPerRecord <= 0 {
		cfg.MaxFieldsPerRecord = 500
	}
	if cfg.MaxFieldBytes <= 0 {
		cfg.MaxFieldBytes = 64 << 10
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, store: st, keys: keys, workspaces: ws, log: cfg.Logger, mux: http.NewServeMux(), engine: engine.New(st.DB()),
		limiter: &rateLimiter{defaults: cfg.Limits, byWorkspace: cfg.WorkspaceLimits}, rejects: cfg.Rejects}
	if s.rejects == nil {
		s.rejects = ingest.NewRejectRecorder(st, 0)
	}
	reg := prometheus.NewRegistry()
	s.metrics = newMetrics(reg, st, s.rejects)
	reg.MustRegister(cfg.Collectors...)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ready\n")) })
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	s.route("POST /v1/workspaces/{workspace}/tables/{table}/rows", auth.PermIngest, s.ingestRows)
	s.route("POST /v1/workspaces/{workspace}/ingest", auth.PermIngest, s.ingestFormat)
	s.otlpRoutes()
	// The query API, also without /v1: some official clients given a
	// custom endpoint call /workspaces/{id}/query.
	for _, prefix := range []string{"/v1", ""} {
		s.route("GET "+prefix+"/workspaces/{workspace}/query", auth.PermQuery, s.query)
		s.route("POST "+prefix+"/workspaces/{workspace}/query", auth.PermQuery, s.query)
		s.route("GET "+prefix+"/workspaces/{workspace}/metadata", auth.PermQuery, s.metadata)
		s.route("POST "+prefix+"/$batch", auth.PermQuery, s.batch)
	}
	s.mux.HandleFunc("POST /api/logs", s.dataCollector)
	s.mux.HandleFunc("POST /dataCollectionRules/{dcr}/streams/{stream}", s.logsIngestion)
	s.route("GET /v1/workspaces", auth.PermQuery, s.listWorkspaces)
	s.route("POST /v1/workspaces", auth.PermAdmin, s.createWorkspace)
	s.route("DELETE /v1/workspaces/{workspace}", auth.PermAdmin, s.deleteWorkspace)
	s.route("PUT /v1/workspaces/{workspace}/retention", auth.PermAdmin, s.setRetention)
	s.route("POST /v1/keys", auth.PermAdmin, s.createKey)
	s.route("GET /v1/keys", auth.PermAdmin, s.listKeys)
	s.route("DELETE /v1/keys/{id}", auth.PermAdmin, s.revokeKey)
	s.route("GET /v1/workspaces/{workspace}", auth.PermQuery, s.showWorkspace)
	s.ledgerRoutes()
	if err := s.checkRules(); err != nil {
		return nil, err
	}
	s.auditConfiguration()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("x-ms-client-request-id")
	if id == "" {
		var b [16]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	w.Header().Set("x-ms-request-id", id)
	rw := &statusWriter{ResponseWriter: w, code: 200}
	start := time.Now()
	s.mux.ServeHTTP(rw, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rw.code, "ms", time.Since(start).Milliseconds(), "correlation_id", id)
	s.metrics.requests.WithLabelValues(r.Method, codeClass(rw.code)).Inc()
}

type requestIDKey struct{}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func codeClass(code int) string { return string(rune('0'+code/100)) + "xx" }

// principalKey carries the authenticated principal in a request context.
type principalKey struct{}

// route registers an authenticated handler: the key must be valid and
// grant perm on the workspace the path names (if any).
func (s *Server) route(pattern string, perm auth.Permission, h func(http.ResponseWriter, *http.Request, *workspace.Workspace)) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		p, err := s.keys.Authenticate(bearer(r), time.Now())
		if err != nil {
			s.metrics.rejected.WithLabelValues("unauthenticated").Inc()
			writeError(w, http.StatusUnauthorized, "AuthorizationRequiredError", "Valid authentication was not provided: send an API key as 'Authorization: Bearer <key>'")
			return
		}
		// The role is checked before the workspace is looked up, so a key
		// without the permission learns nothing of which workspaces exist.
		if !p.Role.Allows(perm) {
			s.metrics.rejected.WithLabelValues("forbidden").Inc()
			_, why := p.Can(perm, "")
			writeError(w, http.StatusForbidden, "InsufficientAccessError", "The provided credentials have insufficient access to perform the requested operation: "+why)
			return
		}
		var ws *workspace.Workspace
		if name := r.PathValue("workspace"); name != "" {
			if ws, err = s.workspaces.Resolve(name); err != nil {
				writeError(w, http.StatusNotFound, "WorkspaceNotFoundError", err.Error())
				return
			}
		}
		wsID := ""
		if ws != nil {
			wsID = ws.ID
		}
		if ok, why := p.Can(perm, wsID); !ok {
			s.metrics.rejected.WithLabelValues("forbidden").Inc()
			writeError(w, http.StatusForbidden, "InsufficientAccessError", "The provided credentials have insufficient access to perform the requested operation: "+why)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)), ws)
	})
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if v, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(v)
	}
	return ""
}

// apiError is the error shape of the Log Analytics APIs.
type apiError struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError any    `json:"innererror,omitempty"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var e apiError
	e.Error.Code, e.Error.Message = code, msg
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.Encode(v)
}

func (s *Server) listWorkspaces(w http.ResponseWriter, r *http.Request, _ *workspace.Workspace) {
	p := r.Context().Value(principalKey{}).(auth.Principal)
	var out []map[string]any
	for _, ws := range s.workspaces.List() {
		if ok, _ := p.Can(auth.PermQuery, ws.ID); ok {
			out = append(out, describeWorkspace(&ws, p))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": out})
}

func (s *Server) showWorkspace(w http.ResponseWriter, r *http.Request, ws *workspace.Workspace) {
	writeJSON(w, http.StatusOK, describeWorkspace(ws, r.Context().Value(principalKey{}).(auth.Principal)))
}

// describeWorkspace shows the shared keys to Owners only.
func describeWorkspace(ws *workspace.Workspace, p auth.Principal) map[string]any {
	out := map[string]any{"id": ws.ID, "name": ws.Name, "created": ws.Created, "retentionDays": ws.RetentionDays}
	if p.Role == auth.Owner {
		out["primarySharedKey"] = ws.PrimarySharedKey
		out["secondarySharedKey"] = ws.SecondarySharedKey
	}
	return out
}

// storeError maps a store error to an HTTP answer.
func (s *Server) storeError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, store.ErrBusy):
		s.metrics.rejected.WithLabelValues("busy").Inc()
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "ServiceBusy", err.Error())
	case strings.Contains(err.Error(), "disk full"):
		s.metrics.rejected.WithLabelValues("disk_full").Inc()
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusInsufficientStorage, "InsufficientStorage", err.Error())
	case strings.Contains(err.Error(), "durable but"):
		writeError(w, http.StatusInternalServerError, "InternalError", err.Error())
	default:
		s.metrics.rejected.WithLabelValues("bad_request").Inc()
		writeError(w, http.StatusBadRequest, "BadArgumentError", strings.TrimPrefix(err.Error(), "store: "))
	}
}
