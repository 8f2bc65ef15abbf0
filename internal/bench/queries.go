package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"vigil/internal/api"
	"vigil/internal/engine"
	"vigil/internal/schema"
	"vigil/internal/source"
	"vigil/internal/sqlgen"
)

// query is one question of the fixed set, asked in KQL of Vigil and in
// hand-written SQL of DuckDB. In SQL, {Table} stands for the store's
// relation of that table, the same segments the engine reads; the SQL
// names its columns as the KQL result does, so the answers compare.
type query struct {
	Name string
	KQL  string
	SQL  string
	// Narrow restricts the query to narrowWindow through the query API's
	// timespan (the engine's time range), as a portal's time picker does.
	Narrow bool
}

// narrowWindow is ten minutes in the middle of the data.
func narrowWindow() (time.Time, time.Time) {
	from := Start.Add(Span / 2)
	return from, from.Add(10 * time.Minute)
}

// querySet is the fixed query set of the benchmark (issue 6). syslog is
// the Syslog table's definition, whose columns arg_max(TimeGenerated, *)
// returns.
func querySet(g *Generator, syslog *schema.Table) []query {
	from, to := narrowWindow()
	return []query{
		{Name: "count", KQL: "Syslog | count",
			SQL: "SELECT count(*) AS Count FROM {Syslog}"},
		{Name: "histogram 1h by severity", KQL: "Syslog | summarize count() by bin(TimeGenerated, 1h), SeverityLevel",
			SQL: "SELECT date_trunc('hour', TimeGenerated) AS TimeGenerated, SeverityLevel, count(*) AS count_ FROM {Syslog} GROUP BY ALL"},
		{Name: "top 10 client IPs", KQL: "Requests_CL | summarize Requests = count() by ClientIP | top 10 by Requests desc, ClientIP asc",
			SQL: "SELECT ClientIP, count(*) AS Requests FROM {Requests_CL} GROUP BY ClientIP ORDER BY Requests DESC, ClientIP LIMIT 10"},
		{Name: "dcount users", KQL: "Signin_CL | summarize dcount(UserPrincipalName)",
			SQL: "SELECT count(DISTINCT UserPrincipalName) AS dcount_UserPrincipalName FROM {Signin_CL}"},
		{Name: "rare token has", KQL: fmt.Sprintf("Syslog | where SyslogMessage has %q | project TimeGenerated, Computer, SyslogMessage", g.Needle()),
			SQL: fmt.Sprintf("SELECT TimeGenerated, Computer, SyslogMessage FROM {Syslog} WHERE SyslogMessage ILIKE '%%%s%%'", g.Needle())},
		{Name: "contains", KQL: `Syslog | where SyslogMessage contains "failed password" | summarize Failures = count() by ProcessName`,
			SQL: "SELECT ProcessName, count(*) AS Failures FROM {Syslog} WHERE SyslogMessage ILIKE '%failed password%' GROUP BY ProcessName"},
		{Name: "dynamic property filter", KQL: `Signin_CL | where LocationDetails.countryOrRegion == "BR" | summarize count() by ResultType`,
			SQL: "SELECT ResultType, count(*) AS count_ FROM {Signin_CL} WHERE json_extract_string(LocationDetails, '$.countryOrRegion') = 'BR' GROUP BY ResultType"},
		{Name: "join sign-ins and activity", KQL: `Signin_CL | where ResultType != "0" | summarize Failed = count() by User = UserPrincipalName
| join kind=inner (Activity_CL | summarize Operations = count() by User = Caller) on User
| summarize Users = count(), Failed = sum(Failed), Operations = sum(Operations)`,
			SQL: `WITH f AS (SELECT UserPrincipalName AS u, count(*) AS n FROM {Signin_CL} WHERE ResultType <> '0' GROUP BY u),
a AS (SELECT Caller AS u, count(*) AS n FROM {Activity_CL} GROUP BY u)
SELECT count(*) AS Users, CAST(sum(f.n) AS BIGINT) AS Failed, CAST(sum(a.n) AS BIGINT) AS Operations FROM f JOIN a ON f.u = a.u`},
		{Name: "arg_max by host", KQL: "Syslog | summarize arg_max(TimeGenerated, *) by Computer",
			SQL: "SELECT Computer, max(TimeGenerated) AS TimeGenerated" + argMaxColumns(syslog, "Computer") + " FROM {Syslog} GROUP BY Computer"},
		{Name: "narrow time range", KQL: "Syslog | summarize count() by SeverityLevel", Narrow: true,
			SQL: fmt.Sprintf("SELECT SeverityLevel, count(*) AS count_ FROM {Syslog} WHERE TimeGenerated >= TIMESTAMP '%s' AND TimeGenerated < TIMESTAMP '%s' GROUP BY SeverityLevel",
				from.Format("2006-01-02 15:04:05"), to.Format("2006-01-02 15:04:05"))},
	}
}

