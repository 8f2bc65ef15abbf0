package plan

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// Builder builds a query's logical plan: it resolves the names of its
// tabular and scalar expressions and types them into Node and Expr
// trees, with the errors a user can cause as *kql.Error at the position
// of what is wrong.
type Builder struct {
	// Scope is what names mean here.
	Scope *Scope
	// Sets are the query's set statements by name (bin_auto reads its
	// bin size from one).
	Sets map[string]kql.Expr
	// Tables are the tables of the workspace queried; nil allows only
	// datatable, range, print and lets.
	Tables Tables
	// Workspace resolves workspace("x") references, checking access;
	// nil refuses them.
	Workspace func(nameOrID string) (Tables, error)
	// windows is set while extend, project or where builds its
	// expressions, which may call window functions over the input's
	// order; the builder clears it for the subqueries inside.
	windows bool
	// BagKeys and PivotValues are the catalog's probes, for the
	// operators whose columns depend on the data, which they read while
	// the query builds: BagKeys the properties of the bags x holds in
	// in's rows (bag_unpack), with the type of each property's values,
	// PivotValues the distinct values of the string key over in's rows,
	// ordered (pivot). nil where the data cannot be read, which those
	// operators refuse.
	BagKeys     func(in Node, x Expr) ([]BagProperty, error)
	PivotValues func(in Node, key Expr) ([]string, error)

	// terms are the terms offered for table reads (offerTerms).
	terms map[string][]string
	// overAggs, while summarize builds an expression over aggregates,
	// takes the aggregate calls in it (aggregates.add); nil elsewhere,
	// where an aggregate call is an error.
	overAggs *aggregates
	// applySrc is the source of the partition or mv-apply subquery being
	// built (kql.ApplySource): a partition's rows (PartitionRows) or
	// mv-apply's row expanded (an MvExpand of an OuterRow). The nesting
	// of both is applyDepth, the Outer.Depth of their rows.
	applySrc   Node
	applyDepth int
}

// buildFailure unwinds a build with a user's error.
type buildFailure struct{ err error }

func fail(n kql.Node, format string, args ...any) {
	panic(buildFailure{kql.Errorf(n.Position(), format, args...)})
}

// check unwinds a build with err, when there is one.
func check(err error) {
	if err != nil {
		panic(buildFailure{err})
	}
}

// caught ends a build: a user's error becomes *err; any other panic goes
// on up: a programming error, or the failure of a catalog's probe
// (BagKeys, PivotValues) that its caller unwinds with itself, such as
// the engine's of reading a table.
func caught(err *error) {
	if r := recover(); r != nil {
		f, ok := r.(buildFailure)
		if !ok {
			panic(r)
		}
		*err = f.err
	}
}

// unresolved fails at n, a name that resolves to nothing, with a hint
// naming the closest of the candidates when one is close enough to be a
// likely typo.
func unresolved(n kql.Node, name string, candidates []string, format string, args ...any) {
	err := kql.Errorf(n.Position(), format, args...)
	if best := closest(name, candidates); best != "" {
		err.Hint = "Did you mean '" + best + "'?"
	}
	panic(buildFailure{err})
}

// columnNamed is the column of in named name, the first if there are
// several (columnIndex).
func columnNamed(in []Column, name string) (Column, bool) {
	if i, ok := columnIndex(in, name); ok {
		return in[i], true
	}
	return Column{}, false
}

