package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"vigil/internal/api"
	"vigil/internal/auth"
	"vigil/internal/store"
	"vigil/internal/workspace"
)

// server is a real Vigil server in this process: the store on the data
// directory (WAL fsynced before every answer), the HTTP API on a loopback
// port. Reopening one gives a fresh DuckDB and store, the "cold" state.
type server struct {
	dir   string
	store *store.Store
	ws    *workspace.Workspace
	http  *http.Server
	url   string
	key   string
	rules []api.DataCollectionRule
}

// storeOptions are the store's defaults except a short compaction
// interval, so the settled state (small segments of a day merged) that a
// long-running server reaches is reached within the run.
var storeOptions = store.Options{CompactInterval: 2 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}

// startServer opens dir and serves it on 127.0.0.1 with the given data
// collection rules. key is the bearer key to accept; when empty a new
// Owner key is created and kept.
func startServer(dir, key string, rules []api.DataCollectionRule) (*server, error) {
	st, err := store.Open(dir, storeOptions)
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir, store: st, key: key, rules: rules}
	if err := s.serve(); err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}

func (s *server) serve() error {
	keys, err := auth.OpenKeys(filepath.Join(s.dir, "keys.json"))
	if err != nil {
		return err
	}
	if s.key == "" {
		if s.key, _, err = keys.Create(auth.Owner, "", "bench", time.Time{}, ""); err != nil {
			return err
		}
	}
	workspaces, err := workspace.Open(filepath.Join(s.dir, "workspaces.json"))
	if err != nil {
		return err
	}
	if s.ws, err = workspaces.Resolve("default"); err != nil {
		return err
	}
	handler, err := api.New(api.Config{Logger: storeOptions.Logger, DataCollectionRules: s.rules}, s.store, keys, workspaces)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.http = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	s.url = "http://" + ln.Addr().String()
	go s.http.Serve(ln)
	return nil
}

// close drains the HTTP server and closes the store.
func (s *server) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	herr := s.http.Shutdown(ctx)
	if err := s.store.Close(); err != nil {
		return err
	}
	if herr != nil {
		return fmt.Errorf("stopping the HTTP server: %w", herr)
	}
	return nil
}

// reopen closes the server and starts it again on the same directory
// with the same key.
func (s *server) reopen() (*server, error) {
	if err := s.close(); err != nil {
		return nil, err
	}
	return startServer(s.dir, s.key, s.rules)
}
