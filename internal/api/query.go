package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"vigil/internal/auth"
	"vigil/internal/engine"
	"vigil/internal/kql"
	"vigil/internal/schema"
	"vigil/internal/source"
	"vigil/internal/store"
	"vigil/internal/workspace"
)

// queryBody is the Log Analytics query API's request body.
type queryBody struct {
	Query      string   `json:"query"`
	Timespan   string   `json:"timespan"`
	Workspaces []string `json:"workspaces"`
}

// ResponseTable is one table of a query response, in the Log Analytics
// query API's shape.
type ResponseTable struct {
	Name    string           `json:"name"`
	Columns []ResponseColumn `json:"columns"`
	Rows    [][]any          `json:"rows"`
}

// ResponseColumn names and types a column ("string", "long", "datetime", ...).
type ResponseColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// QueryResponse is the Log Analytics query API's response.
type QueryResponse struct {
	Tables     []ResponseTable `json:"tables"`
	Render     map[string]any  `json:"render,omitempty"`
	Statistics map[string]any  `json:"statistics,omitempty"`
	Error      any             `json:"error,omitempty"`
}

// query serves GET and POST /v1/workspaces/{ws}/query.
func (s *Server) query(w http.ResponseWriter, r *http.Request, ws *workspace.Workspace) {
	var body queryBody
	if r.Method == http.MethodGet {
		body.Query = r.URL.Query().Get("query")
		body.Timespan = r.URL.Query().Get("timespan")
		if v := r.URL.Query().Get("workspaces"); v != "" {
			body.Workspaces = strings.Split(v, ",")
		}
	} else {
		raw, ok := s.readBody(w, r)
		if !ok {
			return
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			writeError(w, http.StatusBadRequest, "BadArgumentError", "The request body is not valid JSON: "+err.Error())
			return
		}
	}
	p := r.Context().Value(principalKey{}).(auth.Principal)
	status, resp := s.runQuery(r, p, ws, body, parsePrefer(r.Header.Values("Prefer")))
	writeJSON(w, status, resp)
}

