package engine

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"vigil/internal/schema"
	"vigil/internal/source"
	"vigil/internal/sqlgen"
)

var transformSeq atomic.Uint64

// Transform runs a data collection rule's transformKql over a batch: the
// rows are bound to the table name `source`, and the query's result is
// what gets stored. Errors in the KQL are *kql.Error.
func (e *Engine) Transform(ctx context.Context, transformKQL string, cols []schema.Column, rows [][]any) ([]schema.Column, [][]any, error) {
	if err := e.setup(ctx); err != nil {
		return nil, nil, err
	}
	name := fmt.Sprintf("transform_source_%d", transformSeq.Add(1))
	var ddl []string
	for _, c := range cols {
		ddl = append(ddl, sqlgen.QuoteIdent(c.Name)+" "+sqlgen.StorageType(c.Type))
	}
	if _, err := e.db.ExecContext(ctx, "CREATE TABLE "+name+" ("+strings.Join(ddl, ", ")+")"); err != nil {
		return nil, nil, fmt.Errorf("transform: %w", err)
	}
	defer e.db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+name)
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	err = conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", name)
		if err != nil {
			return err
		}
		vals := make([]driver.Value, len(cols))
		for _, row := range rows {
			for i, c := range cols {
				v, err := schema.Convert(c.Type, row[i])
				if err != nil {
					app.Close()
					return fmt.Errorf("column %s: %w", c.Name, err)
				}
				vals[i] = sqlgen.DuckDBValue(c.Type, v)
			}
			if err := app.AppendRow(vals...); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
	conn.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("transform: loading the batch: %w", err)
	}
	def := &schema.Table{Name: "source", Columns: cols}
	res, err := e.Query(ctx, Request{Query: transformKQL, Tables: batchTables{def, name}, Now: time.Now().UTC()})
	if err != nil {
		return nil, nil, err
	}
	outCols := make([]schema.Column, len(res.Columns))
	for i, c := range res.Columns {
		outCols[i] = schema.Column{Name: c.Name, Type: c.Type}
	}
	return outCols, res.Rows, nil
}

// batchTables is the one table a transform sees: `source`.
type batchTables struct {
	def   *schema.Table
	table string
}

func (b batchTables) Table(name string) (*schema.Table, bool) {
	if name == "source" {
		return b.def, true
	}
	return nil, false
}

func (b batchTables) Names() []string { return []string{"source"} }

// Unstored: a transform runs before the store fills TimeGenerated (plan.Unstored).
func (batchTables) Unstored() {}

func (b batchTables) Relation(_ context.Context, name string, _ source.Scan) (source.Relation, error) {
	if name != "source" {
		return source.Relation{}, fmt.Errorf("unknown table %q", name)
	}
	var sel []string
	for _, c := range b.def.Columns {
		sel = append(sel, "CAST("+sqlgen.QuoteIdent(c.Name)+" AS "+sqlgen.DuckDBType(c.Type)+") AS "+sqlgen.QuoteIdent(c.Name))
	}
	return source.Relation{SQL: "(SELECT " + strings.Join(sel, ", ") + " FROM " + b.table + ")", Release: func() {}}, nil
}
