package plan

import (
	"errors"
	"slices"
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// The positions of a test call and of its arguments, so that a test can
// say where an error points.
var (
	timeCallPos = kql.Pos{Line: 1, Column: 1}
	timeArgPos  = func(i int) kql.Pos { return kql.Pos{Line: 1, Column: 10 * (i + 1)} }
)

// timeArg is an argument of a test call: a column of type typ, or the
// string literal lit when lit is set.
type timeArg struct {
	typ schema.Type
	lit string
}

func timeCol(t schema.Type) timeArg { return timeArg{typ: t} }
func timeStr(s string) timeArg      { return timeArg{typ: schema.String, lit: s} }

// typeTimeCall types name(args...) as TypeCall does for a query.
func typeTimeCall(name string, args ...timeArg) (Sig, error) {
	call := &kql.Call{P: timeCallPos, Name: name}
	var pargs []Arg
	for i, a := range args {
		var e kql.Expr = &kql.Ident{P: timeArgPos(i), Name: "c"}
		if a.lit != "" {
			e = &kql.Literal{P: timeArgPos(i), Kind: kql.LitString, Value: a.lit}
		}
		call.Args = append(call.Args, e)
		pargs = append(pargs, Arg{Expr: e, Type: a.typ})
	}
	sig, known, err := TypeCall(call, pargs)
	if !known {
		panic("unknown function " + name)
	}
	return sig, err
}

func TestTimeAndConversionTypes(t *testing.T) {
	const (
		dt   = schema.DateTime
		ts   = schema.Timespan
		i32  = schema.Int
		i64  = schema.Long
		r64  = schema.Real
		text = schema.String
		dyn  = schema.Dynamic
	)
	tests := []struct {
		name   string
		args   []timeArg
		params []schema.Type
		result schema.Type
	}{
		{"now", nil, []schema.Type{}, dt},
		{"now", []timeArg{timeCol(ts)}, []schema.Type{ts}, dt},
		{"ago", []timeArg{timeCol(text)}, []schema.Type{ts}, dt},
		// bin keeps a datetime, a timespan and an integer as they are and
		// rounds to a timespan or a number of the same kind.
		{"bin", []timeArg{timeCol(dt), timeCol(text)}, []schema.Type{0, ts}, dt},
		{"floor", []timeArg{timeCol(ts), timeCol(ts)}, []schema.Type{0, ts}, ts},
		{"bin", []timeArg{timeCol(i32), timeCol(i64)}, []schema.Type{0, 0}, i32},
		{"bin", []timeArg{timeCol(i64), timeCol(r64)}, []schema.Type{0, 0}, r64},
		{"bin", []timeArg{timeCol(schema.Decimal), timeCol(i64)}, []schema.Type{0, 0}, r64},
		{"bin_at", []timeArg{timeCol(dt), timeCol(ts), timeCol(text)}, []schema.Type{0, ts, dt}, dt},
		{"bin_at", []timeArg{timeCol(i64), timeCol(i64), timeCol(i32)}, []schema.Type{r64, r64, r64}, r64},
		{"bin_at", []timeArg{timeCol(ts), timeCol(text), timeCol(ts)}, []schema.Type{0, ts, ts}, ts},
		{"startofweek", []timeArg{timeCol(text), timeCol(i32)}, []schema.Type{dt, i64}, dt},
		{"dayofweek", []timeArg{timeCol(dt)}, []schema.Type{dt}, ts},
		// A date part is read in any case.
		{"datetime_add", []timeArg{timeStr("Month"), timeCol(i32), timeCol(dt)}, []schema.Type{0, i64, dt}, dt},
		{"datetime_diff", []timeArg{timeStr("nanosecond"), timeCol(dt), timeCol(dt)}, []schema.Type{0, dt, dt}, i64},
		{"datetime_part", []timeArg{timeStr("dayOfYear"), timeCol(dyn)}, []schema.Type{0, dt}, i32},
		{"datetime_part", []timeArg{timeStr("Nanosecond"), timeCol(dt)}, []schema.Type{0, dt}, i32},
		{"make_datetime", []timeArg{timeCol(i32), timeCol(i32), timeCol(i32), timeCol(i32), timeCol(i32), timeCol(i64)}, []schema.Type{i64, i64, i64, i64, i64, r64}, dt},
		{"unixtime_nanoseconds_todatetime", []timeArg{timeCol(r64)}, []schema.Type{0}, dt},
		{"unixtime_nanoseconds_todatetime", []timeArg{timeCol(i32)}, []schema.Type{i64}, dt},
		{"format_datetime", []timeArg{timeCol(dt), timeStr("yyyy")}, []schema.Type{dt, 0}, text},
		{"format_timespan", []timeArg{timeCol(ts)}, []schema.Type{ts}, text},
		{"format_timespan", []timeArg{timeCol(ts), timeStr("hh:mm")}, []schema.Type{ts, 0}, text},
		// The conversions pass what they read their own way as it is.
		{"tolong", []timeArg{timeCol(text)}, []schema.Type{0}, i64},
		{"tolong", []timeArg{timeCol(dt)}, []schema.Type{0}, i64},
		{"toint", []timeArg{timeCol(r64)}, []schema.Type{0}, i32},
		{"toreal", []timeArg{timeCol(ts)}, []schema.Type{0}, r64},
		{"todecimal", []timeArg{timeCol(r64)}, []schema.Type{schema.Decimal}, schema.Decimal},
		{"tolong", []timeArg{timeCol(dyn)}, []schema.Type{i64}, i64},
		{"tobool", []timeArg{timeCol(text)}, []schema.Type{0}, schema.Bool},
		{"tobool", []timeArg{timeCol(dyn)}, []schema.Type{schema.Bool}, schema.Bool},
		{"toboolean", []timeArg{timeCol(r64)}, []schema.Type{0}, schema.Bool},
		{"todynamic", []timeArg{timeCol(dyn)}, []schema.Type{0}, dyn},
		{"parse_json", []timeArg{timeCol(i64)}, []schema.Type{text}, dyn},
		{"toguid", []timeArg{timeCol(schema.GUID)}, []schema.Type{text}, schema.GUID},
	}
	for _, tt := range tests {
		sig, err := typeTimeCall(tt.name, tt.args...)
		if err != nil {
			t.Errorf("%s%v: %v", tt.name, tt.args, err)
			continue
		}
		if !slices.Equal(sig.Params, tt.params) || sig.Result != tt.result {
			t.Errorf("%s%v = %v -> %v, want %v -> %v", tt.name, tt.args, sig.Params, sig.Result, tt.params, tt.result)
		}
	}
}

func TestTimeAndConversionErrors(t *testing.T) {
	tests := []struct {
		name string
		args []timeArg
		pos  kql.Pos
		msg  string
	}{
		{"bin", []timeArg{timeCol(schema.Bool), timeCol(schema.Long)}, timeArgPos(0), "bin() needs a number, datetime or timespan, not bool"},
		{"floor", []timeArg{timeCol(schema.String), timeCol(schema.Long)}, timeArgPos(0), "floor() needs a number, datetime or timespan, not string"},
		{"bin", []timeArg{timeCol(schema.DateTime), timeCol(schema.Long)}, timeArgPos(1), "Cannot convert long to timespan"},
		{"bin_at", []timeArg{timeCol(schema.Bool), timeCol(schema.Long), timeCol(schema.Long)}, timeArgPos(0), "Cannot convert bool to real"},
		{"bin_at", []timeArg{timeCol(schema.Timespan), timeCol(schema.Timespan), timeCol(schema.DateTime)}, timeArgPos(2), "Cannot convert datetime to timespan"},
		{"datetime_add", []timeArg{timeStr("fortnight"), timeCol(schema.Long), timeCol(schema.DateTime)}, timeArgPos(0), "datetime_add: unknown date part 'fortnight'"},
		{"datetime_part", []timeArg{timeStr("weekday"), timeCol(schema.DateTime)}, timeArgPos(0), "datetime_part: unknown date part 'weekday'"},
		{"datetime_diff", []timeArg{timeCol(schema.String), timeCol(schema.DateTime), timeCol(schema.DateTime)}, timeArgPos(0), "datetime_diff's part must be a constant string"},
		{"format_datetime", []timeArg{timeCol(schema.DateTime), timeCol(schema.String)}, timeArgPos(1), "format_datetime's format must be a constant string"},
		{"format_timespan", []timeArg{timeCol(schema.Timespan), timeCol(schema.String)}, timeArgPos(1), "format_timespan's format must be a constant string"},
		{"toint", []timeArg{timeCol(schema.DateTime)}, timeArgPos(0), "Cannot convert datetime to int"},
		{"tobool", []timeArg{timeCol(schema.Timespan)}, timeArgPos(0), "Cannot convert timespan to bool"},
		{"make_datetime", []timeArg{timeCol(schema.Long), timeCol(schema.Long)}, timeCallPos, "The function 'make_datetime' needs 3 arguments, got 2"},
		{"now", []timeArg{timeCol(schema.Timespan), timeCol(schema.Timespan)}, timeCallPos, "The function 'now' takes at most 1 arguments, got 2"},
		{"ago", []timeArg{timeCol(schema.Long)}, timeArgPos(0), "Cannot convert long to timespan"},
	}
	for _, tt := range tests {
		_, err := typeTimeCall(tt.name, tt.args...)
		var kerr *kql.Error
		if !errors.As(err, &kerr) || kerr.Pos != tt.pos || kerr.Msg != tt.msg {
			t.Errorf("%s%v: error %v, want %q at %v", tt.name, tt.args, err, tt.msg, tt.pos)
		}
	}
}