// runQuery runs one query for principal p on workspace ws (plus the
// workspaces the body names) and returns the HTTP status and the JSON
// body to answer with. The query is audited in LAQueryLogs whatever its
// outcome. r is the HTTP request carrying it, for cancellation, the
// correlation id and the audit's client details.
func (s *Server) runQuery(r *http.Request, p auth.Principal, ws *workspace.Workspace, body queryBody, prefer map[string]string) (int, any) {
	start := time.Now()
	audit := queryAudit{principal: p, ws: ws, body: body, start: start, request: r}
	fail := func(status int, code, msg string) (int, any) {
		s.auditQuery(audit, status, 0)
		var e apiError
		e.Error.Code, e.Error.Message = code, msg
		return status, e
	}
	if strings.TrimSpace(body.Query) == "" {
		return fail(http.StatusBadRequest, "BadArgumentError", "The request has no query")
	}
	now := start.UTC()
	if body.Timespan != "" {
		var err error
		if audit.from, audit.to, err = ParseTimespan(body.Timespan, now); err != nil {
			return fail(http.StatusBadRequest, "BadArgumentError", err.Error())
		}
	}
	tables, status, err := s.queryTables(p, ws, body.Workspaces)
	if err != nil {
		return fail(status, map[int]string{http.StatusNotFound: "WorkspaceNotFoundError", http.StatusForbidden: "InsufficientAccessError"}[status], err.Error())
	}
	timeout := s.cfg.QueryTimeout
	if v, err := strconv.Atoi(prefer["wait"]); err == nil && v > 0 && time.Duration(v)*time.Second < timeout {
		timeout = time.Duration(v) * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	res, err := s.engine.Query(ctx, engine.Request{
		Query: body.Query, Tables: tables, From: audit.from, To: audit.to, Now: now,
		MaxRows:   s.cfg.MaxResultRows,
		Workspace: s.workspaceResolver(p),
	})
	s.metrics.queries.WithLabelValues(queryStatus(err)).Inc()
	s.metrics.queryDuration.Observe(time.Since(start).Seconds())
	if err != nil {
		status, e := s.queryError(ctx, err)
		s.auditQuery(audit, status, 0)
		return status, e
	}
	table := ResultTable("PrimaryResult", res)
	resp := QueryResponse{Tables: []ResponseTable{table}}
	switch {
	case res.Truncated:
		resp.Error = partialError(fmt.Sprintf("Query result set has exceeded the internal record count limit %d", s.cfg.MaxResultRows))
	case truncateBytes(&resp.Tables[0], s.cfg.MaxResultBytes):
		resp.Error = partialError(fmt.Sprintf("Query result set has exceeded the internal data size limit %d bytes", s.cfg.MaxResultBytes))
	}
	s.auditQuery(audit, http.StatusOK, len(resp.Tables[0].Rows))
	if prefer["include-render"] == "true" && res.Render != nil {
		resp.Render = map[string]any{"visualization": res.Render.Visualization}
		for k, v := range res.Render.Properties {
			resp.Render[k] = v
		}
	}
	if prefer["include-statistics"] == "true" {
		resp.Statistics = map[string]any{"query": map[string]any{"executionTime": time.Since(start).Seconds(), "resultRows": len(resp.Tables[0].Rows)}}
	}
	return http.StatusOK, resp
}

// partialError is the query API's error for a result cut at a limit: the
// rows up to the limit are still returned.
func partialError(detail string) map[string]any {
	return map[string]any{"code": "PartialError", "message": "There were some errors when processing your query.",
		"details": []map[string]any{{"code": "EngineError", "message": detail}}}
}

// truncateBytes cuts t's rows where their JSON encoding would pass max
// bytes, and says whether it cut. The size is estimated per cell, close
// enough for a limit whose purpose is bounding the response.
func truncateBytes(t *ResponseTable, max int64) bool {
	var n int64
	for i, row := range t.Rows {
		for _, v := range row {
			n += cellBytes(v)
		}
		if n > max {
			t.Rows = t.Rows[:i]
			return true
		}
	}
	return false
}

func cellBytes(v any) int64 {
	switch x := v.(type) {
	case string:
		return int64(len(x)) + 3
	case nil:
		return 5
	}
	return 12
}

// queryTables returns the tables a query sees: the workspace's own, or,
// when the request names more workspaces, their union, each checked
// against the principal's access. On error it also returns the status.
func (s *Server) queryTables(p auth.Principal, ws *workspace.Workspace, more []string) (source.Tables, int, error) {
	members := []source.Tables{s.store.Tables(ws.ID)}
	seen := map[string]bool{ws.ID: true}
	for _, name := range more {
		other, err := s.workspaces.Resolve(name)
		if err != nil {
			return nil, http.StatusNotFound, err
		}
		if ok, why := p.Can(auth.PermQuery, other.ID); !ok {
			return nil, http.StatusForbidden, errors.New("The provided credentials have insufficient access to perform the requested operation: " + why)
		}
		if !seen[other.ID] {
			seen[other.ID] = true
			members = append(members, s.store.Tables(other.ID))
		}
	}
	if len(members) == 1 {
		return members[0], 0, nil
	}
	return store.Union(members...), 0, nil
}

func queryStatus(err error) string {
	var ke *kql.Error
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &ke):
		return "bad_query"
	}
	return "error"
}

