package engine

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

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
	if i, ok := regexArgs[e.Name]; ok && i < len(e.Args) {
		c.checkRegex(e.Args[i])
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
	if plan.IsAgg(e.Name) && c.aggs != nil {
		return c.aggs.add(c, e)
	}
	if plan.IsAgg(e.Name) && !plan.IsFunc(e.Name) && scalarFuncs[e.Name] == nil {
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
	need := func(n int) {
		if len(args) < n {
			c.fail(e, "The function '%s' needs %d arguments, got %d", e.Name, n, len(args))
		}
	}
	str := func(i int) string { return c.convert(args[i], schema.String, e.Args[i]) }
	num := func(i int) string { return c.convert(args[i], schema.Real, e.Args[i]) }
	lng := func(i int) string { return c.convert(args[i], schema.Long, e.Args[i]) }
	dt := func(i int) string { return c.convert(args[i], schema.DateTime, e.Args[i]) }
	nowLit := sqlgen.TimestampLiteral(c.now)
	switch e.Name {
	// --- time ---
	case "now":
		if len(args) == 1 {
			return scalar{"(" + nowLit + " + to_microseconds((" + args[0].sql + ") // 10))", schema.DateTime}
		}
		return scalar{nowLit, schema.DateTime}
	case "ago":
		need(1)
		return scalar{"(" + nowLit + " - to_microseconds((" + c.convert(args[0], schema.Timespan, e.Args[0]) + ") // 10))", schema.DateTime}
	case "datetime", "todatetime":
		need(1)
		return scalar{dt(0), schema.DateTime}
	case "around":
		// around(value, center, delta): value within delta of center,
		// both ends included.
		need(3)
		lo := &kql.Binary{P: e.P, Op: "-", L: e.Args[1], R: e.Args[2]}
		hi := &kql.Binary{P: e.P, Op: "+", L: e.Args[1], R: e.Args[2]}
		return c.expr(&kql.Between{P: e.P, X: e.Args[0], Lo: lo, Hi: hi}, in)
	case "bin", "floor":
		need(2)
		return c.bin(e, args[0], args[1])
	case "bin_at":
		need(3)
		return c.binAt(e, args[0], args[1], args[2])
	case "startofday", "startofweek", "startofmonth", "startofyear":
		need(1)
		unit := strings.TrimPrefix(e.Name, "startof")
		start := "CAST(date_trunc('" + unit + "', " + dt(0) + ") AS TIMESTAMP)"
		if unit == "week" {
			start = startOfWeek(dt(0))
		}
		if len(args) > 1 {
			start = "(" + start + " + to_" + unit + "s(CAST(" + lng(1) + " AS INTEGER)))"
		}
		return scalar{start, schema.DateTime}
	case "endofday", "endofweek", "endofmonth", "endofyear":
		need(1)
		unit := strings.TrimPrefix(e.Name, "endof")
		start := c.call(&kql.Call{P: e.P, Name: "startof" + unit, Args: e.Args}, in).sql
		return scalar{"(" + start + " + INTERVAL 1 " + unit + " - INTERVAL 1 MICROSECOND)", schema.DateTime}
	case "dayofweek":
		need(1)
		return scalar{"(CAST(dayofweek(" + dt(0) + ") AS BIGINT) * 864000000000)", schema.Timespan}
	case "dayofmonth":
		return scalar{"CAST(day(" + dt(0) + ") AS INTEGER)", schema.Int}
	case "dayofyear":
		return scalar{"CAST(dayofyear(" + dt(0) + ") AS INTEGER)", schema.Int}
	case "hourofday":
		return scalar{"CAST(hour(" + dt(0) + ") AS INTEGER)", schema.Int}
	case "getmonth", "monthofyear":
		return scalar{"CAST(month(" + dt(0) + ") AS INTEGER)", schema.Int}
	case "getyear":
		return scalar{"CAST(year(" + dt(0) + ") AS INTEGER)", schema.Int}
	case "week_of_year":
		return scalar{"CAST(weekofyear(" + dt(0) + ") AS INTEGER)", schema.Int}
	case "datetime_add":
		need(3)
		part := strings.Trim(args[0].sql, "'")
		return scalar{"(" + dt(2) + " + to_" + durationUnit(c, e, part) + "(" + lng(1) + "))", schema.DateTime}
	case "datetime_diff":
		need(3)
		part := strings.Trim(args[0].sql, "'")
		if strings.EqualFold(part, "week") {
			// Kusto's weeks start on Sunday, DuckDB's on Monday: count
			// the Sundays between the two.
			return scalar{"(date_diff('day', " + startOfWeek(dt(2)) + ", " + startOfWeek(dt(1)) + ") // 7)", schema.Long}
		}
		if strings.EqualFold(part, "nanosecond") {
			// Datetimes hold microseconds: a whole number of thousands.
			return scalar{"(date_diff('microsecond', " + dt(2) + ", " + dt(1) + ") * 1000)", schema.Long}
		}
		return scalar{"date_diff(" + sqlgen.QuoteString(datePart(c, e, part)) + ", " + dt(2) + ", " + dt(1) + ")", schema.Long}
	case "datetime_part":
		need(2)
		part := strings.Trim(args[0].sql, "'")
		return scalar{"CAST(date_part(" + sqlgen.QuoteString(datePart(c, e, part)) + ", " + dt(1) + ") AS INTEGER)", schema.Int}
	case "make_datetime":
		need(3)
		parts := []string{lng(0), lng(1), lng(2), "0", "0", "0"}
		for i := 3; i < len(args) && i < 5; i++ {
			parts[i] = lng(i)
		}
		if len(args) > 5 {
			parts[5] = num(5)
		}
		return scalar{"make_timestamp(" + strings.Join(parts, ", ") + ")", schema.DateTime}
	case "unixtime_seconds_todatetime":
		return scalar{"make_timestamp(CAST(" + num(0) + " * 1000000 AS BIGINT))", schema.DateTime}
	case "unixtime_milliseconds_todatetime":
		return scalar{"make_timestamp(CAST(" + num(0) + " * 1000 AS BIGINT))", schema.DateTime}
	case "unixtime_microseconds_todatetime":
		return scalar{"make_timestamp(CAST(" + num(0) + " AS BIGINT))", schema.DateTime}
	case "unixtime_nanoseconds_todatetime":
		if args[0].typ == schema.Real {
			return scalar{"make_timestamp(CAST(" + num(0) + " / 1000 AS BIGINT))", schema.DateTime}
		}
		return scalar{"make_timestamp(" + lng(0) + " // 1000)", schema.DateTime}
	case "format_datetime":
		need(2)
		return scalar{"strftime(" + dt(0) + ", " + sqlgen.QuoteString(strftimeFormat(strings.Trim(args[1].sql, "'"))) + ")", schema.String}
	case "totimespan", "time":
		need(1)
		return scalar{c.convert(args[0], schema.Timespan, e.Args[0]), schema.Timespan}
	case "format_timespan":
		if len(args) < 2 {
			return scalar{"kql_timespan_str(" + args[0].sql + ")", schema.String}
		}
		f, ok := e.Args[1].(*kql.Literal)
		if !ok || f.Kind != kql.LitString {
			c.fail(e.Args[1], "format_timespan's format must be a constant string")
		}
		return scalar{timespanFormat(c.convert(args[0], schema.Timespan, e.Args[0]), f.Value), schema.String}

	// --- conversions ---
	case "tostring":
		need(1)
		return scalar{c.toString(args[0]), schema.String}
	case "toint":
		return scalar{c.toNumber(args[0], schema.Int, e), schema.Int}
	case "tolong":
		return scalar{c.toNumber(args[0], schema.Long, e), schema.Long}
	case "toreal", "todouble":
		return scalar{c.toNumber(args[0], schema.Real, e), schema.Real}
	case "todecimal":
		return scalar{c.toNumber(args[0], schema.Decimal, e), schema.Decimal}
	case "tobool", "toboolean":
		if args[0].typ == schema.String {
			return scalar{"CASE lower(" + args[0].sql + ") WHEN 'true' THEN true WHEN 'false' THEN false END", schema.Bool}
		}
		return scalar{c.convert(args[0], schema.Bool, e), schema.Bool}
	case "toguid":
		return scalar{"TRY_CAST(" + str(0) + " AS UUID)", schema.GUID}
	case "todynamic", "parse_json":
		need(1)
		if args[0].typ == schema.Dynamic {
			return args[0]
		}
		s := str(0)
		return scalar{"CASE WHEN json_valid(" + s + ") THEN CAST(" + s + " AS JSON) ELSE to_json(" + s + ") END", schema.Dynamic}

	// --- a bag of the row ---
	case "pack_all":
		// A bag of the row's columns; with true, null and empty ones left out.
		if in == nil {
			c.fail(e, "pack_all() needs a row")
		}
		skip := len(args) > 0 && args[0].sql == "TRUE"
		var parts []string
		for _, cl := range in.cols {
			if cl.hidden {
				continue
			}
			v := c.convert(scalar{sqlgen.QuoteIdent(cl.name), cl.typ}, schema.Dynamic, e)
			parts = append(parts, sqlgen.QuoteString(cl.name)+", "+v)
		}
		bag := "json_object(" + strings.Join(parts, ", ") + ")"
		if skip {
			bag = goCall("kql_bag_drop_empty", schema.Dynamic, "CAST("+bag+" AS VARCHAR)").sql
		}
		return scalar{bag, schema.Dynamic}
	// --- window functions over a serialized (ordered) input ---
	case "row_number":
		start := "1"
		if len(args) > 0 {
			start = lng(0)
		}
		return scalar{"(row_number() OVER () + " + start + " - 1)", schema.Long}
	case "prev", "next":
		need(1)
		fn := map[string]string{"prev": "lag", "next": "lead"}[e.Name]
		offset, def := "1", "NULL"
		if len(args) > 1 {
			offset = lng(1)
		}
		if len(args) > 2 {
			def = c.convert(args[2], args[0].typ, e)
		}
		return scalar{fn + "(" + args[0].sql + ", " + offset + ", " + def + ") OVER ()", args[0].typ}
	case "row_cumsum":
		need(1)
		return scalar{"sum(" + args[0].sql + ") OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)", plan.SumType(args[0].typ)}
	// --- the row and the query ---
	case "column_ifexists":
		// The column named, when the input has it, else the default, so
		// one query serves tables with and without a column.
		need(2)
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
	if f, ok := scalarFuncs[e.Name]; ok {
		return f(fnArgs{c, e, args})
	}
	c.fail(e, "Unknown function: '%s'", e.Name)
	return scalar{}
}

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
	text, ok := c.d.Call(e.Name, c.sqlArgs(e.Args, args, sig.Params), sig.Result)
	if !ok {
		c.fail(e, "The function '%s' is not available in this SQL dialect", e.Name)
	}
	return scalar{text, sig.Result}, true
}

// toNumber converts to a number as tolong/toint/todouble do: text that
// does not parse is null, a real is truncated toward zero for integers.
func (c *compiler) toNumber(v scalar, to schema.Type, n kql.Node) string {
	switch {
	case v.typ == schema.Real && (to == schema.Long || to == schema.Int):
		return "TRY_CAST(trunc(" + v.sql + ") AS " + sqlgen.DuckDBType(to) + ")"
	case v.typ == schema.DateTime && to == schema.Long:
		return "(epoch_us(" + v.sql + ") * 10 + 621355968000000000)"
	case v.typ == schema.Timespan:
		return "CAST(" + v.sql + " AS " + sqlgen.DuckDBType(to) + ")"
	case v.typ == schema.Bool:
		return "CAST(" + v.sql + " AS " + sqlgen.DuckDBType(to) + ")"
	case v.typ == schema.String:
		return "TRY_CAST(trim(" + v.sql + ") AS " + sqlgen.DuckDBType(to) + ")"
	}
	return c.convert(v, to, n)
}

// bin rounds down to a multiple of size: numbers, datetimes (from the
// Unix epoch, which is what Kusto's bin does for units up to a day) and
// timespans.
func (c *compiler) bin(e *kql.Call, x, size scalar) scalar {
	switch x.typ {
	case schema.DateTime:
		sz := c.convert(size, schema.Timespan, e)
		return scalar{"make_timestamp((epoch_us(" + x.sql + ") // ((" + sz + ") // 10)) * ((" + sz + ") // 10))", schema.DateTime}
	case schema.Timespan:
		sz := c.convert(size, schema.Timespan, e)
		return scalar{"((" + x.sql + " // " + sz + ") * " + sz + ")", schema.Timespan}
	case schema.Int, schema.Long:
		if size.typ == schema.Real {
			return scalar{"(floor(" + x.sql + " / " + size.sql + ") * " + size.sql + ")", schema.Real}
		}
		return scalar{"(CAST(floor(" + x.sql + " / " + size.sql + ") AS BIGINT) * " + size.sql + ")", x.typ}
	case schema.Real, schema.Decimal:
		return scalar{"(floor(" + x.sql + " / " + size.sql + ") * " + size.sql + ")", schema.Real}
	}
	c.fail(e, "bin() needs a number, datetime or timespan, not %s", x.typ)
	return scalar{}
}

// binAt is bin_at(x, size, at): bins of size aligned so that at starts
// one.
func (c *compiler) binAt(e *kql.Call, x, size, at scalar) scalar {
	if x.typ == schema.DateTime {
		sz := c.convert(size, schema.Timespan, e)
		return scalar{fmt.Sprintf("make_timestamp(((epoch_us(%[1]s) - epoch_us(%[3]s)) // ((%[2]s) // 10)) * ((%[2]s) // 10) + epoch_us(%[3]s))", x.sql, sz, c.convert(at, schema.DateTime, e)), schema.DateTime}
	}
	return scalar{fmt.Sprintf("(floor((%[1]s - %[3]s) / %[2]s) * %[2]s + %[3]s)", c.convert(x, schema.Real, e), c.convert(size, schema.Real, e), c.convert(at, schema.Real, e)), schema.Real}
}

func datePart(c *compiler, n kql.Node, part string) string {
	switch strings.ToLower(part) {
	case "year":
		return "year"
	case "quarter":
		return "quarter"
	case "month":
		return "month"
	case "week", "week_of_year":
		return "week"
	case "day":
		return "day"
	case "dayofyear":
		return "doy"
	case "hour":
		return "hour"
	case "minute":
		return "minute"
	case "second":
		return "second"
	case "millisecond":
		return "millisecond"
	case "microsecond":
		return "microsecond"
	}
	c.fail(n, "Unknown date part '%s'", part)
	return ""
}

func durationUnit(c *compiler, n kql.Node, part string) string {
	switch p := datePart(c, n, part); p {
	case "doy":
		return "days"
	case "week":
		return "weeks"
	default:
		return p + "s"
	}
}

// strftimeFormat maps Kusto's format_datetime specifiers to strftime.
func strftimeFormat(f string) string {
	r := strings.NewReplacer("yyyy", "%Y", "yy", "%y", "MM", "%m", "M", "%-m", "dd", "%d", "d", "%-d",
		"HH", "%H", "H", "%-H", "hh", "%I", "h", "%-I", "mm", "%M", "m", "%-M", "ss", "%S", "s", "%-S",
		"fffffff", "%f0", "ffffff", "%f", "fff", "%g", "tt", "%p", "%", "%%")
	return r.Replace(f)
}

// regexArgs are the functions of the engine that take a regular
// expression, with its argument's index; the plan checks those of the
// functions it types (plan.CheckRegex).
var regexArgs = map[string]int{"extract_all": 0, "indexof_regex": 1}

// checkRegex fails the query for a constant regular expression that
// does not compile (plan.CheckRegex).
func (c *compiler) checkRegex(e kql.Expr) {
	if err := plan.CheckRegex(e); err != nil {
		panic(failure{err})
	}
}

// startOfWeek is the Sunday that starts the week of the datetime t:
// Kusto's weeks start on Sunday.
func startOfWeek(t string) string {
	return "(date_trunc('day', " + t + ") - to_days(CAST(dayofweek(" + t + ") AS INTEGER)))"
}

// timespanFormat compiles format_timespan's format over the ticks ts:
// d (days), h or H (hours), m, s, f (fractions, as many digits as
// letters) and F (the same without trailing zeros), repeated for the
// width to pad to; any other character stands for itself.
func timespanFormat(ts, format string) string {
	abs := "abs(" + ts + ")"
	parts := []string{"CASE WHEN " + ts + " < 0 THEN '-' ELSE '' END"}
	for i := 0; i < len(format); {
		ch := format[i]
		n := 1
		for i+n < len(format) && format[i+n] == ch {
			n++
		}
		width := strconv.Itoa(n)
		pad := func(v string) string {
			return "lpad(CAST(" + v + " AS VARCHAR), " + width + ", '0')"
		}
		frac := "substr(lpad(CAST(" + abs + " % 10000000 AS VARCHAR), 7, '0'), 1, " + width + ")"
		switch ch {
		case 'd':
			parts = append(parts, pad(abs+" // 864000000000"))
		case 'h', 'H':
			parts = append(parts, pad("("+abs+" // 36000000000) % 24"))
		case 'm':
			parts = append(parts, pad("("+abs+" // 600000000) % 60"))
		case 's':
			parts = append(parts, pad("("+abs+" // 10000000) % 60"))
		case 'f':
			parts = append(parts, frac)
		case 'F':
			parts = append(parts, "rtrim("+frac+", '0')")
		default:
			parts = append(parts, sqlgen.QuoteString(format[i:i+n]))
		}
		i += n
	}
	return "(" + strings.Join(parts, " || ") + ")"
}
