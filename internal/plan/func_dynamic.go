package plan

import "vigil/internal/schema"

func init() {
	define(map[string]Func{
		"array_slice": jsonFunc(schema.Dynamic, 3, 3),
		"array_split": jsonFunc(schema.Dynamic, 2, 2),
		"zip":         jsonFunc(schema.Dynamic, 2, -1),
	})
}