func (b *Builder) expr(e kql.Expr, in []Column) Expr {
	switch e := e.(type) {
	case *kql.Literal:
		return literal(e)
	case *kql.TypedLit:
		return typedLiteral(e)
	case *kql.Ident:
		if cl, ok := columnNamed(in, e.Name); ok {
			return &ColumnRef{Name: cl.Name, T: cl.Type}
		}
		if x, ok := b.Scope.Scalar(e.Name); ok {
			return x
		}
		if f, ok := b.Scope.Func(e.Name); ok && len(f.Params) == 0 {
			return b.callFunc(f, nil, e, in)
		}
		var names []string
		for _, cl := range in {
			names = append(names, cl.Name)
		}
		names = append(names, b.Scope.ScalarNames()...)
		unresolved(e, e.Name, names, "Failed to resolve column or scalar expression named '%s'", e.Name)
	case *kql.Unary:
		x := b.expr(e.X, in)
		typ, err := TypeUnary(e, x.Type())
		check(err)
		return &Unary{Op: e.Op, X: x, T: typ}
	case *kql.Binary:
		l, r := b.expr(e.L, in), b.expr(e.R, in)
		sig, err := TypeBinary(e, l.Type(), r.Type())
		check(err)
		return &Binary{Op: e.Op, L: l, R: r, Sig: sig}
	case *kql.In:
		return b.in(e, in)
	case *kql.Between:
		x, lo, hi := b.expr(e.X, in), b.expr(e.Lo, in), b.expr(e.Hi, in)
		sig, err := TypeBetween(e, x.Type(), lo.Type(), hi.Type())
		check(err)
		return &Between{Not: e.Not, X: x, Lo: lo, Hi: hi, Sig: sig}
	case *kql.Member, *kql.Index:
		// scan's state: Step.Column is a column named so, where no
		// column is named Step.
		if m, ok := e.(*kql.Member); ok {
			if id, ok := m.X.(*kql.Ident); ok {
				if cl, ok := columnNamed(in, id.Name+"."+m.Name); ok {
					if _, shadowed := columnNamed(in, id.Name); !shadowed {
						return &ColumnRef{Name: cl.Name, T: cl.Type}
					}
				}
			}
		}
		return b.path(e, in)
	case *kql.Call:
		return b.call(e, in)
	case *kql.ToScalar:
		n := b.tabular(e.Table)
		if len(n.Columns()) == 0 {
			fail(e, "toscalar needs a table with a column")
		}
		return &ToScalar{Table: n}
	case *kql.Star:
		fail(e, "'*' is only valid as a function argument")
	case *kql.ArrayLit, *kql.BagLit:
		return dynamicLiteral(e)
	case *kql.TabularExpr:
		fail(e, "A table is only valid here as the list of 'in'")
	}
	fail(e, "Unsupported expression")
	return nil
}

func literal(e *kql.Literal) *Literal {
	switch e.Kind {
	case kql.LitString:
		return &Literal{T: schema.String, Value: e.Value, Plain: true}
	case kql.LitBool:
		return &Literal{T: schema.Bool, Value: strings.EqualFold(e.Value, "true"), Plain: true}
	case kql.LitNull:
		return &Literal{}
	case kql.LitLong:
		n, err := strconv.ParseInt(e.Value, 0, 64)
		if err != nil {
			fail(e, "Invalid long literal %s", e.Value)
		}
		return &Literal{T: schema.Long, Value: n, Plain: true}
	case kql.LitReal:
		f, err := strconv.ParseFloat(e.Value, 64)
		if err != nil {
			fail(e, "Invalid real literal %s", e.Value)
		}
		return &Literal{T: schema.Real, Value: f, Plain: true}
	case kql.LitTimespan:
		d, err := schema.ParseTimespan(e.Value)
		if err != nil {
			fail(e, "Invalid timespan literal %s", e.Value)
		}
		return &Literal{T: schema.Timespan, Value: int64(d / schema.Tick)}
	}
	fail(e, "Unsupported literal")
	return nil
}

// typedLiteral is int(5), datetime(2024-01-01), dynamic([1, 2]) and the
// like, null when its text is null or empty.
func typedLiteral(e *kql.TypedLit) *Literal {
	typ, err := schema.ParseType(e.Type)
	if err != nil {
		fail(e, "%v", err)
	}
	if typ == schema.Dynamic {
		if e.Dyn == nil {
			return &Literal{T: schema.Dynamic}
		}
		return dynamicLiteral(e.Dyn)
	}
	text := strings.Trim(e.Text, `"'`)
	if text == "null" || text == "" {
		return &Literal{T: typ}
	}
	switch typ {
	case schema.Real:
		switch strings.ToLower(text) {
		case "nan":
			return &Literal{T: typ, Value: math.NaN()}
		case "+inf", "inf":
			return &Literal{T: typ, Value: math.Inf(1)}
		case "-inf":
			return &Literal{T: typ, Value: math.Inf(-1)}
		}
	case schema.Timespan:
		d, err := schema.ParseTimespan(text)
		if err != nil {
			fail(e, "%v", err)
		}
		return &Literal{T: typ, Value: int64(d / schema.Tick)}
	case schema.DateTime:
		t, err := parseDateLiteral(text)
		if err != nil {
			fail(e, "%v", err)
		}
		return &Literal{T: typ, Value: t}
	}
	v, err := schema.Convert(typ, text)
	if err != nil {
		fail(e, "%v", err)
	}
	switch v := v.(type) {
	case int32:
		return &Literal{T: typ, Value: int64(v)}
	case int64, float64, bool:
		return &Literal{T: typ, Value: v}
	}
	return &Literal{T: typ, Value: fmt.Sprint(v)}
}