// argMaxColumns is the SQL for the columns `arg_max(TimeGenerated, *)
// by key` returns besides the key and TimeGenerated: every column `*`
// stands for (hidden ones are not), each the value of the latest row.
// That is arg_max_null: DuckDB's arg_max skips the rows where the column
// is null, so it would answer with the latest non-null value of each
// column, from different rows, which is another question.
func argMaxColumns(def *schema.Table, key string) string {
	var b strings.Builder
	for _, c := range def.Columns {
		if c.Hidden || c.Name == key || c.Name == schema.ColTimeGenerated {
			continue
		}
		q := sqlgen.QuoteIdent(c.Name)
		fmt.Fprintf(&b, ", arg_max_null(%s, TimeGenerated) AS %s", q, q)
	}
	return b.String()
}

// answer is a result reduced to what two engines must agree on: each row
// as "column=value" pairs in column-name order, rows sorted. Floats keep
// 9 significant digits, as summation order may differ in the last ones.
type answer []string

func canonical(cols []string, rows [][]any) answer {
	order := make([]int, len(cols))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return cols[order[a]] < cols[order[b]] })
	out := make(answer, 0, len(rows))
	for _, row := range rows {
		var b strings.Builder
		for _, i := range order {
			b.WriteString(cols[i] + "=" + canonicalValue(row[i]) + "\x1f")
		}
		out = append(out, b.String())
	}
	sort.Strings(out)
	return out
}

func canonicalValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int:
		return strconv.Itoa(x)
	case *big.Int:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'g', 9, 64)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	case []byte:
		return string(x)
	}
	if b, err := json.Marshal(v); err == nil {
		return string(b)
	}
	return fmt.Sprint(v)
}

// diff describes the first difference between two answers.
func diff(vigil, duck answer) string {
	if len(vigil) != len(duck) {
		return fmt.Sprintf("Vigil returned %d rows, DuckDB %d", len(vigil), len(duck))
	}
	for i := range vigil {
		if vigil[i] != duck[i] {
			return fmt.Sprintf("row %d: Vigil %q, DuckDB %q", i, strings.ReplaceAll(vigil[i], "\x1f", " "), strings.ReplaceAll(duck[i], "\x1f", " "))
		}
	}
	return ""
}

// runHTTP asks the query through the Log Analytics query API of the
// server, as a client would, and returns the number of rows.
func runHTTP(ctx context.Context, s *server, q query) (int, error) {
	body := map[string]string{"query": q.KQL}
	if q.Narrow {
		from, to := narrowWindow()
		body["timespan"] = from.Format(time.RFC3339) + "/" + to.Format(time.RFC3339)
	}
	data, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/v1/workspaces/default/query", bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+s.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return 0, fmt.Errorf("query %q: HTTP %d: %s", q.Name, resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	var out api.QueryResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return 0, fmt.Errorf("query %q: decoding the response: %w", q.Name, err)
	}
	if out.Error != nil || len(out.Tables) != 1 {
		return 0, fmt.Errorf("query %q: partial or malformed response: %v", q.Name, out.Error)
	}
	return len(out.Tables[0].Rows), nil
}

// engineRequest is the query as the engine is asked it: over the
// store's tables of the workspace, at the end of the data's span.
func engineRequest(s *server, q query) engine.Request {
	req := engine.Request{Query: q.KQL, Tables: s.store.Tables(s.ws.ID), Now: Start.Add(Span)}
	if q.Narrow {
		req.From, req.To = narrowWindow()
	}
	return req
}

// runEngine asks the query of the engine in process, over the store's
// tables: the KQL-to-SQL path without HTTP and JSON.
func runEngine(ctx context.Context, e *engine.Engine, s *server, q query) (answer, error) {
	res, err := e.Query(ctx, engineRequest(s, q))
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", q.Name, err)
	}
	cols := make([]string, len(res.Columns))
	for i, c := range res.Columns {
		cols[i] = c.Name
	}
	return canonical(cols, res.Rows), nil
}

// duckSQL substitutes the store's relations into a query's SQL. The
// relations hold their segments until release is called.
func duckSQL(ctx context.Context, s *server, q query) (string, func(), error) {
	tables := s.store.Tables(s.ws.ID)
	var releases []func()
	release := func() {
		for _, r := range releases {
			r()
		}
	}
	text := q.SQL
	for _, name := range []string{TableSyslog, TableActivity, TableSignin, TableRequests} {
		ph := "{" + name + "}"
		if !strings.Contains(text, ph) {
			continue
		}
		rel, err := tables.Relation(ctx, name, source.Scan{})
		if err != nil {
			release()
			return "", nil, err
		}
		releases = append(releases, rel.Release)
		text = strings.ReplaceAll(text, ph, rel.SQL)
	}
	return text, release, nil
}

// runDuck runs the query's hand-written SQL on the store's DuckDB
// database. It takes the store's relations for each run, as the engine
// does for each query, so both pay the store's part (and a cold run its
// checksum check of the segments) alike.
func runDuck(ctx context.Context, s *server, q query) (answer, error) {
	sqlText, release, err := duckSQL(ctx, s, q)
	if err != nil {
		return nil, err
	}
	defer release()
	rows, err := s.store.DB().QueryContext(ctx, sqlText)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var all [][]any
	for rows.Next() {
		vals, err := sqlgen.ScanRow(rows, len(cols))
		if err != nil {
			return nil, err
		}
		all = append(all, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return canonical(cols, all), nil
}
