package engine

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/source"
	"vigil/internal/sqlgen"
)

// compiler turns one request into the statement that gives its result:
// the plan's builder builds the query, the renderer writes it, and the
// compiler binds the tables' scans to the store and answers the
// catalog's probes.
type compiler struct {
	ctx context.Context
	req Request
	// releases release the store's relations the scans were bound to,
	// once the request is done with them (release).
	releases []func()
	// bound is the SQL of each scan bound so far: a scan the statement
	// writes twice (a let read twice, a probe's input) takes its
	// relation from the store once.
	bound map[*plan.Scan]string
	// b builds the query's logical plan (internal/plan).
	b *plan.Builder
	// db answers the catalog's probes, queries of the data for the
	// operators whose columns depend on it (plan.Builder.BagKeys,
	// PivotValues).
	db *sql.DB
	// r writes the SQL of the plan's nodes in DuckDB's dialect.
	r *sqlgen.Renderer
}

func newCompiler(ctx context.Context, req Request, db *sql.DB) *compiler {
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	c := &compiler{ctx: ctx, req: req, db: db, bound: map[*plan.Scan]string{}}
	c.r = &sqlgen.Renderer{D: sqlgen.NewDuckDB(now.UTC()), Scan: c.scan}
	c.b = &plan.Builder{
		Scope:       plan.NewScope(nil),
		Tables:      req.Tables,
		BagKeys:     c.bagKeys,
		PivotValues: c.pivotValues,
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

// failure carries a table's read error from compiler.scan, which the
// renderer calls and which returns no error, up to compile.
type failure struct{ err error }

// compiled is a query compiled: the statement that gives its result,
// the result's columns and how the query asked it to be drawn.
type compiled struct {
	sql    string
	cols   []Column
	render *Render
}

func (c *compiler) compile() (out *compiled, err error) {
	// Binding a table's scan to the store (compiler.scan) fails with a
	// user's error wherever the renderer writes one: in the statement,
	// and in a probe's query while the plan is built.
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(failure)
			if !ok {
				panic(r)
			}
			out, err = nil, f.err
		}
	}()
	q, err := kql.Parse(c.req.Query)
	if err != nil {
		return nil, err
	}
	n, err := c.b.Build(q)
	if err != nil {
		return nil, err
	}
	out = &compiled{sql: c.r.Result(n)}
	for _, cl := range n.Columns() {
		if !cl.Hidden {
			out.cols = append(out.cols, Column{Name: cl.Name, Type: cl.Type})
		}
	}
	if r := plan.RenderOf(n); r != nil {
		out.render = &Render{Visualization: r.Visualization, Properties: r.Properties}
	}
	return out, nil
}

// scan binds a table's scan to the rows the store gives for the
// request's time range.
func (c *compiler) scan(s *plan.Scan) string {
	if sql, ok := c.bound[s]; ok {
		return sql
	}
	rel, err := s.Tables.(source.Tables).Relation(c.ctx, s.Table, source.Scan{From: c.req.From, To: c.req.To, Terms: s.Terms})
	if err != nil {
		panic(failure{kql.Errorf(s.P, "Cannot read table '%s': %v", s.Table, err)})
	}
	c.releases = append(c.releases, rel.Release)
	c.bound[s] = tableSQL(rel.SQL)
	return c.bound[s]
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
