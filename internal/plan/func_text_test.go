package plan

import (
	"testing"

	"vigil/internal/schema"
)

func TestTextTyping(t *testing.T) {
	S := schema.String
	checkTyping(t, []typingCase{
		{name: "hash_crc32", args: []schema.Type{S}, params: []schema.Type{S}, result: schema.Long},
		{name: "hash_crc32", args: []schema.Type{schema.Int, schema.Int}, params: []schema.Type{S, schema.Long}, result: schema.Long},
		{name: "hash_crc32", args: []schema.Type{S, schema.DateTime}, errCol: 20, errMsg: "Cannot convert datetime to long"},
		{name: "datetime_utc_to_local", args: []schema.Type{S, S}, params: []schema.Type{schema.DateTime, S}, result: schema.DateTime},
		{name: "datetime_local_to_utc", args: []schema.Type{schema.Long, S}, errCol: 10, errMsg: "Cannot convert long to datetime"},
		{name: "parse_version", args: []schema.Type{S}, params: []schema.Type{S}, result: schema.Decimal},
		{name: "parse_csv", args: []schema.Type{S}, params: []schema.Type{schema.Dynamic}, result: schema.Dynamic},
		{name: "url_encode", args: []schema.Type{S, S}, errCol: 1, errMsg: "The function 'url_encode' takes at most 1 arguments, got 2"},
	})
}
