package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

// Tables is a workspace's tables as the plan resolves names against
// them: their definitions and names (source.Tables is one; whoever binds
// a Scan reads its rows from it).
type Tables interface {
	// Table returns the definition of the table named name (exact case).
	Table(name string) (*schema.Table, bool)
	// Names lists the tables that exist, sorted, for wildcards.
	Names() []string
}

// Unstored is implemented by Tables whose rows have not been through the
// store (a transform's input), so the columns the store fills, such as
// TimeGenerated, may be null there.
type Unstored interface{ Unstored() }

// Scan reads the rows of a table: the columns of its definition, in
// order. Whoever binds it to the store (the engine) restricts them to
// the request's time range and may skip data that holds none of Terms.
type Scan struct {
	// Tables is the workspace the table is in; Table its name there.
	Tables Tables
	Table  string
	Cols   []Column
	// Terms are terms of which every row the query returns holds one
	// (source.Scan.Terms).
	Terms []string
	// Stored is set for a table whose rows have been through the store,
	// which gives every row a TimeGenerated (schema.ColTimeGenerated);
	// not for a transform's input (Unstored).
	Stored bool
	// P is where the query names the table, for errors of reading it.
	P kql.Pos
}

// Columns are the table's columns.
func (n *Scan) Columns() []Column { return n.Cols }

// Reads is nothing: the node is a source.
func (n *Scan) Reads() []Node { return nil }

// As is the as operator: Input's rows, which union's withsource= column
// reports under Name (UnionSourceName) and which the query may read
// again by that name.
type As struct {
	Input Node
	Name  string
}

// Columns are the input's.
func (n *As) Columns() []Column { return n.Input.Columns() }

// Reads is the input.
func (n *As) Reads() []Node { return []Node{n.Input} }

// Render is the render operator: Input's rows, to be drawn as the
// visualization it names, which the result carries (the rows are as
// they are).
type Render struct {
	Input         Node
	Visualization string
	Properties    map[string]string
}

// Columns are the input's.
func (n *Render) Columns() []Column { return n.Input.Columns() }

// Reads is the input.
func (n *Render) Reads() []Node { return []Node{n.Input} }

// Build builds the query q: its set statements and lets, in the
// builder's scope, then its body.
func (b *Builder) Build(q *kql.Query) (n Node, err error) {
	defer caught(&err)
	b.Sets = map[string]kql.Expr{}
	for _, st := range q.Sets {
		b.Sets[st.Name] = st.Value
	}
	for _, l := range q.Lets {
		b.bindLet(l)
	}
	return b.tabular(q.Body), nil
}

func (b *Builder) tabular(t kql.Tabular) Node {
	if done := b.offerTerms(t); done != nil {
		defer done()
	}
	// A subquery's operators compute their own columns, not the
	// enclosing extend's, and its aggregates are not the enclosing
	// summarize's.
	defer func(windows bool, over *aggregates) { b.windows, b.overAggs = windows, over }(b.windows, b.overAggs)
	b.windows, b.overAggs = false, nil
	switch t := t.(type) {
	case *kql.Pipe:
		return b.operator(b.tabular(t.Input), t.Op)
	case *kql.TableRef:
		return b.tableRef(t)
	case *kql.Invoke:
		f, ok := b.Scope.Func(t.Name)
		if !ok {
			fail(t, "Failed to resolve function or table named '%s'", t.Name)
		}
		return b.callFuncTabular(f, t.Args, t, nil)
	case *kql.Datatable:
		return b.datatable(t)
	case *kql.Range:
		return b.rangeOf(t)
	case *kql.Print:
		return b.print(t)
	case *kql.Materialize:
		// Computed once (a CTE) however many times the query reads it.
		return &Materialize{Input: b.tabular(t.Body)}
	case *kql.UnionSrc:
		return b.union(nil, t.Union)
	case *kql.SearchSrc:
		return b.search(nil, t.Search)
	case *kql.Find:
		return b.find(t)
	case *kql.ApplySource:
		if b.applySrc == nil {
			fail(t, "A subquery without a source is only valid inside mv-apply or partition")
		}
		return b.applySrc
	}
	fail(t, "unsupported tabular expression")
	return nil
}