// queryError maps a failed query to the API's error shape and status.
func (s *Server) queryError(ctx context.Context, err error) (int, apiError) {
	var e apiError
	var ke *kql.Error
	switch {
	case errors.As(err, &ke):
		code := "SemanticError"
		if strings.HasPrefix(ke.Msg, "Syntax error") {
			code = "SyntaxError"
		}
		e.Error.Code, e.Error.Message = "BadArgumentError", "The request had some invalid properties"
		e.Error.InnerError = map[string]any{"code": code, "message": ke.Error(), "line": ke.Pos.Line, "pos": ke.Pos.Column}
		return http.StatusBadRequest, e
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded:
		e.Error.Code, e.Error.Message = "GatewayTimeout", "The query ran longer than its time limit and was cancelled"
		return http.StatusGatewayTimeout, e
	case errors.Is(err, context.Canceled):
		e.Error.Code, e.Error.Message = "Cancelled", "The client went away; the query was cancelled"
		return 499, e
	case errors.Is(err, engine.ErrOutOfMemory):
		// As Log Analytics answers a query over its memory limit: the
		// request's fault, named by Kusto's E_LOW_MEMORY_CONDITION.
		e.Error.Code, e.Error.Message = "BadArgumentError", "The query needed more memory than the server allows"
		e.Error.InnerError = map[string]any{"code": "E_LOW_MEMORY_CONDITION", "message": err.Error()}
		return http.StatusBadRequest, e
	default:
		s.log.Error("query failed", "err", err)
		e.Error.Code, e.Error.Message = "InternalServerError", err.Error()
		return http.StatusInternalServerError, e
	}
}

// queryAudit is what LAQueryLogs records of one query.
type queryAudit struct {
	principal auth.Principal
	ws        *workspace.Workspace
	body      queryBody
	from, to  time.Time
	start     time.Time
	request   *http.Request
}

// auditQuery writes the query's LAQueryLogs row through the store, so it
// is durable and in the ledger like any other row. A failure to audit is
// logged and counted; the query's answer has already been given.
func (s *Server) auditQuery(a queryAudit, status, rows int) {
	var filters any
	if !a.from.IsZero() {
		filters = map[string]any{"timeRangeStart": a.from, "timeRangeEnd": a.to}
	}
	var from, to any
	if !a.from.IsZero() {
		from, to = a.from, a.to
	}
	targets := append([]string{a.ws.ID}, a.body.Workspaces...)
	b := &store.Batch{
		Workspace: a.ws.ID, Table: "LAQueryLogs", ContentType: "application/json",
		Columns: []schema.Column{{Name: "AADClientId", Type: schema.String}, {Name: "CorrelationId", Type: schema.String},
			{Name: "QueryText", Type: schema.String}, {Name: "RequestClientApp", Type: schema.String},
			{Name: "RequestContext", Type: schema.Dynamic}, {Name: "RequestContextFilters", Type: schema.Dynamic},
			{Name: "RequestTarget", Type: schema.String}, {Name: "ResponseCode", Type: schema.Int},
			{Name: "ResponseDurationMs", Type: schema.Real}, {Name: "ResponseRowCount", Type: schema.Int},
			{Name: "StatsDataProcessedStart", Type: schema.DateTime}, {Name: "StatsDataProcessedEnd", Type: schema.DateTime},
			{Name: "StatsWorkspaceCount", Type: schema.Int}, {Name: "IsBillableQuery", Type: schema.Bool}},
		Rows: [][]any{{a.principal.KeyID, a.request.Context().Value(requestIDKey{}), a.body.Query, a.request.UserAgent(),
			map[string]any{"workspaces": targets}, filters, a.ws.ID, int32(status),
			float64(time.Since(a.start).Microseconds()) / 1000, int32(rows), from, to, int32(len(targets)), false}},
	}
	b.Raw, _ = json.Marshal(map[string]any{"query": a.body.Query, "timespan": a.body.Timespan, "workspaces": a.body.Workspaces, "key": a.principal.KeyID})
	if _, err := s.store.Append(context.Background(), b); err != nil {
		s.metrics.rejected.WithLabelValues("audit_failed").Inc()
		s.log.Error("writing the query audit row", "err", err)
	}
}

// workspaceResolver lets workspace("x") read another workspace the
// principal may query.
func (s *Server) workspaceResolver(p auth.Principal) func(string) (source.Tables, error) {
	return func(nameOrID string) (source.Tables, error) {
		ws, err := s.workspaces.Resolve(nameOrID)
		if err != nil {
			return nil, err
		}
		if ok, why := p.Can(auth.PermQuery, ws.ID); !ok {
			return nil, errors.New(why)
		}
		return s.store.Tables(ws.ID), nil
	}
}

func parsePrefer(values []string) map[string]string {
	out := map[string]string{}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
			out[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(val)
		}
	}
	return out
}

