package plan

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// Slot is a column of an operator's result and where its values come
// from: the input's column From, or, when From is -1, the operator's
// computed column Item (an extend item, a parse capture).
type Slot struct {
	Column
	From, Item int
}

// passed is the slot that passes the input's column i on as it is.
func passed(in []Column, i int) Slot {
	return Slot{Column: in[i], From: i, Item: -1}
}

// ItemName is the name of the i-th (from 0) item of project, extend,
// distinct or mv-expand: the one it is given, else the one Kusto derives
// from its expression (DerivedName), else ColumnN, N counted from 1.
func ItemName(it kql.NamedExpr, i int) string {
	if it.Name != "" {
		return it.Name
	}
	if name, ok := DerivedName(it.Expr); ok {
		return name
	}
	return "Column" + strconv.Itoa(i+1)
}

// PrintName is the name of print's i-th (from 0) item: the one it is
// given, else print_i; print derives none from the expression.
func PrintName(it kql.NamedExpr, i int) string {
	if it.Name != "" {
		return it.Name
	}
	return "print_" + strconv.Itoa(i)
}

// DerivedName is the name Kusto gives an unnamed expression when it
// derives one: a column keeps its name, dynamic access is named by its
// path (d.a["b"] is d_a_b), and a conversion of a dynamic access by the
// path it converts (tostring(Properties.Level) is Properties_Level, as
// Log Analytics names it).
func DerivedName(e kql.Expr) (string, bool) {
	switch x := e.(type) {
	case *kql.Ident, *kql.Member, *kql.Index:
		return pathName(x)
	case *kql.Call:
		if conversions[x.Name] && len(x.Args) == 1 {
			switch x.Args[0].(type) {
			case *kql.Member, *kql.Index:
				return DerivedName(x.Args[0])
			}
		}
	}
	return "", false
}

// conversions are the functions whose result is named after the dynamic
// path they convert.
var conversions = map[string]bool{
	"tostring": true, "toint": true, "tolong": true, "toreal": true, "todouble": true, "tobool": true, "toboolean": true,
	"todatetime": true, "totimespan": true, "toguid": true, "todecimal": true, "todynamic": true, "toobject": true,
}

// pathName is the name of a column or of a dynamic path from one, its
// steps joined by _: a step by a constant key, d["k"], is the member d.k,
// as Kusto reads it. A path with another step (d[0], d[k]) or from
// anything but a column has none.
func pathName(e kql.Expr) (string, bool) {
	switch x := e.(type) {
	case *kql.Ident:
		return x.Name, true
	case *kql.Member:
		base, ok := pathName(x.X)
		return base + "_" + x.Name, ok
	case *kql.Index:
		key, ok := StringConst(x.I)
		base, baseOK := pathName(x.X)
		return base + "_" + key, ok && baseOK
	}
	return "", false
}

// Extend lays out the result of an operator that computes columns over
// its input (extend, and parse, parse-kv and mv-expand for the columns
// they write): the input's columns, a computed column taking the place
// of the one of its name, or, when none has it, coming after them in
// the order computed. project's result is Extend(nil, computed): a later
// item of a name replaces an earlier one.
func Extend(in, computed []Column) []Slot {
	out := make([]Slot, len(in), len(in)+len(computed))
	at := map[string]int{}
	for i := range in {
		out[i] = passed(in, i)
		at[in[i].Name] = i
	}
	for k, c := range computed {
		s := Slot{Column: c, From: -1, Item: k}
		if j, ok := at[c.Name]; ok {
			out[j] = s
			continue
		}
		at[c.Name] = len(out)
		out = append(out, s)
	}
	return out
}

// ProjectAway is project-away's result: the input's columns but those
// named, a name with * matching every column it matches. A name without
// * must name a column, and something must be left.
func ProjectAway(in []Column, op *kql.ProjectAway) ([]Slot, error) {
	return selectColumns(in, op.P, op.Names, false)
}

// ProjectKeep is project-keep's result: the input's columns that are
// named, in the input's order, by the rules of ProjectAway.
func ProjectKeep(in []Column, op *kql.ProjectKeep) ([]Slot, error) {
	return selectColumns(in, op.P, op.Names, true)
}

// selectColumns keeps the columns of in that names match (keep) or
// those they do not.
func selectColumns(in []Column, pos kql.Pos, names []string, keep bool) ([]Slot, error) {
	matched := make([]bool, len(in))
	for _, n := range names {
		found := false
		for i, c := range in {
			if matchWildcard(n, c.Name) {
				matched[i], found = true, true
			}
		}
		if !found && !strings.Contains(n, "*") {
			return nil, kql.Errorf(pos, "Failed to resolve column or scalar expression named '%s'", n)
		}
	}
	var out []Slot
	for i := range in {
		if matched[i] == keep {
			out = append(out, passed(in, i))
		}
	}
	if len(out) == 0 {
		return nil, kql.Errorf(pos, "The operator leaves no columns")
	}
	return out, nil
}