func (b *Builder) operator(in Node, op kql.Operator) Node {
	switch op := op.(type) {
	case *kql.As:
		n := &As{Input: in, Name: op.Name}
		b.Scope.BindTable(op.Name, n)
		return n
	case *kql.Render:
		return &Render{Input: in, Visualization: op.Visualization, Properties: op.Props}
	case *kql.Where:
		return b.where(in, op)
	case *kql.Project:
		return b.project(in, op.Items, false, false)
	case *kql.Extend:
		return b.project(in, op.Items, true, false)
	case *kql.Serialize:
		if len(op.Items) == 0 {
			return in
		}
		return b.project(in, op.Items, true, false)
	case *kql.Distinct:
		if op.All {
			return &Distinct{Input: in, Slots: Visible(in.Columns())}
		}
		return b.project(in, op.Items, false, true)
	case *kql.ProjectAway:
		slots, err := ProjectAway(in.Columns(), op)
		check(err)
		return &Pick{Input: in, Slots: slots}
	case *kql.ProjectKeep:
		slots, err := ProjectKeep(in.Columns(), op)
		check(err)
		return &Pick{Input: in, Slots: slots}
	case *kql.ProjectReorder:
		return &Pick{Input: in, Slots: ProjectReorder(in.Columns(), op)}
	case *kql.ProjectRename:
		slots, err := ProjectRename(in.Columns(), op)
		check(err)
		return &Rename{Input: in, Slots: slots}
	case *kql.GetSchema:
		// The result describes in's columns, not its rows.
		return &SchemaTable{Rows: GetSchema(in.Columns())}
	case *kql.Join:
		return b.join(in, op.Right, func(l, r []Column) (Join, error) { return TypeJoin(op, l, r) })
	case *kql.Lookup:
		return b.join(in, op.Right, func(l, r []Column) (Join, error) { return TypeLookup(op, l, r) })
	case *kql.Union:
		return b.union(in, op)
	case *kql.Search:
		return b.search(in, op)
	case *kql.Sort:
		return &Sort{Input: in, Keys: b.sortKeys(in, op.Keys)}
	case *kql.Top:
		n := b.expr(op.N, nil)
		return &Top{Input: in, Keys: b.sortKeys(in, op.Keys), N: n}
	case *kql.Take:
		return &Limit{Input: in, N: b.expr(op.N, nil)}
	case *kql.SampleOp:
		return &Sample{Input: in, N: b.rowCount(op.N)}
	case *kql.SampleDistinct:
		return NewSampleDistinct(op, in, b.expr(op.Of.Expr, in.Columns()), b.rowCount(op.N))
	case *kql.TopHitters:
		return b.topHitters(in, op)
	case *kql.Scan:
		return b.sequence(in, op)
	case *kql.ParseOp:
		n, err := NewParse(in, b.expr(op.X, in.Columns()), op)
		check(err)
		return n
	case *kql.Summarize:
		return b.summarize(in, op)
	case *kql.Count:
		return &Count{Input: in}
	case *kql.TopNested:
		return b.topNested(in, op)
	case *kql.MakeSeries:
		return b.makeSeries(in, op)
	case *kql.MvExpand:
		return b.mvExpand(in, op)
	case *kql.ParseKv:
		return b.parseKv(in, op)
	case *kql.MvApply:
		return b.mvApply(in, op)
	case *kql.Partition:
		return b.partition(in, op)
	case *kql.Evaluate:
		return b.evaluate(in, op)
	case *kql.InvokeOp:
		f, ok := b.Scope.Func(op.Name)
		if !ok {
			fail(op, "Failed to resolve function named '%s'", op.Name)
		}
		return b.callFuncTabular(f, op.Args, op, in)
	}
	fail(op, "This operator is not supported yet")
	return nil
}

// tableRef resolves a table's name: a tabular let or parameter, a user
// function of no parameters, or a table of the workspace (of the one
// workspace() names).
func (b *Builder) tableRef(t *kql.TableRef) Node {
	if t.Workspace == "" {
		if n, ok := b.Scope.Table(t.Name); ok {
			return n
		}
		if f, ok := b.Scope.Func(t.Name); ok {
			return b.callFuncTabular(f, nil, t, nil)
		}
	}
	tables := b.Tables
	if t.Workspace != "" {
		if b.Workspace == nil {
			fail(t, "Cross-workspace queries are not allowed here: workspace(%q)", t.Workspace)
		}
		ws, err := b.Workspace(t.Workspace)
		if err != nil {
			fail(t, "Failed to resolve workspace %q: %v", t.Workspace, err)
		}
		tables = ws
	}
	var def *schema.Table
	ok := false
	if tables != nil {
		def, ok = tables.Table(t.Name)
	}
	if !ok {
		var names []string
		if tables != nil {
			names = tables.Names()
		}
		names = append(names, b.Scope.TableNames()...)
		unresolved(t, t.Name, names, "Failed to resolve table or column expression named '%s'", t.Name)
	}
	_, unstored := tables.(Unstored)
	scan := &Scan{Tables: tables, Table: t.Name, Terms: b.takeTerms(t), Stored: !unstored, P: t.P}
	for _, cd := range def.Columns {
		scan.Cols = append(scan.Cols, Column{Name: cd.Name, Type: cd.Type, Hidden: cd.Hidden})
	}
	return scan
}

// callFuncTabular calls a user function that returns a table; piped,
// when not nil, is the input of | invoke, given to the first tabular
// parameter.
func (b *Builder) callFuncTabular(f *kql.FuncDef, args []kql.Expr, n kql.Node, piped Node) Node {
	restore := b.enterFunc(f, args, n, nil, piped)
	defer restore()
	body, ok := f.Body.(kql.Tabular)
	if !ok {
		if id, isID := f.Body.(*kql.Ident); isID {
			return b.tabular(&kql.TableRef{P: id.P, Name: id.Name})
		}
		fail(n, "The function returns a scalar, not a table")
	}
	return b.tabular(body)
}
