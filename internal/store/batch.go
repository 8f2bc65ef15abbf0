package store

import (
	"context"
	"errors"
	"time"

	"vigil/internal/schema"
)

// Batch is the rows of one accepted request for one table, with the bytes
// they were parsed from. A batch is atomic: all its rows become visible or
// none do.
type Batch struct {
	// Workspace is the workspace id (a GUID), not its name.
	Workspace string
	Table     string
	// Columns names and types the values of each row, in order. They need
	// not be the table's full column list nor in its order; the store maps
	// them by name, fills the standard columns and converts values with
	// schema.Convert. For a custom (*_CL) table, columns the table lacks are
	// added to it.
	Columns []schema.Column
	Rows    [][]any
	// Raw is the original bytes the rows were parsed from (the request body
	// after transport decompression) and ContentType says what they are
	// (for example "application/json", "application/x-ndjson",
	// "text/syslog", "application/x-protobuf").
	Raw         []byte
	ContentType string
	// Received is when the batch arrived; the store sets it when zero.
	Received time.Time
}

// Ack is the store's answer for a durable batch.
type Ack struct {
	// Seq is the batch's sequence number in its workspace. It is also the
	// index of the batch's leaf in the workspace's ledger.
	Seq uint64
}

// Appender is what receivers and the ingestion APIs write through.
// Append returns only when the batch is durable (written to the WAL and
// fsynced), or with an error when nothing of it was accepted.
type Appender interface {
	Append(ctx context.Context, b *Batch) (Ack, error)
}

// ErrBusy is returned by Append when the hot buffer is over its memory
// limit. It is retryable: the caller should answer 503 or 429 with
// Retry-After, or back off and try again.
var ErrBusy = errors.New("store busy: hot buffer over its memory limit, retry later")
