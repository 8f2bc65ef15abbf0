package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestAdminCLI runs the contract forms of `vigil key` and `vigil
// workspace` against a real server.
func TestAdminCLI(t *testing.T) {
	srv, url := startServer(t, t.TempDir())
	defer srv.Process.Kill()
	as := func(key string, args ...string) (string, error) {
		return vigil(t, append(args, "--url", url, "--key", key)...)
	}

	out, err := as(testKey, "key", "create", "--role", "Reader", "--workspace", "default", "--name", "dash")
	reader := strings.TrimSpace(out)
	if err != nil || strings.Contains(reader, "\n") || strings.Contains(reader, " ") || len(reader) < 20 {
		t.Fatalf("key create must print the key alone: %v\n%q", err, out)
	}
	if out, err := as(reader, "query", "--workspace", "default", "print x = 1"); err != nil || !strings.Contains(out, "1") {
		t.Fatalf("the new key cannot query: %v\n%s", err, out)
	}

	var ws map[string]any
	out, err = as(testKey, "workspace", "show", "default")
	if err != nil || json.Unmarshal([]byte(out), &ws) != nil {
		t.Fatalf("workspace show: %v\n%s", err, out)
	}
	for _, k := range []string{"id", "name", "primarySharedKey", "secondarySharedKey"} {
		if s, _ := ws[k].(string); s == "" {
			t.Errorf("workspace show as Owner lacks %s: %s", k, out)
		}
	}
	// By id as well as by name; shared keys only to Owners.
	out, err = as(reader, "workspace", "show", ws["id"].(string))
	if err != nil || !strings.Contains(out, `"name": "default"`) || strings.Contains(out, "SharedKey") {
		t.Fatalf("workspace show as Reader: %v\n%s", err, out)
	}
	if out, err := as(reader, "key", "create", "--role", "Owner"); err == nil || !strings.Contains(out, "403") {
		t.Fatalf("a Reader created a key: %v\n%s", err, out)
	}

	out, err = as(testKey, "key", "create", "--role", "Ingestor", "--expires-in", "1s")
	short := strings.TrimSpace(out)
	if err != nil {
		t.Fatalf("key create --expires-in: %v\n%s", err, out)
	}
	time.Sleep(1500 * time.Millisecond)
	if code, err := postAs(url+"/v1/workspaces/default/tables/X_CL/rows", short, `{"a":1}`); err != nil || code != 401 {
		t.Fatalf("an expired key got %d %v, want 401", code, err)
	}

	if out, err := as(testKey, "workspace", "create", "team-b"); err != nil || !strings.Contains(out, "team-b") {
		t.Fatalf("workspace create: %v\n%s", err, out)
	}
	if out, err := as(testKey, "workspace", "delete", "team-b"); err != nil {
		t.Fatalf("workspace delete: %v\n%s", err, out)
	}
	if out, err := as(testKey, "workspace", "list"); err != nil || strings.Contains(out, "team-b") {
		t.Fatalf("a deleted workspace is listed: %v\n%s", err, out)
	}
	out, err = as(testKey, "query", "--workspace", "default", "--format", "csv", "VigilActivity | order by TimeGenerated asc | project OperationName, ActivityStatus")
	if err != nil || !strings.Contains(out, "Keys/Create,Succeeded") || !strings.Contains(out, "Workspaces/Delete,Succeeded") {
		t.Fatalf("the changes are not in VigilActivity: %v\n%s", err, out)
	}
}
