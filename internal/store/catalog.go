package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"vigil/internal/schema"
)

// catalog is the durable list of what is sealed: every segment, the raw
// (original bytes) files, custom table definitions, retention settings,
// and the WAL position from which replay must start. It is written whole
// to a temporary file, fsynced and renamed over catalog.json, so a crash
// leaves the old or the new catalog, never a mix. A trailing line holds
// the SHA-256 of the JSON, so a damaged catalog is refused, not misread.
type catalog struct {
	Version    int                    `json:"version"`
	ReplayFrom uint64                 `json:"replayFrom"`
	Workspaces map[string]*wsMeta     `json:"workspaces"`
	Segments   []*Segment             `json:"segments"`
	Raws       []*RawFile             `json:"raws"`
	Custom     map[string][]customDef `json:"custom,omitempty"`
}

// wsMeta is a workspace's state in the catalog.
type wsMeta struct {
	// NextSeq is at least one past every sequence number sealed or deleted.
	NextSeq uint64 `json:"nextSeq"`
	// Sealed holds the sequence numbers whose rows are in segments or were
	// deleted by retention: replay skips them.
	Sealed rangeSet `json:"sealed"`
	// RetentionDays is the workspace default (0: unlimited).
	RetentionDays int `json:"retentionDays,omitempty"`
	// TableRetention overrides it per table (-1: unlimited).
	TableRetention map[string]int `json:"tableRetention,omitempty"`
}

type customDef struct {
	Name    string          `json:"name"`
	Columns []schema.Column `json:"columns"`
}

// Segment is one immutable Parquet file of one table and UTC day.
type Segment struct {
	Path      string    `json:"path"` // relative to the data directory
	Workspace string    `json:"workspace"`
	Table     string    `json:"table"`
	Day       string    `json:"day"`
	Rows      int64     `json:"rows"`
	Bytes     int64     `json:"bytes"`
	MinTime   time.Time `json:"minTime"`
	MaxTime   time.Time `json:"maxTime"`
	SHA256    string    `json:"sha256"`
	// Columns is the number of the table's record columns when sealed:
	// columns are only ever appended, so this is the schema version.
	Columns int      `json:"columns"`
	Seqs    rangeSet `json:"seqs"`
	// TermsSHA256 and TermsBytes describe the segment's term index, the
	// file at Path plus ".terms"; empty for a segment sealed before term
	// indexes existed, which queries read whole.
	TermsSHA256 string `json:"termsSha256,omitempty"`
	TermsBytes  int64  `json:"termsBytes,omitempty"`
}

// RawFile holds the original bytes of sealed batches.
type RawFile struct {
	Path      string   `json:"path"`
	Workspace string   `json:"workspace"`
	Table     string   `json:"table"`
	SHA256    string   `json:"sha256"`
	Bytes     int64    `json:"bytes"`
	Seqs      rangeSet `json:"seqs"`
}

const catalogFile = "catalog.json"

func loadCatalog(dir string) (*catalog, error) {
	data, err := os.ReadFile(filepath.Join(dir, catalogFile))
	if errors.Is(err, os.ErrNotExist) {
		return &catalog{Version: 1, Workspaces: map[string]*wsMeta{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	body, sum, ok := bytes.Cut(bytes.TrimRight(data, "\n"), []byte("\nsha256:"))
	h := sha256.Sum256(body)
	if !ok || hex.EncodeToString(h[:]) != string(sum) {
		return nil, fmt.Errorf("store: %s is damaged (checksum mismatch): restore it from a backup", filepath.Join(dir, catalogFile))
	}
	c := &catalog{}
	if err := json.Unmarshal(body, c); err != nil {
		return nil, fmt.Errorf("store: %s: %w", filepath.Join(dir, catalogFile), err)
	}
	if c.Workspaces == nil {
		c.Workspaces = map[string]*wsMeta{}
	}
	return c, nil
}

// save writes the catalog atomically.
func (c *catalog) save(dir string) error {
	body, err := json.MarshalIndent(c, "", " ")
	if err != nil {
		return err
	}
	h := sha256.Sum256(body)
	body = append(body, "\nsha256:"+hex.EncodeToString(h[:])+"\n"...)
	tmp := filepath.Join(dir, catalogFile+".tmp")
	if err := writeFileSync(tmp, body); err != nil {
		return fmt.Errorf("store: writing catalog: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, catalogFile)); err != nil {
		return fmt.Errorf("store: writing catalog: %w", err)
	}
	return syncDir(dir)
}

func (c *catalog) ws(id string) *wsMeta {
	m, ok := c.Workspaces[id]
	if !ok {
		m = &wsMeta{}
		c.Workspaces[id] = m
	}
	return m
}

func (c *catalog) customTable(ws, name string) *schema.Table {
	for _, d := range c.Custom[ws] {
		if d.Name == name {
			return &schema.Table{Name: name, Custom: true, Columns: d.Columns}
		}
	}
	return nil
}

func (c *catalog) setCustom(ws string, t *schema.Table) {
	if c.Custom == nil {
		c.Custom = map[string][]customDef{}
	}
	for i, d := range c.Custom[ws] {
		if d.Name == t.Name {
			c.Custom[ws][i].Columns = t.Columns
			return
		}
	}
	c.Custom[ws] = append(c.Custom[ws], customDef{Name: t.Name, Columns: t.Columns})
}

func (c *catalog) sealedSeqs() map[string]rangeSet {
	out := map[string]rangeSet{}
	for ws, m := range c.Workspaces {
		out[ws] = m.Sealed
	}
	return out
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// rangeSet is a set of sequence numbers as sorted, disjoint, inclusive
// ranges: batches of a workspace are sealed in long runs, so it stays small.
type rangeSet [][2]uint64

func (r rangeSet) has(v uint64) bool {
	i := sort.Search(len(r), func(i int) bool { return r[i][1] >= v })
	return i < len(r) && r[i][0] <= v
}

// add returns the set with every value of vs added.
func (r rangeSet) add(vs ...uint64) rangeSet {
	for _, v := range vs {
		r = append(r, [2]uint64{v, v})
	}
	return r.merge()
}

// union returns the set with every range of o added.
func (r rangeSet) union(o rangeSet) rangeSet {
	return append(append(rangeSet(nil), r...), o...).merge()
}

func (r rangeSet) merge() rangeSet {
	if len(r) == 0 {
		return nil
	}
	sort.Slice(r, func(i, j int) bool { return r[i][0] < r[j][0] })
	out := rangeSet{r[0]}
	for _, x := range r[1:] {
		last := &out[len(out)-1]
		if x[0] <= last[1]+1 {
			if x[1] > last[1] {
				last[1] = x[1]
			}
			continue
		}
		out = append(out, x)
	}
	return out
}

func (r rangeSet) max() uint64 {
	if len(r) == 0 {
		return 0
	}
	return r[len(r)-1][1]
}
