package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// expr compiles a scalar expression over the columns of in (nil outside
// a row context).
func (c *compiler) expr(e kql.Expr, in *relation) scalar {
	switch e := e.(type) {
	case *kql.Literal:
		return c.literal(e)
	case *kql.TypedLit:
		return c.typedLiteral(e)
	case *kql.Ident:
		if in != nil {
			if cl, ok := in.find(e.Name); ok {
				return scalar{cl.sqlRef(), cl.typ}
			}
		}
		if v, ok := c.lookupScalar(e.Name); ok {
			return v
		}
		if f, ok := c.lookupFunc(e.Name); ok && len(f.Params) == 0 {
			return c.callFuncScalar(f, nil, e, in)
		}
		var names []string
		if in != nil {
			for _, cl := range in.cols {
				names = append(names, cl.name)
			}
		}
		for s := c.sc; s != nil; s = s.parent {
			for n := range s.scalars {
				names = append(names, n)
			}
		}
		c.failHint(e, e.Name, names, "Failed to resolve column or scalar expression named '%s'", e.Name)
	case *kql.Unary:
		x := c.expr(e.X, in)
		typ, err := plan.TypeUnary(e, x.typ)
		if err != nil {
			panic(failure{err})
		}
		return scalar{c.d.Unary(e.Op, c.operand(e.X, x, 0)), typ}
	case *kql.Binary:
		return c.binary(e, in)
	case *kql.In:
		return c.in(e, in)
	case *kql.Between:
		x := c.expr(e.X, in)
		lo := c.expr(e.Lo, in)
		hi := c.expr(e.Hi, in)
		sig, err := plan.TypeBetween(e, x.typ, lo.typ, hi.typ)
		if err != nil {
			panic(failure{err})
		}
		loArg, hiArg := c.operand(e.Lo, lo, sig.Lo), c.operand(e.Hi, hi, 0)
		if sig.Span {
			hiArg = sqlgen.Arg{SQL: c.d.Binary("+", loArg, hiArg, schema.DateTime), Type: schema.DateTime}
		}
		hiArg = sqlgen.Arg{SQL: c.d.Convert(hiArg, sig.Hi), Type: sig.Hi}
		return scalar{c.d.Between(e.Not, c.operand(e.X, x, 0), loArg, hiArg), schema.Bool}
	case *kql.Member, *kql.Index:
		// scan's state: Step.Column is a column named so, where no
		// column is named Step.
		if m, ok := e.(*kql.Member); ok && in != nil {
			if id, ok := m.X.(*kql.Ident); ok {
				if cl, ok := in.find(id.Name + "." + m.Name); ok {
					if _, shadowed := in.find(id.Name); !shadowed {
						return scalar{cl.sqlRef(), cl.typ}
					}
				}
			}
		}
		return c.dynamicAccess(e, in)
	case *kql.Call:
		return c.call(e, in)
	case *kql.ToScalar:
		rel := c.tabular(e.Table)
		if len(rel.cols) == 0 {
			c.fail(e, "toscalar needs a table with a column")
		}
		first := rel.cols[0]
		return scalar{"(SELECT " + sqlgen.QuoteIdent(first.name) + " FROM (" + rel.sql + ") LIMIT 1)", first.typ}
	case *kql.Star:
		c.fail(e, "'*' is only valid as a function argument")
	case *kql.ArrayLit, *kql.BagLit:
		return c.dynamicLiteral(e)
	case *kql.TabularExpr:
		c.fail(e, "A table is only valid here as the list of 'in'")
	}
	c.fail(e, "Unsupported expression")
	return scalar{}
}

func (c *compiler) literal(e *kql.Literal) scalar {
	switch e.Kind {
	case kql.LitString:
		return scalar{sqlgen.QuoteString(e.Value), schema.String}
	case kql.LitBool:
		return scalar{strings.ToUpper(e.Value), schema.Bool}
	case kql.LitNull:
		return scalar{"NULL", 0}
	case kql.LitLong:
		n, err := strconv.ParseInt(e.Value, 0, 64)
		if err != nil {
			c.fail(e, "Invalid long literal %s", e.Value)
		}
		return scalar{"CAST(" + strconv.FormatInt(n, 10) + " AS BIGINT)", schema.Long}
	case kql.LitReal:
		f, err := strconv.ParseFloat(e.Value, 64)
		if err != nil {
			c.fail(e, "Invalid real literal %s", e.Value)
		}
		return scalar{realLit(f), schema.Real}
	case kql.LitTimespan:
		d, err := schema.ParseTimespan(e.Value)
		if err != nil {
			c.fail(e, "Invalid timespan literal %s", e.Value)
		}
		return scalar{"CAST(" + strconv.FormatInt(int64(d/schema.Tick), 10) + " AS BIGINT)", schema.Timespan}
	}
	c.fail(e, "Unsupported literal")
	return scalar{}
}