// parseDateLiteral reads the text of a datetime(...) literal: the forms
// todatetime() reads, or year, month, day[, hour, minute, second] as
// numbers, datetime(2025, 6, 14), as the Kusto documentation writes
// them.
func parseDateLiteral(text string) (time.Time, error) {
	t, err := schema.ParseDateTime(text)
	if err == nil || !strings.Contains(text, ",") {
		return t, err
	}
	parts := strings.Split(text, ",")
	if len(parts) < 3 || len(parts) > 6 {
		return t, err
	}
	var n [6]int
	for i, p := range parts {
		v, convErr := strconv.Atoi(strings.TrimSpace(p))
		if convErr != nil {
			return t, err
		}
		n[i] = v
	}
	d := time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], 0, time.UTC)
	if d.Year() != n[0] || int(d.Month()) != n[1] || d.Day() != n[2] || d.Hour() != n[3] || d.Minute() != n[4] || d.Second() != n[5] {
		return t, err // out of range: February 30th is no date
	}
	return d, nil
}

// dynamicLiteral is a constant dynamic value: its JSON text.
func dynamicLiteral(e kql.Expr) *Literal {
	b, _ := json.Marshal(constJSON(e))
	return &Literal{T: schema.Dynamic, Value: string(b)}
}

func constJSON(e kql.Expr) any {
	switch x := e.(type) {
	case *kql.ArrayLit:
		out := []any{}
		for _, el := range x.Elems {
			out = append(out, constJSON(el))
		}
		return out
	case *kql.BagLit:
		out := map[string]any{}
		for i, k := range x.Keys {
			out[k] = constJSON(x.Vals[i])
		}
		return out
	case *kql.Literal:
		switch x.Kind {
		case kql.LitString:
			return x.Value
		case kql.LitBool:
			return x.Value == "true"
		case kql.LitNull:
			return nil
		case kql.LitLong, kql.LitReal:
			return json.Number(x.Value)
		case kql.LitTimespan:
			d, _ := schema.ParseTimespan(x.Value)
			return schema.FormatTimespan(d)
		}
	case *kql.TypedLit:
		// dynamic(...) nested in a dynamic literal is its value.
		if x.Dyn != nil {
			return constJSON(x.Dyn)
		}
		if x.Type == "datetime" {
			t, err := parseDateLiteral(x.Text)
			if err == nil {
				return t.Format("2006-01-02T15:04:05.0000000Z")
			}
		}
		return x.Text
	}
	fail(e, "A dynamic literal may hold only constants")
	return nil
}

// convert is x converted to to, by Kusto's implicit conversions
// (CanConvert), or fails at n.
func convert(x Expr, to schema.Type, n kql.Node) Expr {
	if !CanConvert(x.Type(), to) {
		fail(n, "Cannot convert %s to %s", x.Type(), to)
	}
	if x.Type() == to {
		return x
	}
	return &Convert{X: x, To: to}
}

func (b *Builder) in(e *kql.In, in []Column) Expr {
	x := b.expr(e.X, in)
	if len(e.List) == 1 && (e.Op == "in" || e.Op == "!in" || e.Op == "in~" || e.Op == "!in~") {
		if n := b.listTable(e.List[0]); n != nil {
			// x in (T | project y): the first column of a table.
			cols := n.Columns()
			if len(cols) == 0 {
				fail(e, "The table in 'in' has no columns")
			}
			lhs := convert(x, Either(cols[0].Type, x.Type()), e)
			if strings.HasSuffix(e.Op, "~") {
				// Both sides as text, lowered (sqlgen).
				lhs = convert(x, schema.String, e)
				convert(&ColumnRef{Name: cols[0].Name, T: cols[0].Type}, schema.String, e)
			}
			return &InTable{Op: e.Op, X: lhs, Table: n}
		}
	}
	// An item is a value, or a dynamic array whose elements are values
	// (x in (dynamic([...])), or a let of one).
	items := make([]Expr, len(e.List))
	types := make([]schema.Type, len(e.List))
	for i, it := range e.List {
		items[i] = b.expr(it, in)
		types[i] = items[i].Type()
	}
	to, err := TypeIn(e, x.Type(), types)
	check(err)
	return &In{Op: e.Op, X: x, Items: items, To: to}
}

// listTable is the table an in-list item names when it is one: a
// subquery, or a tabular let; nil otherwise.
func (b *Builder) listTable(e kql.Expr) Node {
	switch x := e.(type) {
	case *kql.TabularExpr:
		return b.tabular(x.Table)
	case *kql.Ident:
		if _, ok := b.Scope.Scalar(x.Name); ok {
			return nil
		}
		if n, ok := b.Scope.Table(x.Name); ok {
			return n
		}
	}
	return nil
}

