// Package workspace is the registry of workspaces: the isolated units
// that hold tables, keys and rules. A workspace has a GUID id, a unique
// name and two shared keys for the HTTP Data Collector API.
package workspace

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"vigil/internal/schema"
)

// Workspace is one workspace.
type Workspace struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Created            time.Time `json:"created"`
	RetentionDays      int       `json:"retentionDays"`
	PrimarySharedKey   string    `json:"primarySharedKey"`
	SecondarySharedKey string    `json:"secondarySharedKey"`
	Deleted            bool      `json:"deleted,omitempty"`
}

// Registry holds the workspaces, persisted in one file.
type Registry struct {
	path string
	mu   sync.Mutex
	list []*Workspace
}

// Open loads the registry at path; a new one starts with the workspace
// named "default".
func Open(path string) (*Registry, error) {
	r := &Registry{path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if _, err := r.Create("default", 0); err != nil {
			return nil, err
		}
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("workspace: %w", err)
	}
	if err := json.Unmarshal(data, &r.list); err != nil {
		return nil, fmt.Errorf("workspace: %s: %w", path, err)
	}
	return r, nil
}

// OpenExisting loads the registry at path without creating it: an error
// wrapping os.ErrNotExist when there is none.
func OpenExisting(path string) (*Registry, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	return Open(path)
}

// Create adds a workspace.
func (r *Registry) Create(name string, retentionDays int) (*Workspace, error) {
	if !validName(name) {
		return nil, fmt.Errorf("invalid workspace name %q: use 1 to 63 letters, digits, '-' and '_'", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.list {
		if !w.Deleted && strings.EqualFold(w.Name, name) {
			return nil, fmt.Errorf("a workspace named %q exists", name)
		}
	}
	w := &Workspace{ID: newGUID(), Name: name, Created: time.Now().UTC(), RetentionDays: retentionDays,
		PrimarySharedKey: newSharedKey(), SecondarySharedKey: newSharedKey()}
	r.list = append(r.list, w)
	if err := r.saveLocked(); err != nil {
		r.list = r.list[:len(r.list)-1]
		return nil, err
	}
	c := *w
	return &c, nil
}

// Resolve returns the live workspace whose id or name is nameOrID.
func (r *Registry) Resolve(nameOrID string) (*Workspace, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.list {
		if !w.Deleted && (strings.EqualFold(w.ID, nameOrID) || strings.EqualFold(w.Name, nameOrID)) {
			c := *w
			return &c, nil
		}
	}
	return nil, fmt.Errorf("workspace %q not found", nameOrID)
}

// List returns the live workspaces by name.
func (r *Registry) List() []Workspace {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Workspace
	for _, w := range r.list {
		if !w.Deleted {
			out = append(out, *w)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Delete marks a workspace deleted; its data stays until retention or an
// operator removes it, so a mistaken delete can be undone by hand.
func (r *Registry) Delete(nameOrID string) error {
	w, err := r.Resolve(nameOrID)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range r.list {
		if x.ID == w.ID {
			x.Deleted = true
		}
	}
	return r.saveLocked()
}

func (r *Registry) saveLocked() error {
	data, err := json.MarshalIndent(r.list, "", " ")
	if err != nil {
		return err
	}
	tmp := r.path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("workspace: %w", err)
	}
	if f, err := os.Open(tmp); err == nil {
		f.Sync()
		f.Close()
	}
	return os.Rename(tmp, r.path)
}

func validName(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func newGUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	g, _ := schema.ParseGUID(fmt.Sprintf("%x", b))
	return g
}

func newSharedKey() string {
	var b [64]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
