package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// client is what the administrative subcommands need to reach a server.
type client struct{ url, key string }

func clientFlags(fs *flag.FlagSet) *client {
	c := &client{}
	fs.StringVar(&c.url, "url", os.Getenv("VIGIL_URL"), "server URL (env VIGIL_URL)")
	fs.StringVar(&c.key, "key", os.Getenv("VIGIL_KEY"), "API key (env VIGIL_KEY)")
	return c
}

// call sends a request with a JSON body (or none) and returns the
// response body, or an error carrying the API's message.
func (c *client) call(method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	return c.send(method, path, "application/json", rd)
}

// send sends a request with a body of the given content type.
func (c *client) send(method, path, contentType string, body io.Reader) ([]byte, error) {
	raw, _, err := c.exchange(method, path, contentType, body)
	return raw, err
}

// exchange is send that also returns the response's headers.
func (c *client) exchange(method, path, contentType string, body io.Reader) ([]byte, http.Header, error) {
	if c.url == "" || c.key == "" {
		return nil, nil, errors.New("give --url and --key (or VIGIL_URL and VIGIL_KEY)")
	}
	req, err := http.NewRequest(method, strings.TrimRight(c.url, "/")+path, body)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode >= 300 {
		err := fmt.Errorf("%s: %s", resp.Status, errorMessage(raw))
		if secs, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && (resp.StatusCode == 429 || resp.StatusCode == 503) {
			return nil, nil, retryAfterError{err, time.Duration(secs) * time.Second}
		}
		return nil, nil, err
	}
	return raw, resp.Header, nil
}

// sendRetrying sends like send, waiting and sending again as told when
// the server answers 429 or 503 with Retry-After (a workspace over its
// rate limit, or a store momentarily busy), up to five times.
func (c *client) sendRetrying(method, path, contentType string, body []byte) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		raw, err := c.send(method, path, contentType, bytes.NewReader(body))
		var retry retryAfterError
		if attempt == 5 || !errors.As(err, &retry) {
			return raw, err
		}
		fmt.Fprintf(os.Stderr, "%v; retrying in %v\n", err, retry.wait)
		time.Sleep(retry.wait)
	}
}

// retryAfterError is an answer that says when to try again.
type retryAfterError struct {
	error
	wait time.Duration
}

func printJSON(raw []byte) error {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	out, _ := json.MarshalIndent(v, "", "  ")
	fmt.Println(string(out))
	return nil
}

// runKey: vigil key create|list|revoke.
func runKey(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: vigil key create|list|revoke [flags]")
	}
	fs := flag.NewFlagSet("key "+args[0], flag.ContinueOnError)
	c := clientFlags(fs)
	role := fs.String("role", "", "Owner, Contributor, Reader or Ingestor")
	ws := fs.String("workspace", "", "scope the key to this workspace (default: all)")
	name := fs.String("name", "", "a name to recognise the key by")
	expiresIn := fs.Duration("expires-in", 0, "the key stops working after this long, e.g. 720h (default: never)")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	switch args[0] {
	case "create":
		if *role == "" {
			return errors.New("usage: vigil key create --url URL --key KEY --role ROLE [--workspace WS] [--name NAME] [--expires-in DURATION]")
		}
		req := map[string]any{"role": *role, "workspace": *ws, "name": *name}
		if *expiresIn > 0 {
			req["expires"] = time.Now().Add(*expiresIn).UTC()
		}
		raw, err := c.call("POST", "/v1/keys", req)
		if err != nil {
			return err
		}
		var out struct{ Key string }
		if err := json.Unmarshal(raw, &out); err != nil {
			return err
		}
		fmt.Println(out.Key) // the key alone, for scripts
		return nil
	case "list":
		raw, err := c.call("GET", "/v1/keys", nil)
		if err != nil {
			return err
		}
		return printJSON(raw)
	case "revoke":
		if len(pos) != 1 {
			return errors.New("usage: vigil key revoke --url URL --key KEY KEYID")
		}
		_, err := c.call("DELETE", "/v1/keys/"+pos[0], nil)
		return err
	}
	return fmt.Errorf("unknown key command %q: use create, list or revoke", args[0])
}

// runWorkspace: vigil workspace show|list|create|delete.
func runWorkspace(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: vigil workspace show|list|create|delete [flags]")
	}
	fs := flag.NewFlagSet("workspace "+args[0], flag.ContinueOnError)
	c := clientFlags(fs)
	retention := fs.Int("retention-days", 0, "default retention in days for create (0: unlimited)")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	one := func() (string, error) {
		if len(pos) != 1 {
			return "", fmt.Errorf("usage: vigil workspace %s WS --url URL --key KEY", args[0])
		}
		return pos[0], nil
	}
	var raw []byte
	switch args[0] {
	case "show":
		ws, err := one()
		if err != nil {
			return err
		}
		raw, err = c.call("GET", "/v1/workspaces/"+ws, nil)
		if err != nil {
			return err
		}
	case "list":
		if raw, err = c.call("GET", "/v1/workspaces", nil); err != nil {
			return err
		}
	case "create":
		ws, err := one()
		if err != nil {
			return err
		}
		if raw, err = c.call("POST", "/v1/workspaces", map[string]any{"name": ws, "retentionDays": *retention}); err != nil {
			return err
		}
	case "delete":
		ws, err := one()
		if err != nil {
			return err
		}
		_, err = c.call("DELETE", "/v1/workspaces/"+ws, nil)
		return err
	default:
		return fmt.Errorf("unknown workspace command %q: use show, list, create or delete", args[0])
	}
	return printJSON(raw)
}
