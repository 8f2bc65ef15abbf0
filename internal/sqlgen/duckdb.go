// Package sqlgen writes SQL: the Renderer writes a query's logical plan
// (internal/plan) through a Dialect, which spells what is particular to
// one SQL engine, and the store and the query engine spell types, names
// and values through the same helpers. DuckDB is the embedded engine; a
// ClickHouse backend adds its own spellings here.
package sqlgen

import (
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"fmt"
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

// StorageType is the DuckDB type of a column of a physical table (hot
// buffers, transform inputs): as DuckDBType, except that dynamic values
// are kept as VARCHAR holding their JSON text, because the appender would
// store a Go string into a JSON column as a JSON string value. Reads cast
// the column to JSON.
func StorageType(t schema.Type) string {
	if t == schema.Dynamic {
		return "VARCHAR"
	}
	return DuckDBType(t)
}

// null is the SQL of a null of type t: typed, so that a column or a
// UNION branch of nulls has t's type rather than one DuckDB guesses.
func null(t schema.Type) string { return "CAST(NULL AS " + DuckDBType(t) + ")" }

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

// FromDuckDB converts what the DuckDB driver returns for a column of type
// t (dynamic selected as VARCHAR) to the type's canonical Go value.
func FromDuckDB(t schema.Type, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t {
	case schema.Timespan:
		n, err := toInt64(v)
		if err != nil {
			return nil, err
		}
		return time.Duration(n) * schema.Tick, nil
	case schema.Int:
		n, err := toInt64(v)
		return int32(n), err
	case schema.Long:
		return toInt64(v)
	case schema.Real:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		case duckdb.Decimal:
			return x.Float64(), nil
		}
		n, err := toInt64(v)
		return float64(n), err
	case schema.Decimal:
		if d, ok := v.(duckdb.Decimal); ok {
			r := new(big.Rat).SetFrac(d.Value, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil))
			return schema.Convert(schema.Decimal, r.FloatString(int(d.Scale)))
		}
	case schema.GUID:
		switch x := v.(type) {
		case []byte:
			if len(x) == 16 {
				return schema.ParseGUID(fmt.Sprintf("%x", x))
			}
		case duckdb.UUID:
			return schema.ParseGUID(fmt.Sprintf("%x", x[:]))
		}
	case schema.Dynamic:
		s, ok := v.(string)
		if !ok {
			b, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			s = string(b)
		}
		return json.RawMessage(s), nil
	case schema.DateTime:
		if tm, ok := v.(time.Time); ok {
			return tm.UTC(), nil
		}
	}
	return schema.Convert(t, v)
}

func toInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int:
		return int64(x), nil
	case uint64:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case float64:
		return int64(x), nil
	case *big.Int:
		return x.Int64(), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("unexpected %T from the database", v)
}

// ScanRow scans the current row of rows, of n columns, into a new slice
// of the driver's values, for callers that do not know the columns' Go
// types in advance.
func ScanRow(rows *sql.Rows, n int) ([]any, error) {
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	return vals, nil
}
