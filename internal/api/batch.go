package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"vigil/internal/auth"
	"vigil/internal/workspace"
)

// maxBatchRequests bounds the queries of one $batch request, as the
// public API does.
const maxBatchRequests = 10

// batchRequest is one query of a $batch body.
type batchRequest struct {
	ID        string            `json:"id"`
	Headers   map[string]string `json:"headers"`
	Body      queryBody         `json:"body"`
	Method    string            `json:"method"`
	Path      string            `json:"path"`
	Workspace string            `json:"workspace"`
}

// batchResponse is one answer of a $batch response.
type batchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    any               `json:"body"`
}

// batch serves POST /v1/$batch: several queries in one request, each
// answered with its own status and body, in request order. Access is
// checked per query against the workspace it names, so a batch cannot
// reach further than its queries could one by one.
func (s *Server) batch(w http.ResponseWriter, r *http.Request, _ *workspace.Workspace) {
	raw, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var body struct {
		Requests []batchRequest `json:"requests"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		writeError(w, http.StatusBadRequest, "BadArgumentError", "The request body is not valid JSON: "+err.Error())
		return
	}
	switch {
	case len(body.Requests) == 0:
		writeError(w, http.StatusBadRequest, "BadArgumentError", "The batch has no requests")
		return
	case len(body.Requests) > maxBatchRequests:
		writeError(w, http.StatusBadRequest, "BadArgumentError", fmt.Sprintf("The batch has %d requests, over the limit of %d", len(body.Requests), maxBatchRequests))
		return
	}
	p := r.Context().Value(principalKey{}).(auth.Principal)
	out := struct {
		Responses []batchResponse `json:"responses"`
	}{}
	ids := map[string]bool{}
	for _, q := range body.Requests {
		status, resp := s.batchQuery(r, p, q, ids)
		out.Responses = append(out.Responses, batchResponse{ID: q.ID, Status: status, Body: resp})
	}
	writeJSON(w, http.StatusOK, out)
}

// batchQuery answers one query of a batch.
func (s *Server) batchQuery(r *http.Request, p auth.Principal, q batchRequest, ids map[string]bool) (int, any) {
	fail := func(status int, code, msg string) (int, any) {
		var e apiError
		e.Error.Code, e.Error.Message = code, msg
		return status, e
	}
	switch {
	case q.ID == "":
		return fail(http.StatusBadRequest, "BadArgumentError", "The batch request has no id")
	case ids[q.ID]:
		return fail(http.StatusBadRequest, "BadArgumentError", fmt.Sprintf("The batch request id %q is used twice", q.ID))
	case q.Method != "" && !strings.EqualFold(q.Method, http.MethodPost) && !strings.EqualFold(q.Method, http.MethodGet):
		return fail(http.StatusMethodNotAllowed, "BadArgumentError", fmt.Sprintf("The batch request method %q is not supported; use POST", q.Method))
	case q.Path != "/query" && q.Path != "query":
		return fail(http.StatusNotFound, "PathNotFoundError", fmt.Sprintf("The batch request path %q does not exist; use /query", q.Path))
	}
	ids[q.ID] = true
	ws, err := s.workspaces.Resolve(q.Workspace)
	if err != nil {
		return fail(http.StatusNotFound, "WorkspaceNotFoundError", err.Error())
	}
	if ok, why := p.Can(auth.PermQuery, ws.ID); !ok {
		s.metrics.rejected.WithLabelValues("forbidden").Inc()
		return fail(http.StatusForbidden, "InsufficientAccessError", "The provided credentials have insufficient access to perform the requested operation: "+why)
	}
	var prefer []string
	for k, v := range q.Headers {
		if strings.EqualFold(k, "Prefer") {
			prefer = append(prefer, v)
		}
	}
	return s.runQuery(r, p, ws, q.Body, parsePrefer(prefer))
}
