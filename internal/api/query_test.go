package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/azquery"

	"vigil/internal/auth"
	"vigil/internal/store"
	"vigil/internal/workspace"
)

func ingestJSON(t *testing.T, f *fixture, table, body string) {
	t.Helper()
	if code, resp := f.do(t, "POST", "/v1/workspaces/default/tables/"+table+"/rows", f.keys[auth.Owner], []byte(body)); code != 204 {
		t.Fatalf("ingest: %d %s", code, resp)
	}
}

func TestQueryAPI(t *testing.T) {
	f := newFixture(t)
	now := time.Now().UTC()
	ingestJSON(t, f, "Web_CL", `[{"TimeGenerated":"`+now.Add(-10*time.Minute).Format(time.RFC3339)+`","Path":"/a","Ms":12.5,"Ok":true},
		{"TimeGenerated":"`+now.Add(-5*time.Minute).Format(time.RFC3339)+`","Path":"/b","Ms":40,"Ok":false},
		{"TimeGenerated":"`+now.Add(-48*time.Hour).Format(time.RFC3339)+`","Path":"/old","Ms":1,"Ok":true}]`)
	q := `{"query":"Web_CL | summarize n = count(), worst = max(Ms) by Ok | order by Ok asc","timespan":"PT1H"}`
	for _, path := range []string{"/v1/workspaces/default/query", "/workspaces/" + f.ws.ID + "/query"} {
		code, body := f.do(t, "POST", path, f.keys[auth.Reader], []byte(q), "Content-Type", "application/json")
		if code != 200 {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		var resp QueryResponse
		json.Unmarshal([]byte(body), &resp)
		tab := resp.Tables[0]
		if tab.Name != "PrimaryResult" || len(tab.Columns) != 3 || tab.Columns[1].Type != "long" || tab.Columns[2].Type != "real" {
			t.Fatalf("%s: table %+v", path, tab)
		}
		// The 48-hour-old row is outside the timespan.
		if got, _ := json.Marshal(tab.Rows); string(got) != `[[false,1,40],[true,1,12.5]]` {
			t.Fatalf("%s: rows %s", path, got)
		}
	}
	// search across every table of the workspace, naming each row's table.
	code, body := f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Reader], []byte(`{"query":"search '/b' | project $table, Path"}`))
	if code != 200 || !strings.Contains(body, `"rows":[["Web_CL","/b"]]`) {
		t.Fatalf("search: %d %s", code, body)
	}
	code, body = f.do(t, "GET", "/v1/workspaces/default/query?query="+strings.ReplaceAll("Web_CL | where Pathh == 'x'", " ", "%20"), f.keys[auth.Reader], nil)
	if code != 400 || !strings.Contains(body, `"BadArgumentError"`) || !strings.Contains(body, "Failed to resolve column or scalar expression named 'Pathh' (line 1, column 16)") {
		t.Fatalf("semantic error: %d %s", code, body)
	}
	if code, body = f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Ingestor], []byte(q)); code != 403 {
		t.Fatalf("ingestor querying: %d %s", code, body)
	}
	if code, body = f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Owner], []byte(`{"query":"print 1","timespan":"P1X"}`)); code != 400 || !strings.Contains(body, "invalid timespan") {
		t.Fatalf("bad timespan: %d %s", code, body)
	}
	// workspace() is checked against the caller's access.
	cross := `{"query":"workspace('other').Web_CL | count"}`
	if code, body = f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Reader], []byte(cross)); code != 400 || !strings.Contains(body, "scoped to workspace") {
		t.Fatalf("cross-workspace for a scoped key: %d %s", code, body)
	}
	if code, body = f.do(t, "POST", "/v1/workspaces/other/tables/Web_CL/rows", f.keys[auth.Owner], []byte(`{"Path":"/x"}`)); code != 204 {
		t.Fatalf("ingest into other: %d %s", code, body)
	}
	if code, body = f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Owner], []byte(cross)); code != 200 || !strings.Contains(body, `"rows":[[1]]`) {
		t.Fatalf("cross-workspace for an owner: %d %s", code, body)
	}
	code, body = f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Reader], []byte(`{"query":"print d = datetime(2024-01-02 03:04:05), s = 90m, j = dynamic({'a':[1]}), g = toguid('0f8fad5b-d9cb-469f-a165-70867728950e') | render timechart"}`), "Prefer", "include-render=true, include-statistics=true")
	if code != 200 || !strings.Contains(body, `"2024-01-02T03:04:05.0000000Z","01:30:00","{\"a\":[1]}","0f8fad5b-d9cb-469f-a165-70867728950e"`) ||
		!strings.Contains(body, `"visualization":"timechart"`) || !strings.Contains(body, `"statistics"`) {
		t.Fatalf("encodings: %d %s", code, body)
	}
}

