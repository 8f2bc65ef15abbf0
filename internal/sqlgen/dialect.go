package sqlgen

import "vigil/internal/schema"

// Arg is an argument of a call in SQL: its text, already converted to
// the type the plan gave its parameter (plan.Sig); that type; and its
// value when it is a constant (a string, int64, float64 or bool: a
// literal, or a let or function parameter bound to one; nil otherwise),
// as the query wrote it, before any conversion, for spellings that
// depend on it, such as datetime_part's part name, has's term or
// d['a']'s key. A spelling never reads a value back from SQL text.
// NotNull is set for a value known never to be null, which spares a
// spelling its handling of nulls (arg_max's fallback for a group whose
// key is null in every row).
type Arg struct {
	SQL     string
	Type    schema.Type
	Const   any
	NotNull bool
}

// Dialect spells the parts of a query that differ between SQL engines.
// The plan (internal/plan) has decided what every name means and what
// type every value has; a dialect only writes it down. DuckDB is the one
// Vigil runs; a ClickHouse backend would be a second.
type Dialect interface {
	// Convert spells x as type to, a conversion plan.CanConvert allows,
	// with Kusto's semantics (a string that does not parse is null).
	Convert(x Arg, to schema.Type) string
	// Path spells the value steps lead to inside the dynamic value base
	// (d.a[0]["b"], d[k]); the plan has checked the indexes' types
	// (plan.TypeIndex).
	Path(base string, steps []PathStep) string
	// Unary spells a unary minus or plus (plan.TypeUnary).
	Unary(op string, x Arg) string
	// Binary spells a binary operator the plan typed (plan.TypeBinary):
	// l and r are converted as it says, and result is its type.
	Binary(op string, l, r Arg, result schema.Type) string
	// Between spells x between (lo .. hi), or !between when not, with
	// the bounds converted to x's type (plan.TypeBetween).
	Between(not bool, x, lo, hi Arg) string
	// In spells x in (items) and the other list operators (in~, !in,
	// has_any, ...), with the items converted as plan.TypeIn says.
	In(op string, x Arg, items []Arg) string
	// Call spells a call of a built-in scalar function the plan typed
	// (plan.TypeCall): args are converted as its signature says and
	// result is its type. ok is false for a function the dialect lacks.
	Call(fn string, args []Arg, result schema.Type) (sql string, ok bool)
	// Window spells a call of a window function over the input's order
	// (plan.Func.Window), typed and converted as Call's. SQL cannot nest
	// window functions, and the arguments may be window functions
	// themselves, so a spelling may compute parts of the call as columns
	// of the operator's input: hoist(level, sql) has the caller compute
	// sql as a column at that level (0 first; a level reads the columns
	// of the levels before it) and returns the column's name. The plan
	// allows window functions only where such columns can be added
	// (where, extend, project). ok is false for a function the dialect
	// lacks.
	Window(fn string, args []Arg, result schema.Type, hoist Hoist) (sql string, ok bool)
	// Aggregate spells a call of an aggregate function the plan typed
	// (plan.TypeAgg): args are converted as its signature says and
	// results are the types of the columns it gives, for each of which
	// it gives one SQL aggregate expression. ok is false for an
	// aggregate the dialect lacks.
	Aggregate(fn string, args []Arg, results []schema.Type) (sqls []string, ok bool)
}

// Hoist computes sql as a column, at level, of the input of the operator
// whose expression a Window spelling is writing, and returns the
// column's name (Dialect.Window).
type Hoist func(level int, sql string) string
