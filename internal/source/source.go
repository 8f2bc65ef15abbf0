// Package source is the narrow interface between the query engine and
// whatever holds the rows (the embedded store, later ClickHouse): table
// definitions to resolve names against, and SQL relations to read.
package source

import (
	"bytes"
	"context"
	"strings"
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

// MinTermLen is the length below which terms are not indexed (as in
// Kusto's term index): a Scan whose Terms include a shorter one cannot
// skip anything, since any row may hold it.
const MinTermLen = 3

// ForTerms calls fn with each term of text as KQL's `has` splits text:
// every maximal run of ASCII letters and digits, lowercased. The slice fn
// gets is reused once fn returns.
func ForTerms(text []byte, fn func(term []byte)) {
	var buf [128]byte
	term := buf[:0]
	for i := 0; i <= len(text); i++ {
		if i < len(text) {
			c := text[i]
			switch {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
				term = append(term, c)
				continue
			case c >= 'A' && c <= 'Z':
				term = append(term, c+'a'-'A')
				continue
			}
		}
		if len(term) > 0 {
			fn(term)
			term = term[:0]
		}
	}
}

// termFolds are the characters outside ASCII that DuckDB's lower() or a
// case-insensitive regular expression match to an ASCII letter: the
// Kelvin sign, the long s and the dotted capital I.
var termFolds = strings.NewReplacer("\u212a", "k", "\u017f", "s", "\u0130", "i")

// ForIndexTerms calls fn with every term an index must hold for text so
// that no predicate the engine derives Terms from misses it: the terms
// of text, and those of text with termFolds applied, so a
// case-insensitive match through one of those characters is found too.
func ForIndexTerms(text []byte, fn func(term []byte)) {
	ForTerms(text, fn)
	if bytes.Contains(text, []byte("\u212a")) || bytes.Contains(text, []byte("\u017f")) || bytes.Contains(text, []byte("\u0130")) {
		ForTerms([]byte(termFolds.Replace(string(text))), fn)
	}
}