// TestQueryAudit checks that every query, good or bad, leaves a
// LAQueryLogs row saying who ran what, with what result.
func TestQueryAudit(t *testing.T) {
	f := newFixture(t)
	f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Reader], []byte(`{"query":"range x from 1 to 3 step 1"}`), "User-Agent", "audit-test/1.0")
	f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Reader], []byte(`{"query":"print nope","timespan":"PT1H"}`))
	code, body := f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Owner],
		[]byte(`{"query":"LAQueryLogs | where QueryText !has 'LAQueryLogs' | project QueryText, ResponseCode, ResponseRowCount, RequestClientApp, HasRange = isnotnull(StatsDataProcessedStart), AADClientId | order by QueryText asc"}`))
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var resp QueryResponse
	json.Unmarshal([]byte(body), &resp)
	rows := resp.Tables[0].Rows
	if len(rows) != 2 {
		t.Fatalf("audit rows: %s", body)
	}
	if rows[0][0] != "print nope" || rows[0][1] != float64(400) || rows[0][4] != true {
		t.Errorf("failed query's audit row: %v", rows[0])
	}
	if rows[1][0] != "range x from 1 to 3 step 1" || rows[1][1] != float64(200) || rows[1][2] != float64(3) || rows[1][3] != "audit-test/1.0" || rows[1][5] == "" {
		t.Errorf("query's audit row: %v", rows[1])
	}
}

func TestMetadata(t *testing.T) {
	f := newFixture(t)
	ingestJSON(t, f, "Meta_CL", `{"Host":"a","N":1}`)
	code, body := f.do(t, "GET", "/v1/workspaces/default/metadata", f.keys[auth.Reader], nil)
	if code != 200 || !strings.Contains(body, `{"id":"t/Meta_CL","name":"Meta_CL","columns":[`) ||
		!strings.Contains(body, `{"name":"N","type":"long"}`) || !strings.Contains(body, `"name":"Syslog"`) || strings.Contains(body, `"_BatchSeq"`) {
		t.Fatalf("metadata: %d %s", code, body)
	}
}

func TestParseTimespan(t *testing.T) {
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string][2]string{
		"PT1H":                       {"2024-03-01T11:00:00Z", "2024-03-01T12:00:00Z"},
		"P1D":                        {"2024-02-29T12:00:00Z", "2024-03-01T12:00:00Z"},
		"P1DT12H":                    {"2024-02-29T00:00:00Z", "2024-03-01T12:00:00Z"},
		"2024-01-01/2024-01-02":      {"2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"},
		"2024-01-01T00:00:00Z/PT2H":  {"2024-01-01T00:00:00Z", "2024-01-01T02:00:00Z"},
		"PT30M/2024-01-01T01:00:00Z": {"2024-01-01T00:30:00Z", "2024-01-01T01:00:00Z"},
	} {
		from, to, err := ParseTimespan(in, now)
		if err != nil || from.Format(time.RFC3339) != want[0] || to.Format(time.RFC3339) != want[1] {
			t.Errorf("ParseTimespan(%q) = %v, %v, %v; want %v", in, from, to, err, want)
		}
	}
	for _, bad := range []string{"", "P", "1H", "2024-01-02/2024-01-01", "x/y"} {
		if _, _, err := ParseTimespan(bad, now); err == nil {
			t.Errorf("ParseTimespan(%q) accepted", bad)
		}
	}
}