// ResultTable renders an engine result in the API's encoding: datetimes
// as ISO 8601 strings, timespans as [d.]hh:mm:ss[.fffffff], dynamic
// values as their JSON text, guids and decimals as strings.
func ResultTable(name string, res *engine.Result) ResponseTable {
	t := ResponseTable{Name: name, Columns: []ResponseColumn{}, Rows: [][]any{}}
	for _, c := range res.Columns {
		t.Columns = append(t.Columns, ResponseColumn{Name: c.Name, Type: c.Type.String()})
	}
	for _, row := range res.Rows {
		out := make([]any, len(row))
		for i, v := range row {
			out[i] = EncodeValue(v)
		}
		t.Rows = append(t.Rows, out)
	}
	return t
}

// EncodeValue is one cell in the query API's JSON encoding.
func EncodeValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.0000000Z")
	case time.Duration:
		return schema.FormatTimespan(x)
	case json.RawMessage:
		return string(x)
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN"
		case math.IsInf(x, 1):
			return "Infinity"
		case math.IsInf(x, -1):
			return "-Infinity"
		}
	}
	return v
}

var isoDuration = regexp.MustCompile(`^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

// ParseTimespan parses the query API's ISO 8601 timespan: a duration
// ending now (PT1H, P1D, P1DT12H), start/end, start/duration or
// duration/end.
func ParseTimespan(s string, now time.Time) (time.Time, time.Time, error) {
	a, b, two := strings.Cut(strings.TrimSpace(s), "/")
	if !two {
		d, err := parseISODuration(a)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		return now.Add(-d), now, nil
	}
	start, errA := schema.ParseDateTime(a)
	end, errB := schema.ParseDateTime(b)
	switch {
	case errA == nil && errB == nil:
	case errA == nil:
		d, err := parseISODuration(b)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		end = start.Add(d)
	case errB == nil:
		d, err := parseISODuration(a)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		start = end.Add(-d)
	default:
		return time.Time{}, time.Time{}, fmt.Errorf("invalid timespan %q: use an ISO 8601 duration (PT1H), start/end or start/duration", s)
	}
	if !end.After(start) {
		return time.Time{}, time.Time{}, fmt.Errorf("invalid timespan %q: the end is not after the start", s)
	}
	return start, end, nil
}

func parseISODuration(s string) (time.Duration, error) {
	m := isoDuration.FindStringSubmatch(strings.ToUpper(s))
	if m == nil || s == "P" || s == "PT" {
		return 0, fmt.Errorf("invalid timespan %q: use an ISO 8601 duration such as PT1H or P1D", s)
	}
	units := []time.Duration{7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute, time.Second}
	var d time.Duration
	for i, u := range units {
		if m[i+1] != "" {
			f, _ := strconv.ParseFloat(m[i+1], 64)
			d += time.Duration(f * float64(u))
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("invalid timespan %q: the duration must be positive", s)
	}
	return d, nil
}

// metadata serves GET /v1/workspaces/{ws}/metadata: the workspace's
// tables and their visible columns, in the shape of the Log Analytics
// metadata API's "tables" list.
func (s *Server) metadata(w http.ResponseWriter, r *http.Request, ws *workspace.Workspace) {
	tables := s.store.Tables(ws.ID)
	type column struct {
		Name        string `json:"name"`
		Type        string `json:"type"`
		Description string `json:"description,omitempty"`
	}
	type table struct {
		ID      string   `json:"id"`
		Name    string   `json:"name"`
		Columns []column `json:"columns"`
	}
	out := struct {
		Tables []table `json:"tables"`
	}{Tables: []table{}}
	for _, name := range tables.Names() {
		def, ok := tables.Table(name)
		if !ok {
			continue
		}
		t := table{ID: "t/" + name, Name: name}
		for _, c := range def.Columns {
			if !c.Hidden {
				t.Columns = append(t.Columns, column{c.Name, c.Type.String(), c.Description})
			}
		}
		out.Tables = append(out.Tables, t)
	}
	writeJSON(w, http.StatusOK, out)
}
