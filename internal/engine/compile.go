package engine

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
	"vigil/internal/source"
	"vigil/internal/sqlgen"
)

// col is a column of a relation being compiled.
type col struct {
	name   string
	typ    schema.Type
	hidden bool
}

// planColumns are cols as plan types them, for its operators' rules.
func planColumns(cols []col) []plan.Column {
	out := make([]plan.Column, len(cols))
	for i, cl := range cols {
		out[i] = plan.Column{Name: cl.name, Type: cl.typ, Hidden: cl.hidden}
	}
	return out
}

// engineColumns are the columns of an operator's result that plan
// typed.
func engineColumns(cols []plan.Column) []col {
	out := make([]col, len(cols))
	for i, pc := range cols {
		out[i] = col{name: pc.Name, typ: pc.Type, hidden: pc.Hidden}
	}
	return out
}

// relation is a compiled tabular expression: a SELECT statement and its
// columns.
type relation struct {
	sql    string
	cols   []col
	render *Render
	// notNull names the columns known to hold a value in every row, so
	// work meant for nulls can be left out (arg_max's fallback). Only
	// operators that keep the rows' values as they are pass it on.
	notNull map[string]bool
	// as is the name the as operator gave these rows, which union's
	// withsource= column reports for them.
	as string
}

// Columns are the relation's columns as the plan types them: a relation
// the engine compiled is the input of the plan's nodes (plan.Node).
func (r *relation) Columns() []plan.Column { return planColumns(r.cols) }

// Reads is nothing: what a relation reads is inside its SQL.
func (r *relation) Reads() []plan.Node { return nil }

// NotNull names the columns known to hold a value in every row
// (plan.NotNull).
func (r *relation) NotNull() map[string]bool { return r.notNull }

type compiler struct {
	ctx      context.Context
	req      Request
	releases []func()
	// b resolves names and types expressions (internal/plan); its
	// Scope is what names mean where the compiler is.
	b *plan.Builder
	// db answers the catalog's probes, queries of the data for the
	// operators whose columns depend on it (plan.Builder.BagKeys,
	// PivotValues).
	db *sql.DB
	// d spells what differs between SQL dialects (internal/sqlgen).
	d sqlgen.Dialect
	// r writes the SQL of the plan's nodes in d.
	r *sqlgen.Renderer
}

func newCompiler(ctx context.Context, req Request, db *sql.DB) *compiler {
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	d := sqlgen.NewDuckDB(now.UTC())
	c := &compiler{ctx: ctx, req: req, db: db, d: d}
	c.r = &sqlgen.Renderer{D: d, Input: c.input}
	c.b = &plan.Builder{
		Scope: plan.NewScope(nil),
	}
	if db != nil {
		c.b.BagKeys, c.b.PivotValues = c.bagKeys, c.pivotValues
	}
	if req.Tables != nil {
		c.b.Tables = req.Tables
	}
	if req.Workspace != nil {
		c.b.Workspace = func(name string) (plan.Tables, error) { return req.Workspace(name) }
	}
	return c
}

func (c *compiler) release() {
	for _, r := range c.releases {
		r()
	}
	c.releases = nil
}

// failure unwinds compilation with a user error.
type failure struct{ err error }

func (c *compiler) compile() (rel *relation, err error) {
	q, err := kql.Parse(c.req.Query)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(failure)
			if !ok {
				panic(r)
			}
			rel, err = nil, f.err
		}
	}()
	n, err := c.b.Build(q)
	if err != nil {
		return nil, err
	}
	rel = c.relationOf(n)
	rel.sql = c.r.With(rel.sql)
	return rel, nil
}

// --- tabular ---

// relationOf is the relation of the plan node n: n itself when the
// engine compiled it, else its rendering, with what the engine's
// operators read of its rows (render, notNull, as) as the plan's nodes
// say.
func (c *compiler) relationOf(n plan.Node) *relation {
	if r, ok := n.(*relation); ok {
		return r
	}
	out := &relation{sql: c.r.Node(n), cols: engineColumns(n.Columns()), render: renderOf(n), notNull: plan.NotNull(n)}
	if a, ok := n.(*plan.As); ok {
		out.as = a.Name
	}
	return out
}

// renderOf is how the rows of n are to be drawn: as the render operator
// they last went through said, passed on by the operators over one
// input, by ipv4_lookup and mv-apply from their input and by partition
// from its subquery, as the engine passed it on when it compiled them;
// a partition's rows, the source of its subquery, and the plugins that
// make tables of their own pass on none.
func renderOf(n plan.Node) *Render {
	switch n := n.(type) {
	case *relation:
		return n.render
	case *plan.Render:
		return &Render{Visualization: n.Visualization, Properties: n.Properties}
	case *plan.Ipv4Lookup:
		return renderOf(n.Input)
	case *plan.Apply:
		return renderOf(n.Input)
	case *plan.Partition:
		return renderOf(n.Sub)
	case *plan.PartitionRows, *plan.Narrow, *plan.SchemaMerge, *plan.RollingPercentile, *plan.ActivityEngagement, *plan.ActiveUsers:
		return nil
	}
	if in := n.Reads(); len(in) == 1 {
		return renderOf(in[0])
	}
	return nil
}

// input spells the nodes the renderer leaves to the engine: the
// relations it compiled, and a table's rows, read from the store.
func (c *compiler) input(n plan.Node) string {
	if s, ok := n.(*plan.Scan); ok {
		rel, err := s.Tables.(source.Tables).Relation(c.ctx, s.Table, source.Scan{From: c.req.From, To: c.req.To, Terms: s.Terms})
		if err != nil {
			panic(failure{kql.Errorf(s.P, "Cannot read table '%s': %v", s.Table, err)})
		}
		c.releases = append(c.releases, rel.Release)
		return tableSQL(rel.SQL)
	}
	return n.(*relation).sql
}

// tableSQL is a SELECT statement of the rows of the table expression
// from: the query inside it when from is one parenthesized SELECT, as the
// store's relations are, else SELECT * FROM from. The extra layer of
// SELECT * is not free where a query reads no column, as count() does:
// DuckDB keeps a projection of a constant per vector for each layer,
// about 12% of the CPU time of `Syslog | count` (docs/benchmarks.md).
func tableSQL(from string) string {
	if inner, ok := unparen(from); ok && strings.HasPrefix(inner, "SELECT ") {
		return inner
	}
	return "SELECT * FROM " + from
}

// unparen returns s without its outer parentheses when s is one
// parenthesized group: the first parenthesis closes at the end of s.
// Parentheses in quoted strings and names do not count; a doubled quote
// inside one reads as two quoted runs back to back, which is the same.
func unparen(s string) (string, bool) {
	if len(s) < 2 || s[0] != '(' || s[len(s)-1] != ')' {
		return "", false
	}
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'', '"':
			j := strings.IndexByte(s[i+1:], s[i])
			if j < 0 {
				return "", false
			}
			i += j + 1
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 && i != len(s)-1 {
				return "", false
			}
		}
	}
	if depth != 0 {
		return "", false
	}
	return s[1 : len(s)-1], true
}
