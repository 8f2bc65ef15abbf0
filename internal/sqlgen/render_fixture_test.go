package sqlgen

import (
	"time"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// rows is the input of the rendering tests: a scan of a table of the
// columns cols whose Table is the SQL of its rows, which the test
// renderer's Scan hook gives as they are (the engine reads them from the
// store instead).
func rows(sql string, cols ...plan.Column) *plan.Scan {
	return &plan.Scan{Table: sql, Cols: cols}
}

// testRenderer renders in DuckDB's dialect, a scan of rows as its SQL.
func testRenderer() *Renderer {
	return &Renderer{D: NewDuckDB(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)),
		Scan: func(n *plan.Scan) string { return n.Table }}
}

// ref is a reference to the column name of type t.
func ref(name string, t schema.Type) *plan.ColumnRef {
	return &plan.ColumnRef{Name: name, T: t}
}

// lit is the constant v of type t (an int64 for the integral types and
// timespan, a float64 for real).
func lit(t schema.Type, v any) *plan.Literal {
	return &plan.Literal{T: t, Value: v}
}
