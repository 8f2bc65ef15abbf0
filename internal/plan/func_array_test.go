package plan

import (
	"testing"

	"vigil/internal/schema"
)

func TestArrayTyping(t *testing.T) {
	const (
		B, L, R, S, D = schema.Bool, schema.Long, schema.Real, schema.String, schema.Dynamic
	)
	checkCalls(t, []callCase{
		{src: "pack_array(n, s)", params: []schema.Type{D, D}, result: D},
		// bag_pack: string keys and dynamic values, in pairs.
		{src: "bag_pack('a', n, s, t)", params: []schema.Type{S, D, S, D}, result: D},
		{src: "bag_pack()", params: []schema.Type{}, result: D},
		{src: "pack('a', n, 'b')", err: "pack needs a value for each key, got 3 arguments (line 1, column 7)"},
		{src: "set_has_element(d, n)", params: []schema.Type{0, D}, result: B},
		{src: "bag_has_key(d, n)", params: []schema.Type{0, S}, result: B},
		{src: "set_difference(d, d, d)", params: []schema.Type{0, 0, 0}, result: D},
		{src: "set_difference(d)", err: "The function 'set_difference' needs 2 arguments, got 1 (line 1, column 7)"},
		{src: "range(1, n)", params: []schema.Type{L, L}, result: D},
		{src: "range(1, 10, ts)", err: "Cannot convert timespan to long (line 1, column 20)"},
		{src: "range(1.0, 10, 1)", params: []schema.Type{R, R, R}, result: D},
		{src: "range(t, t)", params: []schema.Type{schema.DateTime, schema.DateTime}, result: D},
		{src: "range(t, t, 1d)", params: []schema.Type{schema.DateTime, schema.DateTime, schema.Timespan}, result: D},
		{src: "range(ts, 5h)", params: []schema.Type{schema.Timespan, schema.Timespan}, result: D},
		{src: "range(t, 5, 1h)", err: "Cannot convert long to datetime (line 1, column 16)"},
		{src: "array_length(d)", params: []schema.Type{0}, result: L},
	})
}
