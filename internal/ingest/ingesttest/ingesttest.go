// Package ingesttest lets format tests check what a user would see: the
// batches a format produced, appended to a real store in a temporary
// directory and read back through DuckDB.
package ingesttest

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"syscall"
	"testing"
	"time"

	"vigil/internal/source"
	"vigil/internal/sqlgen"
	"vigil/internal/store"
)

// Store opens a store in a temporary directory, appends batches to it and
// returns it; the test's cleanup closes it.
func Store(t testing.TB, batches ...*store.Batch) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, b := range batches {
		if _, err := st.Append(context.Background(), b); err != nil {
			t.Fatalf("append to %s: %v", b.Table, err)
		}
	}
	return st
}

// Rows returns the rows of a workspace's table matching the SQL condition
// where, ordered by orderBy, each as column name to value text: NULL is
// left out, times are RFC 3339 in UTC, other values as fmt prints them
// (dynamic columns as their JSON text).
func Rows(t testing.TB, st *store.Store, workspace, table, where, orderBy string) []map[string]string {
	t.Helper()
	rel, err := st.Tables(workspace).Relation(context.Background(), table, source.Scan{})
	if err != nil {
		t.Fatal(err)
	}
	defer rel.Release()
	rows, err := st.DB().Query(fmt.Sprintf("SELECT * FROM %s WHERE %s ORDER BY %s", rel.SQL, where, orderBy))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for rows.Next() {
		vals, err := sqlgen.ScanRow(rows, len(cols))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for i, v := range vals {
			if v != nil {
				m[cols[i]] = text(v)
			}
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func text(v any) string {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case map[string]any, []any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

// Check compares the columns of got named in want with want's values,
// reporting each difference, including a wanted column that is null.
func Check(t testing.TB, what string, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("%s: %s is null, want %q", what, k, w)
		} else if g != w {
			t.Errorf("%s: %s = %q, want %q", what, k, g, w)
		}
	}
}

// CPUTime is the CPU time the process has used, all threads (DuckDB's
// included), user and system. Benchmarks report it per message: on a
// shared machine it is a steadier measure than messages a second.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
