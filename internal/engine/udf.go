package engine

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"
)

// udf is a scalar function written in Go and registered in DuckDB, for
// Kusto functions whose exact semantics SQL cannot spell cheaply (URL
// parsing, IPv6, recursive filters over series, Kusto's hash). Arguments
// and results are VARCHAR, BIGINT, DOUBLE or BOOLEAN; dynamic values
// cross as JSON text. A NULL argument gives NULL without calling fn
// unless nulls is set.
type udf struct {
	name   string
	args   []duckdb.Type
	result duckdb.Type
	// variadic, when set, is the type of any further arguments.
	variadic duckdb.Type
	nulls    bool
	fn       func(args []driver.Value) (any, error)
}

func (u udf) Config() duckdb.ScalarFuncConfig {
	info := func(t duckdb.Type) duckdb.TypeInfo {
		ti, err := duckdb.NewTypeInfo(t)
		if err != nil {
			panic(fmt.Sprintf("udf %s: %v", u.name, err))
		}
		return ti
	}
	cfg := duckdb.ScalarFuncConfig{ResultTypeInfo: info(u.result), SpecialNullHandling: u.nulls}
	for _, a := range u.args {
		cfg.InputTypeInfos = append(cfg.InputTypeInfos, info(a))
	}
	if u.variadic != duckdb.TYPE_INVALID {
		cfg.VariadicTypeInfo = info(u.variadic)
	}
	return cfg
}

func (u udf) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: u.fn}
}

// udfs are the Go functions every engine registers; files add theirs in
// init functions.
var udfs []udf

// registerUDFs makes the Go functions callable from the engine's SQL.
// Registration lives in the database, so one connection is enough.
func (e *Engine) registerUDFs(ctx context.Context) error {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, u := range udfs {
		if err := duckdb.RegisterScalarUDF(conn, u.name, u); err != nil {
			return fmt.Errorf("registering %s: %w", u.name, err)
		}
	}
	return nil
}
