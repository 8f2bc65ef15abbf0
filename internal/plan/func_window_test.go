package plan

import (
	"testing"

	"vigil/internal/schema"
)

func TestWindowTyping(t *testing.T) {
	const (
		B, L, R, S, DT, TS = schema.Bool, schema.Long, schema.Real, schema.String, schema.DateTime, schema.Timespan
	)
	checkCalls(t, []callCase{
		// row_number's start is a long, its restart a bool.
		{src: "row_number()", params: []schema.Type{}, result: L},
		{src: "row_number(10, b)", params: []schema.Type{L, B}, result: L},
		{src: "row_number(10, t)", err: "Cannot convert datetime to bool (line 1, column 22)"},
		{src: "row_number(t)", err: "Cannot convert datetime to long (line 1, column 18)"},
		{src: "row_number(1, b, b)", err: "The function 'row_number' takes at most 2 arguments, got 3 (line 1, column 7)"},
		// prev and next give their column's type, to which the default is
		// converted; the offset is a long.
		{src: "prev(s)", params: []schema.Type{0}, result: S},
		{src: "next(r, 2, 0)", params: []schema.Type{0, L, R}, result: R},
		{src: "prev(n, 1, t)", err: "Cannot convert datetime to long (line 1, column 18)"},
		{src: "prev()", err: "The function 'prev' needs 1 arguments, got 0 (line 1, column 7)"},
		// row_cumsum sums as sum does.
		{src: "row_cumsum(i)", params: []schema.Type{0}, result: L},
		{src: "row_cumsum(r, b)", params: []schema.Type{0, B}, result: R},
		{src: "row_cumsum(r, s)", params: []schema.Type{0, B}, result: R},
		{src: "row_cumsum(r, t)", err: "Cannot convert datetime to bool (line 1, column 21)"},
		{src: "row_cumsum(ts)", params: []schema.Type{0}, result: TS},
		// The ranks' restart is a bool.
		{src: "row_rank_dense(s, b)", params: []schema.Type{0, B}, result: L},
		{src: "row_rank_min(n)", params: []schema.Type{0}, result: L},
		{src: "row_rank_min(n, t)", err: "Cannot convert datetime to bool (line 1, column 23)"},
		// row_window_session is of a datetime, with timespan distances.
		{src: "row_window_session(t, 1h, 5m)", params: []schema.Type{0, TS, TS}, result: DT},
		{src: "row_window_session(t, 1h, 5m, b)", params: []schema.Type{0, TS, TS, B}, result: DT},
		{src: "row_window_session(n, 1h, 5m)", err: "row_window_session needs a datetime, not long (line 1, column 26)"},
		{src: "row_window_session(t, 1h)", err: "The function 'row_window_session' needs 3 arguments, got 2 (line 1, column 7)"},
	})
	for name, want := range map[string]bool{"row_number": true, "prev": true, "row_window_session": true, "iff": false, "no_such": false} {
		if IsWindow(name) != want {
			t.Errorf("IsWindow(%s) = %v, want %v", name, !want, want)
		}
	}
}
