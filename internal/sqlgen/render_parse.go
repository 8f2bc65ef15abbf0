package sqlgen

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// parse writes parse and parse-where in three steps: the text is
// matched once, its groups read into a struct (null where it does not
// match) in a column named apart from the others; the captures are
// converted from the struct's fields; then the struct is left out, and
// where the mode is strict a row with a capture that did not convert
// has every capture nulled (parse) or is dropped (parse-where).
func (r *Renderer) parse(n *plan.Parse) string {
	in := n.Input.Columns()
	// The result has the input's names and the captures'.
	parsed := plan.Apart(n.Columns(), "_parse")
	text, pattern := r.Expr(n.Text), QuoteString(n.Pattern)
	fields := make([]string, n.Groups)
	for i := range fields {
		fields[i] = QuoteString(groupField(i))
	}
	sel := append(quotedNames(in), "CASE WHEN regexp_matches("+text+", "+pattern+") THEN regexp_extract("+text+", "+pattern+", ["+strings.Join(fields, ", ")+"]) END AS "+parsed)
	matched := selectFrom(sel, r.Node(n.Input), "")

	var entries, typed []string
	for _, cp := range n.Captures {
		field := Arg{SQL: "struct_extract(" + parsed + ", " + QuoteString(groupField(cp.Group)) + ")", Type: schema.String}
		entries = append(entries, r.D.Convert(field, cp.Type)+" AS "+QuoteIdent(cp.Name))
		if cp.Type != schema.String {
			typed = append(typed, QuoteIdent(cp.Name))
		}
	}
	// Extend keeps the input's columns where they are: the struct comes
	// after them, before the captures that add columns.
	sel = slotSelect(in, n.Slots[:len(in)], entries)
	sel = append(sel, QuoteIdent(parsed))
	sel = append(sel, slotSelect(in, n.Slots[len(in):], entries)...)
	converted := selectFrom(sel, matched, "")

	ok := parsed + " IS NOT NULL"
	strict := n.Strict && len(typed) > 0
	if strict {
		ok += " AND " + strings.Join(typed, " IS NOT NULL AND ") + " IS NOT NULL"
	}
	sel = quotedNames(n.Columns())
	for i, s := range n.Slots {
		if s.From < 0 && strict && !n.Where {
			sel[i] = "CASE WHEN " + ok + " THEN " + sel[i] + " END AS " + sel[i]
		}
	}
	tail := ""
	if n.Where {
		tail = " WHERE " + ok
	}
	return selectFrom(sel, converted, tail)
}

// groupField is the name of the field of the struct regexp_extract
// fills that holds group i (from 0) of a parse pattern.
func groupField(i int) string { return "_" + strconv.Itoa(i) }

// parseKv writes parse-kv: kql_parse_kv (a Go function) scans the text
// for the keys into a bag, whose members are converted to the keys'
// types.
func (r *Renderer) parseKv(n *plan.ParseKv) string {
	var keys []string
	for _, k := range n.Keys {
		keys = append(keys, k.Name)
	}
	text := "CAST(to_json(" + r.Expr(n.Text) + ") AS VARCHAR)"
	bag := goCall("kql_parse_kv", schema.Dynamic, text, QuoteString(mustJSON(keys)), QuoteString(mustJSON(n.Options)))
	var entries []string
	for _, k := range n.Keys {
		v := Arg{SQL: "json_extract_string(" + bag + ", " + keyPath(k.Name) + ")", Type: schema.String}
		entries = append(entries, r.D.Convert(v, k.Type)+" AS "+QuoteIdent(k.Name))
	}
	return selectFrom(slotSelect(n.Input.Columns(), n.Slots, entries), r.Node(n.Input), "")
}

// mustJSON is v, made of strings, bools, slices and maps of them, as
// JSON.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// mvExpand writes mv-expand: each value is made a list (an array's
// elements, a bag's properties, or the value alone), which unnest
// expands side by side with the others; with_itemindex= numbers the
// rows of the longest list. A bag's property is read with a JSON
// pointer made at run time (keyPointer).
func (r *Renderer) mvExpand(n *plan.MvExpand) string {
	member := "json_extract(%[1]s, " + keyPointer("_k") + ")"
	prop := "json_object(_k, " + member + ")"
	if n.BagArray {
		prop = "to_json([to_json(_k), " + member + "])"
	}
	var lengths, entries []string
	for _, it := range n.Items {
		list := fmt.Sprintf("CASE json_type(%[1]s) WHEN 'ARRAY' THEN CAST(%[1]s AS JSON[]) WHEN 'OBJECT' THEN list_transform(json_keys(%[1]s), _k -> "+prop+") ELSE [%[1]s] END", r.Expr(it.X))
		lengths = append(lengths, "len("+list+")")
		elem := r.D.Convert(Arg{SQL: "unnest(" + list + ")", Type: schema.Dynamic}, it.Column.Type)
		entries = append(entries, elem+" AS "+QuoteIdent(it.Column.Name))
	}
	if n.Index != "" {
		entries = append(entries, "unnest(range(0, CAST(greatest("+strings.Join(lengths, ", ")+") AS BIGINT))) AS "+QuoteIdent(n.Index))
	}
	out := selectFrom(slotSelect(n.Input.Columns(), n.Slots, entries), r.Node(n.Input), "")
	if n.Limit != nil {
		out = selectFrom(quotedNames(n.Columns()), out, " LIMIT "+r.Expr(n.Limit))
	}
	return out
}
