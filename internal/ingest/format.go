// Package ingest holds what every receiver shares: the Format interface
// that turns received bytes into store batches, the registry users pick
// formats from by name, and the accounting of input that could not be
// parsed. The receivers themselves live in its subpackages.
package ingest

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"vigil/internal/store"
)

// Format turns the bytes of one request, datagram run or file into batches
// for the store. Formats are pure: no I/O, safe for concurrent use.
type Format interface {
	// Name is how users pick the format: `vigil ingest --format NAME`, the
	// native ingestion endpoint's format parameter.
	Name() string
	// Parse returns one batch per destination table, each with its rows,
	// its original bytes (Raw, ContentType) and Received set, and the parts
	// of raw that could not be parsed. A bad record never costs its good
	// neighbours their place. err is for input that is unusable as a whole
	// (for example a JSON document that does not parse); then no batch is
	// returned.
	Parse(workspace string, raw []byte, received time.Time) ([]*store.Batch, []Reject, error)
}

// Chunker is implemented by formats whose input can be one large JSON
// document, which cutting at line ends (as `vigil ingest` cuts files into
// requests) would break. Chunks returns pieces of raw of about max bytes
// each that parse on their own to the records raw holds, with the same
// original bytes per record, or false when cutting at line ends is right
// for raw.
type Chunker interface {
	Chunks(raw []byte, max int) ([][]byte, bool)
}

// Reject is a part of the input a Format could not parse.
type Reject struct {
	// Reason says what was wrong, naming the field or position.
	Reason string
	// Raw is the rejected bytes, kept for inspection.
	Raw []byte
	// Offset is where Raw starts in the input, in bytes.
	Offset int
}

var (
	formatsMu sync.RWMutex
	formats   = map[string]Format{}
)

// Register makes f available by its name. Each format package registers
// its formats from an init function; registering a name twice panics.
func Register(f Format) {
	formatsMu.Lock()
	defer formatsMu.Unlock()
	if _, dup := formats[f.Name()]; dup {
		panic(fmt.Sprintf("ingest: format %q registered twice", f.Name()))
	}
	formats[f.Name()] = f
}

// Lookup returns the format named name.
func Lookup(name string) (Format, bool) {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	f, ok := formats[name]
	return f, ok
}

// Names lists the registered formats, sorted.
func Names() []string {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
