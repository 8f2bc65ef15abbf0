package engine

import (
	"encoding/json"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// call compiles a scalar function call.
func (c *compiler) call(e *kql.Call, in *relation) scalar {
	if f, ok := c.lookupFunc(e.Name); ok {
		return c.callFuncScalar(f, e.Args, e, in)
	}
	if e.Name == "column_names_of" {
		// The names of a table's columns, known when the query compiles.
		if len(e.Args) != 1 {
			c.fail(e, "column_names_of needs a table")
		}
		rel := c.tableArg(e.Args[0])
		names := []string{}
		for _, cl := range rel.cols {
			if !cl.hidden {
				names = append(names, cl.name)
			}
		}
		b, _ := json.Marshal(names)
		return scalar{"CAST(" + sqlgen.QuoteString(string(b)) + " AS JSON)", schema.Dynamic}
	}
	if x, ok, err := plan.Rewrite(e, c.sets); ok {
		if err != nil {
			panic(failure{err})
		}
		return c.expr(x, in)
	}
	if plan.IsAgg(e.Name) && c.aggs != nil {
		return c.aggs.add(c, e)
	}
	if plan.IsAgg(e.Name) && !plan.IsFunc(e.Name) {
		c.fail(e, "The aggregate function '%s' is only valid in summarize", e.Name)
	}
	args := make([]scalar, len(e.Args))
	for i, a := range e.Args {
		if _, star := a.(*kql.Star); star {
			continue
		}
		if plan.TypeArg(a) != 0 {
			continue // a result type, which the function reads itself
		}
		args[i] = c.expr(a, in)
	}
	if v, ok := c.typedCall(e, args); ok {
		return v
	}
	if n, ok := rowFuncArgs[e.Name]; ok {
		if err := plan.CheckArgCount(e, len(args), n[0], n[1]); err != nil {
			panic(failure{err})
		}
	}
	switch e.Name {
	// --- a bag of the row ---
	case "pack_all":
		// A bag of the row's columns; with true, null and empty ones left out.
		if in == nil {
			c.fail(e, "pack_all() needs a row")
		}
		var cols []col
		for _, cl := range in.cols {
			if !cl.hidden {
				cols = append(cols, cl)
			}
		}
		if len(args) > 0 {
			if err := plan.CheckBool(e.Args[0], args[0].typ, "argument of pack_all"); err != nil {
				panic(failure{err})
			}
		}
		skip := len(args) > 0 && c.constantOf(e.Args[0], args[0]) == true
		return scalar{c.rowBag(cols, skip), schema.Dynamic}
	// --- the row and the query ---
	case "column_ifexists":
		// The column named, when the input has it, else the default, so
		// one query serves tables with and without a column.
		name, ok := plan.StringConst(e.Args[0])
		if !ok {
			c.fail(e.Args[0], "column_ifexists needs the column's name as a string literal")
		}
		if in != nil {
			if cl, ok := in.find(name); ok {
				return scalar{sqlgen.QuoteIdent(cl.name), cl.typ}
			}
		}
		return args[1]
	case "ingestion_time":
		// When Vigil received the row: its _TimeReceived, which tables
		// keep hidden; null for rows that are not from a table.
		if in != nil {
			if cl, ok := in.find(schema.ColTimeReceived); ok {
				return scalar{sqlgen.QuoteIdent(cl.name), schema.DateTime}
			}
		}
		return scalar{"CAST(NULL AS TIMESTAMP)", schema.DateTime}
	case "typeof":
		c.fail(e, "typeof() is only valid in a type position")
	}
	// The hint offers a built-in, an aggregate or a user function of a
	// close name: most unknown names are typos (dcount_if, tostirng).
	names := append(plan.FuncNames(), plan.Aggs()...)
	for s := c.sc; s != nil; s = s.parent {
		for n := range s.funcs {
			names = append(names, n)
		}
	}
	c.failHint(e, e.Name, names, "Unknown function: '%s'", e.Name)
	return scalar{}
}

// rowFuncArgs are the least and most arguments of the functions the
// engine compiles itself, since they read the row's columns rather than
// values (call's switch), checked as the plan checks its functions'.
var rowFuncArgs = map[string][2]int{"pack_all": {0, 1}, "column_ifexists": {2, 2}, "ingestion_time": {0, 0}}

// typedCall compiles a call of a function the plan types
// (plan.TypeCall) and the dialect spells, from its compiled arguments.
// ok is false for a function the plan does not know.
func (c *compiler) typedCall(e *kql.Call, args []scalar) (v scalar, ok bool) {
	sig, known, err := plan.TypeCall(e, planArgs(e.Args, args))
	if !known {
		return scalar{}, false
	}
	if err != nil {
		panic(failure{err})
	}
	sargs := c.sqlArgs(e.Args, args, sig.Params)
	var text string
	if plan.IsWindow(e.Name) {
		if c.pre == nil {
			// A window function reads the rows around its own, which
			// only these operators compute it over (window.go).
			c.fail(e, "The function '%s' is only valid in extend, project or where", e.Name)
		}
		c.pre.called = true
		text, ok = c.d.Window(e.Name, sargs, sig.Result, c.hoist)
	} else {
		text, ok = c.d.Call(e.Name, sargs, sig.Result)
	}
	if !ok {
		c.fail(e, "The function '%s' is not available in this SQL dialect", e.Name)
	}
	return scalar{text, sig.Result}, true
}
