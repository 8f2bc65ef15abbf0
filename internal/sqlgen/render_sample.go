package sqlgen

import "vigil/internal/plan"

// sample writes sample: Input's columns ordered by random() under a
// LIMIT (a top-N, one pass) rather than USING SAMPLE, whose size must be
// a literal: N may be any constant expression.
func (r *Renderer) sample(n *plan.Sample) string {
	return sampled(n.Columns(), r.Node(n.Input), r.Expr(n.N))
}

// sampleDistinct writes sample-distinct: sample's SELECT over the
// distinct values.
func (r *Renderer) sampleDistinct(n *plan.SampleDistinct) string {
	distinct := "SELECT DISTINCT " + r.Expr(n.Of) + " AS " + QuoteIdent(n.Name) + " FROM (" + r.Node(n.Input) + ") AS _t"
	return sampled(n.Columns(), distinct, r.Expr(n.N))
}

// sampled is the SELECT of limit rows of query, whose columns are cols,
// chosen at random.
func sampled(cols []plan.Column, query, limit string) string {
	return selectFrom(quotedNames(cols), query, " ORDER BY random() LIMIT "+limit)
}

// topHitters writes top-hitters: the count (or sum) of every value,
// largest first, ties in the values' order, under a LIMIT.
func (r *Renderer) topHitters(n *plan.TopHitters) string {
	cols := n.Columns()
	agg := "count(*)"
	if n.By != nil {
		agg = "CAST(sum(" + r.Expr(n.By) + ") AS " + DuckDBType(cols[1].Type) + ")"
	}
	key, total := QuoteIdent(n.Name), QuoteIdent(cols[1].Name)
	return "SELECT " + r.Expr(n.Of) + " AS " + key + ", " + agg + " AS " + total + " FROM (" + r.Node(n.Input) + ") AS _t GROUP BY ALL ORDER BY " +
		total + " DESC NULLS LAST, " + key + " LIMIT " + r.Expr(n.N)
}
