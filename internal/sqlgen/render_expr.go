package sqlgen

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// Expr returns the SQL of x.
func (r *Renderer) Expr(x plan.Expr) string {
	switch x := x.(type) {
	case *plan.ColumnRef:
		if r.Column != nil {
			return r.Column(x.Name)
		}
		return QuoteIdent(x.Name)
	case *plan.Literal:
		return literal(x)
	case *plan.Convert:
		return r.D.Convert(Arg{SQL: r.Expr(x.X), Type: x.X.Type()}, x.To)
	case *plan.Unary:
		return r.D.Unary(x.Op, r.arg(x.X, 0))
	case *plan.Binary:
		return r.D.Binary(x.Op, r.arg(x.L, x.Sig.L), r.arg(x.R, x.Sig.R), x.Sig.Result)
	case *plan.Between:
		lo, hi := r.arg(x.Lo, x.Sig.Lo), r.arg(x.Hi, 0)
		if x.Sig.Span {
			hi = Arg{SQL: r.D.Binary("+", lo, hi, schema.DateTime), Type: schema.DateTime}
		}
		hi = Arg{SQL: r.D.Convert(hi, x.Sig.Hi), Type: x.Sig.Hi}
		return r.D.Between(x.Not, r.arg(x.X, 0), lo, hi)
	case *plan.In:
		items := make([]Arg, len(x.Items))
		for i, it := range x.Items {
			items[i] = r.arg(it, x.To[i])
		}
		return r.D.In(x.Op, r.arg(x.X, 0), items)
	case *plan.InTable:
		return r.inTable(x)
	case *plan.Path:
		steps := make([]PathStep, len(x.Steps))
		for i, s := range x.Steps {
			steps[i].Key = s.Key
			if s.Index != nil {
				a := r.arg(s.Index, 0)
				steps[i].Index = &a
			}
		}
		return r.D.Path(r.Expr(x.Base), steps)
	case *plan.Call:
		return r.call(x)
	case *plan.ToScalar:
		return "(SELECT " + QuoteIdent(x.Table.Columns()[0].Name) + " FROM (" + r.Node(x.Table) + ") LIMIT 1)"
	case *plan.OuterValue:
		return outerValue(x)
	case *plan.RowBag:
		return r.rowBag(x.Columns, x.DropEmpty)
	case *plan.Element:
		return r.element(x)
	case *plan.SearchTerm:
		return r.searchTerm(x)
	case *plan.SearchNot:
		return "(NOT coalesce(" + r.Expr(x.X) + ", false))"
	}
	// Every expression has a rendering: one without is a programming error.
	panic(fmt.Sprintf("sqlgen: no rendering of %T", x))
}

// arg is x as an argument of a dialect's spelling: converted to type to
// unless that is 0, with its value when it is a constant. A nil x (an
// argument the function reads from the query itself) is empty.
func (r *Renderer) arg(x plan.Expr, to schema.Type) Arg {
	if x == nil {
		return Arg{}
	}
	a := Arg{SQL: r.Expr(x), Type: x.Type(), Const: plan.ConstOf(x)}
	if to != 0 {
		a.SQL, a.Type = r.D.Convert(a, to), to
	}
	return a
}

func (r *Renderer) call(x *plan.Call) string {
	args := make([]Arg, len(x.Args))
	for i, a := range x.Args {
		args[i] = r.arg(a, x.Sig.Params[i])
	}
	var text string
	var ok bool
	if x.Window {
		text, ok = r.D.Window(x.Name, args, x.Sig.Result, r.hoist)
	} else {
		text, ok = r.D.Call(x.Name, args, x.Sig.Result)
	}
	if !ok {
		// The dialect spells every function the plan types (a test of
		// each dialect checks it).
		panic(fmt.Sprintf("sqlgen: the dialect has no spelling of %s", x.Name))
	}
	return text
}

