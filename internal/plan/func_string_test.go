package plan

import (
	"testing"

	"vigil/internal/schema"
)

func TestStringTyping(t *testing.T) {
	const (
		B, L, S, D = schema.Bool, schema.Long, schema.String, schema.Dynamic
	)
	checkCalls(t, []callCase{
		{src: "strlen(n)", params: []schema.Type{S}, result: L},
		{src: "strlen()", err: "The function 'strlen' needs 1 arguments, got 0 (line 1, column 7)"},
		{src: "tolower(s, s)", err: "The function 'tolower' takes at most 1 arguments, got 2 (line 1, column 7)"},
		{src: "strcat(s, n, t)", params: []schema.Type{S, S, S}, result: S},
		{src: "substring(s, 1)", params: []schema.Type{S, L}, result: S},
		{src: "substring(s, t)", err: "Cannot convert datetime to long (line 1, column 20)"},
		{src: "split(s, ',', 0)", params: []schema.Type{S, S, L}, result: D},
		// A constant regular expression must compile, where the function
		// takes one.
		{src: "trim('[', s)", err: `Invalid regular expression "[": missing closing ]: ` + "`[`" + ` (line 1, column 12)`},
		{src: "trim_end(s, s)", params: []schema.Type{S, S}, result: S},
		{src: "replace_regex(s, '(', 'x')", err: `Invalid regular expression "(": missing closing ): ` + "`(`" + ` (line 1, column 24)`},
		{src: "replace(s, 'a(b)', '$1')", params: []schema.Type{S, S, S}, result: S},
		{src: "countof(s, '(')", params: []schema.Type{S, S}, result: L},
		{src: "countof(s, '(', 'regex')", err: `Invalid regular expression "(": missing closing ): ` + "`(`" + ` (line 1, column 18)`},
		// extract: a constant group, and the type of the match.
		{src: "extract('a(b)', 1, s)", params: []schema.Type{S, 0, S}, result: S},
		{src: "extract('a(b)', 1, s, typeof(long))", params: []schema.Type{S, 0, S, 0}, result: L},
		{src: "extract('a(b)', n, s)", err: "extract's capture group must be a constant number (line 1, column 23)"},
		{src: "extract('[', 1, s)", err: `Invalid regular expression "[": missing closing ]: ` + "`[`" + ` (line 1, column 15)`},
		{src: "ipv4_is_in_range(s, '10.0.0.0/8')", params: []schema.Type{S, S}, result: B},
		{src: "new_guid()", params: []schema.Type{}, result: schema.GUID},
	})
}