// matchWildcard reports whether name matches pattern, in which * stands
// for any run of characters, as in project-away's column names and
// union's table names; every other character, ? and [ included, stands
// for itself, since Kusto's names may hold them (['a[1]']).
func matchWildcard(pattern, name string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == name
	}
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(name, p)
		if i < 0 {
			return false
		}
		name = name[i+len(p):]
	}
	return len(name) >= len(last) && strings.HasSuffix(name, last)
}

// ProjectRename is project-rename's result: the input's columns in their
// order, those named on the right of New = Old renamed. Old must name a
// column, and New must not be the name of a column left as it is (the
// result cannot have two columns of one name).
func ProjectRename(in []Column, op *kql.ProjectRename) ([]Slot, error) {
	renames := map[string]string{}
	for _, p := range op.Pairs {
		if _, ok := columnIndex(in, p[1]); !ok {
			return nil, kql.Errorf(op.P, "Failed to resolve column or scalar expression named '%s'", p[1])
		}
		renames[p[1]] = p[0]
	}
	out := make([]Slot, len(in))
	taken := map[string]bool{}
	for i := range in {
		out[i] = passed(in, i)
		if n, ok := renames[in[i].Name]; ok {
			out[i].Name = n
		}
		if taken[out[i].Name] {
			return nil, kql.Errorf(op.P, "project-rename: column named '%s' already exists", out[i].Name)
		}
		taken[out[i].Name] = true
	}
	return out, nil
}

// ProjectReorder is project-reorder's result: the columns named first,
// in the order named, then the others in the input's order. The columns
// a pattern (Col*) matches come in the input's order, or sorted by name
// when the pattern has an order: asc and desc compare names as text,
// granny-asc and granny-desc compare the numbers in them by value, so
// a2 comes before a10. A name that matches nothing is not an error.
func ProjectReorder(in []Column, op *kql.ProjectReorder) []Slot {
	var out []Slot
	seen := make([]bool, len(in))
	for k, n := range op.Names {
		var matched []int
		for i, c := range in {
			if matchWildcard(n, c.Name) && !seen[i] {
				matched = append(matched, i)
				seen[i] = true
			}
		}
		if order := op.Orders[k]; order != "" {
			compare := strings.Compare
			if strings.HasPrefix(order, "granny-") {
				compare = grannyCompare
			}
			desc := strings.HasSuffix(order, "desc")
			slices.SortStableFunc(matched, func(a, b int) int {
				if desc {
					a, b = b, a
				}
				return compare(in[a].Name, in[b].Name)
			})
		}
		for _, i := range matched {
			out = append(out, passed(in, i))
		}
	}
	for i := range in {
		if !seen[i] {
			out = append(out, passed(in, i))
		}
	}
	return out
}

