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

// defaultQueryTimeout bounds a query unless Prefer: wait=N says otherwise.
const defaultQueryTimeout = 3 * time.Minute

// query serves GET and POST /v1/workspaces/{ws}/query.
func (s *Server) query(w http.ResponseWriter, r *http.Request, ws *workspace.Workspace) {
	var body queryBody
	if r.Method == http.MethodGet {
		body.Query = r.URL.Query().Get("query")
		body.Timespan = r.URL.Query().Get("timespan")
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
	if strings.TrimSpace(body.Query) == "" {
		writeError(w, http.StatusBadRequest, "BadArgumentError", "The request has no query")
		return
	}
	now := time.Now().UTC()
	var from, to time.Time
	if body.Timespan != "" {
		var err error
		if from, to, err = ParseTimespan(body.Timespan, now); err != nil {
			writeError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
			return
		}
	}
	prefer := parsePrefer(r.Header.Values("Prefer"))
	timeout := defaultQueryTimeout
	if v, err := strconv.Atoi(prefer["wait"]); err == nil && v > 0 {
		timeout = time.Duration(v) * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	p := r.Context().Value(principalKey{}).(auth.Principal)
	start := time.Now()
	res, err := s.engine.Query(ctx, engine.Request{
		Query: body.Query, Tables: s.store.Tables(ws.ID), From: from, To: to, Now: now,
		MaxRows:   s.cfg.MaxResultRows,
		Workspace: s.workspaceResolver(p),
	})
	s.metrics.queries.WithLabelValues(queryStatus(err)).Inc()
	s.metrics.queryDuration.Observe(time.Since(start).Seconds())
	audit := queryAudit{principal: p, ws: ws, body: body, from: from, to: to, start: start, request: r}
	if err != nil {
		status := s.queryError(w, ctx, err)
		s.auditQuery(audit, status, 0)
		return
	}
	s.auditQuery(audit, http.StatusOK, len(res.Rows))
	resp := QueryResponse{Tables: []ResponseTable{ResultTable("PrimaryResult", res)}}
	if res.Truncated {
		resp.Error = map[string]any{"code": "PartialError", "message": "There were some errors when processing your query.",
			"details": []map[string]any{{"code": "EngineError", "message": fmt.Sprintf("Query result set has exceeded the internal record count limit %d", s.cfg.MaxResultRows)}}}
	}
	if prefer["include-render"] == "true" && res.Render != nil {
		resp.Render = map[string]any{"visualization": res.Render.Visualization}
		for k, v := range res.Render.Properties {
			resp.Render[k] = v
		}
	}
	if prefer["include-statistics"] == "true" {
		resp.Statistics = map[string]any{"query": map[string]any{"executionTime": time.Since(start).Seconds(), "resultRows": len(res.Rows)}}
	}
	writeJSON(w, http.StatusOK, resp)
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

// queryError answers a failed query in the API's error shape and
// returns the status it answered with.
func (s *Server) queryError(w http.ResponseWriter, ctx context.Context, err error) int {
	var ke *kql.Error
	switch {
	case errors.As(err, &ke):
		code := "SemanticError"
		if strings.HasPrefix(ke.Msg, "Syntax error") {
			code = "SyntaxError"
		}
		var e apiError
		e.Error.Code, e.Error.Message = "BadArgumentError", "The request had some invalid properties"
		e.Error.InnerError = map[string]any{"code": code, "message": ke.Error(), "line": ke.Pos.Line, "pos": ke.Pos.Column}
		writeJSON(w, http.StatusBadRequest, e)
		return http.StatusBadRequest
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded:
		writeError(w, http.StatusGatewayTimeout, "GatewayTimeout", "The query ran longer than its time limit and was cancelled")
		return http.StatusGatewayTimeout
	case errors.Is(err, context.Canceled):
		writeError(w, 499, "Cancelled", "The client went away; the query was cancelled")
		return 499
	default:
		s.log.Error("query failed", "err", err)
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return http.StatusInternalServerError
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
