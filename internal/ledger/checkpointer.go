package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// CheckpointerConfig says how often to checkpoint and where copies go.
type CheckpointerConfig struct {
	// Signer signs checkpoints (LoadOrCreateKey).
	Signer note.Signer
	// Interval is the longest time new leaves wait for a checkpoint.
	Interval time.Duration
	// CopyFile, if set, is a file each checkpoint is appended to as a JSON
	// line (CheckpointRecord). Put it where whoever can rewrite the data
	// directory cannot rewrite it: another disk, a mount with append-only
	// permissions, a share an auditor owns.
	CopyFile string
	// CopyURL, if set, receives each checkpoint as a JSON CheckpointRecord
	// in an HTTP POST. A delivery that fails is retried with exponential
	// backoff until it succeeds or a newer checkpoint of the same
	// workspace supersedes it.
	CopyURL string
	// CopyHeader is added to each POST, e.g. an Authorization the
	// receiving service requires.
	CopyHeader http.Header
	// Client posts to CopyURL; http.DefaultClient when nil.
	Client *http.Client
	// OnError is told of failures to checkpoint or to copy out; they do
	// not stop the checkpointer. Nil discards them.
	OnError func(error)
}

// Checkpointer signs a checkpoint of each workspace's log at least every
// Interval while leaves arrive, keeps it in the log's directory and copies
// it out. A copy outside the data directory is what makes a rewrite of the
// whole ledger detectable: the rewritten tree will not be consistent with
// the copied checkpoints.
type Checkpointer struct {
	cfg CheckpointerConfig

	mu   sync.Mutex
	logs map[string]*Log
	// last is the size of each workspace's latest checkpoint.
	last map[string]int64
	// pending holds, per workspace, the newest checkpoint not yet posted.
	pending map[string]CheckpointRecord
	wake    chan struct{}
}

// NewCheckpointer returns a checkpointer; Run starts it.
func NewCheckpointer(cfg CheckpointerConfig) (*Checkpointer, error) {
	if cfg.Signer == nil {
		return nil, errors.New("ledger: checkpointer: no signer")
	}
	if cfg.Interval <= 0 {
		return nil, fmt.Errorf("ledger: checkpointer: interval %v is not positive", cfg.Interval)
	}
	if cfg.CopyURL != "" {
		u, err := url.Parse(cfg.CopyURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("ledger: checkpointer: copy URL %q is not an http(s) URL", cfg.CopyURL)
		}
	}
	if cfg.Client == nil {
		cfg.Client = http.DefaultClient
	}
	if cfg.OnError == nil {
		cfg.OnError = func(error) {}
	}
	return &Checkpointer{
		cfg:     cfg,
		logs:    map[string]*Log{},
		last:    map[string]int64{},
		pending: map[string]CheckpointRecord{},
		wake:    make(chan struct{}, 1),
	}, nil
}

// Add makes the checkpointer checkpoint workspace's log.
func (c *Checkpointer) Add(workspace string, l *Log) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logs[workspace] = l
	if _, ok := c.last[workspace]; !ok {
		// The first round checkpoints every log once, so a restart
		// records the tree it resumed from.
		c.last[workspace] = -1
	}
}

// Run checkpoints every Interval until ctx is done, then makes a last
// checkpoint of logs that grew and returns once it is copied out (one
// attempt, at most 10 s, for CopyURL). Copies to CopyURL are posted by a
// goroutine Run owns, so a slow receiver never delays checkpoints.
func (c *Checkpointer) Run(ctx context.Context) {
	var wg sync.WaitGroup
	stop := make(chan struct{})
	if c.cfg.CopyURL != "" {
		wg.Go(func() { c.post(stop) })
	}
	t := time.NewTicker(c.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			c.checkpointAll()
		case <-ctx.Done():
			c.checkpointAll()
			close(stop)
			wg.Wait()
			return
		}
	}
}

// checkpointAll checkpoints every log that grew since its last checkpoint.
func (c *Checkpointer) checkpointAll() {
	c.mu.Lock()
	var grown []string
	for ws, l := range c.logs {
		// An empty log has nothing to commit to yet.
		if n := int64(l.Size()); n > 0 && n != c.last[ws] {
			grown = append(grown, ws)
		}
	}
	c.mu.Unlock()
	for _, ws := range grown {
		if _, err := c.Checkpoint(ws); err != nil {
			c.cfg.OnError(err)
		}
	}
}

// Checkpoint signs the current tree of workspace's log now, keeps it and
// copies it out, and returns it.
func (c *Checkpointer) Checkpoint(workspace string) (CheckpointRecord, error) {
	c.mu.Lock()
	l := c.logs[workspace]
	c.mu.Unlock()
	if l == nil {
		return CheckpointRecord{}, fmt.Errorf("ledger: checkpoint: workspace %s has no log", workspace)
	}
	// Sync first: a checkpoint must never cover leaves a crash can lose.
	if err := l.Sync(); err != nil {
		return CheckpointRecord{}, err
	}
	tree, err := l.Tree()
	if err != nil {
		return CheckpointRecord{}, err
	}
	msg, err := SignTree(c.cfg.Signer, workspace, tree)
	if err != nil {
		return CheckpointRecord{}, err
	}
	rec := record(workspace, time.Now(), tree, msg)
	if err := saveCheckpoint(l.Dir(), rec); err != nil {
		return CheckpointRecord{}, err
	}
	c.mu.Lock()
	c.last[workspace] = tree.N
	if c.cfg.CopyURL != "" {
		c.pending[workspace] = rec
	}
	c.mu.Unlock()
	if c.cfg.CopyURL != "" {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	if c.cfg.CopyFile != "" {
		if err := appendRecord(c.cfg.CopyFile, rec); err != nil {
			return rec, fmt.Errorf("ledger: copy checkpoint: %w", err)
		}
	}
	return rec, nil
}

// post delivers pending checkpoints to CopyURL, retrying with backoff
// from 100 ms doubling to 30 s. Once stop is closed it makes one more
// attempt at what is pending and returns.
func (c *Checkpointer) post(stop <-chan struct{}) {
	const minBackoff, maxBackoff = 100 * time.Millisecond, 30 * time.Second
	backoff := minBackoff
	stopped := false
	for {
		c.mu.Lock()
		var rec CheckpointRecord
		found := false
		for _, r := range c.pending {
			rec, found = r, true
			break
		}
		c.mu.Unlock()
		if !found {
			if stopped {
				return
			}
			select {
			case <-c.wake:
			case <-stop:
				stopped = true
			}
			continue
		}
		err := c.postOne(rec)
		if err != nil {
			c.cfg.OnError(err)
		}
		if err == nil || stopped {
			c.mu.Lock()
			if c.pending[rec.Workspace] == rec {
				delete(c.pending, rec.Workspace)
			}
			c.mu.Unlock()
			backoff = minBackoff
			continue
		}
		select {
		case <-time.After(backoff):
		case <-stop:
			stopped = true
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

func (c *Checkpointer) postOne(rec CheckpointRecord) error {
	body, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	pctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(pctx, http.MethodPost, c.cfg.CopyURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("ledger: post checkpoint: %w", err)
	}
	for k, vs := range c.cfg.CopyHeader {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("ledger: post checkpoint: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("ledger: post checkpoint of %s size %d to %s: %s", rec.Workspace, rec.Size, c.cfg.CopyURL, resp.Status)
	}
	return nil
}
