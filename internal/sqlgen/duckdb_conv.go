package sqlgen

import "vigil/internal/schema"

func init() {
	spell(map[string]spelling{
		"tostring":   tmpl("$1"),
		"toint":      toNumber,
		"tolong":     toNumber,
		"toreal":     toNumber,
		"todouble":   toNumber,
		"todecimal":  toNumber,
		"tobool":     toBool,
		"toboolean":  toBool,
		"toguid":     tmpl("TRY_CAST($1 AS UUID)"),
		"todynamic":  toDynamic,
		"parse_json": toDynamic,
	})
}

// toNumber spells toint, tolong, toreal and todecimal of the types the
// plan passes as they are (plan's toNumber); anything else arrives
// converted already.
func toNumber(_ *DuckDB, a []Arg, to schema.Type) string {
	x := a[0]
	switch {
	case x.Type == schema.Real && (to == schema.Long || to == schema.Int):
		return "TRY_CAST(trunc(" + x.SQL + ") AS " + DuckDBType(to) + ")"
	case x.Type == schema.DateTime && to == schema.Long:
		return dateTimeTicks(x.SQL)
	case x.Type == schema.Timespan, x.Type == schema.Bool:
		return "CAST(" + x.SQL + " AS " + DuckDBType(to) + ")"
	case x.Type == schema.String:
		return "TRY_CAST(trim(" + x.SQL + ") AS " + DuckDBType(to) + ")"
	}
	return x.SQL
}

// toBool spells tobool: text is true or false in any case, null
// otherwise; a number is true when it is not 0.
func toBool(_ *DuckDB, a []Arg, _ schema.Type) string {
	switch a[0].Type {
	case schema.String:
		return "CASE lower(" + a[0].SQL + ") WHEN 'true' THEN true WHEN 'false' THEN false END"
	case schema.Int, schema.Long, schema.Real, schema.Decimal:
		return "(" + a[0].SQL + " <> 0)"
	}
	return a[0].SQL
}

// toDynamic spells todynamic: text that is JSON is parsed, other text
// becomes a JSON string.
func toDynamic(_ *DuckDB, a []Arg, _ schema.Type) string {
	if a[0].Type == schema.Dynamic {
		return a[0].SQL
	}
	s := a[0].SQL
	return "CASE WHEN json_valid(" + s + ") THEN CAST(" + s + " AS JSON) ELSE to_json(" + s + ") END"
}
