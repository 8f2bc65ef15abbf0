package plan

import (
	"testing"

	"vigil/internal/schema"
)

func TestTimeAndConversionTypes(t *testing.T) {
	const (
		B, I, L, R, S, D = schema.Bool, schema.Int, schema.Long, schema.Real, schema.String, schema.Dynamic
		dt, ts           = schema.DateTime, schema.Timespan
	)
	checkCalls(t, []callCase{
		{src: "now()", params: []schema.Type{}, result: dt},
		{src: "now(ts)", params: []schema.Type{ts}, result: dt},
		{src: "ago(s)", params: []schema.Type{ts}, result: dt},
		// bin keeps a datetime, a timespan and an integer as they are and
		// rounds to a timespan or a number of the same kind.
		{src: "bin(t, s)", params: []schema.Type{0, ts}, result: dt},
		{src: "floor(ts, ts)", params: []schema.Type{0, ts}, result: ts},
		{src: "bin(i, n)", params: []schema.Type{0, 0}, result: I},
		{src: "bin(n, r)", params: []schema.Type{0, 0}, result: R},
		{src: "bin(dec, n)", params: []schema.Type{0, 0}, result: R},
		{src: "bin_at(t, ts, s)", params: []schema.Type{0, ts, dt}, result: dt},
		{src: "bin_at(n, n, i)", params: []schema.Type{R, R, R}, result: R},
		{src: "bin_at(ts, s, ts)", params: []schema.Type{0, ts, ts}, result: ts},
		{src: "startofweek(s, i)", params: []schema.Type{dt, L}, result: dt},
		{src: "dayofweek(t)", params: []schema.Type{dt}, result: ts},
		// A date part is read in any case.
		{src: "datetime_add('Month', i, t)", params: []schema.Type{0, L, dt}, result: dt},
		{src: "datetime_diff('nanosecond', t, t)", params: []schema.Type{0, dt, dt}, result: L},
		{src: "datetime_part('dayOfYear', d)", params: []schema.Type{0, dt}, result: I},
		{src: "datetime_part('Nanosecond', t)", params: []schema.Type{0, dt}, result: I},
		{src: "make_datetime(i, i, i, i, i, n)", params: []schema.Type{L, L, L, L, L, R}, result: dt},
		{src: "unixtime_nanoseconds_todatetime(r)", params: []schema.Type{0}, result: dt},
		{src: "unixtime_nanoseconds_todatetime(i)", params: []schema.Type{L}, result: dt},
		{src: "format_datetime(t, 'yyyy')", params: []schema.Type{dt, 0}, result: S},
		{src: "format_timespan(ts)", params: []schema.Type{ts}, result: S},
		{src: "format_timespan(ts, 'hh:mm')", params: []schema.Type{ts, 0}, result: S},
		// The conversions pass what they read their own way as it is.
		{src: "tolong(s)", params: []schema.Type{0}, result: L},
		{src: "tolong(t)", params: []schema.Type{0}, result: L},
		{src: "toint(r)", params: []schema.Type{0}, result: I},
		{src: "toreal(ts)", params: []schema.Type{0}, result: R},
		{src: "todecimal(r)", params: []schema.Type{schema.Decimal}, result: schema.Decimal},
		{src: "tolong(d)", params: []schema.Type{L}, result: L},
		{src: "tobool(s)", params: []schema.Type{0}, result: B},
		{src: "tobool(d)", params: []schema.Type{B}, result: B},
		{src: "toboolean(r)", params: []schema.Type{0}, result: B},
		{src: "todynamic(d)", params: []schema.Type{0}, result: D},
		{src: "parse_json(n)", params: []schema.Type{S}, result: D},
		{src: "toguid(g)", params: []schema.Type{S}, result: schema.GUID},
	})
}

func TestTimeAndConversionErrors(t *testing.T) {
	checkCalls(t, []callCase{
		{src: "bin(b, n)", err: "bin() needs a number, datetime or timespan, not bool (line 1, column 11)"},
		{src: "floor(s, n)", err: "floor() needs a number, datetime or timespan, not string (line 1, column 13)"},
		{src: "bin(t, n)", err: "Cannot convert long to timespan (line 1, column 14)"},
		{src: "bin_at(b, n, n)", err: "Cannot convert bool to real (line 1, column 14)"},
		{src: "bin_at(ts, ts, t)", err: "Cannot convert datetime to timespan (line 1, column 22)"},
		{src: "datetime_add('fortnight', n, t)", err: "datetime_add: unknown date part 'fortnight' (line 1, column 20)"},
		{src: "datetime_part('weekday', t)", err: "datetime_part: unknown date part 'weekday' (line 1, column 21)"},
		{src: "datetime_diff(s, t, t)", err: "datetime_diff's part must be a constant string (line 1, column 21)"},
		{src: "format_datetime(t, s)", err: "format_datetime's format must be a constant string (line 1, column 26)"},
		{src: "format_timespan(ts, s)", err: "format_timespan's format must be a constant string (line 1, column 27)"},
		{src: "toint(t)", err: "Cannot convert datetime to int (line 1, column 13)"},
		{src: "tobool(ts)", err: "Cannot convert timespan to bool (line 1, column 14)"},
		{src: "make_datetime(n, n)", err: "The function 'make_datetime' needs 3 arguments, got 2 (line 1, column 7)"},
		{src: "now(ts, ts)", err: "The function 'now' takes at most 1 arguments, got 2 (line 1, column 7)"},
		{src: "ago(n)", err: "Cannot convert long to timespan (line 1, column 11)"},
	})
}
