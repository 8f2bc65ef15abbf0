package sqlgen

import (
	"strings"

	"vigil/internal/schema"
)

// Unary spells a unary minus or plus.
func (d *DuckDB) Unary(op string, x Arg) string { return "(" + op + x.SQL + ")" }

// Binary spells a binary operator the plan typed (plan.TypeBinary): l
// and r are converted as it says, and result is its type.
func (d *DuckDB) Binary(op string, l, r Arg, result schema.Type) string {
	switch op {
	case "and", "or":
		return "(" + l.SQL + " " + strings.ToUpper(op) + " " + r.SQL + ")"
	case "+", "-", "*", "/", "%":
		return arith(op, l, r, result)
	case "==", "!=", "<", ">", "<=", ">=":
		ls, rs := l.SQL, r.SQL
		text := l.Type == schema.String || r.Type == schema.String
		switch {
		case text && op == "!=" && (nonEmptyConst(l) || nonEmptyConst(r)), !text && op == "!=":
			// A value differs from null (Kusto: 5 != int(null) is true,
			// and a missing string, empty in Kusto, differs from "x").
			return "(" + ls + " IS DISTINCT FROM " + rs + ")"
		case text && (op == "==" || op == "!=") && !nonEmptyConst(l) && !nonEmptyConst(r):
			// Kusto has no null string: a missing one is empty, so it
			// equals "" and another missing one. (Against a literal the
			// plain comparison gives the same rows and narrows scans.)
			ls, rs = "coalesce("+ls+", '')", "coalesce("+rs+", '')"
		}
		return "(" + ls + " " + op + " " + rs + ")"
	case "=~", "!~":
		ls, rs := l.SQL, r.SQL
		eq := "="
		if op == "!~" {
			eq = "<>"
		}
		// As for == above: a missing string is empty (against a
		// non-empty literal the plain comparison gives the same rows).
		if eq == "<>" || !nonEmptyConst(l) && !nonEmptyConst(r) {
			ls, rs = "coalesce("+ls+", '')", "coalesce("+rs+", '')"
		}
		return "(lower(" + ls + ") " + eq + " lower(" + rs + "))"
	}
	// The string operators.
	neg := strings.HasPrefix(op, "!")
	op = strings.TrimPrefix(op, "!")
	cs := strings.HasSuffix(op, "_cs")
	op = strings.TrimSuffix(op, "_cs")
	lower := func(s string) string {
		if cs {
			return s
		}
		return "lower(" + s + ")"
	}
	var out string
	switch op {
	case "contains":
		out = "contains(" + lower(l.SQL) + ", " + lower(r.SQL) + ")"
	case "startswith":
		out = "starts_with(" + lower(l.SQL) + ", " + lower(r.SQL) + ")"
	case "endswith":
		out = "ends_with(" + lower(l.SQL) + ", " + lower(r.SQL) + ")"
	case "has", "hasprefix", "hassuffix":
		out = hasTerm(op, l.SQL, r, cs)
	case "matches regex":
		out = "regexp_matches(" + l.SQL + ", " + r.SQL + ")"
	}
	if neg {
		out = "(NOT coalesce(" + out + ", false))"
	}
	return out
}

// arith spells + - * / % over operands of the types the plan gave.
func arith(op string, l, r Arg, result schema.Type) string {
	lt, rt := l.Type, r.Type
	switch {
	case lt == schema.DateTime && rt == schema.DateTime:
		return "((epoch_us(" + l.SQL + ") - epoch_us(" + r.SQL + ")) * 10)"
	case lt == schema.DateTime && rt == schema.Timespan:
		return "(" + l.SQL + " " + op + " " + ticksInterval(r.SQL) + ")"
	case lt == schema.Timespan && rt == schema.DateTime:
		return "(" + r.SQL + " + " + ticksInterval(l.SQL) + ")"
	case lt == schema.Timespan && rt == schema.Timespan && op == "/":
		return "(CAST(" + l.SQL + " AS DOUBLE) / " + r.SQL + ")"
	case lt == schema.Timespan && rt == schema.Timespan:
		return "(" + l.SQL + " " + op + " " + r.SQL + ")"
	case result == schema.Timespan:
		// A timespan times or by a number: whole ticks.
		return "CAST(" + l.SQL + " " + op + " " + r.SQL + " AS BIGINT)"
	}
	if op == "/" && (result == schema.Long || result == schema.Int) {
		op = "//" // integer division truncates, as in Kusto
	}
	return "(" + l.SQL + " " + op + " " + r.SQL + ")"
}

// nonEmptyConst reports whether a is a constant string that is not
// empty: compared with one, a null string and an empty one give the
// same answer, so the comparison needs no coalesce.
func nonEmptyConst(a Arg) bool {
	s, ok := a.Const.(string)
	return ok && a.Type == schema.String && s != ""
}

