package plan

import "vigil/internal/schema"

func init() {
	// convert_<quantity>(value, from, to): value in unit from, in unit to.
	convert := fixed(schema.Real, 3, 3, schema.Real, schema.String)
	define(map[string]Func{
		"convert_length": convert, "convert_mass": convert, "convert_force": convert,
		"convert_angle": convert, "convert_energy": convert, "convert_speed": convert,
		"convert_volume": convert, "convert_temperature": convert,
	})
}