// path builds x.a.b[0]["c"], a chain of member accesses and indexes into
// a dynamic value.
func (b *Builder) path(e kql.Expr, in []Column) Expr {
	var steps []PathStep
	cur := e
	for {
		switch x := cur.(type) {
		case *kql.Member:
			steps = append(steps, PathStep{Key: x.Name})
			cur = x.X
			continue
		case *kql.Index:
			idx := b.expr(x.I, in)
			check(TypeIndex(x.I, idx.Type()))
			steps = append(steps, PathStep{Index: idx})
			cur = x.X
			continue
		}
		break
	}
	slices.Reverse(steps)
	if id, ok := cur.(*kql.Ident); ok && (id.Name == "$left" || id.Name == "$right") {
		fail(cur, "$left and $right are only valid in join conditions")
	}
	base := b.expr(cur, in)
	check(TypeMember(e, base.Type()))
	return &Path{Base: base, Steps: steps}
}

// call builds a call of a user function, of a built-in one, or of one
// that reads the row or the query rather than values.
func (b *Builder) call(e *kql.Call, in []Column) Expr {
	if f, ok := b.Scope.Func(e.Name); ok {
		return b.callFunc(f, e.Args, e, in)
	}
	if e.Name == "column_names_of" {
		// The names of a table's columns, known when the query compiles.
		if len(e.Args) != 1 {
			fail(e, "column_names_of needs a table")
		}
		names := []string{}
		for _, cl := range b.tableArg(e.Args[0]).Columns() {
			if !cl.Hidden {
				names = append(names, cl.Name)
			}
		}
		text, _ := json.Marshal(names)
		return &Literal{T: schema.Dynamic, Value: string(text)}
	}
	if x, ok, err := Rewrite(e, b.Sets); ok {
		check(err)
		return b.expr(x, in)
	}
	if IsAgg(e.Name) {
		if b.overAggs != nil {
			return b.overAggs.add(b, e)
		}
		if !IsFunc(e.Name) {
			fail(e, "The aggregate function '%s' is only valid in summarize", e.Name)
		}
	}
	args := make([]Expr, len(e.Args))
	for i, a := range e.Args {
		if _, star := a.(*kql.Star); star {
			continue
		}
		if TypeArg(a) != 0 {
			continue // a result type, which the function reads itself
		}
		args[i] = b.expr(a, in)
	}
	if x, ok := b.typedCall(e, args); ok {
		return x
	}
	if n, ok := rowFuncArgs[e.Name]; ok {
		check(CheckArgCount(e, len(args), n[0], n[1]))
	}
	switch e.Name {
	case "pack_all":
		// A bag of the row's columns; with true, null and empty ones left out.
		if in == nil {
			fail(e, "pack_all() needs a row")
		}
		bag := &RowBag{}
		for _, cl := range in {
			if !cl.Hidden {
				bag.Columns = append(bag.Columns, cl)
			}
		}
		if len(args) > 0 {
			check(CheckBool(e.Args[0], args[0].Type(), "argument of pack_all"))
			bag.DropEmpty = ConstOf(args[0]) == true
		}
		return bag
	case "column_ifexists":
		// The column named, when the input has it, else the default, so
		// one query serves tables with and without a column.
		name, ok := StringConst(e.Args[0])
		if !ok {
			fail(e.Args[0], "column_ifexists needs the column's name as a string literal")
		}
		if cl, ok := columnNamed(in, name); ok {
			return &ColumnRef{Name: cl.Name, T: cl.Type}
		}
		return args[1]
	case "ingestion_time":
		// When Vigil received the row: its _TimeReceived, which tables
		// keep hidden; null for rows that are not from a table.
		if cl, ok := columnNamed(in, schema.ColTimeReceived); ok {
			return &ColumnRef{Name: cl.Name, T: schema.DateTime}
		}
		return &Literal{T: schema.DateTime}
	case "typeof":
		fail(e, "typeof() is only valid in a type position")
	}
	// The hint offers a built-in, an aggregate or a user function of a
	// close name: most unknown names are typos (dcount_if, tostirng).
	names := append(FuncNames(), Aggs()...)
	names = append(names, b.Scope.FuncNames()...)
	unresolved(e, e.Name, names, "Unknown function: '%s'", e.Name)
	return nil
}

// rowFuncArgs are the least and most arguments of the functions that
// read the row's columns rather than values (call's switch), checked as
// the built-in functions' are.
var rowFuncArgs = map[string][2]int{"pack_all": {0, 1}, "column_ifexists": {2, 2}, "ingestion_time": {0, 0}}

