package sqlgen

func init() {
	spell(map[string]spelling{
		"array_slice": goFixed("kql_array_slice", 3),
		"array_split": goFixed("kql_array_split", 2),
		"zip":         goVariadic("kql_zip"),
	})
}