// keyCredential hands the SDK an API key as its bearer token.
type keyCredential string

func (k keyCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(k), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// TestAzureSDKQueryClient points the official Go SDK's LogsClient at the
// server over TLS and checks it gets typed results.
func TestAzureSDKQueryClient(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "data"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	keys, _ := auth.OpenKeys(filepath.Join(dir, "keys.json"))
	reg, _ := workspace.Open(filepath.Join(dir, "workspaces.json"))
	ws, _ := reg.Resolve("default")
	secret, _, _ := keys.Create(auth.Reader, ws.ID, "sdk", time.Time{}, "")
	api, err := New(Config{}, st, keys, reg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(api)
	defer srv.Close()

	client := sdkClient(t, srv, secret)
	q := "range x from 1 to 3 step 1 | extend s = strcat('n', x), t = datetime(2024-01-01) + x * 1h"
	res, err := client.QueryWorkspace(context.Background(), ws.ID, azquery.Body{Query: &q}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tab := res.Tables[0]
	if *tab.Name != "PrimaryResult" || len(tab.Rows) != 3 || *tab.Columns[0].Type != azquery.LogsColumnTypeLong || *tab.Columns[2].Type != azquery.LogsColumnTypeDatetime {
		t.Fatalf("table: %+v", tab)
	}
	if tab.Rows[2][1] != "n3" || tab.Rows[0][2] != "2024-01-01T01:00:00.0000000Z" {
		t.Fatalf("rows: %v", tab.Rows)
	}
	bad := "print nope"
	if _, err := client.QueryWorkspace(context.Background(), ws.ID, azquery.Body{Query: &bad}, nil); err == nil || !strings.Contains(err.Error(), "BadArgumentError") {
		t.Fatalf("the SDK should surface the error code: %v", err)
	}
}

// sdkClient returns the official SDK's LogsClient for srv, sending key.
func sdkClient(t *testing.T, srv *httptest.Server, key string) *azquery.LogsClient {
	client, err := azquery.NewLogsClient(keyCredential(key), &azquery.LogsClientOptions{ClientOptions: azcore.ClientOptions{
		Transport: srv.Client(),
		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			azquery.ServiceNameLogs: {Endpoint: srv.URL + "/v1", Audience: srv.URL},
		}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// TestAzureSDKBatchAndWorkspaces runs the SDK's QueryBatch and a query
// over two workspaces, and checks each is held to the key's access.
func TestAzureSDKBatchAndWorkspaces(t *testing.T) {
	f := newFixture(t)
	ingestJSON(t, f, "App_CL", `[{"Msg":"in default"}]`)
	if code, resp := f.do(t, "POST", "/v1/workspaces/other/tables/App_CL/rows", f.keys[auth.Owner], []byte(`[{"Msg":"in other","Extra":7}]`)); code != 204 {
		t.Fatalf("ingest: %d %s", code, resp)
	}
	ctx := context.Background()
	owner := sdkClient(t, f.srv, f.keys[auth.Owner])
	q := "App_CL | order by Msg asc | project Msg, Extra"
	res, err := owner.QueryWorkspace(ctx, f.ws.ID, azquery.Body{Query: &q, AdditionalWorkspaces: []*string{&f.other.Name}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rows := fmt.Sprint(res.Tables[0].Rows); rows != "[[in default <nil>] [in other 7]]" {
		t.Fatalf("two workspaces: %s", rows)
	}
	// A Reader scoped to the default workspace may not add another.
	reader := sdkClient(t, f.srv, f.keys[auth.Reader])
	if _, err := reader.QueryWorkspace(ctx, f.ws.ID, azquery.Body{Query: &q, AdditionalWorkspaces: []*string{&f.other.Name}}, nil); err == nil || !strings.Contains(err.Error(), "InsufficientAccessError") {
		t.Fatalf("scoped reader reached another workspace: %v", err)
	}

	count, bad := "App_CL | count", "App_CL | where nope"
	span := azquery.NewTimeInterval(time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	batch := azquery.BatchRequest{Requests: []*azquery.BatchQueryRequest{
		ptr(azquery.NewBatchQueryRequest(f.ws.ID, count, span, "a", azquery.LogsQueryOptions{})),
		ptr(azquery.NewBatchQueryRequest(f.ws.ID, bad, span, "b", azquery.LogsQueryOptions{})),
		ptr(azquery.NewBatchQueryRequest(f.other.ID, count, span, "c", azquery.LogsQueryOptions{})),
	}}
	got := map[string]string{}
	for name, client := range map[string]*azquery.LogsClient{"owner": owner, "reader": reader} {
		resp, err := client.QueryBatch(ctx, batch, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resp.Responses {
			out := fmt.Sprint(*r.Status)
			if r.Body != nil && len(r.Body.Tables) > 0 {
				out += fmt.Sprint(r.Body.Tables[0].Rows)
			}
			if r.Body != nil && r.Body.Error != nil {
				out += " " + r.Body.Error.Code
			}
			got[name+" "+*r.CorrelationID] = out
		}
	}
	want := map[string]string{
		"owner a": "200[[1]]", "owner b": "400 BadArgumentError", "owner c": "200[[1]]",
		"reader a": "200[[1]]", "reader b": "400 BadArgumentError", "reader c": "403 InsufficientAccessError",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("batch answers:\n got %v\nwant %v", got, want)
	}
}

func ptr[T any](v T) *T { return &v }

func TestQueryResultByteLimit(t *testing.T) {
	f := newFixture(t)
	srv, err := New(Config{MaxResultBytes: 1000}, f.st, f.keysStore, f.reg)
	if err != nil {
		t.Fatal(err)
	}
	h := httptest.NewServer(srv)
	defer h.Close()
	req, _ := http.NewRequest("POST", h.URL+"/v1/workspaces/default/query", strings.NewReader(`{"query":"range x from 1 to 100 step 1 | extend s = '`+strings.Repeat("x", 50)+`'"}`))
	req.Header.Set("Authorization", "Bearer "+f.keys[auth.Reader])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out QueryResponse
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 200 || len(out.Tables) != 1 || len(out.Tables[0].Rows) == 0 || len(out.Tables[0].Rows) >= 100 || !strings.Contains(fmt.Sprint(out.Error), "data size limit 1000 bytes") {
		t.Fatalf("byte limit: %d, %d rows, error %v", resp.StatusCode, len(out.Tables[0].Rows), out.Error)
	}
}

// TestQueryCancelledWhenClientGoesAway starts a query that would run for
// minutes, drops the connection, and checks the query was stopped and
// audited as cancelled.
func TestQueryCancelledWhenClientGoesAway(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", f.srv.URL+"/v1/workspaces/default/query",
		strings.NewReader(`{"query":"range cancelme from 1 to 100000000000 step 1 | summarize count()"}`))
	req.Header.Set("Authorization", "Bearer "+f.keys[auth.Reader])
	done := make(chan error, 1)
	go func() {
		resp, err := f.srv.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the query answered before the client went away; make it longer")
	}
	for i := 0; ; i++ {
		code, body := f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Owner],
			[]byte(`{"query":"LAQueryLogs | where QueryText startswith 'range cancelme' | project ResponseCode"}`))
		if code == 200 && strings.Contains(body, `"rows":[[499]]`) {
			return
		}
		if i == 200 {
			t.Fatalf("the cancelled query was not stopped and audited: %d %s", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
