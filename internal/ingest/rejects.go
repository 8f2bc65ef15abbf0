package ingest

import (
	"context"
	"strings"
	"sync"
	"time"

	"vigil/internal/schema"
	"vigil/internal/store"
)

// MaxRejectSample bounds the bytes of one rejected input kept in
// VigilIngestionErrors; the rest is counted, not stored.
const MaxRejectSample = 4 << 10

// RejectTable is the built-in table rejects are recorded in.
const RejectTable = "VigilIngestionErrors"

var rejectColumns = schema.BuiltinColumns("VigilIngestionErrors",
	"TimeGenerated", "Source", "Format", "Reason", "Offset", "RawData", "RawTruncated",
	"RemoteAddress",
)

// RejectRecorder stores rejects in VigilIngestionErrors and counts them.
// Storing is sampled: at most PerSecond rejects per source are stored each
// second, so a sender spewing garbage cannot fill the disk with it; every
// reject is still counted.
type RejectRecorder struct {
	app       store.Appender
	perSecond int

	mu      sync.Mutex
	window  time.Time
	stored  map[string]int
	counted map[RejectSource]uint64
}

// RejectSource is what rejects are counted by: the receiver and the
// format it parsed with.
type RejectSource struct {
	Source, Format string
}

// NewRejectRecorder returns a recorder storing through app, at most
// perSecond rejects per source a second (100 when perSecond <= 0).
func NewRejectRecorder(app store.Appender, perSecond int) *RejectRecorder {
	if perSecond <= 0 {
		perSecond = 100
	}
	return &RejectRecorder{app: app, perSecond: perSecond, stored: map[string]int{}, counted: map[RejectSource]uint64{}}
}

// Record counts rejects from source and stores the sampled ones in the
// workspace's VigilIngestionErrors table as one batch. The rejects'
// bytes are the batch's original bytes, so the ledger covers them too.
func (r *RejectRecorder) Record(ctx context.Context, workspace, source, format, remote string, rejects []Reject, at time.Time) error {
	if len(rejects) == 0 {
		return nil
	}
	keep := r.admit(RejectSource{source, format}, len(rejects), at)
	if keep == 0 {
		return nil
	}
	b := &store.Batch{Workspace: workspace, Table: RejectTable, Columns: rejectColumns, ContentType: "application/octet-stream", Received: at}
	for _, rej := range rejects[:keep] {
		sample, cut := rej.Raw, false
		if len(sample) > MaxRejectSample {
			sample, cut = sample[:MaxRejectSample], true
		}
		b.Rows = append(b.Rows, []any{at, source, format, rej.Reason, int64(rej.Offset), strings.ToValidUTF8(string(sample), "\uFFFD"), cut, remote})
		b.Raw = append(b.Raw, sample...)
	}
	_, err := r.app.Append(ctx, b)
	return err
}

// admit counts n rejects from src and says how many of them may be
// stored in the current one-second window, which each receiver has to
// itself whatever the format.
func (r *RejectRecorder) admit(src RejectSource, n int, at time.Time) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counted[src] += uint64(n)
	if sec := at.Truncate(time.Second); !sec.Equal(r.window) {
		r.window = sec
		clear(r.stored)
	}
	keep := max(0, min(n, r.perSecond-r.stored[src.Source]))
	r.stored[src.Source] += keep
	return keep
}

// Counts returns how many rejects each receiver and format has had since
// start, for the metrics endpoint.
func (r *RejectRecorder) Counts() map[RejectSource]uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[RejectSource]uint64, len(r.counted))
	for k, v := range r.counted {
		out[k] = v
	}
	return out
}
