// Package sqlgen holds what is particular to a SQL dialect, so the store
// and the query engine spell types and names one way. DuckDB is the
// embedded engine; a ClickHouse backend adds its own spellings here.
package sqlgen

import (
	"strings"

	"vigil/internal/schema"
)

// DuckDBType is the DuckDB type a KQL type is stored and computed as
// (docs/architecture.md): timespans are BIGINT counts of 100 ns ticks,
// dynamic values JSON text.
func DuckDBType(t schema.Type) string {
	switch t {
	case schema.Bool:
		return "BOOLEAN"
	case schema.Int:
		return "INTEGER"
	case schema.Long, schema.Timespan:
		return "BIGINT"
	case schema.Real:
		return "DOUBLE"
	case schema.Decimal:
		return "DECIMAL(38,18)"
	case schema.DateTime:
		return "TIMESTAMP"
	case schema.GUID:
		return "UUID"
	case schema.Dynamic:
		return "JSON"
	}
	return "VARCHAR"
}

// QuoteIdent quotes a column or table name.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// QuoteString quotes a string literal.
func QuoteString(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }
