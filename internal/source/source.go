// Package source is the narrow interface between the query engine and
// whatever holds the rows (the embedded store, later ClickHouse): table
// definitions to resolve names against, and SQL relations to read.
package source

import (
	"context"
	"time"

	"vigil/internal/schema"
)

// Scan says which rows of a table a query needs.
type Scan struct {
	// From and To bound TimeGenerated to [From, To). A zero value is
	// unbounded on that side. The relation must contain exactly the rows in
	// that range: the engine does not filter again.
	From, To time.Time
	// Terms are lowercase terms (as KQL's `has` defines a term) of which
	// every row the query can return contains at least one in some string
	// column. They are a hint: a Tables implementation may use them only to
	// skip data that cannot contain them, never to drop a row that does.
	Terms []string
}

// Relation is a SQL table expression (in the dialect of the backend that
// produced it) over the rows of one table, with the table's columns in
// order, usable in a FROM clause.
type Relation struct {
	SQL string
	// Release must be called when the query that used SQL is done; until
	// then the files and buffers it names stay readable.
	Release func()
}

// Tables is one workspace's tables as the engine sees them.
type Tables interface {
	// Table returns the definition of the table named name (exact case),
	// or false when the workspace has no such table.
	Table(name string) (*schema.Table, bool)
	// Names lists the tables that exist, sorted, for wildcards in union,
	// search and find.
	Names() []string
	// Relation returns the rows of table name that scan asks for.
	Relation(ctx context.Context, name string, scan Scan) (Relation, error)
}
