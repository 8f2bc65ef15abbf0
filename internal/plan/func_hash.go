package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

func init() {
	str1 := fixed(schema.String, 1, 1, schema.String)
	hash := Func{Min: 1, Max: 2, Check: checkHash}
	define(map[string]Func{
		"hash_sha1": str1, "hash_sha256": str1, "hash_md5": str1,
		"hash":          hash,
		"hash_xxhash64": hash,
		"hash_many": {Min: 2, Max: -1, Check: func(_ *kql.Call, args []Arg) (Sig, error) {
			params := make([]schema.Type, len(args))
			for i, a := range args {
				params[i] = hashParam(a.Type)
			}
			return Sig{Params: params, Result: schema.Long}, nil
		}},
		"hash_combine": fixed(schema.Long, 2, -1, schema.Long),
	})
}

// checkHash types hash(x [, mod]) and hash_xxhash64(x [, mod]).
func checkHash(_ *kql.Call, args []Arg) (Sig, error) {
	return Sig{Params: []schema.Type{hashParam(args[0].Type), schema.Long}, Result: schema.Long}, nil
}

// hashParam is the type hash() reads a value of type t as: the 8 bytes
// of an integer, which a timespan's ticks, a bool and a datetime's ticks
// are too (so they stay as they are for the dialect to read), or of a
// real; the UTF-8 text of anything else.
func hashParam(t schema.Type) schema.Type {
	switch t {
	case schema.Int, schema.Long:
		return schema.Long
	case schema.Timespan, schema.Bool, schema.DateTime:
		return t
	case schema.Real, schema.Decimal:
		return schema.Real
	}
	return schema.String
}
