package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

// sortKeys builds the keys of sort or top over the columns of in.
func (b *Builder) sortKeys(in Node, keys []kql.SortKey) []SortKey {
	out := make([]SortKey, len(keys))
	for i, k := range keys {
		out[i] = NewSortKey(k, b.expr(k.Expr, in.Columns()))
	}
	return out
}

// topHitters builds top-hitters N of Expr [by Sum].
func (b *Builder) topHitters(in Node, op *kql.TopHitters) Node {
	of := b.expr(op.Of.Expr, in.Columns())
	var by Expr
	if op.By != nil {
		by = b.expr(op.By, in.Columns())
		check(CheckTopHittersBy(op, by.Type()))
	}
	return NewTopHitters(op, in, of, by, b.rowCount(op.N))
}

// rowCount is a constant row count (sample's, sample-distinct's,
// top-hitters', active_users_count's number of active periods) as a
// long.
func (b *Builder) rowCount(e kql.Expr) Expr {
	n := b.expr(e, nil)
	if !IsNumeric(n.Type()) {
		fail(e, "A number of rows must be a number, not %s", n.Type())
	}
	return convert(n, schema.Long, e)
}
