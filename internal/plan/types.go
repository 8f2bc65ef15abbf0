// Package plan is the semantic layer of the KQL engine: it builds a
// query's logical plan (Builder.Build), operator nodes (Node) over
// expression trees (Expr), deciding what the query's names refer to and
// what type everything has, independent of the SQL that computes it
// (docs/kql.md, "Layers"). Its rules are Kusto's; the SQL of the plan
// in a dialect is internal/sqlgen's.
package plan

import "vigil/internal/schema"

// IsNumeric reports whether t is one of the number types.
func IsNumeric(t schema.Type) bool {
	return t == schema.Int || t == schema.Long || t == schema.Real || t == schema.Decimal
}

// CanConvert reports whether a value of type from converts implicitly to
// type to, as a function's argument or a branch of iff does: numbers
// widen and narrow, anything reads as a string or a dynamic value, and a
// string or dynamic value is read as the scalar it holds (null where it
// holds none). An untyped null (0) converts to every type.
func CanConvert(from, to schema.Type) bool {
	switch {
	case from == to, from == 0, from == schema.Dynamic, from == schema.String:
		return true
	case to == schema.Dynamic, to == schema.String:
		return true
	}
	return IsNumeric(from) && IsNumeric(to)
}

// Either is the type of a value that is a or b, such as iff's: a, unless
// a is an untyped null.
func Either(a, b schema.Type) schema.Type {
	if a == 0 {
		return b
	}
	return a
}

// ColumnType is the type of a column that holds values of type t: an
// untyped null (print x = null, extend y = null) makes a string column,
// as in Kusto.
func ColumnType(t schema.Type) schema.Type {
	if t == 0 {
		return schema.String
	}
	return t
}

// SumType is the type of sum() and row_cumsum() over values of type t.
func SumType(t schema.Type) schema.Type {
	switch t {
	case schema.Int, schema.Long, schema.Bool:
		return schema.Long
	case schema.Timespan, schema.Decimal:
		return t
	}
	return schema.Real
}