// TermBoundary is what separates terms: any character that is not an
// ASCII letter or digit, as in Kusto's term index.
const TermBoundary = `[^0-9A-Za-z]`

// hasTerm spells has (whole terms), hasprefix (term prefixes) or
// hassuffix (term suffixes) of the term r in the text l, not substrings:
// 'has "err"' does not match "error". A constant term (r.Const) is
// compiled to a fixed regular expression with a cheap substring test in
// front.
func hasTerm(op, l string, r Arg, cs bool) string {
	flags := "(?i)"
	if cs {
		flags = ""
	}
	pre, post := "(^|"+TermBoundary+")", "($|"+TermBoundary+")"
	switch op {
	case "hasprefix":
		post = ""
	case "hassuffix":
		pre = ""
	}
	if term, ok := r.Const.(string); ok && r.Type == schema.String {
		if term == "" {
			return "(" + l + " IS NOT NULL)"
		}
		pattern := QuoteString(flags + pre + quoteRegexp(term) + post)
		sub := "contains(lower(" + l + "), " + QuoteString(strings.ToLower(term)) + ")"
		if cs {
			sub = "contains(" + l + ", " + QuoteString(term) + ")"
		}
		return "(" + sub + " AND regexp_matches(" + l + ", " + pattern + "))"
	}
	return "regexp_matches(" + l + ", " + QuoteString(flags+pre) + " || regexp_escape(" + r.SQL + ") || " + QuoteString(post) + ")"
}

// quoteRegexp escapes the characters a regular expression gives meaning
// to, so that s matches itself.
func quoteRegexp(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Between spells x between (lo .. hi), or !between when not, with lo
// and hi converted to x's type.
func (d *DuckDB) Between(not bool, x, lo, hi Arg) string {
	op := "BETWEEN"
	if not {
		op = "NOT BETWEEN"
	}
	return "(" + x.SQL + " " + op + " " + lo.SQL + " AND " + hi.SQL + ")"
}

// In spells x in (items), its negations and case-insensitive forms, and
// has_any and has_all. Items are converted as plan.TypeIn says; one of
// type dynamic while x is not is an array of values.
func (d *DuckDB) In(op string, x Arg, items []Arg) string {
	array := func(it Arg) bool { return it.Type == schema.Dynamic && x.Type != schema.Dynamic }
	if op == "has_any" || op == "has_all" {
		xs := d.Convert(x, schema.String)
		var parts []string
		for _, it := range items {
			if array(it) {
				// Each element is a term: any of them, or all.
				elem := "json_extract_string(_t, '$')"
				fold, empty := "list_bool_or", "false"
				if op == "has_all" {
					fold, empty = "list_bool_and", "true"
				}
				parts = append(parts, "coalesce("+fold+"(list_transform(CAST("+it.SQL+" AS JSON[]), _t -> "+hasTerm("has", xs, Arg{SQL: elem, Type: schema.String}, false)+")), "+empty+")")
				continue
			}
			parts = append(parts, hasTerm("has", xs, it, false))
		}
		joiner := " OR "
		if op == "has_all" {
			joiner = " AND "
		}
		return "(" + strings.Join(parts, joiner) + ")"
	}
	fold := strings.HasSuffix(op, "~")
	lhs := x.SQL
	if fold {
		lhs = "lower(" + d.Convert(x, schema.String) + ")"
	}
	var values, conds []string
	for _, it := range items {
		if array(it) {
			u, to := Arg{SQL: "u", Type: schema.Dynamic}, x.Type
			if to == 0 {
				to = schema.String
			}
			elem := d.Convert(u, to)
			if fold {
				elem = "lower(" + d.Convert(u, schema.String) + ")"
			}
			conds = append(conds, lhs+" IN (SELECT "+elem+" FROM (SELECT UNNEST(CAST("+it.SQL+" AS JSON[])) AS u))")
			continue
		}
		if fold {
			it.SQL = "lower(" + it.SQL + ")"
		}
		values = append(values, it.SQL)
	}
	if len(values) > 0 {
		conds = append(conds, lhs+" IN ("+strings.Join(values, ", ")+")")
	}
	sqlText := "(" + strings.Join(conds, " OR ") + ")"
	if strings.HasPrefix(op, "!") {
		sqlText = "(NOT " + sqlText + ")"
	}
	return notIn(op, sqlText)
}

// notIn makes a negated in true where SQL's NOT IN is null (a null
// value, or a null in the list): in Kusto a value not found is not in.
func notIn(op, sqlText string) string {
	if strings.HasPrefix(op, "!") {
		sqlText = "coalesce(" + sqlText + ", true)"
	}
	return sqlText
}