// inTable is x in (T): among the non-null values of T's first column.
func (r *Renderer) inTable(x *plan.InTable) string {
	first := x.Table.Columns()[0]
	lhs, col := r.Expr(x.X), QuoteIdent(first.Name)
	if strings.HasSuffix(x.Op, "~") {
		lhs, col = "lower("+lhs+")", "lower("+r.D.Convert(Arg{SQL: col, Type: first.Type}, schema.String)+")"
	}
	op := "IN"
	if strings.HasPrefix(x.Op, "!") {
		op = "NOT IN"
	}
	return notIn(x.Op, "("+lhs+" "+op+" (SELECT "+col+" FROM ("+r.Node(x.Table)+") WHERE "+QuoteIdent(first.Name)+" IS NOT NULL))")
}

// rowBag is a bag of the columns cols of the row, named by their names,
// leaving out null and empty values when dropEmpty (pack_all).
func (r *Renderer) rowBag(cols []plan.Column, dropEmpty bool) string {
	args := make([]Arg, 0, 2*len(cols))
	for _, cl := range cols {
		args = append(args,
			Arg{SQL: QuoteString(cl.Name), Type: schema.String, Const: cl.Name},
			Arg{SQL: r.D.Convert(Arg{SQL: QuoteIdent(cl.Name), Type: cl.Type}, schema.Dynamic), Type: schema.Dynamic})
	}
	bag, _ := r.D.Call("bag_pack", args, schema.Dynamic)
	if dropEmpty {
		bag = goCall("kql_bag_drop_empty", schema.Dynamic, "CAST("+bag+" AS VARCHAR)")
	}
	return bag
}

// literal is DuckDB's spelling of a literal: a number as the type it
// is, so that SQL does not guess a narrower one.
func literal(l *plan.Literal) string {
	if l.T == 0 {
		return "NULL"
	}
	switch v := l.Value.(type) {
	case nil:
		return null(l.T)
	case bool:
		if v {
			return "TRUE"
		}
		return "FALSE"
	case int64:
		return "CAST(" + strconv.FormatInt(v, 10) + " AS " + DuckDBType(l.T) + ")"
	case float64:
		return realLiteral(v)
	case time.Time:
		return timestampLiteral(v)
	case string:
		if l.T == schema.String {
			return QuoteString(v)
		}
		return "CAST(" + QuoteString(v) + " AS " + DuckDBType(l.T) + ")"
	}
	panic(fmt.Sprintf("sqlgen: a literal of %T", l.Value))
}

// realLiteral is the literal of a real, NaN and the infinities included.
func realLiteral(f float64) string {
	switch {
	case math.IsNaN(f):
		return "CAST('NaN' AS DOUBLE)"
	case math.IsInf(f, 1):
		return "CAST('Infinity' AS DOUBLE)"
	case math.IsInf(f, -1):
		return "CAST('-Infinity' AS DOUBLE)"
	}
	return "CAST(" + strconv.FormatFloat(f, 'g', -1, 64) + " AS DOUBLE)"
}

// searchTerm is a bare string of search: a term of one of the columns,
// or a LIKE pattern where it holds *.
func (r *Renderer) searchTerm(x *plan.SearchTerm) string {
	term := strings.ToLower(x.Term)
	var ors []string
	for _, cl := range x.Columns {
		ref := QuoteIdent(cl.Name)
		if cl.Type == schema.String {
			// DuckDB matches names without regard to case, so across
			// tables with ProcessID (int) and ProcessId (string) the
			// name can bind to the int column: cast, so search runs.
			ref = "CAST(" + ref + " AS VARCHAR)"
		}
		col := r.D.Convert(Arg{SQL: ref, Type: cl.Type}, schema.String)
		if strings.Contains(term, "*") {
			ors = append(ors, "(lower("+col+") LIKE "+QuoteString("%"+strings.ReplaceAll(term, "*", "%")+"%")+")")
			continue
		}
		ors = append(ors, hasTerm("has", col, Arg{SQL: QuoteString(x.Term), Type: schema.String, Const: x.Term}, false))
	}
	if len(ors) == 0 {
		return "false"
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}
