package ledger

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"
)

// RowBytes returns the part of a batch's original bytes that row i of
// the batch's rows came from. The content type says how the bytes frame
// records: JSON types hold an array of records or records one after
// another, text types one record per line (text/csv after a header line).
// rows is the batch's row count from its leaf: when the framing does not
// give exactly that many records (a transform that dropped records, a
// syslog frame with a line break inside), the row's own bytes cannot be
// told apart and the error says so; the whole batch still can be read.
func RowBytes(contentType string, raw []byte, rows int64, i int64) ([]byte, error) {
	if i < 0 || i >= rows {
		return nil, fmt.Errorf("ledger: row %d of a batch of %d rows", i, rows)
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	var recs [][]byte
	var framing string
	switch {
	case strings.Contains(mt, "json") || mt == "":
		framing = "JSON records"
		recs, err = jsonRecords(raw)
		if err != nil {
			return nil, fmt.Errorf("ledger: the batch's bytes are not JSON records: %w", err)
		}
	default:
		framing = "lines"
		for line := range bytes.SplitSeq(raw, []byte("\n")) {
			if len(bytes.TrimSpace(line)) > 0 {
				recs = append(recs, bytes.TrimSuffix(line, []byte("\r")))
			}
		}
		if mt == "text/csv" && len(recs) > 0 {
			framing, recs = "CSV lines after the header", recs[1:]
		}
	}
	if int64(len(recs)) != rows {
		return nil, fmt.Errorf("ledger: the batch's %s bytes hold %d %s for its %d rows, so one row's bytes cannot be told apart; read the whole batch", contentType, len(recs), framing, rows)
	}
	return recs[i], nil
}

// jsonRecords splits a JSON array into its elements, or a stream of JSON
// values into the values, each as its exact bytes.
func jsonRecords(raw []byte) ([][]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	trimmed := bytes.TrimSpace(raw)
	array := len(trimmed) > 0 && trimmed[0] == '['
	if array {
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
	}
	var out [][]byte
	for !array || dec.More() {
		var v json.RawMessage
		if err := dec.Decode(&v); err == io.EOF && !array {
			break
		} else if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if array {
		if t, err := dec.Token(); err != nil || t != json.Delim(']') {
			return nil, fmt.Errorf("the array is not closed at offset %d", dec.InputOffset())
		}
	}
	return out, nil
}

// ReadLeaf reads leaf i of the log in dir without opening the log for
// writing, for readers of a data directory another process owns.
func ReadLeaf(dir string, i uint64) (Leaf, error) {
	idx, err := os.Open(filepath.Join(dir, indexFile))
	if err != nil {
		return Leaf{}, fmt.Errorf("ledger: %w", err)
	}
	defer idx.Close()
	off, err := readOffset(idx, i)
	if err != nil {
		return Leaf{}, fmt.Errorf("ledger: leaf %d: %w", i, err)
	}
	f, err := os.Open(filepath.Join(dir, leavesFile))
	if err != nil {
		return Leaf{}, fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	size, err := fileSize(f)
	if err != nil {
		return Leaf{}, fmt.Errorf("ledger: %w", err)
	}
	lf, _, err := readRecord(f, off, size)
	if err == nil && lf.Seq != i {
		err = fmt.Errorf("has seq %d", lf.Seq)
	}
	if err != nil {
		return Leaf{}, fmt.Errorf("ledger: leaf %d: %w", i, err)
	}
	return lf, nil
}

// ErrNoCheckpoint is returned by FindCheckpoint when no checkpoint of the
// asked size was made.
var ErrNoCheckpoint = errors.New("ledger: no checkpoint of that size")

// FindCheckpoint returns the signed note of the checkpoint of a log of
// size leaves kept in the log directory's history, the latest one when
// size is negative. Proofs are given against checkpoints the log made and
// copied out, so that an auditor can match them with their copies. The
// history grows by a line per checkpoint and its sizes only grow, so it
// is searched by bisection: a few reads, however long the log has run.
func FindCheckpoint(dir string, size int64) ([]byte, error) {
	if size < 0 {
		msg, err := LatestCheckpoint(dir)
		if err == nil && msg == nil {
			err = fmt.Errorf("%w: none was made yet", ErrNoCheckpoint)
		}
		return msg, err
	}
	f, err := os.Open(filepath.Join(dir, historyFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: none was made yet", ErrNoCheckpoint)
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	end, err := fileSize(f)
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	// The first offset whose next record is of size or more (or has none).
	var rerr error
	lo, hi := int64(0), end
	for lo < hi {
		mid := lo + (hi-lo)/2
		rec, ok, err := recordFrom(f, mid, end)
		if err != nil {
			rerr = err
			break
		}
		if !ok || rec.Size >= size {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if rerr != nil {
		return nil, rerr
	}
	rec, ok, err := recordFrom(f, lo, end)
	if err != nil {
		return nil, err
	}
	if !ok || rec.Size != size {
		return nil, fmt.Errorf("%w: no checkpoint of %d leaves was made", ErrNoCheckpoint, size)
	}
	return []byte(rec.Note), nil
}

// recordFrom returns the first readable record of a history file whose
// line starts at or after off: lines that are not records are passed
// over, and a last line without its newline (torn by a crash) is none.
func recordFrom(f *os.File, off, end int64) (CheckpointRecord, bool, error) {
	start := off
	if off > 0 {
		start = off - 1 // a line starts at off if the byte before ends one
	}
	br := bufio.NewReaderSize(io.NewSectionReader(f, start, end-start), 4096)
	if off > 0 {
		if _, err := br.ReadBytes('\n'); err != nil {
			return CheckpointRecord{}, false, nil
		}
	}
	for {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			return CheckpointRecord{}, false, nil
		}
		if err != nil {
			return CheckpointRecord{}, false, fmt.Errorf("ledger: checkpoint history: %w", err)
		}
		var rec CheckpointRecord
		if json.Unmarshal(line, &rec) == nil && rec.Note != "" {
			return rec, true, nil
		}
	}
}
