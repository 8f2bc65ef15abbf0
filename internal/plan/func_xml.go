package plan

import "vigil/internal/schema"

func init() {
	define(map[string]Func{
		// parse_xml reads XML text into a dynamic value.
		"parse_xml": fixed(schema.Dynamic, 1, 1, schema.String),
	})
}
