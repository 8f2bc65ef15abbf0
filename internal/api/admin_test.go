package api

import (
	"encoding/json"
	"strings"
	"testing"

	"vigil/internal/auth"
)

// TestAuthorizationMatrix sends every role to every endpoint: each gets
// through exactly where its role and scope allow, and a 403 naming the
// missing permission elsewhere; no key gets 401 everywhere.
func TestAuthorizationMatrix(t *testing.T) {
	f := newFixture(t)
	type endpoint struct {
		method, path, body string
		allowed            []auth.Role
	}
	all := []auth.Role{auth.Contributor, auth.Reader, auth.Ingestor, auth.Owner} // Owner last: it deletes
	endpoints := []endpoint{
		{"POST", "/v1/workspaces/default/tables/M_CL/rows", `{"a":1}`, []auth.Role{auth.Owner, auth.Contributor, auth.Ingestor}},
		{"POST", "/v1/workspaces/default/ingest?format=syslog", "<13>Nov 23 10:00:00 h p: m", []auth.Role{auth.Owner, auth.Contributor, auth.Ingestor}},
		{"POST", "/v1/workspaces/default/query", `{"query":"print 1"}`, []auth.Role{auth.Owner, auth.Contributor, auth.Reader}},
		{"POST", "/v1/$batch", `{"requests":[{"id":"1","workspace":"default","path":"/query","body":{"query":"print 1"}}]}`, []auth.Role{auth.Owner, auth.Contributor, auth.Reader}},
		{"GET", "/v1/workspaces/default/metadata", ``, []auth.Role{auth.Owner, auth.Contributor, auth.Reader}},
		{"GET", "/v1/workspaces/default/query?query=print%201", ``, []auth.Role{auth.Owner, auth.Contributor, auth.Reader}},
		{"GET", "/v1/workspaces/default", ``, []auth.Role{auth.Owner, auth.Contributor, auth.Reader}},
		{"GET", "/v1/workspaces/default/ledger/checkpoint", ``, []auth.Role{auth.Owner, auth.Contributor, auth.Reader}},
		{"GET", "/v1/workspaces", ``, []auth.Role{auth.Owner, auth.Contributor, auth.Reader}},
		{"PUT", "/v1/workspaces/default/retention", `{"table":"M_CL","days":30}`, []auth.Role{auth.Owner}},
		{"POST", "/v1/keys", `{"role":"Reader"}`, []auth.Role{auth.Owner}},
		{"GET", "/v1/keys", ``, []auth.Role{auth.Owner}},
		{"POST", "/v1/workspaces", `{"name":"ws-NAME"}`, []auth.Role{auth.Owner}},
		{"DELETE", "/v1/workspaces/other", ``, []auth.Role{auth.Owner}},
	}
	for _, e := range endpoints {
		if code, _ := f.do(t, e.method, e.path, "", []byte(e.body)); code != 401 {
			t.Errorf("%s %s without a key: %d, want 401", e.method, e.path, code)
		}
		for _, role := range all {
			allowed := false
			for _, a := range e.allowed {
				allowed = allowed || a == role
			}
			body := strings.ReplaceAll(e.body, "NAME", string(role))
			code, resp := f.do(t, e.method, e.path, f.keys[role], []byte(body))
			switch {
			case allowed && code >= 400:
				t.Errorf("%s %s as %s: %d %s, want success", e.method, e.path, role, code, resp)
			case !allowed && (code != 403 || !strings.Contains(resp, "lacks the")):
				t.Errorf("%s %s as %s: %d %s, want 403 naming the missing permission", e.method, e.path, role, code, resp)
			}
		}
	}
}

func TestKeysAndWorkspacesAreAudited(t *testing.T) {
	f := newFixture(t)
	owner := f.keys[auth.Owner]
	code, body := f.do(t, "POST", "/v1/keys", owner, []byte(`{"role":"Reader","workspace":"default","name":"dash"}`))
	if code != 201 {
		t.Fatalf("create key: %d %s", code, body)
	}
	var key struct{ ID, Key string }
	json.Unmarshal([]byte(body), &key)
	if code, _ := f.do(t, "POST", "/v1/workspaces/default/query", key.Key, []byte(`{"query":"print 1"}`)); code != 200 {
		t.Fatalf("the new key cannot query: %d", code)
	}
	if code, _ := f.do(t, "DELETE", "/v1/keys/"+key.ID, owner, nil); code != 204 {
		t.Fatalf("revoke: %d", code)
	}
	if code, _ := f.do(t, "POST", "/v1/workspaces/default/query", key.Key, []byte(`{"query":"print 1"}`)); code != 401 {
		t.Fatalf("a revoked key still works: %d", code)
	}
	if code, body = f.do(t, "POST", "/v1/workspaces", owner, []byte(`{"name":"bad name!"}`)); code != 400 || !strings.Contains(body, "invalid workspace name") {
		t.Fatalf("bad workspace name: %d %s", code, body)
	}
	code, body = f.do(t, "POST", "/v1/workspaces/default/query", owner,
		[]byte(`{"query":"VigilActivity | project OperationName, ActivityStatus, ResourceId, Props = tostring(Properties) | order by OperationName asc"}`))
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var resp QueryResponse
	json.Unmarshal([]byte(body), &resp)
	ops := []string{}
	for _, r := range resp.Tables[0].Rows {
		ops = append(ops, r[0].(string)+":"+r[1].(string))
		if r[0] == "Configuration/Apply" && !strings.Contains(r[3].(string), `"digest":`) {
			t.Errorf("the configuration row has no digest: %v", r)
		}
		if strings.Contains(r[3].(string), key.Key) {
			t.Fatalf("the activity log holds a secret: %v", r)
		}
	}
	// The server's start recorded the configuration it runs with.
	if strings.Join(ops, ",") != "Configuration/Apply:Succeeded,Keys/Create:Succeeded,Keys/Revoke:Succeeded,Workspaces/Create:Failed" {
		t.Fatalf("activity: %v", ops)
	}
}
