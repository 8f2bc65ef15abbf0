package plan

import (
	"strings"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

func init() {
	ofDate := func(result schema.Type) Func { return fixed(result, 1, 1, schema.DateTime) }
	// startof* and endof* take a datetime and an optional offset in
	// their unit.
	startEnd := fixed(schema.DateTime, 1, 2, schema.DateTime, schema.Long)
	unixtime := fixed(schema.DateTime, 1, 1, schema.Real)
	define(map[string]Func{
		// now([offset]) is the query's time, plus offset.
		"now":        fixed(schema.DateTime, 0, 1, schema.Timespan),
		"ago":        fixed(schema.DateTime, 1, 1, schema.Timespan),
		"datetime":   fixed(schema.DateTime, 1, 1, schema.DateTime),
		"todatetime": fixed(schema.DateTime, 1, 1, schema.DateTime),
		"bin":        {Min: 2, Max: 2, Check: checkBin},
		"floor":      {Min: 2, Max: 2, Check: checkBin},
		"bin_at":     {Min: 3, Max: 3, Check: checkBinAt},

		"startofday": startEnd, "startofweek": startEnd, "startofmonth": startEnd, "startofyear": startEnd,
		"endofday": startEnd, "endofweek": startEnd, "endofmonth": startEnd, "endofyear": startEnd,
		// dayofweek is the days since the last Sunday, as a timespan.
		"dayofweek":  ofDate(schema.Timespan),
		"dayofmonth": ofDate(schema.Int), "dayofyear": ofDate(schema.Int), "hourofday": ofDate(schema.Int),
		"getmonth": ofDate(schema.Int), "monthofyear": ofDate(schema.Int), "getyear": ofDate(schema.Int),
		"week_of_year": ofDate(schema.Int),

		"datetime_add":  {Min: 3, Max: 3, Check: checkDatePart(schema.DateTime, 0, schema.Long, schema.DateTime)},
		"datetime_diff": {Min: 3, Max: 3, Check: checkDatePart(schema.Long, 0, schema.DateTime, schema.DateTime)},
		"datetime_part": {Min: 2, Max: 2, Check: checkDatePart(schema.Int, 0, schema.DateTime)},
		// make_datetime(year, month, day [, hour, minute [, second]]),
		// the second a real for its fraction.
		"make_datetime": fixed(schema.DateTime, 3, 6, schema.Long, schema.Long, schema.Long, schema.Long, schema.Long, schema.Real),

		"unixtime_seconds_todatetime":      unixtime,
		"unixtime_milliseconds_todatetime": unixtime,
		"unixtime_microseconds_todatetime": unixtime,
		// Nanoseconds as a long stay whole; a real is divided as a real.
		"unixtime_nanoseconds_todatetime": {Min: 1, Max: 1, Check: func(_ *kql.Call, args []Arg) (Sig, error) {
			if args[0].Type == schema.Real {
				return Sig{Result: schema.DateTime}, nil
			}
			return Sig{Params: []schema.Type{schema.Long}, Result: schema.DateTime}, nil
		}},
		"format_datetime": {Min: 2, Max: 2, Check: checkFormat(schema.DateTime)},
		"totimespan":      fixed(schema.Timespan, 1, 1, schema.Timespan),
		"time":            fixed(schema.Timespan, 1, 1, schema.Timespan),
		// format_timespan(t [, format]): without a format, as tostring
		// writes a timespan.
		"format_timespan": {Min: 1, Max: 2, Check: checkFormat(schema.Timespan)},
	})
}

// checkFormat types format_datetime and format_timespan: a value of
// type t and a format, text, which has to be a string literal since it
// is compiled into the query.
func checkFormat(t schema.Type) func(*kql.Call, []Arg) (Sig, error) {
	return func(call *kql.Call, args []Arg) (Sig, error) {
		if len(args) > 1 {
			if _, ok := StringConst(args[1].Expr); !ok {
				return Sig{}, kql.Errorf(args[1].Expr.Position(), "%s's format must be a constant string", call.Name)
			}
		}
		return Sig{Params: []schema.Type{t, 0}, Result: schema.String}, nil
	}
}

// checkBin types bin(x, size) and floor(x, size): a datetime or a
// timespan is rounded down to a multiple of a timespan, a number to a
// multiple of a number, an integer staying an integer unless the size is
// a real.
func checkBin(call *kql.Call, args []Arg) (Sig, error) {
	x, size := args[0].Type, args[1].Type
	switch x {
	case schema.DateTime, schema.Timespan:
		return Sig{Params: []schema.Type{0, schema.Timespan}, Result: x}, nil
	case schema.Int, schema.Long:
		if size == schema.Real {
			return Sig{Result: schema.Real}, nil
		}
		return Sig{Result: x}, nil
	case schema.Real, schema.Decimal:
		return Sig{Result: schema.Real}, nil
	}
	return Sig{}, kql.Errorf(args[0].Expr.Position(), "%s() needs a number, datetime or timespan, not %s", call.Name, x)
}

// checkBinAt types bin_at(x, size, at): a datetime or a timespan in
// bins of a timespan that start at a value of its type, anything else
// as reals.
func checkBinAt(_ *kql.Call, args []Arg) (Sig, error) {
	switch x := args[0].Type; x {
	case schema.DateTime, schema.Timespan:
		return Sig{Params: []schema.Type{0, schema.Timespan, x}, Result: x}, nil
	}
	return Sig{Params: []schema.Type{schema.Real}, Result: schema.Real}, nil
}

// dateParts are the parts of a datetime that datetime_add, datetime_diff
// and datetime_part name, in lower case (Kusto reads them in any case).
var dateParts = map[string]bool{
	"year": true, "quarter": true, "month": true, "week": true, "week_of_year": true, "day": true,
	"dayofyear": true, "hour": true, "minute": true, "second": true, "millisecond": true, "microsecond": true,
	"nanosecond": true,
}

// checkDatePart is the Check of a function whose first argument names a
// part of a datetime (dateParts), which has to be a string literal since
// it decides the SQL; params are the types of the arguments.
func checkDatePart(result schema.Type, params ...schema.Type) func(*kql.Call, []Arg) (Sig, error) {
	return func(call *kql.Call, args []Arg) (Sig, error) {
		part, ok := StringConst(args[0].Expr)
		if !ok {
			return Sig{}, kql.Errorf(args[0].Expr.Position(), "%s's part must be a constant string", call.Name)
		}
		if p := strings.ToLower(part); !dateParts[p] {
			return Sig{}, kql.Errorf(args[0].Expr.Position(), "%s: unknown date part '%s'", call.Name, part)
		}
		return Sig{Params: params, Result: result}, nil
	}
}
