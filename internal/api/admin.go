package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"time"

	"vigil/internal/auth"
	"vigil/internal/schema"
	"vigil/internal/store"
	"vigil/internal/workspace"
)

// activity writes a VigilActivity row for a control-plane change made
// by request r.
func (s *Server) activity(r *http.Request, wsID, operation, resource string, err error, props map[string]any) {
	caller := ""
	if p, ok := r.Context().Value(principalKey{}).(auth.Principal); ok {
		caller = p.KeyID
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	id, _ := r.Context().Value(requestIDKey{}).(string)
	s.recordActivity(caller, ip, id, wsID, operation, resource, err, props)
}

// recordActivity writes a VigilActivity row into the workspace the change
// concerns (the default workspace for global changes). A failure to
// audit is logged and counted; the change has been made.
func (s *Server) recordActivity(caller, ip, correlationID, wsID, operation, resource string, err error, props map[string]any) {
	if wsID == "" {
		if ws, e := s.workspaces.Resolve("default"); e == nil {
			wsID = ws.ID
		} else if list := s.workspaces.List(); len(list) > 0 {
			wsID = list[0].ID
		}
	}
	status := "Succeeded"
	if err != nil {
		status = "Failed"
		props["error"] = err.Error()
	}
	raw, _ := json.Marshal(map[string]any{"operation": operation, "resource": resource, "properties": props})
	b := &store.Batch{Workspace: wsID, Table: "VigilActivity", Raw: raw, ContentType: "application/json",
		Columns: []schema.Column{{Name: "Caller", Type: schema.String}, {Name: "CallerIpAddress", Type: schema.String},
			{Name: "OperationName", Type: schema.String}, {Name: "ResourceId", Type: schema.String},
			{Name: "ActivityStatus", Type: schema.String}, {Name: "CorrelationId", Type: schema.String},
			{Name: "Properties", Type: schema.Dynamic}},
		Rows: [][]any{{caller, ip, operation, resource, status, correlationID, props}},
	}
	if _, err := s.store.Append(context.Background(), b); err != nil {
		s.metrics.rejected.WithLabelValues("audit_failed").Inc()
		s.log.Error("writing the activity row", "operation", operation, "err", err)
	}
}

// auditConfiguration records the configuration the server starts with,
// so an auditor sees every change of rules and limits as the start that
// brought it, with a digest to compare starts by.
func (s *Server) auditConfiguration() {
	rules := make([]map[string]any, 0, len(s.cfg.DataCollectionRules))
	for _, r := range s.cfg.DataCollectionRules {
		streams := map[string]string{}
		for _, st := range r.Streams {
			streams[st.Name] = st.OutputTable + " <- " + st.TransformKQL
		}
		rules = append(rules, map[string]any{"id": r.ID, "workspace": r.Workspace, "streams": streams})
	}
	props := map[string]any{
		"dataCollectionRules": rules,
		"limits":              s.cfg.Limits, "workspaceLimits": s.cfg.WorkspaceLimits,
		"maxBodyBytes": s.cfg.MaxBodyBytes, "maxFieldsPerRecord": s.cfg.MaxFieldsPerRecord, "maxFieldBytes": s.cfg.MaxFieldBytes,
		"queryTimeout": s.cfg.QueryTimeout.String(), "maxResultRows": s.cfg.MaxResultRows, "maxResultBytes": s.cfg.MaxResultBytes,
	}
	text, _ := json.Marshal(props)
	sum := sha256.Sum256(text)
	props["digest"] = hex.EncodeToString(sum[:])
	s.recordActivity("vigil", "", "", "", "Configuration/Apply", "configuration", nil, props)
}

func decodeJSON(w http.ResponseWriter, r *http.Request, s *Server, v any) bool {
	raw, ok := s.readBody(w, r)
	if !ok {
		return false
	}
	if err := json.Unmarshal(raw, v); err != nil {
		writeError(w, http.StatusBadRequest, "BadArgumentError", "The request body is not valid JSON: "+err.Error())
		return false
	}
	return true
}

// createKey: POST /v1/keys {"role","workspace","name","expires"}. The key
// is in the response once, never again.
func (s *Server) createKey(w http.ResponseWriter, r *http.Request, _ *workspace.Workspace) {
	var req struct {
		Role      string    `json:"role"`
		Workspace string    `json:"workspace"`
		Name      string    `json:"name"`
		Expires   time.Time `json:"expires"`
	}
	if !decodeJSON(w, r, s, &req) {
		return
	}
	role, err := auth.ParseRole(req.Role)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
		return
	}
	wsID := ""
	if req.Workspace != "" {
		ws, err := s.workspaces.Resolve(req.Workspace)
		if err != nil {
			writeError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
			return
		}
		wsID = ws.ID
	}
	secret, key, err := s.keys.Create(role, wsID, req.Name, req.Expires, "")
	s.activity(r, wsID, "Keys/Create", "keys/"+key.ID, err, map[string]any{"role": string(role), "scope": wsID, "name": req.Name})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": key.ID, "key": secret, "role": key.Role, "workspace": key.Workspace, "name": key.Name, "expires": key.Expires})
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request, _ *workspace.Workspace) {
	var out []map[string]any
	for _, k := range s.keys.List() {
		out = append(out, map[string]any{"id": k.ID, "role": k.Role, "workspace": k.Workspace, "name": k.Name,
			"created": k.Created, "expires": k.Expires, "revoked": k.Revoked})
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": out})
}

func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request, _ *workspace.Workspace) {
	id := r.PathValue("id")
	err := s.keys.Revoke(id)
	s.activity(r, "", "Keys/Revoke", "keys/"+id, err, map[string]any{})
	if err != nil {
		writeError(w, http.StatusNotFound, "PathNotFoundError", err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// createWorkspace: POST /v1/workspaces {"name","retentionDays"}.
func (s *Server) createWorkspace(w http.ResponseWriter, r *http.Request, _ *workspace.Workspace) {
	var req struct {
		Name          string `json:"name"`
		RetentionDays int    `json:"retentionDays"`
	}
	if !decodeJSON(w, r, s, &req) {
		return
	}
	ws, err := s.workspaces.Create(req.Name, req.RetentionDays)
	if err == nil && req.RetentionDays != 0 {
		err = s.store.SetRetention(ws.ID, "", req.RetentionDays)
	}
	props := map[string]any{"name": req.Name, "retentionDays": req.RetentionDays}
	if ws != nil {
		props["id"] = ws.ID
	}
	// Workspace lifecycle is recorded in the default workspace, where it
	// outlives the workspace it concerns.
	s.activity(r, "", "Workspaces/Create", "workspaces/"+req.Name, err, props)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, describeWorkspace(ws, r.Context().Value(principalKey{}).(auth.Principal)))
}

// deleteWorkspace is soft: the workspace disappears from the API, its
// data stays until an operator removes it.
func (s *Server) deleteWorkspace(w http.ResponseWriter, r *http.Request, ws *workspace.Workspace) {
	err := s.workspaces.Delete(ws.ID)
	s.activity(r, "", "Workspaces/Delete", "workspaces/"+ws.ID, err, map[string]any{"name": ws.Name})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// setRetention: PUT /v1/workspaces/{ws}/retention {"table","days"}.
func (s *Server) setRetention(w http.ResponseWriter, r *http.Request, ws *workspace.Workspace) {
	var req struct {
		Table string `json:"table"`
		Days  int    `json:"days"`
	}
	if !decodeJSON(w, r, s, &req) {
		return
	}
	err := s.store.SetRetention(ws.ID, req.Table, req.Days)
	s.activity(r, ws.ID, "Retention/Set", "workspaces/"+ws.ID+"/tables/"+req.Table, err, map[string]any{"table": req.Table, "days": req.Days})
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
