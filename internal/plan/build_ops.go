package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

// datatable builds datatable: its values, each converted to its
// column's declared type.
func (b *Builder) datatable(t *kql.Datatable) Node {
	cols, err := DatatableColumns(t)
	check(err)
	n := &Values{Cols: cols}
	for i := 0; i < len(t.Values); i += len(cols) {
		row := make([]Expr, len(cols))
		for j, cl := range cols {
			row[j] = convert(b.expr(t.Values[i+j], nil), cl.Type, t.Values[i+j])
		}
		n.Rows = append(n.Rows, row)
	}
	return n
}

// rangeOf builds range over the bounds and step TypeRange typed: a From
// that is not of the column's type is read as a real by todouble(), a To
// of a datetime column as a datetime.
func (b *Builder) rangeOf(t *kql.Range) Node {
	from, to, step := b.expr(t.From, nil), b.expr(t.To, nil), b.expr(t.Step, nil)
	typ, err := TypeRange(t, from.Type(), to.Type(), step.Type())
	check(err)
	n := &Range{Column: Column{Name: t.Col, Type: typ}, From: from, To: to, Step: step}
	switch {
	case typ == schema.DateTime:
		n.To = convert(to, schema.DateTime, t.To)
	case typ == schema.Real && from.Type() != schema.Real:
		n.From = b.expr(&kql.Call{P: t.P, Name: "todouble", Args: []kql.Expr{t.From}}, nil)
	}
	return n
}

// print builds print: a row of its items' values (Items; a tuple (a, b)
// = array_sort_asc(x, y) gives a column per array).
func (b *Builder) print(t *kql.Print) Node {
	cols, items := b.items(t.Items, nil, PrintName)
	return &Print{Cols: cols, Items: items}
}

// where builds where: a predicate, which may call window functions.
func (b *Builder) where(in Node, op *kql.Where) Node {
	b.windows = true
	p := b.expr(op.Pred, in.Columns())
	b.windows = false
	check(CheckBool(op.Pred, p.Type(), "where predicate"))
	return &Filter{Input: in, Pred: p}
}

// project builds project and, with extend, extend (an item naming an
// existing column replaces it in place), distinct of columns and
// serialize with columns; with distinct, each distinct row once. The
// items may call window functions.
func (b *Builder) project(in Node, items []kql.NamedExpr, extend, distinct bool) Node {
	b.windows = true
	computed, exprs := b.items(items, in.Columns(), ItemName)
	b.windows = false
	var base []Column
	if extend {
		base = in.Columns()
	}
	return &Project{Input: in, Slots: Extend(base, computed), Items: exprs, Distinct: distinct}
}

// join builds a join or lookup of left and the query in its
// parentheses, typed over their columns by typeJoin (TypeJoin or
// TypeLookup).
func (b *Builder) join(left Node, query kql.Tabular, typeJoin func(left, right []Column) (Join, error)) Node {
	right := b.tabular(query)
	j, err := typeJoin(left.Columns(), right.Columns())
	check(err)
	return &JoinNode{Left: left, Right: right, Join: j}
}

// union builds union of in (nil where union is the source) and u's
// tables, a table pattern expanded into the tables it matches, in the
// columns TypeUnion gives them.
func (b *Builder) union(in Node, u *kql.Union) *UnionNode {
	n := &UnionNode{}
	offset := 0
	if in != nil {
		n.Inputs, n.Sources = append(n.Inputs, in), append(n.Sources, UnionSourceName(nil, 0, asName(in)))
		offset = 1
	}
	for i, t := range u.Tables {
		if names, ok := b.tablePattern(t); ok {
			for _, name := range names {
				n.Inputs = append(n.Inputs, b.tabular(&kql.TableRef{P: t.Position(), Name: name}))
				n.Sources = append(n.Sources, name)
			}
			continue
		}
		x := b.tabular(t)
		n.Inputs, n.Sources = append(n.Inputs, x), append(n.Sources, UnionSourceName(t, i+offset, asName(x)))
	}
	inputs := make([][]Column, len(n.Inputs))
	for i, x := range n.Inputs {
		inputs[i] = x.Columns()
	}
	typed, err := TypeUnion(u, inputs)
	check(err)
	n.Union = typed
	return n
}

// asName is the name the as operator gave n's rows, when it is the last
// operator n went through.
func asName(n Node) string {
	if a, ok := n.(*As); ok {
		return a.Name
	}
	return ""
}

// tablePattern is the workspace's tables t matches when it is a table
// pattern (T*, as union and find take); ok is false when t is no
// pattern. Without a workspace a pattern matches nothing.
func (b *Builder) tablePattern(t kql.Tabular) (names []string, ok bool) {
	ref, isRef := t.(*kql.TableRef)
	if !isRef || !IsTablePattern(ref.Name) {
		return nil, false
	}
	if b.Tables == nil {
		return nil, true
	}
	return MatchTables(ref.Name, b.Tables.Names()), true
}

// SearchTerm is a bare string in search's predicate: a term that one of
// Columns (the rows' visible string and dynamic columns) has, or, when
// Term holds *, a substring matching it, * matching anything.
type SearchTerm struct {
	Term    string
	Columns []Column
}

// Type is bool.
func (x *SearchTerm) Type() schema.Type { return schema.Bool }

// SearchNot is not() in search's predicate: true where X is false or
// null.
type SearchNot struct{ X Expr }

// Type is bool.
func (x *SearchNot) Type() schema.Type { return schema.Bool }

// search builds search: a filter of the input, or of the tables listed
// (every table when none is) with a $table column naming each row's.
func (b *Builder) search(in Node, op *kql.Search) Node {
	if in == nil || len(op.Tables) > 0 {
		names := op.Tables
		if len(names) == 0 {
			names = []string{"*"}
		}
		u := &kql.Union{P: op.P, Kind: "outer", WithSource: "$table"}
		for _, n := range names {
			u.Tables = append(u.Tables, &kql.TableRef{P: op.P, Name: n})
		}
		in = b.union(nil, u)
	}
	return &Filter{Input: in, Pred: b.searchPred(op.Pred, in.Columns())}
}

// searchPred builds search's predicate over the columns in: a bare
// string is a SearchTerm, and and, or and not() combine them; anything
// else is an expression, as where's.
func (b *Builder) searchPred(e kql.Expr, in []Column) Expr {
	switch x := e.(type) {
	case *kql.Literal:
		if x.Kind != kql.LitString {
			break
		}
		t := &SearchTerm{Term: x.Value}
		for _, cl := range in {
			if textType(cl.Type) && !cl.Hidden && cl.Name != "$table" {
				t.Columns = append(t.Columns, cl)
			}
		}
		return t
	case *kql.Binary:
		if x.Op == "and" || x.Op == "or" {
			return &Binary{Op: x.Op, L: b.searchPred(x.L, in), R: b.searchPred(x.R, in), Sig: BinarySig{Result: schema.Bool}}
		}
	case *kql.Call:
		if x.Name == "not" && len(x.Args) == 1 {
			return &SearchNot{X: b.searchPred(x.Args[0], in)}
		}
	}
	p := b.expr(e, in)
	check(CheckBool(e, p.Type(), "search predicate"))
	return p
}
