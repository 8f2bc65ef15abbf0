package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

// The window functions over a serialized input: their value depends on
// the rows before or after in the input's order, so a dialect spells
// them with Window rather than Call (sqlgen.Dialect), and may compute
// parts of them as columns of the operator's input (sqlgen.Hoist); only
// extend, project and where call them (Builder.windows).
func init() {
	rank := Func{Min: 1, Max: 2, Params: []schema.Type{0, schema.Bool}, Result: schema.Long, Window: true}
	define(map[string]Func{
		"row_number":         {Min: 0, Max: 2, Params: []schema.Type{schema.Long, schema.Bool}, Result: schema.Long, Window: true},
		"prev":               {Min: 1, Max: 3, Check: checkPrevNext, Window: true},
		"next":               {Min: 1, Max: 3, Check: checkPrevNext, Window: true},
		"row_cumsum":         {Min: 1, Max: 2, Check: checkCumsum, Window: true},
		"row_rank_dense":     rank,
		"row_rank_min":       rank,
		"row_window_session": {Min: 3, Max: 4, Check: checkWindowSession, Window: true},
	})
}

// IsWindow reports whether name is a window function over a serialized
// input (Func.Window).
func IsWindow(name string) bool { return funcs[name].Window }

// checkPrevNext types prev(column [, offset [, default]]) and next: the
// value of column offset rows away, or default, converted to column's
// type, where there is no such row.
func checkPrevNext(_ *kql.Call, args []Arg) (Sig, error) {
	t := args[0].Type
	return Sig{Params: []schema.Type{0, schema.Long, t}, Result: t}, nil
}

// checkCumsum types row_cumsum(term [, restart]): the running sum has
// the type sum gives term (SumType); restart is a bool.
func checkCumsum(_ *kql.Call, args []Arg) (Sig, error) {
	return Sig{Params: []schema.Type{0, schema.Bool}, Result: SumType(args[0].Type)}, nil
}

// checkWindowSession types row_window_session(t, maxFromFirst,
// maxBetweenNeighbors [, restart]): the session's start, a datetime, of
// the datetime t.
func checkWindowSession(call *kql.Call, args []Arg) (Sig, error) {
	if args[0].Type != schema.DateTime {
		return Sig{}, kql.Errorf(call.Args[0].Position(), "row_window_session needs a datetime, not %s", args[0].Type)
	}
	return Sig{Params: []schema.Type{0, schema.Timespan, schema.Timespan, schema.Bool}, Result: schema.DateTime}, nil
}
