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

// rendered is the relation of the plan node n, whose inputs are
// relations the engine compiled; the caller says what it keeps of their
// render, notNull and as.
func (c *compiler) rendered(n plan.Node) *relation {
	return &relation{sql: c.r.Node(n), cols: engineColumns(n.Columns())}
}

func (r *relation) find(name string) (col, bool) {
	for _, c := range r.cols {
		if c.name == name {
			return c, true
		}
	}
	return col{}, false
}

// scalar is a compiled scalar expression: its SQL, its type, and the
// plan's expression it was written from (nil for SQL the engine wrote
// itself).
type scalar struct {
	sql string
	typ schema.Type // 0 for an untyped null
	x   plan.Expr
}

// Type is the scalar's type: a compiled scalar is an expression of the
// plan's nodes (plan.Expr).
func (v scalar) Type() schema.Type { return v.typ }

type compiler struct {
	ctx      context.Context
	req      Request
	releases []func()
	// b resolves names and types expressions (internal/plan); its
	// Scope is what names mean where the compiler is.
	b *plan.Builder
	// db answers probe queries of operators whose columns depend on the
	// data (bag_unpack).
	db *sql.DB
	// applySrc is the source of the partition or mv-apply subquery being
	// compiled (kql.ApplySource): a partition's rows (plan.PartitionRows)
	// or mv-apply's row expanded (an mv-expand of a plan.OuterRow). The
	// nesting of both is applyDepth, the plan.Outer.Depth of their rows.
	applySrc   *relation
	applyDepth int
	// d spells what differs between SQL dialects (internal/sqlgen).
	d sqlgen.Dialect
	// r writes the SQL of the plan's nodes in d.
	r *sqlgen.Renderer
	// aggs, while summarize compiles an expression over aggregates,
	// takes the aggregate calls in it (see aggExprs); nil elsewhere.
	aggs *aggExprs
}

