package schema

import (
	"encoding/json"
	"time"
)

// suffixTypes maps the type suffixes of the HTTP Data Collector API's
// columns and of AzureDiagnostics' flattened property columns to types.
var suffixTypes = map[byte]Type{'s': String, 'd': Real, 'b': Bool, 't': DateTime, 'g': GUID}

// Suffixed names the column a loose JSON value goes to under the naming
// Azure Monitor uses for fields without a declared type (the HTTP Data
// Collector API, AzureDiagnostics): name_b for booleans, name_d for
// numbers, name_g for strings that are GUIDs, name_t for ISO 8601 times,
// name_s for other strings and, as JSON text, for objects and arrays. It
// returns the column name, its type and the value converted to it.
func Suffixed(name string, v any) (string, Type, any) {
	switch x := v.(type) {
	case bool:
		return name + "_b", Bool, x
	case json.Number:
		f, _ := x.Float64()
		return name + "_d", Real, f
	case string:
		if g, err := ParseGUID(x); err == nil && len(x) >= 32 {
			return name + "_g", GUID, g
		}
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return name + "_t", DateTime, t.UTC()
		}
		return name + "_s", String, x
	}
	text, _ := json.Marshal(v)
	return name + "_s", String, string(text)
}