// grannyCompare compares two names as people read them: runs of digits
// by their value, the rest as text (a2 < a10 < b1).
func grannyCompare(a, b string) int {
	for a != "" && b != "" {
		ra, rb := run(a), run(b)
		if isDigit(ra[0]) && isDigit(rb[0]) {
			na, nb := strings.TrimLeft(ra, "0"), strings.TrimLeft(rb, "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
		} else if c := strings.Compare(ra, rb); c != 0 {
			return c
		}
		a, b = a[len(ra):], b[len(rb):]
	}
	return cmp.Compare(len(a), len(b))
}

// run is the leading run of s of digits, or of other characters.
func run(s string) string {
	i := 1
	for i < len(s) && isDigit(s[i]) == isDigit(s[0]) {
		i++
	}
	return s[:i]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Visible is the input's columns but the hidden: what distinct * keeps
// (and what * means elsewhere).
func Visible(in []Column) []Slot {
	var out []Slot
	for i, c := range in {
		if !c.Hidden {
			out = append(out, passed(in, i))
		}
	}
	return out
}

// SchemaRow is a row of getschema's result: a column of its input.
type SchemaRow struct {
	ColumnName    string
	ColumnOrdinal int
	DataType      string // the .NET type Kusto reports, dotnetType
	ColumnType    string // the KQL type
}

// GetSchemaColumns are the columns of getschema's result.
var GetSchemaColumns = []Column{{Name: "ColumnName", Type: schema.String}, {Name: "ColumnOrdinal", Type: schema.Int},
	{Name: "DataType", Type: schema.String}, {Name: "ColumnType", Type: schema.String}}

// GetSchema is getschema's result over columns in: a row for each
// visible column, in order, numbered from 0 among the visible ones, as
// the result of the query has them.
func GetSchema(in []Column) []SchemaRow {
	var rows []SchemaRow
	for _, s := range Visible(in) {
		rows = append(rows, SchemaRow{ColumnName: s.Name, ColumnOrdinal: len(rows), DataType: dotnetType(s.Type), ColumnType: s.Type.String()})
	}
	return rows
}

// dotnetType is the name of the .NET type Kusto reports for a KQL type
// (getschema's DataType).
func dotnetType(t schema.Type) string {
	switch t {
	case schema.Bool:
		return "System.Boolean"
	case schema.Int:
		return "System.Int32"
	case schema.Long:
		return "System.Int64"
	case schema.Real:
		return "System.Double"
	case schema.Decimal:
		return "System.Data.SqlTypes.SqlDecimal"
	case schema.DateTime:
		return "System.DateTime"
	case schema.Timespan:
		return "System.TimeSpan"
	case schema.GUID:
		return "System.Guid"
	case schema.Dynamic:
		return "System.Object"
	}
	return "System.String"
}

// MvExpandItem is the column mv-expand's i-th (from 0) item writes: its
// elements, of the type of its to typeof() (toType, "" for none) or
// dynamic. The expression, of type typ, must be dynamic.
func MvExpandItem(it kql.NamedExpr, i int, typ schema.Type, toType string) (Column, error) {
	if typ != schema.Dynamic {
		return Column{}, kql.Errorf(it.Expr.Position(), "mv-expand needs a dynamic column, not %s", typ)
	}
	out := Column{Name: ItemName(it, i), Type: schema.Dynamic}
	if toType != "" {
		to, err := schema.ParseType(toType)
		if err != nil {
			return Column{}, kql.Errorf(it.Expr.Position(), "%v", err)
		}
		out.Type = to
	}
	return out, nil
}

// MvExpandIndex is the column with_itemindex= adds: each element's
// position in its array, from 0.
func MvExpandIndex(name string) Column {
	return Column{Name: name, Type: schema.Long}
}

// ParseCaptures are the columns parse and parse-where write: a column
// for each capture of the pattern, of its declared type (string when it
// declares none).
func ParseCaptures(op *kql.ParseOp) ([]Column, error) {
	var out []Column
	for _, p := range op.Pattern {
		if p.Star || p.Col == "" {
			continue
		}
		typ, err := schema.ParseType(p.Type)
		if err != nil {
			return nil, kql.Errorf(op.P, "parse column %s: %v", p.Col, err)
		}
		out = append(out, Column{Name: p.Col, Type: typ})
	}
	return out, nil
}

// ParseKvColumns are the columns parse-kv writes: one for each column
// it declares, of the declared type.
func ParseKvColumns(op *kql.ParseKv) ([]Column, error) {
	var out []Column
	for _, cd := range op.Cols {
		typ, err := schema.ParseType(cd.Type)
		if err != nil {
			return nil, kql.Errorf(op.P, "parse-kv column %s: %v", cd.Name, err)
		}
		out = append(out, Column{Name: cd.Name, Type: typ})
	}
	return out, nil
}

// MvApply lays out mv-apply's result: the input's columns but those its
// items expand and those its subquery returns, then the subquery's
// columns (Item k is the subquery's column k).
func MvApply(in []Column, items []kql.NamedExpr, sub []Column) []Slot {
	drop := map[string]bool{}
	for i, it := range items {
		drop[ItemName(it, i)] = true
	}
	for _, c := range sub {
		drop[c.Name] = true
	}
	var out []Slot
	for i, c := range in {
		if !drop[c.Name] {
			out = append(out, passed(in, i))
		}
	}
	for k, c := range sub {
		out = append(out, Slot{Column: c, From: -1, Item: k})
	}
	return out
}

// ByName is the name Kusto gives the i-th (from 0) unnamed by
// expression of summarize (and make-series, top-nested and the like), or
// the argument an aggregate's or a function's result is named after: a
// bin of a column (bin, floor, bin_at, bin_auto) is named by the column,
// others as by DerivedName, else ColumnN, N counted from 1.
func ByName(e kql.Expr, i int) string {
	if x, ok := e.(*kql.Call); ok && (x.Name == "bin" || x.Name == "floor" || x.Name == "bin_at" || x.Name == "bin_auto") && len(x.Args) > 0 {
		if id, ok := x.Args[0].(*kql.Ident); ok {
			return id.Name
		}
	}
	if name, ok := DerivedName(e); ok {
		return name
	}
	return "Column" + strconv.Itoa(i+1)
}
