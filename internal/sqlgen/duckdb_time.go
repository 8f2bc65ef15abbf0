package sqlgen

import (
	"strconv"
	"strings"

	"vigil/internal/schema"
)

func init() {
	spell(map[string]spelling{
		"now": func(d *DuckDB, a []Arg, _ schema.Type) string {
			if len(a) > 0 {
				return "(" + timestampLiteral(d.now) + " + " + ticksInterval(a[0].SQL) + ")"
			}
			return timestampLiteral(d.now)
		},
		"ago": func(d *DuckDB, a []Arg, _ schema.Type) string {
			return "(" + timestampLiteral(d.now) + " - " + ticksInterval(a[0].SQL) + ")"
		},
		"datetime":   tmpl("$1"),
		"todatetime": tmpl("$1"),
		"bin":        bin,
		"floor":      bin,
		"bin_at":     binAt,

		"startofday": startOf("day"), "startofweek": startOf("week"), "startofmonth": startOf("month"), "startofyear": startOf("year"),
		"endofday": endOf("day"), "endofweek": endOf("week"), "endofmonth": endOf("month"), "endofyear": endOf("year"),
		// DuckDB numbers the days of the week from Sunday, as Kusto does.
		"dayofweek":    tmpl("(CAST(dayofweek($1) AS BIGINT) * 864000000000)"),
		"dayofmonth":   tmpl("CAST(day($1) AS INTEGER)"),
		"dayofyear":    tmpl("CAST(dayofyear($1) AS INTEGER)"),
		"hourofday":    tmpl("CAST(hour($1) AS INTEGER)"),
		"getmonth":     tmpl("CAST(month($1) AS INTEGER)"),
		"monthofyear":  tmpl("CAST(month($1) AS INTEGER)"),
		"getyear":      tmpl("CAST(year($1) AS INTEGER)"),
		"week_of_year": tmpl("CAST(weekofyear($1) AS INTEGER)"),

		"datetime_add": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			if partArg(a[0]) == "nanosecond" {
				// Datetimes hold microseconds: whole ones are added.
				return "(" + a[2].SQL + " + to_microseconds((" + a[1].SQL + ") // 1000))"
			}
			return "(" + a[2].SQL + " + to_" + durationUnit(partArg(a[0])) + "(" + a[1].SQL + "))"
		},
		"datetime_diff": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			switch part := partArg(a[0]); part {
			case "week":
				// Kusto's weeks start on Sunday, DuckDB's on Monday:
				// count the Sundays between the two.
				return "(date_diff('day', " + startOfWeek(a[2].SQL) + ", " + startOfWeek(a[1].SQL) + ") // 7)"
			case "nanosecond":
				// Datetimes hold microseconds: a whole number of thousands.
				return "(date_diff('microsecond', " + a[2].SQL + ", " + a[1].SQL + ") * 1000)"
			default:
				return "date_diff(" + QuoteString(datePart(part)) + ", " + a[2].SQL + ", " + a[1].SQL + ")"
			}
		},
		"datetime_part": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			// DuckDB's sub-second parts count the second's whole
			// seconds too; Kusto's are the fraction alone.
			switch part := partArg(a[0]); part {
			case "millisecond":
				return "CAST(date_part('millisecond', " + a[1].SQL + ") % 1000 AS INTEGER)"
			case "microsecond":
				return "CAST(date_part('microsecond', " + a[1].SQL + ") % 1000000 AS INTEGER)"
			case "nanosecond":
				return "CAST(date_part('microsecond', " + a[1].SQL + ") % 1000000 * 1000 AS INTEGER)"
			default:
				return "CAST(date_part(" + QuoteString(datePart(part)) + ", " + a[1].SQL + ") AS INTEGER)"
			}
		},
		"make_datetime": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			parts := []string{"0", "0", "0", "0", "0", "0"}
			for i, x := range a {
				parts[i] = x.SQL
			}
			return "make_timestamp(" + strings.Join(parts, ", ") + ")"
		},
		"unixtime_seconds_todatetime":      tmpl("make_timestamp(CAST($1 * 1000000 AS BIGINT))"),
		"unixtime_milliseconds_todatetime": tmpl("make_timestamp(CAST($1 * 1000 AS BIGINT))"),
		"unixtime_microseconds_todatetime": tmpl("make_timestamp(CAST($1 AS BIGINT))"),
		"unixtime_nanoseconds_todatetime": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			if a[0].Type == schema.Real {
				return "make_timestamp(CAST(" + a[0].SQL + " / 1000 AS BIGINT))"
			}
			return "make_timestamp(" + a[0].SQL + " // 1000)"
		},
		"format_datetime": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			return "strftime(" + a[0].SQL + ", " + QuoteString(strftimeFormat(a[1].Const.(string))) + ")"
		},
		"totimespan": tmpl("$1"),
		"time":       tmpl("$1"),
		"format_timespan": func(_ *DuckDB, a []Arg, _ schema.Type) string {
			if len(a) < 2 {
				return "kql_timespan_str(" + a[0].SQL + ")"
			}
			return timespanFormat(a[0].SQL, a[1].Const.(string))
		},
	})
}

