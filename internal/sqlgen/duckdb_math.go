package sqlgen

import "vigil/internal/schema"

func init() {
	spell(map[string]spelling{
		"abs": tmpl("abs($1)"),
		"round": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			if len(a) > 1 {
				return "round(" + a[0].SQL + ", CAST(" + a[1].SQL + " AS INTEGER))"
			}
			return "round(" + a[0].SQL + ")"
		},
		"ceiling": tmpl("ceil($1)"),
		"sqrt":    tmpl("sqrt($1)"), "exp": tmpl("exp($1)"), "log10": tmpl("log10($1)"), "log2": tmpl("log2($1)"),
		"log":  tmpl("ln($1)"),
		"exp2": tmpl("pow(2, $1)"), "exp10": tmpl("pow(10, $1)"),
		"sin": tmpl("sin($1)"), "cos": tmpl("cos($1)"), "tan": tmpl("tan($1)"),
		"asin": tmpl("asin($1)"), "acos": tmpl("acos($1)"), "atan": tmpl("atan($1)"),
		"degrees": tmpl("degrees($1)"), "radians": tmpl("radians($1)"), "sign": tmpl("sign($1)"),
		"pow":   tmpl("pow($1, $2)"),
		"atan2": tmpl("atan2($1, $2)"),
		"pi":    tmpl("pi()"),
		"rand": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			if len(a) > 0 {
				return "CAST(floor(random() * " + a[0].SQL + ") AS BIGINT)"
			}
			return "random()"
		},
		"isnan":              tmpl("isnan($1)"),
		"isinf":              tmpl("isinf($1)"),
		"isfinite":           tmpl("isfinite($1)"),
		"gamma":              tmpl("gamma($1)"),
		"loggamma":           tmpl("lgamma($1)"),
		"erf":                tmpl("kql_erf($1)"),
		"erfc":               tmpl("(1 - kql_erf($1))"),
		"binary_and":         tmpl("($1 & $2)"),
		"binary_or":          tmpl("($1 | $2)"),
		"binary_xor":         tmpl("xor($1, $2)"),
		"binary_shift_left":  tmpl("($1 << $2)"),
		"binary_shift_right": tmpl("($1 >> $2)"),
		"binary_not":         tmpl("(~$1)"),
		"bitset_count_ones":  tmpl("CAST(bit_count($1) AS BIGINT)"),
		"make_timespan": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			// days, hours, minutes, seconds
			parts := []string{"0", a[0].SQL, a[1].SQL, "0"}
			switch len(a) {
			case 3:
				parts = []string{"0", a[0].SQL, a[1].SQL, a[2].SQL}
			case 4:
				parts = []string{a[0].SQL, a[1].SQL, a[2].SQL, a[3].SQL}
			}
			return "CAST(round(((" + parts[0] + " * 24 + " + parts[1] + ") * 3600 + " + parts[2] + " * 60 + " + parts[3] + ") * 10000000) AS BIGINT)"
		},
	})
}