func newCompiler(ctx context.Context, req Request, db *sql.DB) *compiler {
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	d := sqlgen.NewDuckDB(now.UTC())
	c := &compiler{ctx: ctx, req: req, db: db, d: d}
	c.r = &sqlgen.Renderer{D: d, Input: c.input,
		Scalar: func(x plan.Expr) string { return x.(scalar).sql }}
	c.b = &plan.Builder{
		Scope: plan.NewScope(nil),
		Aggregate: func(call *kql.Call) (plan.Expr, bool) {
			if c.aggs == nil {
				return nil, false
			}
			return c.aggs.add(c, call), true
		},
		Source:   func(t kql.Tabular) plan.Node { return c.source(t) },
		Operator: func(in plan.Node, op kql.Operator) plan.Node { return c.operator(c.relationOf(in), op) },
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

func (c *compiler) fail(n kql.Node, format string, args ...any) {
	panic(failure{kql.Errorf(n.Position(), format, args...)})
}

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
	c.b.Sets = map[string]kql.Expr{}
	for _, st := range q.Sets {
		c.b.Sets[st.Name] = st.Value
	}
	for _, l := range q.Lets {
		c.bindLet(l)
	}
	rel = c.tabular(q.Body)
	rel.sql = c.r.With(rel.sql)
	return rel, nil
}

func (c *compiler) bindLet(l *kql.Let) {
	if err := c.b.BindLet(l); err != nil {
		panic(failure{err})
	}
}

// --- tabular ---

// tabular compiles a tabular expression: the plan builds it, asking the
// engine for the sources and operators it does not build yet.
func (c *compiler) tabular(t kql.Tabular) *relation {
	n, err := c.b.Tabular(t)
	if err != nil {
		panic(failure{err})
	}
	return c.relationOf(n)
}

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
// input.
func renderOf(n plan.Node) *Render {
	switch n := n.(type) {
	case *relation:
		return n.render
	case *plan.Render:
		return &Render{Visualization: n.Visualization, Properties: n.Properties}
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

// source compiles the sources the plan does not build yet.
func (c *compiler) source(t kql.Tabular) plan.Node {
	switch t := t.(type) {
	case *kql.Datatable:
		return c.datatable(t)
	case *kql.Range:
		return c.rangeSrc(t)
	case *kql.Materialize:
		return c.materialize(t)
	case *kql.Print:
		return c.print(t)
	case *kql.UnionSrc:
		return c.union(nil, t.Union)
	case *kql.SearchSrc:
		return c.search(nil, t.Search)
	case *kql.Find:
		return c.find(t)
	case *kql.ApplySource:
		if c.applySrc == nil {
			c.fail(t, "A subquery without a source is only valid inside mv-apply or partition")
		}
		return c.applySrc
	}
	c.fail(t, "unsupported tabular expression")
	return nil
}

// materialize compiles materialize(): its body, computed once as a CTE
// (sqlgen.Renderer.With puts it before the statement) however many times
// the query reads the result.
func (c *compiler) materialize(t *kql.Materialize) *relation {
	body := c.tabular(t.Body)
	out := c.rendered(&plan.Materialize{Input: body})
	out.render, out.notNull = body.render, body.notNull
	return out
}

// print compiles print: a row of its items' values (plan.Builder.Items,
// a tuple (a, b) = array_sort_asc(x, y) giving a column per array).
func (c *compiler) print(t *kql.Print) *relation {
	cols, items, err := c.b.Items(t.Items, nil, plan.PrintName)
	if err != nil {
		panic(failure{err})
	}
	return c.rendered(&plan.Print{Cols: cols, Items: items})
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

// datatable compiles datatable: its values, each converted to its
// column's declared type.
func (c *compiler) datatable(t *kql.Datatable) *relation {
	cols, err := plan.DatatableColumns(t)
	if err != nil {
		panic(failure{err})
	}
	n := &plan.Values{Cols: cols}
	for i := 0; i < len(t.Values); i += len(cols) {
		row := make([]plan.Expr, len(cols))
		for j, cl := range cols {
			row[j] = c.converted(c.expr(t.Values[i+j], nil), cl.Type, t.Values[i+j])
		}
		n.Rows = append(n.Rows, row)
	}
	return c.rendered(n)
}

// rangeSrc compiles range over the bounds and step plan.TypeRange typed:
// a From that is not of the column's type is read as a real by
// todouble(), a To of a datetime column as a datetime.
func (c *compiler) rangeSrc(t *kql.Range) *relation {
	from := c.expr(t.From, nil)
	to := c.expr(t.To, nil)
	step := c.expr(t.Step, nil)
	typ, err := plan.TypeRange(t, from.typ, to.typ, step.typ)
	if err != nil {
		panic(failure{err})
	}
	n := &plan.Range{Column: plan.Column{Name: t.Col, Type: typ}, From: from.x, To: to.x, Step: step.x}
	switch {
	case typ == schema.DateTime:
		n.To = c.converted(to, schema.DateTime, t.To)
	case typ == schema.Real && from.typ != schema.Real:
		n.From = c.expr(&kql.Call{P: t.P, Name: "todouble", Args: []kql.Expr{t.From}}, nil).x
	}
	return c.rendered(n)
}

// converted is v, an expression the plan built, converted to type to as
// c.convert does, for a node to hold; a conversion plan.CanConvert does
// not allow fails at n.
func (c *compiler) converted(v scalar, to schema.Type, n kql.Node) plan.Expr {
	if !plan.CanConvert(v.typ, to) {
		c.fail(n, "Cannot convert %s to %s", v.typ, to)
	}
	return &plan.Convert{X: v.x, To: to}
}

// wrap makes a new relation selecting exprs from in.
func wrap(in *relation, sel []string, cols []col, tail string) *relation {
	return &relation{sql: sqlgen.Select(sel, in.sql, tail), cols: cols, render: in.render}
}

// pick passes on the input columns slots say (plan.Pick), failing with
// err: project-away, project-keep and project-reorder.
func (c *compiler) pick(in *relation, slots []plan.Slot, err error) *relation {
	if err != nil {
		panic(failure{err})
	}
	out := c.rendered(&plan.Pick{Input: in, Slots: slots})
	out.render = in.render
	return out
}

func allCols(in *relation) ([]string, []col) {
	return quoted(in.cols), append([]col(nil), in.cols...)
}

func (c *compiler) operator(in *relation, op kql.Operator) *relation {
	switch op := op.(type) {
	case *kql.Where:
		c.b.Windows = true
		p, err := c.b.Expr(op.Pred, in.Columns())
		c.b.Windows = false
		if err == nil {
			err = plan.CheckBool(op.Pred, p.Type(), "where predicate")
		}
		if err != nil {
			panic(failure{err})
		}
		return c.relationOf(&plan.Filter{Input: in, Pred: p})
	case *kql.Project:
		return c.project(in, op.Items, false, false)
	case *kql.Extend:
		return c.project(in, op.Items, true, false)
	case *kql.ProjectAway:
		slots, err := plan.ProjectAway(planColumns(in.cols), op)
		return c.pick(in, slots, err)
	case *kql.ProjectKeep:
		slots, err := plan.ProjectKeep(planColumns(in.cols), op)
		return c.pick(in, slots, err)
	case *kql.ProjectRename:
		slots, err := plan.ProjectRename(planColumns(in.cols), op)
		if err != nil {
			panic(failure{err})
		}
		out := c.rendered(&plan.Rename{Input: in, Slots: slots})
		out.render = in.render
		return out
	case *kql.ProjectReorder:
		return c.pick(in, plan.ProjectReorder(planColumns(in.cols), op), nil)
	case *kql.Summarize:
		return c.summarize(in, op)
	case *kql.Count:
		out := c.rendered(&plan.Count{Input: in})
		out.render = in.render
		return out
	case *kql.Take:
		return c.take(in, op)
	case *kql.SampleOp:
		return c.sample(in, op)
	case *kql.Top:
		return c.top(in, op)
	case *kql.Sort:
		return c.sort(in, op)
	case *kql.Distinct:
		if op.All {
			out := c.rendered(&plan.Distinct{Input: in, Slots: plan.Visible(in.Columns())})
			out.render = in.render
			return out
		}
		return c.project(in, op.Items, false, true)
	case *kql.Join:
		return c.join(in, op.Right, func(l, r []plan.Column) (plan.Join, error) { return plan.TypeJoin(op, l, r) })
	case *kql.Lookup:
		return c.join(in, op.Right, func(l, r []plan.Column) (plan.Join, error) { return plan.TypeLookup(op, l, r) })
	case *kql.Union:
		return c.union(in, op)
	case *kql.GetSchema:
		// The result describes in's columns, not its rows: it keeps none
		// of in's render, notNull or as.
		return c.rendered(&plan.SchemaTable{Rows: plan.GetSchema(in.Columns())})
	case *kql.Serialize:
		if len(op.Items) == 0 {
			return in
		}
		return c.project(in, op.Items, true, false)
	case *kql.MvExpand:
		return c.mvExpand(in, op)
	case *kql.ParseOp:
		return c.parseOp(in, op)
	case *kql.Search:
		return c.search(in, op)
	case *kql.MakeSeries:
		return c.makeSeries(in, op)
	case *kql.MvApply:
		return c.mvApply(in, op)
	case *kql.Evaluate:
		return c.evaluate(in, op)
	case *kql.ParseKv:
		return c.parseKv(in, op)
	case *kql.TopNested:
		return c.topNested(in, op)
	case *kql.SampleDistinct:
		return c.sampleDistinct(in, op)
	case *kql.TopHitters:
		return c.topHitters(in, op)
	case *kql.Partition:
		return c.partition(in, op)
	case *kql.Scan:
		return c.scan(in, op)
	}
	c.fail(op, "This operator is not supported yet")
	return nil
}

// project computes items over in: for extend, after in's columns (an item
// naming an existing column replaces it in place); with distinct, each
// distinct row once.
func (c *compiler) project(in *relation, items []kql.NamedExpr, extend, distinct bool) *relation {
	c.b.Windows = true
	computed, exprs, err := c.b.Items(items, in.Columns(), plan.ItemName)
	c.b.Windows = false
	if err != nil {
		panic(failure{err})
	}
	var base []plan.Column
	if extend {
		base = in.Columns()
	}
	out := c.rendered(&plan.Project{Input: in, Slots: plan.Extend(base, computed), Items: exprs, Distinct: distinct})
	out.render = in.render
	return out
}

// join compiles a join or lookup of left and the query in its
// parentheses, typed over their columns by typeJoin (plan.TypeJoin or
// plan.TypeLookup).
func (c *compiler) join(left *relation, query kql.Tabular, typeJoin func(left, right []plan.Column) (plan.Join, error)) *relation {
	right := c.tabular(query)
	j, err := typeJoin(planColumns(left.cols), planColumns(right.cols))
	if err != nil {
		panic(failure{err})
	}
	return c.rendered(&plan.JoinNode{Left: left, Right: right, Join: j})
}

// union compiles union of in (nil where union is the source) and u's
// tables, a table pattern expanded into the tables it matches, as the
// node of their rows in the columns plan.TypeUnion gives them.
func (c *compiler) union(in *relation, u *kql.Union) *relation {
	var rels []*relation
	var names []string
	offset := 0
	if in != nil {
		rels, names = append(rels, in), append(names, plan.UnionSourceName(nil, 0, in.as))
		offset = 1
	}
	for i, t := range u.Tables {
		if matched, ok := c.tablePattern(t); ok {
			for _, m := range matched {
				rels, names = append(rels, m.rel), append(names, m.name)
			}
			continue
		}
		rel := c.tabular(t)
		rels, names = append(rels, rel), append(names, plan.UnionSourceName(t, i+offset, rel.as))
	}
	inputs := make([][]plan.Column, len(rels))
	nodes := make([]plan.Node, len(rels))
	for i, rel := range rels {
		inputs[i] = planColumns(rel.cols)
		nodes[i] = rel
	}
	typed, err := plan.TypeUnion(u, inputs)
	if err != nil {
		panic(failure{err})
	}
	return c.rendered(&plan.UnionNode{Inputs: nodes, Sources: names, Union: typed})
}

// namedRelation is a table of the workspace, by name.
type namedRelation struct {
	name string
	rel  *relation
}

// tablePattern expands t, when it is a table pattern (T*, as union and
// find take), into the workspace's tables it matches; ok is false when t
// is no pattern. Without a workspace a pattern matches nothing.
func (c *compiler) tablePattern(t kql.Tabular) (matched []namedRelation, ok bool) {
	ref, isRef := t.(*kql.TableRef)
	if !isRef || !plan.IsTablePattern(ref.Name) {
		return nil, false
	}
	if c.req.Tables == nil {
		return nil, true
	}
	for _, n := range plan.MatchTables(ref.Name, c.req.Tables.Names()) {
		matched = append(matched, namedRelation{n, c.tabular(&kql.TableRef{P: ref.P, Name: n})})
	}
	return matched, true
}

func quoted(cols []col) []string { return sqlgen.Names(planColumns(cols)) }

// parseOp compiles parse and parse-where: plan.NewParse's node.
func (c *compiler) parseOp(in *relation, op *kql.ParseOp) *relation {
	n, err := plan.NewParse(in, c.expr(op.X, in).x, op)
	if err != nil {
		panic(failure{err})
	}
	out := c.rendered(n)
	out.render = in.render
	return out
}

// search filters the input, or the tables listed (every table when none
// is) with a $table column, by the predicate; a bare string in it is a
// term any string or dynamic column may have (with *, a substring).
func (c *compiler) search(in *relation, op *kql.Search) *relation {
	if in != nil && len(op.Tables) == 0 {
		sel, cols := allCols(in)
		return wrap(in, sel, cols, " WHERE "+c.searchPred(op.Pred, in))
	}
	names := op.Tables
	if len(names) == 0 {
		names = []string{"*"}
	}
	u := &kql.Union{P: op.P, Kind: "outer", WithSource: "$table"}
	for _, n := range names {
		u.Tables = append(u.Tables, &kql.TableRef{P: op.P, Name: n})
	}
	rel := c.union(nil, u)
	return wrap(rel, quoted(rel.cols), rel.cols, " WHERE "+c.searchPred(op.Pred, rel))
}

func (c *compiler) searchPred(e kql.Expr, in *relation) string {
	switch x := e.(type) {
	case *kql.Literal:
		if x.Kind != kql.LitString {
			break
		}
		term := strings.ToLower(x.Value)
		var ors []string
		for _, cl := range in.cols {
			if cl.typ != schema.String && cl.typ != schema.Dynamic || cl.hidden || cl.name == "$table" {
				continue
			}
			ref := sqlgen.QuoteIdent(cl.name)
			if cl.typ == schema.String {
				// DuckDB matches names without regard to case, so across
				// tables with ProcessID (int) and ProcessId (string) the
				// name can bind to the int column: cast, so search runs.
				ref = "CAST(" + ref + " AS VARCHAR)"
			}
			col := c.convert(scalar{sql: ref, typ: cl.typ}, schema.String, e)
			if strings.Contains(term, "*") {
				parts := strings.Split(term, "*")
				ors = append(ors, "(lower("+col+") LIKE "+sqlgen.QuoteString("%"+strings.Join(parts, "%")+"%")+")")
				continue
			}
			ors = append(ors, sqlgen.HasTerm("has", col, sqlgen.Arg{SQL: sqlgen.QuoteString(x.Value), Type: schema.String, Const: x.Value}, false))
		}
		if len(ors) == 0 {
			return "false"
		}
		return "(" + strings.Join(ors, " OR ") + ")"
	case *kql.Binary:
		if x.Op == "and" || x.Op == "or" {
			return "(" + c.searchPred(x.L, in) + " " + strings.ToUpper(x.Op) + " " + c.searchPred(x.R, in) + ")"
		}
	case *kql.Call:
		if x.Name == "not" && len(x.Args) == 1 {
			return "(NOT coalesce(" + c.searchPred(x.Args[0], in) + ", false))"
		}
	}
	v := c.expr(e, in)
	if err := plan.CheckBool(e, v.typ, "search predicate"); err != nil {
		panic(failure{err})
	}
	return v.sql
}