// typedCall builds a call of a built-in function TypeCall types; ok is
// false for a function it does not know.
func (b *Builder) typedCall(e *kql.Call, args []Expr) (x Expr, ok bool) {
	typed := make([]Arg, len(args))
	for i, a := range args {
		typed[i] = Arg{Expr: e.Args[i]}
		if a != nil {
			typed[i].Type = a.Type()
		}
	}
	sig, known, err := TypeCall(e, typed)
	if !known {
		return nil, false
	}
	check(err)
	window := IsWindow(e.Name)
	if window && !b.windows {
		// A window function reads the rows around its own, which only
		// these operators compute it over.
		fail(e, "The function '%s' is only valid in extend, project or where", e.Name)
	}
	return &Call{Name: e.Name, Args: args, Sig: sig, Window: window}, true
}

// callFunc builds a call of a user function that returns a scalar: its
// body, in a scope of its parameters, over no row.
func (b *Builder) callFunc(f *kql.FuncDef, args []kql.Expr, n kql.Node, in []Column) Expr {
	restore := b.enterFunc(f, args, n, in, nil)
	defer restore()
	body, ok := f.Body.(kql.Expr)
	if !ok {
		fail(n, "The function returns a table, not a scalar")
	}
	return b.expr(body, nil)
}

// enterFunc binds a user function's parameters in a new scope: scalars
// to the arguments over the columns in (converted to the declared
// type) or to their defaults, tabular parameters to the table the
// argument names, or to piped (the input of | invoke) for the first of
// them. The function returned restores the scope around.
func (b *Builder) enterFunc(f *kql.FuncDef, args []kql.Expr, n kql.Node, in []Column, piped Node) func() {
	scalars := map[string]Expr{}
	tables := map[string]Node{}
	next := 0 // the next argument to take
	for _, p := range f.Params {
		if p.Type == "table" && piped != nil {
			tables[p.Name], piped = piped, nil
			continue
		}
		var arg kql.Expr
		if next < len(args) {
			arg = args[next]
			next++
		}
		switch {
		case p.Type == "table" && arg != nil:
			tables[p.Name] = b.tableArg(arg)
			continue
		case p.Type == "table":
			fail(n, "The function's tabular parameter '%s' has no value", p.Name)
		}
		var x Expr
		switch {
		case arg != nil:
			x = b.expr(arg, in)
		case p.Default != nil:
			x = b.expr(p.Default, nil)
		default:
			fail(n, "The function's parameter '%s' has no value", p.Name)
		}
		if typ, err := schema.ParseType(p.Type); err == nil {
			x = convert(x, typ, n)
		}
		scalars[p.Name] = x
	}
	if next < len(args) {
		fail(n, "The function takes %d arguments, not %d", next, len(args))
	}
	outer := b.Scope
	b.Scope = NewScope(outer)
	for k, x := range scalars {
		b.Scope.BindScalar(k, x)
	}
	for k, t := range tables {
		b.Scope.BindTable(k, t)
	}
	for _, l := range f.Lets {
		b.bindLet(l)
	}
	return func() { b.Scope = outer }
}

func (b *Builder) bindLet(l *kql.Let) {
	if l.Func != nil {
		b.Scope.BindFunc(l.Name, l.Func)
		return
	}
	switch v := l.Value.(type) {
	case kql.Tabular:
		b.Scope.BindTable(l.Name, b.tabular(v))
	case *kql.Ident:
		// A bare name: a table or tabular let if there is one, else a scalar.
		if n, ok := b.Scope.Table(v.Name); ok {
			b.Scope.BindTable(l.Name, n)
		} else if b.Tables != nil && hasTable(b.Tables, v.Name) {
			b.Scope.BindTable(l.Name, b.tabular(&kql.TableRef{P: v.P, Name: v.Name}))
		} else {
			b.Scope.BindScalar(l.Name, b.expr(v, nil))
		}
	case kql.Expr:
		b.Scope.BindScalar(l.Name, b.expr(v, nil))
	}
}

func hasTable(tables Tables, name string) bool {
	_, ok := tables.Table(name)
	return ok
}

// tableArg is the table a tabular argument names: a table, a tabular
// let, or a subquery.
func (b *Builder) tableArg(e kql.Expr) Node {
	switch x := e.(type) {
	case *kql.Ident:
		return b.tabular(&kql.TableRef{P: x.P, Name: x.Name})
	case *kql.TabularExpr:
		return b.tabular(x.Table)
	}
	fail(e, "A tabular parameter needs a table")
	return nil
}
