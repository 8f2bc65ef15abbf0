package auth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	k, err := OpenKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	if !k.Empty() {
		t.Fatal("a new key store is not empty")
	}
	secret, key, err := k.Create(Reader, "ws1", "r", time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	expired, _, _ := k.Create(Owner, "", "old", time.Now().Add(-time.Minute), "")
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), secret) {
		t.Fatal("the key file holds a key in clear")
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
	k, _ = OpenKeys(path) // reload from disk
	p, err := k.Authenticate(secret, time.Now())
	if err != nil || p.Role != Reader || p.Workspace != "ws1" || p.KeyID != key.ID {
		t.Fatalf("Authenticate = %+v, %v", p, err)
	}
	if _, err := k.Authenticate(expired, time.Now()); err != ErrUnauthenticated {
		t.Fatalf("expired key: %v", err)
	}
	if _, err := k.Authenticate("nope-nope-nope-nope", time.Now()); err != ErrUnauthenticated {
		t.Fatalf("unknown key: %v", err)
	}
	if err := k.Revoke(key.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Authenticate(secret, time.Now()); err != ErrUnauthenticated {
		t.Fatalf("revoked key: %v", err)
	}
	if _, _, err := k.Create(Owner, "", "short", time.Time{}, "short"); err == nil {
		t.Fatal("a short given key was accepted")
	}
}

func TestPermissions(t *testing.T) {
	cases := []struct {
		p    Principal
		perm Permission
		ws   string
		ok   bool
		why  string
	}{
		{Principal{KeyID: "a", Role: Owner}, PermAdmin, "", true, ""},
		{Principal{KeyID: "a", Role: Contributor}, PermIngest, "w", true, ""},
		{Principal{KeyID: "a", Role: Contributor}, PermAdmin, "w", false, "role Contributor lacks the administer permission"},
		{Principal{KeyID: "a", Role: Reader}, PermIngest, "w", false, "role Reader lacks the ingest permission"},
		{Principal{KeyID: "a", Role: Ingestor}, PermQuery, "w", false, "role Ingestor lacks the query permission"},
		{Principal{KeyID: "a", Role: Reader, Workspace: "w"}, PermQuery, "x", false, "scoped to workspace w, not x"},
		{Principal{KeyID: "a", Role: Owner, Workspace: "w"}, PermAdmin, "", false, "lacks the global administer permission"},
	}
	for _, c := range cases {
		ok, why := c.p.Can(c.perm, c.ws)
		if ok != c.ok || !strings.Contains(why, c.why) {
			t.Errorf("%+v Can(%s, %q) = %v %q, want %v %q", c.p, c.perm, c.ws, ok, why, c.ok, c.why)
		}
	}
	if _, err := ParseRole("admin"); err == nil {
		t.Error("unknown role accepted")
	}
	if r, err := ParseRole("reader"); err != nil || r != Reader {
		t.Errorf("ParseRole(reader) = %v, %v", r, err)
	}
}
