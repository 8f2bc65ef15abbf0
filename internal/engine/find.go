package engine

import (
	"strings"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/sqlgen"
)

// find compiles the find operator: the predicate runs over each table
// (the ones listed, or every table of the workspace) that has the columns
// it reads, with the columns plan.TypeFind gives the result.
func (c *compiler) find(f *kql.Find) *relation {
	type branch struct {
		name string
		rel  *relation
		pred string
	}
	var candidates []branch
	add := func(name string, rel *relation) { candidates = append(candidates, branch{name: name, rel: rel}) }
	if len(f.Tables) == 0 {
		if c.req.Tables == nil {
			c.fail(f, "find without 'in' needs a workspace's tables")
		}
		for _, n := range c.req.Tables.Names() {
			add(n, c.tabular(&kql.TableRef{P: f.P, Name: n}))
		}
	}
	for i, t := range f.Tables {
		if matched, ok := c.tablePattern(t); ok {
			for _, m := range matched {
				add(m.name, m.rel)
			}
			continue
		}
		add(plan.FindSourceName(t, i), c.tabular(t))
	}
	reads := plan.FindNames(f.Pred)
	bound := func(name string) bool {
		_, isScalar := c.b.Scope.Scalar(name)
		_, isTable := c.b.Scope.Table(name)
		return isScalar || isTable
	}
	var kept []branch
	var inputs [][]plan.Column
	for _, b := range candidates {
		cols := planColumns(b.rel.cols)
		if !plan.FindSearches(cols, reads, bound) {
			continue
		}
		p := c.expr(f.Pred, b.rel)
		if err := plan.CheckBool(f.Pred, p.typ, "find predicate"); err != nil {
			panic(failure{err})
		}
		b.pred = p.sql
		kept = append(kept, b)
		inputs = append(inputs, cols)
	}
	typed, err := plan.TypeFind(f, inputs)
	if err != nil {
		panic(failure{err})
	}
	cols := engineColumns(typed.Columns)
	var parts []string
	for i, b := range kept {
		var sel []string
		for j, cl := range cols {
			switch k := typed.Feeds[i][j]; k {
			case plan.FeedSource:
				sel = append(sel, sqlgen.QuoteString(b.name)+" AS "+sqlgen.QuoteIdent(cl.name))
			case plan.FeedNull:
				sel = append(sel, sqlgen.Null(cl.typ)+" AS "+sqlgen.QuoteIdent(cl.name))
			case plan.FeedPack:
				sel = append(sel, c.findPack(b.rel.cols, typed.Pack[i])+" AS pack_")
			default:
				have := b.rel.cols[k]
				sel = append(sel, c.d.Convert(sqlgen.Arg{SQL: sqlgen.QuoteIdent(cl.name), Type: have.typ}, cl.typ)+" AS "+sqlgen.QuoteIdent(cl.name))
			}
		}
		parts = append(parts, "SELECT "+strings.Join(sel, ", ")+" FROM ("+b.rel.sql+") AS _t WHERE "+b.pred)
	}
	return &relation{sql: strings.Join(parts, " UNION ALL "), cols: cols}
}

// findPack is the bag of a row's non-empty values of the columns of cols
// at the indexes packed, find's pack_.
func (c *compiler) findPack(cols []col, packed []int) string {
	if len(packed) == 0 {
		return "CAST('{}' AS JSON)"
	}
	picked := make([]col, len(packed))
	for i, k := range packed {
		picked[i] = cols[k]
	}
	return c.r.RowBag(planColumns(picked), true)
}
