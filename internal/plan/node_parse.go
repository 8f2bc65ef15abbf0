package plan

import (
	"regexp"
	"strings"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// Parse is parse and parse-where: Text matched against one regular
// expression with a group per capture, each capture's text converted to
// its column's type.
type Parse struct {
	// Input is the rows parsed.
	Input Node
	// Text is the value parsed, as a string.
	Text Expr
	// Pattern is the regular expression Text is matched against, in RE2
	// syntax (Go's regexp; DuckDB's regexp functions take the same), as
	// NewParse builds it from the operator's pattern.
	Pattern string
	// Groups is the number of Pattern's groups: one per capture, and
	// those of the regular expressions a regex-mode pattern holds.
	Groups int
	// Captures are the columns the pattern writes (ParseCaptures), each
	// with the group that holds its text.
	Captures []ParseCapture
	// Strict is set where a capture whose text does not convert to its
	// column's type fails the whole row (simple and regex mode): every
	// capture is then null, and parse-where drops the row. In relaxed
	// mode that capture alone is null.
	Strict bool
	// Where is parse-where: rows that do not match (or fail, when
	// Strict) are dropped, rather than kept with null captures.
	Where bool
	// Slots are the result's columns: the input's and the captures, laid
	// out by Extend (Slot.Item is the capture's index in Captures).
	Slots []Slot
}

// ParseCapture is a column a parse pattern writes, and the group (from
// 0) of Parse.Pattern whose text it converts.
type ParseCapture struct {
	Column
	Group int
}

// Columns are the input's columns and the captures, as Slots lays them
// out.
func (n *Parse) Columns() []Column { return slotColumns(n.Slots) }

// Reads is the input.
func (n *Parse) Reads() []Node { return []Node{n.Input} }

// NewParse is the node of parse or parse-where op over in, x being
// op.X, whose text it parses. Its pattern is op's parts in a row: in
// simple and relaxed mode the literals match themselves and . matches
// newlines; in regex mode they are regular expressions, the match is
// anchored at both ends and flags= applies (U swaps greedy and lazy). A
// string capture matches lazily up to what follows it (the last one
// greedily); in regex mode greedily, as Kusto's documented examples
// show. A number capture matches a number, and in relaxed mode, failing
// that, anything up to what follows.
func NewParse(in Node, x Expr, op *kql.ParseOp) (*Parse, error) {
	caps, err := ParseCaptures(op)
	if err != nil {
		return nil, err
	}
	n := &Parse{Input: in, Text: &Convert{X: x, To: schema.String}, Strict: op.Kind != "relaxed", Where: op.Where,
		Slots: Extend(in.Columns(), caps)}
	var re strings.Builder
	regex := op.Kind == "regex"
	for i, p := range op.Pattern {
		last := i == len(op.Pattern)-1
		switch {
		case p.Star:
			re.WriteString("(?:.*?)")
		case p.Col == "" && regex:
			lit, err := regexp.Compile(p.Literal)
			if err != nil {
				return nil, kql.Errorf(op.P, "parse: %q is not a regular expression: %v", p.Literal, err)
			}
			re.WriteString("(?:" + p.Literal + ")")
			n.Groups += lit.NumSubexp()
		case p.Col == "":
			re.WriteString(regexp.QuoteMeta(p.Literal))
		default:
			cp := ParseCapture{Column: caps[len(n.Captures)], Group: n.Groups}
			n.Captures = append(n.Captures, cp)
			n.Groups++
			re.WriteString(captureRegexp(cp.Type, op.Kind, last))
		}
	}
	n.Pattern = "(?s)" + re.String()
	if regex {
		n.Pattern = `\A(?:` + re.String() + `)\z`
		if op.Flags != "" {
			n.Pattern = "(?" + op.Flags + ")" + n.Pattern
		}
	}
	if _, err := regexp.Compile(n.Pattern); err != nil {
		return nil, kql.Errorf(op.P, "parse: the pattern is not a regular expression: %v", err)
	}
	return n, nil
}

// captureRegexp is the group of a capture of type typ in a pattern of
// mode kind (simple, relaxed or regex), last when nothing follows it.
func captureRegexp(typ schema.Type, kind string, last bool) string {
	loose := ".*?"
	if last || kind == "regex" {
		loose = ".*"
	}
	number := ""
	switch typ {
	case schema.Int, schema.Long:
		number = `-?\d+`
	case schema.Real, schema.Decimal:
		number = `-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?`
	}
	switch {
	case number != "" && kind == "relaxed":
		return "(" + number + "|" + loose + ")"
	case number != "":
		return "(" + number + ")"
	}
	return "(" + loose + ")"
}

// ParseKv is parse-kv: the values of the keys it declares read from
// key/value text, each converted to its column's type.
type ParseKv struct {
	// Input is the rows parsed.
	Input Node
	// Text is the value parsed, as a string.
	Text Expr
	// Keys are the columns declared (ParseKvColumns): each reads the
	// value of the key of its name.
	Keys []Column
	// Options are the with (...) settings given, by name, as constants:
	// pair_delimiter, kv_delimiter, quote and escape strings, greedy a
	// bool. Those not given keep their defaults.
	Options map[string]any
	// Slots are the result's columns: the input's and Keys, laid out by
	// Extend (Slot.Item is the key's index in Keys).
	Slots []Slot
}

// Columns are the input's columns and the keys', as Slots lays them out.
func (n *ParseKv) Columns() []Column { return slotColumns(n.Slots) }

// Reads is the input.
func (n *ParseKv) Reads() []Node { return []Node{n.Input} }

// NewParseKv is the node of parse-kv op over in, x being op.X, whose
// text it parses, and options its settings' values.
func NewParseKv(in Node, x Expr, op *kql.ParseKv, options map[string]any) (*ParseKv, error) {
	keys, err := ParseKvColumns(op)
	if err != nil {
		return nil, err
	}
	return &ParseKv{Input: in, Text: &Convert{X: x, To: schema.String}, Keys: keys, Options: options, Slots: Extend(in.Columns(), keys)}, nil
}

// MvExpand is mv-expand: a row for each element of the expanded values,
// several values expanding side by side, the shorter padded with nulls,
// as Kusto does. A bag expands to its properties, a value that is
// neither an array nor a bag to itself.
type MvExpand struct {
	// Input is the rows expanded.
	Input Node
	// Items are the values expanded, each with the column its elements
	// go to (MvExpandItem).
	Items []MvExpandValue
	// BagArray is bagexpansion=array: a bag's property is a [key, value]
	// array, rather than a bag of that one property.
	BagArray bool
	// Index names with_itemindex='s column (MvExpandIndex), the position
	// of each row's elements; "" for none.
	Index string
	// Limit is limit's count of rows kept; nil for none.
	Limit Expr
	// Slots are the result's columns: the input's, the items' and the
	// index's, laid out by Extend (Slot.Item is the item's index in
	// Items, len(Items) for the index).
	Slots []Slot
}

// MvExpandValue is a value mv-expand expands: a dynamic expression, and
// the column its elements go to, of the type they are converted to.
type MvExpandValue struct {
	// X is the value expanded, dynamic.
	X Expr
	// Column is the column X's elements go to (MvExpandItem): dynamic,
	// or the type of the item's to typeof().
	Column Column
}

// Columns are the input's columns, the items' and the index's, as Slots
// lays them out.
func (n *MvExpand) Columns() []Column { return slotColumns(n.Slots) }

// Reads is the input.
func (n *MvExpand) Reads() []Node { return []Node{n.Input} }

// NewMvExpand is the node of mv-expand over in, expanding items, with
// with_itemindex= named index ("" for none): the columns it writes come
// after the input's or replace those of their names.
func NewMvExpand(in Node, items []MvExpandValue, bagArray bool, index string, limit Expr) *MvExpand {
	var computed []Column
	for _, it := range items {
		computed = append(computed, it.Column)
	}
	if index != "" {
		computed = append(computed, MvExpandIndex(index))
	}
	return &MvExpand{Input: in, Items: items, BagArray: bagArray, Index: index, Limit: limit,
		Slots: Extend(in.Columns(), computed)}
}
