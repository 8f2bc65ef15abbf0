package sqlgen

import (
	"strings"
	"time"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// DuckDB is the dialect of DuckDB (Dialect). One serves one query: it
// holds the query's time, which now() and ago() read, and the dynamic
// members the query reads, so that one read as text becomes a single
// json_extract_string.
type DuckDB struct {
	now time.Time
	// members maps the SQL of each member access spelled
	// (json_extract(base, path)) to its base and path. Reading the member
	// as text is then one json_extract_string(base, path): DuckDB parses
	// each document once instead of building the member's JSON and
	// parsing that again, which is most of a dynamic filter's time.
	members map[string]jsonMember
}

// jsonMember is a dynamic member access: the SQL of the dynamic value
// and the JSON path (a SQL expression) into it.
type jsonMember struct{ base, path string }

// NewDuckDB returns the DuckDB dialect for a query run at now.
func NewDuckDB(now time.Time) *DuckDB {
	return &DuckDB{now: now, members: map[string]jsonMember{}}
}

// ticksInterval is the interval of the timespan x, a count of 100 ns
// ticks: whole microseconds, which is what a DuckDB timestamp holds.
func ticksInterval(x string) string { return "to_microseconds((" + x + ") // 10)" }

// timestampLiteral is the SQL literal of a point in time.
func timestampLiteral(t time.Time) string {
	return "TIMESTAMP '" + t.Format("2006-01-02 15:04:05.999999") + "'"
}

// jsonMember is json_extract(base, path), remembered for reading it as
// text.
func (d *DuckDB) jsonMember(base, path string) string {
	sqlText := "json_extract(" + base + ", " + path + ")"
	d.members[sqlText] = jsonMember{base, path}
	return sqlText
}

// dynamicText is the SQL of dynamic value x read as its text (a string
// value unquoted, anything else as JSON; null for JSON null or a missing
// member), as tostring() reads it.
func (d *DuckDB) dynamicText(x string) string {
	if m, ok := d.members[x]; ok {
		return "json_extract_string(" + m.base + ", " + m.path + ")"
	}
	return "json_extract_string(" + x + ", '$')"
}

// Convert spells x as type to. Kusto's implicit conversions: numbers
// widen, dynamic values are read as the scalar they hold, anything is
// written as text as tostring() writes it.
func (d *DuckDB) Convert(x Arg, to schema.Type) string {
	switch {
	case x.Type == to:
		return x.SQL
	case x.Type == 0:
		return null(to)
	case x.Type == schema.Dynamic:
		return fromText(d.dynamicText(x.SQL), to)
	case to == schema.Dynamic:
		switch x.Type {
		case schema.DateTime:
			return "to_json(kql_datetime_json(" + x.SQL + "))"
		case schema.Timespan:
			return "to_json(kql_timespan_str(" + x.SQL + "))"
		}
		return "to_json(" + x.SQL + ")"
	case to == schema.String:
		switch x.Type {
		case schema.DateTime:
			return "kql_datetime_str(" + x.SQL + ")"
		case schema.Timespan:
			return "kql_timespan_str(" + x.SQL + ")"
		case schema.Bool:
			return "CASE WHEN " + x.SQL + " THEN 'true' WHEN NOT " + x.SQL + " THEN 'false' END"
		case schema.Real:
			return "kql_real_str(" + x.SQL + ")"
		}
		return "CAST(" + x.SQL + " AS VARCHAR)"
	case x.Type == schema.String:
		return fromText(x.SQL, to)
	}
	// Numbers to numbers, the only conversion left that the plan allows.
	return "CAST(" + x.SQL + " AS " + DuckDBType(to) + ")"
}

// fromText reads text as a value of type to; null where it does not
// parse.
func fromText(text string, to schema.Type) string {
	switch to {
	case schema.String:
		return text
	case schema.DateTime:
		return TextToDateTime(text)
	case schema.Timespan:
		return "kql_totimespan(" + text + ")"
	}
	return "TRY_CAST(" + text + " AS " + DuckDBType(to) + ")"
}

// TextToDateTime converts text to a datetime in the forms todatetime()
// and datetime literals accept (schema.ParseDateTime). DuckDB's cast
// takes ISO 8601 text fast but reads a zone offset such as +02:00 as if
// it were not there, so text ending in one, and whatever the cast
// refuses (US dates, RFC 1123), goes to the Go parser.
func TextToDateTime(text string) string {
	return "coalesce(CASE WHEN NOT regexp_matches(" + text + `, '\d[+-]\d\d:?\d\d$') THEN TRY_CAST(` + text + " AS TIMESTAMP) END, kql_todatetime(" + text + "))"
}

// dateTimeTicks is the SQL of datetime t as Kusto's ticks: 100 ns since
// 0001-01-01, as tolong() gives them.
func dateTimeTicks(t string) string {
	return "(epoch_us(" + t + ") * 10 + 621355968000000000)"
}

// spelling spells a call of one function in DuckDB's SQL.
type spelling func(d *DuckDB, args []Arg, result schema.Type) string

// duckdbFuncs are the spellings of the built-in scalar functions, filled
// by the init functions of the files that spell them by family.
var duckdbFuncs = map[string]spelling{}

// spell adds spellings to duckdbFuncs.
func spell(fs map[string]spelling) { plan.Register(duckdbFuncs, "DuckDB spelling of function", fs) }

// Call spells a call of a built-in scalar function.
func (d *DuckDB) Call(fn string, args []Arg, result schema.Type) (string, bool) {
	f, ok := duckdbFuncs[fn]
	if !ok {
		return "", false
	}
	return f(d, args, result), true
}

// tmpl is a spelling by template, in which $1 to $9 stand for the
// arguments' SQL (a $ before anything but a digit is itself).
func tmpl(t string) spelling {
	return func(_ *DuckDB, args []Arg, _ schema.Type) string {
		var b strings.Builder
		for i := 0; i < len(t); i++ {
			if t[i] == '$' && i+1 < len(t) && t[i+1] >= '1' && t[i+1] <= '9' {
				b.WriteString(args[t[i+1]-'1'].SQL)
				i++
				continue
			}
			b.WriteByte(t[i])
		}
		return b.String()
	}
}