// bin rounds down to a multiple of the size: datetimes from the Unix
// epoch, which is what Kusto's bin does for units up to a day; an
// integer by an integer stays one.
func bin(_ *DuckDB, a []Arg, result schema.Type) string {
	x, size := a[0].SQL, a[1].SQL
	switch a[0].Type {
	case schema.DateTime:
		return "make_timestamp(" + floorTo("epoch_us("+x+")", "(("+size+") // 10)") + ")"
	case schema.Timespan:
		return floorTo(x, size)
	}
	if result == schema.Real {
		return "(floor(" + x + " / " + size + ") * " + size + ")"
	}
	return "(CAST(floor(" + x + " / " + size + ") AS BIGINT) * " + size + ")"
}

// binAt is bin_at(x, size, at): bins of size aligned so that at starts
// one.
func binAt(_ *DuckDB, a []Arg, _ schema.Type) string {
	x, size, at := a[0].SQL, a[1].SQL, a[2].SQL
	switch a[0].Type {
	case schema.DateTime:
		return "make_timestamp(" + floorTo("(epoch_us("+x+") - epoch_us("+at+"))", "(("+size+") // 10)") + " + epoch_us(" + at + "))"
	case schema.Timespan:
		return "(" + floorTo("("+x+" - "+at+")", size) + " + " + at + ")"
	}
	return "(floor((" + x + " - " + at + ") / " + size + ") * " + size + " + " + at + ")"
}

// floorTo rounds the integer x down to a multiple of size. DuckDB's //
// and % truncate toward zero, which would round up a negative x: a
// datetime before 1970, a negative timespan, one before bin_at's fixed
// point.
func floorTo(x, size string) string {
	return "(" + x + " - ((" + x + " % " + size + ") + " + size + ") % " + size + ")"
}

// startOf spells startof<unit>(t [, offset]): the start of t's unit,
// offset units later.
func startOf(unit string) spelling {
	return func(_ *DuckDB, a []Arg, _ schema.Type) string {
		start := "CAST(date_trunc('" + unit + "', " + a[0].SQL + ") AS TIMESTAMP)"
		if unit == "week" {
			start = startOfWeek(a[0].SQL)
		}
		if len(a) > 1 {
			start = "(" + start + " + to_" + unit + "s(CAST(" + a[1].SQL + " AS INTEGER)))"
		}
		return start
	}
}

// endOf spells endof<unit>(t [, offset]): the last microsecond of the
// unit startOf gives.
func endOf(unit string) spelling {
	start := startOf(unit)
	return func(d *DuckDB, a []Arg, result schema.Type) string {
		return "(" + start(d, a, result) + " + INTERVAL 1 " + unit + " - INTERVAL 1 MICROSECOND)"
	}
}

// startOfWeek is the Sunday that starts the week of the datetime t:
// Kusto's weeks start on Sunday.
func startOfWeek(t string) string {
	return "(date_trunc('day', " + t + ") - to_days(CAST(dayofweek(" + t + ") AS INTEGER)))"
}

// partArg is the part of a datetime a call names, the literal the plan
// checked (plan's dateParts), in lower case.
func partArg(a Arg) string { return strings.ToLower(a.Const.(string)) }

// datePart is DuckDB's name of a part of a datetime: Kusto's, but for
// these two.
func datePart(part string) string {
	switch part {
	case "dayofyear":
		return "doy"
	case "week_of_year":
		return "week"
	}
	return part
}

// durationUnit is the unit of DuckDB's to_<unit>s function that adds a
// number of a datetime's parts.
func durationUnit(part string) string {
	switch p := datePart(part); p {
	case "doy":
		return "days"
	default:
		return p + "s"
	}
}

// strftimeFormat maps Kusto's format_datetime specifiers to strftime.
func strftimeFormat(f string) string {
	r := strings.NewReplacer("yyyy", "%Y", "yy", "%y", "MM", "%m", "M", "%-m", "dd", "%d", "d", "%-d",
		"HH", "%H", "H", "%-H", "hh", "%I", "h", "%-I", "mm", "%M", "m", "%-M", "ss", "%S", "s", "%-S",
		"fffffff", "%f0", "ffffff", "%f", "fff", "%g", "tt", "%p", "%", "%%")
	return r.Replace(f)
}

// timespanFormat spells format_timespan's format over the ticks ts:
// d (days), h or H (hours), m, s, f (fractions, as many digits as
// letters) and F (the same without trailing zeros), repeated for the
// width to pad to; any other character stands for itself.
func timespanFormat(ts, format string) string {
	abs := "abs(" + ts + ")"
	parts := []string{"CASE WHEN " + ts + " < 0 THEN '-' ELSE '' END"}
	for i := 0; i < len(format); {
		ch := format[i]
		n := 1
		for i+n < len(format) && format[i+n] == ch {
			n++
		}
		width := strconv.Itoa(n)
		pad := func(v string) string {
			return "lpad(CAST(" + v + " AS VARCHAR), " + width + ", '0')"
		}
		frac := "substr(lpad(CAST(" + abs + " % 10000000 AS VARCHAR), 7, '0'), 1, " + width + ")"
		switch ch {
		case 'd':
			parts = append(parts, pad(abs+" // 864000000000"))
		case 'h', 'H':
			parts = append(parts, pad("("+abs+" // 36000000000) % 24"))
		case 'm':
			parts = append(parts, pad("("+abs+" // 600000000) % 60"))
		case 's':
			parts = append(parts, pad("("+abs+" // 10000000) % 60"))
		case 'f':
			parts = append(parts, frac)
		case 'F':
			parts = append(parts, "rtrim("+frac+", '0')")
		default:
			parts = append(parts, QuoteString(format[i:i+n]))
		}
		i += n
	}
	return "(" + strings.Join(parts, " || ") + ")"
}
