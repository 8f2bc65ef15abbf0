package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"vigil/internal/store"
	"vigil/internal/workspace"
)

// Limits bound what one workspace may send. Zero means unlimited.
type Limits struct {
	// IngestBytesPerSecond bounds the request bytes (after decompression)
	// a workspace may send per second, with bursts of up to one second's
	// worth; a request larger than that is let through when the workspace
	// has been quiet, and the next ones wait for it to be paid off.
	IngestBytesPerSecond int64 `yaml:"ingestBytesPerSecond" json:"ingestBytesPerSecond"`
	// IngestRequestsPerSecond bounds ingestion requests per second.
	IngestRequestsPerSecond float64 `yaml:"ingestRequestsPerSecond" json:"ingestRequestsPerSecond"`
}

// bucket is a token bucket holding at most one second of its rate. A
// take needs tokens for its size, or a full bucket when it is larger than
// the bucket: a large request is not refused for being large, it drives
// the bucket negative and the next requests wait for it to be paid off.
type bucket struct {
	rate   float64
	tokens float64
	last   time.Time
}

// take charges n tokens, or returns how long until it could.
func (b *bucket) take(n float64, now time.Time) time.Duration {
	if b.last.IsZero() {
		b.tokens = b.rate
	} else {
		b.tokens = math.Min(b.rate, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if need := math.Min(n, b.rate); b.tokens < need {
		return max(time.Millisecond, time.Duration((need-b.tokens)/b.rate*float64(time.Second)))
	}
	b.tokens -= n
	return 0
}

// rateLimiter holds each workspace's buckets, made on first use from the
// workspace's limits.
type rateLimiter struct {
	defaults Limits
	// byWorkspace overrides defaults, keyed by workspace name or id.
	byWorkspace map[string]Limits

	mu      sync.Mutex
	buckets map[string]*[2]*bucket // bytes, requests; nil when unlimited
}

func (l *rateLimiter) limits(ws *workspace.Workspace) Limits {
	if lim, ok := l.byWorkspace[ws.ID]; ok {
		return lim
	}
	if lim, ok := l.byWorkspace[ws.Name]; ok {
		return lim
	}
	return l.defaults
}

// admit charges one request of n bytes to ws and returns how long the
// sender must wait when it is over a limit, or 0 to go ahead.
func (l *rateLimiter) admit(ws *workspace.Workspace, n int, now time.Time) (time.Duration, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[ws.ID]
	if !ok {
		lim := l.limits(ws)
		b = &[2]*bucket{}
		if lim.IngestBytesPerSecond > 0 {
			b[0] = &bucket{rate: float64(lim.IngestBytesPerSecond)}
		}
		if lim.IngestRequestsPerSecond > 0 {
			b[1] = &bucket{rate: lim.IngestRequestsPerSecond}
		}
		if l.buckets == nil {
			l.buckets = map[string]*[2]*bucket{}
		}
		l.buckets[ws.ID] = b
	}
	if b[1] != nil {
		if wait := b[1].take(1, now); wait > 0 {
			return wait, fmt.Sprintf("%g requests a second", b[1].rate)
		}
	}
	if b[0] != nil {
		if wait := b[0].take(float64(n), now); wait > 0 {
			return wait, fmt.Sprintf("%d bytes a second", int64(b[0].rate))
		}
	}
	return 0, ""
}

// admitIngest charges an ingestion request of n bytes to ws's rate
// limits, answering 429 with Retry-After when it is over them.
func (s *Server) admitIngest(w http.ResponseWriter, ws *workspace.Workspace, n int) bool {
	wait, limit := s.limiter.admit(ws, n, time.Now())
	if wait == 0 {
		return true
	}
	s.metrics.rejected.WithLabelValues("rate_limited").Inc()
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, http.StatusTooManyRequests, "TooManyRequests",
		fmt.Sprintf("workspace %s is over its ingestion rate limit of %s; retry after %d s", ws.Name, limit, secs))
	return false
}

// checkFieldLimits refuses a batch with a record of more than maxFields
// fields or a field value of more than maxBytes bytes, naming the record
// and field. Zero limits are not checked.
func checkFieldLimits(b *store.Batch, maxFields, maxBytes int) error {
	for i, row := range b.Rows {
		fields := 0
		for j, v := range row {
			if v == nil {
				continue
			}
			fields++
			if maxBytes > 0 {
				if n := valueBytes(v); n > maxBytes {
					return fmt.Errorf("record %d: field %s has %d bytes, over the limit of %d", i, b.Columns[j].Name, n, maxBytes)
				}
			}
		}
		if maxFields > 0 && fields > maxFields {
			return fmt.Errorf("record %d has %d fields, over the limit of %d", i, fields, maxFields)
		}
	}
	return nil
}

// valueBytes is the size of a value's text, exact for strings and for
// JSON (nested objects and arrays come as their canonical text, the size
// they are stored at).
func valueBytes(v any) int {
	switch x := v.(type) {
	case string:
		return len(x)
	case []byte:
		return len(x)
	case json.RawMessage:
		return len(x)
	case json.Number:
		return len(x)
	}
	return 8
}

// fieldLimitError is a batch refused by checkFieldLimits.
type fieldLimitError struct{ error }

// storeBatch checks b against the field limits and stores it durably,
// counting it in the metrics.
func (s *Server) storeBatch(ctx context.Context, b *store.Batch) error {
	if err := checkFieldLimits(b, s.cfg.MaxFieldsPerRecord, s.cfg.MaxFieldBytes); err != nil {
		return fieldLimitError{fmt.Errorf("table %s: %w", b.Table, err)}
	}
	if _, err := s.store.Append(ctx, b); err != nil {
		return err
	}
	s.metrics.ingestedRows.WithLabelValues(b.Table).Add(float64(len(b.Rows)))
	s.metrics.ingestedBytes.WithLabelValues(b.Table).Add(float64(len(b.Raw)))
	return nil
}

// ingestError answers a request whose batch storeBatch refused.
func (s *Server) ingestError(w http.ResponseWriter, err error) {
	var fl fieldLimitError
	if errors.As(err, &fl) {
		s.metrics.rejected.WithLabelValues("field_limit").Inc()
		writeError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
		return
	}
	s.storeError(w, err)
}
