package sqlgen

func init() {
	spell(map[string]spelling{
		"convert_length":      convertUnit("length"),
		"convert_mass":        convertUnit("mass"),
		"convert_force":       convertUnit("force"),
		"convert_angle":       convertUnit("angle"),
		"convert_energy":      convertUnit("energy"),
		"convert_speed":       convertUnit("speed"),
		"convert_volume":      convertUnit("volume"),
		"convert_temperature": convertUnit("temperature"),
	})
}

// convertUnit spells convert_<quantity>(value, from, to) as a call of
// the Go function that knows the units of each quantity (the engine's
// units.go).
func convertUnit(quantity string) spelling {
	return tmpl("kql_convert_unit('" + quantity + "', $1, $2, $3)")
}
