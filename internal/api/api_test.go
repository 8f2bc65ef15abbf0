package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigil/internal/auth"
	"vigil/internal/ledger"
	"vigil/internal/source"
	"vigil/internal/store"
	"vigil/internal/workspace"
)

type fixture struct {
	srv   *httptest.Server
	st    *store.Store
	ws    *workspace.Workspace
	keys  map[auth.Role]string
	other *workspace.Workspace
	// keysStore and reg let a test start a second server over the same
	// data with another configuration.
	keysStore *auth.Keys
	reg       *workspace.Registry
	// checkpoints signs the ledgers' checkpoints with the key vkey verifies.
	checkpoints *ledger.Checkpointer
	vkey        string
}

func newFixture(t *testing.T) *fixture {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "data"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys, _ := auth.OpenKeys(filepath.Join(dir, "keys.json"))
	reg, err := workspace.Open(filepath.Join(dir, "workspaces.json"))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := reg.Create("other", 0)
	ws, _ := reg.Resolve("default")
	f := &fixture{st: st, ws: ws, other: other, keys: map[auth.Role]string{}, keysStore: keys, reg: reg}
	for _, r := range []auth.Role{auth.Owner, auth.Contributor, auth.Reader, auth.Ingestor} {
		scope := ws.ID
		if r == auth.Owner {
			scope = ""
		}
		secret, _, err := keys.Create(r, scope, string(r), time.Time{}, "")
		if err != nil {
			t.Fatal(err)
		}
		f.keys[r] = secret
	}
	signer, vkey, err := ledger.LoadOrCreateKey(filepath.Join(dir, "data", "ledger-key"), "vigil-test")
	if err != nil {
		t.Fatal(err)
	}
	cp, err := ledger.NewCheckpointer(ledger.CheckpointerConfig{Signer: signer, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	f.checkpoints, f.vkey = cp, vkey
	srv, err := New(Config{MaxBodyBytes: 1 << 20, DataCollectionRules: testRules, Checkpoints: cp, VerifierKey: vkey}, st, keys, reg)
	if err != nil {
		t.Fatal(err)
	}
	// TLS, as official SDK clients send bearer tokens only over HTTPS.
	f.srv = httptest.NewTLSServer(srv)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) do(t *testing.T, method, path, key string, body []byte, hdr ...string) (int, string) {
	req, _ := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (f *fixture) rows(t *testing.T, table string) int64 {
	rel, err := f.st.Tables(f.ws.ID).Relation(context.Background(), table, source.Scan{})
	if err != nil {
		t.Fatal(err)
	}
	defer rel.Release()
	var n int64
	if err := f.st.DB().QueryRow("SELECT count(*) FROM " + rel.SQL).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIngestRows(t *testing.T) {
	f := newFixture(t)
	owner := f.keys[auth.Owner]
	path := "/v1/workspaces/default/tables/App_CL/rows"
	code, body := f.do(t, "POST", path, owner, []byte(`[{"Msg":"a","N":1,"TimeGenerated":"2024-03-01T00:00:00Z"},{"Msg":"b","N":2.5,"Tags":{"k":1}}]`))
	if code != 204 {
		t.Fatalf("array: %d %s", code, body)
	}
	code, body = f.do(t, "POST", path, owner, []byte("{\"Msg\":\"c\"}\n{\"Msg\":\"d\"}\n"))
	if code != 204 {
		t.Fatalf("ndjson: %d %s", code, body)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"Msg":"e"}`))
	zw.Close()
	if code, body = f.do(t, "POST", "/v1/workspaces/"+f.ws.ID+"/tables/App_CL/rows", owner, gz.Bytes(), "Content-Encoding", "gzip"); code != 204 {
		t.Fatalf("gzip by workspace id: %d %s", code, body)
	}
	// curl -d / --data-binary without -H labels the body as a form.
	if code, body = f.do(t, "POST", path, owner, []byte(`{"Msg":"f"}`), "Content-Type", "application/x-www-form-urlencoded"); code != 204 {
		t.Fatalf("curl's default content type: %d %s", code, body)
	}
	if n := f.rows(t, "App_CL"); n != 6 {
		t.Fatalf("rows = %d, want 6", n)
	}
	// A JSON object is stored as dynamic and reads back as one.
	code, body = f.do(t, "POST", "/v1/workspaces/default/query", owner, []byte(`{"query":"App_CL | where isnotnull(Tags) | project k = toint(Tags.k), Tags"}`))
	if code != 200 || !strings.Contains(body, `"rows":[[1,"{\"k\":1}"]]`) {
		t.Fatalf("dynamic round trip: %d %s", code, body)
	}

	bad := []struct {
		name, key, path, body string
		code                  int
		msg                   string
	}{
		{"no key", "", path, `{"Msg":"x"}`, 401, "authentication"},
		{"bad key", "vgl_nope_nope_nope_nope", path, `{"Msg":"x"}`, 401, "authentication"},
		{"reader cannot ingest", f.keys[auth.Reader], path, `{"Msg":"x"}`, 403, "role Reader lacks the ingest permission"},
		{"scoped key, other workspace", f.keys[auth.Ingestor], "/v1/workspaces/other/tables/App_CL/rows", `{"Msg":"x"}`, 403, "scoped to workspace"},
		{"malformed JSON", owner, path, "{\"Msg\":\"x\"}\n{\"Msg\": oops}", 400, "offset"},
		{"not an object", owner, path, `[1,2]`, 400, "not a JSON object"},
		{"unknown table", owner, "/v1/workspaces/default/tables/Nope/rows", `{"Msg":"x"}`, 400, "unknown table"},
		{"unknown workspace", owner, "/v1/workspaces/nope/tables/App_CL/rows", `{"Msg":"x"}`, 404, "not found"},
		{"too large", owner, path, `{"Msg":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "over the limit"},
		{"empty", owner, path, ``, 400, "no records"},
		{"bad timestamp", owner, path, `{"Msg":"x","TimeGenerated":"yesterday"}`, 400, "TimeGenerated"},
		{"wrong content type", owner, path + "#csv", "Msg\nx\n", 415, "Content-Type text/csv"},
	}
	for _, c := range bad {
		var hdr []string
		if p, ok := strings.CutSuffix(c.path, "#csv"); ok {
			c.path, hdr = p, []string{"Content-Type", "text/csv"}
		}
		code, body := f.do(t, "POST", c.path, c.key, []byte(c.body), hdr...)
		if code != c.code || !strings.Contains(body, c.msg) {
			t.Errorf("%s: %d %s, want %d with %q", c.name, code, body, c.code, c.msg)
		}
		var e apiError
		if json.Unmarshal([]byte(body), &e) != nil || e.Error.Code == "" {
			t.Errorf("%s: error body is not the API's error shape: %s", c.name, body)
		}
	}
	if n := f.rows(t, "App_CL"); n != 6 {
		t.Fatalf("rejected requests stored rows: %d, want 6", n)
	}
}

func TestWorkspaceSharedKeysOnlyToOwners(t *testing.T) {
	f := newFixture(t)
	_, body := f.do(t, "GET", "/v1/workspaces/default", f.keys[auth.Owner], nil)
	if !strings.Contains(body, "primarySharedKey") || !strings.Contains(body, f.ws.ID) {
		t.Fatalf("owner view: %s", body)
	}
	code, body := f.do(t, "GET", "/v1/workspaces/default", f.keys[auth.Reader], nil)
	if code != 200 || strings.Contains(body, "SharedKey") {
		t.Fatalf("reader view: %d %s", code, body)
	}
	if code, _ := f.do(t, "GET", "/healthz", "", nil); code != 200 {
		t.Fatalf("healthz: %d", code)
	}
	if _, body := f.do(t, "GET", "/metrics", "", nil); !strings.Contains(body, "vigil_wal_bytes") {
		t.Fatalf("metrics lack the store's figures")
	}
}
