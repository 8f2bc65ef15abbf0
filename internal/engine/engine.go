// Package engine runs KQL queries: it parses them (internal/kql), has
// their logical plan built against the tables of a workspace
// (internal/plan, internal/source) and written as DuckDB SQL
// (internal/sqlgen), binds the tables' scans to the store's rows,
// answers the plan's probes of the data, runs the statement and returns
// typed results.
package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"vigil/internal/schema"
	"vigil/internal/source"
	"vigil/internal/sqlgen"
)

// Column is a result column.
type Column struct {
	Name string
	Type schema.Type
}

// Render is how a query asked its result to be drawn.
type Render struct {
	Visualization string
	Properties    map[string]string
}

// Result is a query's typed table. Rows hold the canonical Go values of
// internal/schema.
type Result struct {
	Columns   []Column
	Rows      [][]any
	Render    *Render
	Truncated bool
}

// Request is one query.
type Request struct {
	Query string
	// Tables is the workspace queried; nil allows only datatable, range,
	// print and lets.
	Tables source.Tables
	// Workspace resolves workspace("x") references, checking access; nil
	// refuses them.
	Workspace func(nameOrID string) (source.Tables, error)
	// From and To restrict TimeGenerated in every table read; zero is
	// unbounded.
	From, To time.Time
	// Now is the time of now() and ago(); zero is the current time.
	Now time.Time
	// MaxRows bounds the result; beyond it Truncated is set. 0: no limit.
	MaxRows int
}

// Engine runs queries on a DuckDB database.
type Engine struct {
	db        *sql.DB
	setupOnce sync.Once
	setupErr  error
}

// New returns an engine over db, the database the tables' relations are
// valid in.
func New(db *sql.DB) *Engine {
	return &Engine{db: db}
}

// setup creates the SQL macros and Go functions compiled queries use,
// once.
func (e *Engine) setup(ctx context.Context) error {
	e.setupOnce.Do(func() {
		for _, m := range sqlgen.Macros {
			if _, err := e.db.ExecContext(ctx, m); err != nil {
				e.setupErr = fmt.Errorf("engine: creating SQL macros: %w", err)
				return
			}
		}
		if err := e.registerUDFs(ctx); err != nil {
			e.setupErr = fmt.Errorf("engine: %w", err)
		}
	})
	return e.setupErr
}

// Compile parses and compiles a query, returning the SQL and the result
// columns. The relations it took are released before it returns, so the
// SQL is for inspection and tests, not to run later.
func (e *Engine) Compile(ctx context.Context, req Request) (string, []Column, error) {
	if err := e.setup(ctx); err != nil {
		return "", nil, err
	}
	c := newCompiler(ctx, req, e.db)
	defer c.release()
	q, err := c.compile()
	if err != nil {
		return "", nil, err
	}
	return q.sql, q.cols, nil
}

// Query runs a query. Errors the user caused are *kql.Error.
func (e *Engine) Query(ctx context.Context, req Request) (*Result, error) {
	if err := e.setup(ctx); err != nil {
		return nil, err
	}
	c := newCompiler(ctx, req, e.db)
	defer c.release()
	q, err := c.compile()
	if err != nil {
		return nil, err
	}
	sqlText, cols := q.sql, q.cols
	limit := req.MaxRows
	if limit > 0 {
		sqlText = fmt.Sprintf("SELECT * FROM (%s) LIMIT %d", sqlText, limit+1)
	}
	rows, err := e.db.QueryContext(ctx, sqlText)
	if err != nil {
		return nil, queryError(ctx, err)
	}
	defer rows.Close()
	res := &Result{Columns: cols, Render: q.render}
	for rows.Next() {
		vals, err := sqlgen.ScanRow(rows, len(cols))
		if err != nil {
			return nil, err
		}
		for i, col := range cols {
			v, err := sqlgen.FromDuckDB(col.Type, vals[i])
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", col.Name, err)
			}
			vals[i] = v
		}
		if limit > 0 && len(res.Rows) == limit {
			res.Truncated = true
			break
		}
		res.Rows = append(res.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, queryError(ctx, err)
	}
	return res, nil
}

// ErrOutOfMemory is a query that needed more memory than the database may
// use (the store's MemoryLimit), said in terms of what the user can change
// rather than DuckDB's advice on its own settings.
var ErrOutOfMemory = errors.New("the query needed more memory than the server's memory limit allows: narrow its time range, filter before summarizing or joining, or group by fewer distinct values")

// queryError reports cancellation and running out of memory as such; any
// other error from DuckDB for a query the compiler accepted is a bug in
// the compiler, said so.
func queryError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var de *duckdb.Error
	if errors.As(err, &de) && de.Type == duckdb.ErrorTypeOutOfMemory {
		return ErrOutOfMemory
	}
	return &ExecError{Err: err}
}

// ExecError is a failure running SQL the compiler produced: a runtime
// error of the data (a bad regex, a failed conversion) or a compiler bug.
type ExecError struct{ Err error }

func (e *ExecError) Error() string { return "query execution failed: " + e.Err.Error() }
func (e *ExecError) Unwrap() error { return e.Err }
