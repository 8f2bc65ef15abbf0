package store

import (
	"database/sql"
	"fmt"
	"path/filepath"

	"github.com/duckdb/duckdb-go/v2"

	"vigil/internal/sqlgen"
)

// A seal's queries (the COPY of a day's rows into a segment, the COPY of
// a generation's original bytes, reading back the text of a new segment
// for its term index) each have one thread's work: vigil_seal and
// vigil_hot_raw are read by one thread, so that DuckDB keeps their order,
// and a unit of the term index is one row group. In a DuckDB of more than
// one thread, such a query's one task is often taken by a worker thread
// while the thread that asked (a Go thread in a cgo call) waits for it by
// polling the task queue without sleeping: a core's worth of CPU for as
// long as the query runs, 12% of all the CPU of syslog over TCP in a
// profile, taken from the receivers on a busy machine. The seal therefore runs its
// queries in a DuckDB of its own with one thread, where the thread that
// asks does the work and no other waits; queries keep the store's DuckDB
// and all its threads. The two COPYs of a seal still run side by side, on
// their own connections. Nothing is shared between the two but the
// table functions' Go state, registered in both.

// openSealDB opens the DuckDB the seal's queries run in. Its memory limit
// is the store's: a seal holds a row group of each column being written
// (and its original bytes' row groups of a few megabytes), far less, but
// a single batch's original bytes are a row group however large they
// are. It spills to a directory of its own under scratch.
func openSealDB(opts Options, scratch string) (*sql.DB, error) {
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	if _, err := db.Exec(fmt.Sprintf("SET GLOBAL threads = 1; SET GLOBAL allocator_flush_threshold = '16MB'; SET GLOBAL memory_limit = '%dB'; SET GLOBAL temp_directory = %s",
		opts.MemoryLimit, sqlgen.QuoteString(filepath.Join(scratch, "seal")))); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// closeDBs closes the store's DuckDB and the seal's.
func (s *Store) closeDBs() error {
	err := s.db.Close()
	if s.sealDB != nil {
		if serr := s.sealDB.Close(); err == nil {
			err = serr
		}
	}
	return err
}
