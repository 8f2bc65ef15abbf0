// Package sqlgen holds what is particular to a SQL dialect, so the store
// and the query engine spell types and names one way. DuckDB is the
// embedded engine; a ClickHouse backend adds its own spellings here.
package sqlgen

import (
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

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

// DuckDBValue converts a canonical value (internal/schema/value.go) to
// what DuckDB's appender takes for the column type.
func DuckDBValue(t schema.Type, v any) driver.Value {
	if v == nil {
		return nil
	}
	switch t {
	case schema.Timespan:
		return int64(v.(time.Duration) / schema.Tick)
	case schema.Dynamic:
		return string(v.(json.RawMessage))
	case schema.GUID:
		var u duckdb.UUID
		h, _ := hex.DecodeString(strings.ReplaceAll(v.(string), "-", ""))
		copy(u[:], h)
		return u
	case schema.Decimal:
		r, _ := new(big.Rat).SetString(v.(string))
		scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)))
		return duckdb.Decimal{Width: 38, Scale: 18, Value: new(big.Int).Quo(scaled.Num(), scaled.Denom())}
	}
	return v
}