func realLit(f float64) string {
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

func (c *compiler) typedLiteral(e *kql.TypedLit) scalar {
	typ, err := schema.ParseType(e.Type)
	if err != nil {
		c.fail(e, "%v", err)
	}
	if typ == schema.Dynamic {
		if e.Dyn == nil {
			return scalar{sqlgen.Null(schema.Dynamic), schema.Dynamic}
		}
		return c.dynamicLiteral(e.Dyn)
	}
	text := strings.Trim(e.Text, `"'`)
	if text == "null" || text == "" {
		return scalar{sqlgen.Null(typ), typ}
	}
	switch typ {
	case schema.Real:
		switch strings.ToLower(text) {
		case "nan":
			return scalar{realLit(math.NaN()), typ}
		case "+inf", "inf":
			return scalar{realLit(math.Inf(1)), typ}
		case "-inf":
			return scalar{realLit(math.Inf(-1)), typ}
		}
	case schema.Timespan:
		d, err := schema.ParseTimespan(text)
		if err != nil {
			c.fail(e, "%v", err)
		}
		return scalar{"CAST(" + strconv.FormatInt(int64(d/schema.Tick), 10) + " AS BIGINT)", typ}
	case schema.DateTime:
		t, err := parseDateLiteral(text)
		if err != nil {
			c.fail(e, "%v", err)
		}
		return scalar{sqlgen.TimestampLiteral(t), typ}
	}
	v, err := schema.Convert(typ, text)
	if err != nil {
		c.fail(e, "%v", err)
	}
	return scalar{"CAST(" + sqlgen.QuoteString(fmt.Sprint(v)) + " AS " + sqlgen.DuckDBType(typ) + ")", typ}
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

// dynamicLiteral evaluates a constant dynamic value to JSON text.
func (c *compiler) dynamicLiteral(e kql.Expr) scalar {
	v := c.constJSON(e)
	b, _ := json.Marshal(v)
	return scalar{"CAST(" + sqlgen.QuoteString(string(b)) + " AS JSON)", schema.Dynamic}
}

func (c *compiler) constJSON(e kql.Expr) any {
	switch x := e.(type) {
	case *kql.ArrayLit:
		out := []any{}
		for _, el := range x.Elems {
			out = append(out, c.constJSON(el))
		}
		return out
	case *kql.BagLit:
		out := map[string]any{}
		for i, k := range x.Keys {
			out[k] = c.constJSON(x.Vals[i])
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
			return c.constJSON(x.Dyn)
		}
		if x.Type == "datetime" {
			t, err := parseDateLiteral(x.Text)
			if err == nil {
				return t.Format("2006-01-02T15:04:05.0000000Z")
			}
		}
		return x.Text
	}
	c.fail(e, "A dynamic literal may hold only constants")
	return nil
}

// convert returns v's SQL as type to, by Kusto's implicit conversions
// (plan.CanConvert), or fails at n.
func (c *compiler) convert(v scalar, to schema.Type, n kql.Node) string {
	if !plan.CanConvert(v.typ, to) {
		c.fail(n, "Cannot convert %s to %s", v.typ, to)
	}
	return c.d.Convert(sqlgen.Arg{SQL: v.sql, Type: v.typ}, to)
}

// toString renders v as Kusto's tostring() does.
func (c *compiler) toString(v scalar) string {
	return c.d.Convert(sqlgen.Arg{SQL: v.sql, Type: v.typ}, schema.String)
}

func (c *compiler) binary(e *kql.Binary, in *relation) scalar {
	l := c.expr(e.L, in)
	r := c.expr(e.R, in)
	sig, err := plan.TypeBinary(e, l.typ, r.typ)
	if err != nil {
		panic(failure{err})
	}
	return scalar{c.d.Binary(e.Op, c.operand(e.L, l, sig.L), c.operand(e.R, r, sig.R), sig.Result), sig.Result}
}

// operand is v, compiled from e, for the dialect: converted to type to
// unless that is 0, with e's constant value (compiler.constantOf).
func (c *compiler) operand(e kql.Expr, v scalar, to schema.Type) sqlgen.Arg {
	a := sqlgen.Arg{SQL: v.sql, Type: v.typ, Const: c.constantOf(e, v)}
	if to != 0 {
		a.SQL, a.Type = c.d.Convert(a, to), to
	}
	return a
}

func (c *compiler) in(e *kql.In, in *relation) scalar {
	x := c.expr(e.X, in)
	if len(e.List) == 1 && (e.Op == "in" || e.Op == "!in" || e.Op == "in~" || e.Op == "!in~") {
		if rel := c.listTable(e.List[0]); rel != nil {
			// x in (T | project y): the first column of a table.
			if len(rel.cols) == 0 {
				c.fail(e, "The table in 'in' has no columns")
			}
			first := rel.cols[0]
			lhs, col := c.convert(x, plan.Either(first.typ, x.typ), e), sqlgen.QuoteIdent(first.name)
			if strings.HasSuffix(e.Op, "~") {
				lhs, col = "lower("+c.convert(x, schema.String, e)+")", "lower("+c.convert(scalar{col, first.typ}, schema.String, e)+")"
			}
			return scalar{sqlgen.NotIn(e.Op, "("+lhs+" "+inOp(e.Op)+" (SELECT "+col+" FROM ("+rel.sql+") WHERE "+sqlgen.QuoteIdent(first.name)+" IS NOT NULL))"), schema.Bool}
		}
	}
	// An item is a value, or a dynamic array whose elements are values
	// (x in (dynamic([...])), or a let of one).
	items := make([]scalar, len(e.List))
	types := make([]schema.Type, len(e.List))
	for i, it := range e.List {
		items[i] = c.expr(it, in)
		types[i] = items[i].typ
	}
	to, err := plan.TypeIn(e, x.typ, types)
	if err != nil {
		panic(failure{err})
	}
	args := make([]sqlgen.Arg, len(items))
	for i, it := range items {
		args[i] = c.operand(e.List[i], it, to[i])
	}
	return scalar{c.d.In(e.Op, c.operand(e.X, x, 0), args), schema.Bool}
}

// inOp is the SQL of in (IN) or its negations (NOT IN).
func inOp(op string) string {
	if strings.HasPrefix(op, "!") {
		return "NOT IN"
	}
	return "IN"
}

// listTable returns the relation an in-list item names when it is a
// table: a subquery, or a tabular let.
func (c *compiler) listTable(e kql.Expr) *relation {
	switch x := e.(type) {
	case *kql.TabularExpr:
		return c.tabular(x.Table)
	case *kql.Ident:
		if _, ok := c.lookupScalar(x.Name); ok {
			return nil
		}
		if rel, ok := c.lookupTable(x.Name); ok {
			return rel
		}
	}
	return nil
}

// dynamicAccess compiles x.a.b[0]["c"], a chain of member accesses and
// indexes into a dynamic value.
func (c *compiler) dynamicAccess(e kql.Expr, in *relation) scalar {
	var steps []sqlgen.PathStep
	cur := e
	for {
		switch x := cur.(type) {
		case *kql.Member:
			steps = append(steps, sqlgen.PathStep{Key: x.Name})
			cur = x.X
			continue
		case *kql.Index:
			idx := c.expr(x.I, in)
			if err := plan.TypeIndex(x.I, idx.typ); err != nil {
				panic(failure{err})
			}
			a := c.operand(x.I, idx, 0)
			steps = append(steps, sqlgen.PathStep{Index: &a})
			cur = x.X
			continue
		}
		break
	}
	slices.Reverse(steps)
	if id, ok := cur.(*kql.Ident); ok && (id.Name == "$left" || id.Name == "$right") {
		c.fail(cur, "$left and $right are only valid in join conditions")
	}
	base := c.expr(cur, in)
	if err := plan.TypeMember(e, base.typ); err != nil {
		panic(failure{err})
	}
	return scalar{c.d.Path(base.sql, steps), schema.Dynamic}
}

func (c *compiler) callFuncScalar(f *kql.FuncDef, args []kql.Expr, n kql.Node, in *relation) scalar {
	restore := c.enterFunc(f, args, n, in, nil)
	defer restore()
	body, ok := f.Body.(kql.Expr)
	if !ok {
		c.fail(n, "The function returns a table, not a scalar")
	}
	return c.expr(body, nil)
}
