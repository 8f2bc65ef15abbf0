// Package auth holds Vigil's principals: API keys with a role and a scope,
// stored hashed in the data directory, and the check of what a role may do.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Role is what a key may do.
type Role string

// The roles.
const (
	Owner       Role = "Owner"       // everything
	Contributor Role = "Contributor" // ingest, query, manage rules
	Reader      Role = "Reader"      // query
	Ingestor    Role = "Ingestor"    // ingest only
)

// ParseRole returns the role named s, case-insensitively.
func ParseRole(s string) (Role, error) {
	for _, r := range []Role{Owner, Contributor, Reader, Ingestor} {
		if strings.EqualFold(string(r), s) {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q: use Owner, Contributor, Reader or Ingestor", s)
}

// Permission is one thing a request needs.
type Permission string

// The permissions roles grant.
const (
	PermIngest Permission = "ingest"
	PermQuery  Permission = "query"
	PermAdmin  Permission = "administer"
)

// Allows reports whether the role grants p.
func (r Role) Allows(p Permission) bool {
	switch r {
	case Owner:
		return true
	case Contributor:
		return p == PermIngest || p == PermQuery
	case Reader:
		return p == PermQuery
	case Ingestor:
		return p == PermIngest
	}
	return false
}

// Key is a stored API key: its hash, never the key itself.
type Key struct {
	ID        string    `json:"id"`
	Hash      string    `json:"hash"` // hex SHA-256 of the key
	Role      Role      `json:"role"`
	Workspace string    `json:"workspace,omitempty"` // "" = every workspace
	Name      string    `json:"name,omitempty"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires,omitzero"`
	Revoked   bool      `json:"revoked,omitempty"`
}

// Principal is an authenticated caller.
type Principal struct {
	KeyID     string
	Role      Role
	Workspace string // "" = every workspace
}

// Can reports whether the principal has p on workspace, and if not, a
// message saying what is missing.
func (p Principal) Can(perm Permission, workspace string) (bool, string) {
	if p.Workspace != "" && workspace != "" && p.Workspace != workspace {
		return false, fmt.Sprintf("key %s is scoped to workspace %s, not %s", p.KeyID, p.Workspace, workspace)
	}
	if workspace == "" && p.Workspace != "" && perm == PermAdmin {
		return false, fmt.Sprintf("key %s is scoped to one workspace and lacks the global %s permission", p.KeyID, perm)
	}
	if !p.Role.Allows(perm) {
		return false, fmt.Sprintf("role %s lacks the %s permission", p.Role, perm)
	}
	return true, ""
}

// ErrUnauthenticated is returned for a missing, unknown, expired or
// revoked key.
var ErrUnauthenticated = errors.New("missing or invalid API key")

// Keys is the key store, persisted in one file.
type Keys struct {
	path string
	mu   sync.Mutex
	keys []Key
}

// OpenKeys loads the key store at path (created on first write).
func OpenKeys(path string) (*Keys, error) {
	k := &Keys{path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if err := json.Unmarshal(data, &k.keys); err != nil {
		return nil, fmt.Errorf("auth: %s: %w", path, err)
	}
	return k, nil
}

// Empty reports whether no key was ever created.
func (k *Keys) Empty() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.keys) == 0
}

// Create makes a key and returns it; only its hash is stored. A non-empty
// secret is used as the key (for a bootstrap key given from outside).
func (k *Keys) Create(role Role, workspace, name string, expires time.Time, secret string) (string, Key, error) {
	if secret == "" {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", Key{}, err
		}
		secret = "vgl_" + base64.RawURLEncoding.EncodeToString(b[:])
	}
	if len(secret) < 16 {
		return "", Key{}, errors.New("auth: a key must be at least 16 characters")
	}
	var id [6]byte
	rand.Read(id[:])
	key := Key{ID: hex.EncodeToString(id[:]), Hash: hashKey(secret), Role: role, Workspace: workspace,
		Name: name, Created: time.Now().UTC(), Expires: expires.UTC()}
	if expires.IsZero() {
		key.Expires = time.Time{}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys = append(k.keys, key)
	if err := k.saveLocked(); err != nil {
		k.keys = k.keys[:len(k.keys)-1]
		return "", Key{}, err
	}
	return secret, key, nil
}

// Revoke revokes the key with id.
func (k *Keys) Revoke(id string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	for i := range k.keys {
		if k.keys[i].ID == id {
			k.keys[i].Revoked = true
			return k.saveLocked()
		}
	}
	return fmt.Errorf("no key with id %q", id)
}

// List returns the stored keys (hashes only), oldest first.
func (k *Keys) List() []Key {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := append([]Key(nil), k.keys...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

// Authenticate returns the principal a key stands for.
func (k *Keys) Authenticate(secret string, now time.Time) (Principal, error) {
	if secret == "" {
		return Principal{}, ErrUnauthenticated
	}
	h := hashKey(secret)
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, key := range k.keys {
		if subtle.ConstantTimeCompare([]byte(key.Hash), []byte(h)) == 1 {
			if key.Revoked || (!key.Expires.IsZero() && now.After(key.Expires)) {
				return Principal{}, ErrUnauthenticated
			}
			return Principal{KeyID: key.ID, Role: key.Role, Workspace: key.Workspace}, nil
		}
	}
	return Principal{}, ErrUnauthenticated
}

func hashKey(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func (k *Keys) saveLocked() error {
	data, err := json.MarshalIndent(k.keys, "", " ")
	if err != nil {
		return err
	}
	tmp := k.path + ".tmp"
	if err := os.MkdirAll(filepath.Dir(k.path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	f, err := os.Open(tmp)
	if err == nil {
		f.Sync()
		f.Close()
	}
	return os.Rename(tmp, k.path)
}
