package kql

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Format renders a query as KQL text that parses back to the same AST
// (positions aside): one statement a line, every binary expression in
// parentheses, every literal in a form the lexer reads back exactly. It
// is for showing a normalized query (logs, errors, tests), not for
// pretty layout.
func Format(q *Query) string {
	var b strings.Builder
	for _, st := range q.Sets {
		b.WriteString("set ")
		printName(&b, st.Name)
		if st.Value != nil {
			b.WriteString(" = ")
			printExpr(&b, st.Value)
		}
		b.WriteString(";\n")
	}
	for _, l := range q.Lets {
		printLet(&b, l)
		b.WriteString(";\n")
	}
	printTabular(&b, q.Body)
	return b.String()
}

// FormatExpr renders one scalar expression.
func FormatExpr(e Expr) string {
	var b strings.Builder
	printExpr(&b, e)
	return b.String()
}

// keywords are words that would be read as syntax where a name stands,
// so names spelled like them are quoted.
var keywords = map[string]bool{
	"by": true, "on": true, "and": true, "or": true, "in": true, "between": true, "with": true, "to": true,
	"from": true, "step": true, "asc": true, "desc": true, "nulls": true, "first": true, "last": true,
	"true": true, "false": true, "null": true, "let": true, "set": true, "kind": true, "typeof": true,
	"limit": true, "default": true, "as": true, "of": true, "others": true, "has": true, "contains": true, "startswith": true,
	"endswith": true, "matches": true, "hasprefix": true, "hassuffix": true, "has_cs": true,
	"contains_cs": true, "startswith_cs": true, "endswith_cs": true, "hasprefix_cs": true,
	"hassuffix_cs": true, "has_any": true, "has_all": true, "like": true, "view": true, "toscalar": true,
	"datatable": true, "range": true, "print": true, "union": true, "search": true, "materialize": true,
	"workspace": true, "database": true, "cluster": true, "table": true, "regex": true, "find": true, "withsource": true, "pack_all": true, "project-smart": true, "project": true,
}

// printName writes a name bare when the lexer reads it back as that
// name, else as ['name'].
func printName(b *strings.Builder, name string) {
	if isPlainName(name) {
		b.WriteString(name)
		return
	}
	b.WriteString("[")
	printString(b, name)
	b.WriteString("]")
}

func isPlainName(name string) bool {
	if name == "" || keywords[name] || typedLiteralTypes[name] {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// printString writes a double-quoted string literal.
func printString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			// Not UTF-8: the byte as it was, which the lexer keeps.
			b.WriteByte(s[i])
			i++
			continue
		}
		i += n
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

func printLet(b *strings.Builder, l *Let) {
	b.WriteString("let ")
	printName(b, l.Name)
	b.WriteString(" = ")
	if l.Func != nil {
		printFunc(b, l.Func)
		return
	}
	printNode(b, l.Value)
}

// printNode writes a let value or function body: a scalar or a table.
func printNode(b *strings.Builder, n Node) {
	switch v := n.(type) {
	case Tabular:
		printTabular(b, v)
	case Expr:
		printExpr(b, v)
	}
}

func printFunc(b *strings.Builder, f *FuncDef) {
	b.WriteString("(")
	for i, p := range f.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		printName(b, p.Name)
		b.WriteString(":")
		if p.Type == "table" {
			b.WriteString("(*)")
		} else {
			b.WriteString(p.Type)
		}
		if p.Default != nil {
			b.WriteString(" = ")
			printExpr(b, p.Default)
		}
	}
	b.WriteString(") { ")
	for _, l := range f.Lets {
		printLet(b, l)
		b.WriteString("; ")
	}
	printNode(b, f.Body)
	b.WriteString(" }")
}

func printExprs(b *strings.Builder, list []Expr) {
	for i, e := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		printExpr(b, e)
	}
}

func printExpr(b *strings.Builder, e Expr) {
	switch x := e.(type) {
	case *Ident:
		if strings.HasPrefix(x.Name, "$") {
			b.WriteString(x.Name)
			return
		}
		printName(b, x.Name)
	case *Literal:
		switch x.Kind {
		case LitString:
			printString(b, x.Value)
		case LitNull:
			b.WriteString("null")
		default:
			b.WriteString(x.Value)
		}
	case *TypedLit:
		b.WriteString(x.Type)
		b.WriteString("(")
		if x.Type == "dynamic" {
			if x.Dyn != nil {
				printExpr(b, x.Dyn)
			}
		} else {
			printString(b, x.Text)
		}
		b.WriteString(")")
	case *ArrayLit:
		b.WriteString("[")
		printExprs(b, x.Elems)
		b.WriteString("]")
	case *BagLit:
		b.WriteString("{")
		for i, k := range x.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			printString(b, k)
			b.WriteString(": ")
			printExpr(b, x.Vals[i])
		}
		b.WriteString("}")
	case *Binary:
		b.WriteString("(")
		printExpr(b, x.L)
		b.WriteString(" " + x.Op + " ")
		printExpr(b, x.R)
		b.WriteString(")")
	case *Unary:
		b.WriteString("(" + x.Op)
		printExpr(b, x.X)
		b.WriteString(")")
	case *Call:
		b.WriteString(x.Name)
		b.WriteString("(")
		printExprs(b, x.Args)
		b.WriteString(")")
	case *Star:
		b.WriteString("*")
	case *Member:
		printExpr(b, x.X)
		b.WriteString(".")
		printName(b, x.Name)
	case *Index:
		printExpr(b, x.X)
		b.WriteString("[")
		printExpr(b, x.I)
		b.WriteString("]")
	case *In:
		b.WriteString("(")
		printExpr(b, x.X)
		b.WriteString(" " + x.Op + " (")
		printExprs(b, x.List)
		b.WriteString("))")
	case *Between:
		b.WriteString("(")
		printExpr(b, x.X)
		if x.Not {
			b.WriteString(" !between (")
		} else {
			b.WriteString(" between (")
		}
		printExpr(b, x.Lo)
		b.WriteString(" .. ")
		printExpr(b, x.Hi)
		b.WriteString("))")
	case *ToScalar:
		b.WriteString("toscalar(")
		printTabular(b, x.Table)
		b.WriteString(")")
	case *TabularExpr:
		b.WriteString("(")
		printTabular(b, x.Table)
		b.WriteString(")")
	default:
		panic(fmt.Sprintf("kql.Format: unknown expression %T", e))
	}
}

func printNamed(b *strings.Builder, items []NamedExpr) {
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		switch {
		case it.Names != nil:
			b.WriteString("(")
			printNames(b, it.Names)
			b.WriteString(") = ")
		case it.Name != "":
			printName(b, it.Name)
			b.WriteString(" = ")
		}
		printExpr(b, it.Expr)
	}
}

func printNames(b *strings.Builder, names []string) {
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		if strings.Contains(n, "*") {
			b.WriteString(n) // a wildcard pattern, written as it was
		} else {
			printName(b, n)
		}
	}
}

// printSource writes a tabular expression where a source stands: in
// parentheses unless it is a plain name.
func printSource(b *strings.Builder, t Tabular) {
	if ref, ok := t.(*TableRef); ok {
		printTabular(b, ref)
		return
	}
	b.WriteString("(")
	printTabular(b, t)
	b.WriteString(")")
}

func printTabular(b *strings.Builder, t Tabular) {
	switch x := t.(type) {
	case *TableRef:
		if x.Workspace != "" {
			b.WriteString("workspace(")
			printString(b, x.Workspace)
			b.WriteString(").")
		}
		if strings.Contains(x.Name, "*") {
			b.WriteString(x.Name)
		} else {
			printName(b, x.Name)
		}
	case *Datatable:
		b.WriteString("datatable(")
		for i, c := range x.Cols {
			if i > 0 {
				b.WriteString(", ")
			}
			printName(b, c.Name)
			b.WriteString(":" + c.Type)
		}
		b.WriteString(") [")
		printExprs(b, x.Values)
		b.WriteString("]")
	case *Materialize:
		b.WriteString("materialize(")
		printTabular(b, x.Body)
		b.WriteString(")")
	case *Range:
		b.WriteString("range ")
		printName(b, x.Col)
		b.WriteString(" from ")
		printExpr(b, x.From)
		b.WriteString(" to ")
		printExpr(b, x.To)
		b.WriteString(" step ")
		printExpr(b, x.Step)
	case *Print:
		b.WriteString("print ")
		printNamed(b, x.Items)
	case *Pipe:
		if _, start := x.Input.(*ApplySource); !start {
			printTabular(b, x.Input)
			b.WriteString("\n| ")
		}
		printOperator(b, x.Op)
	case *UnionSrc:
		printOperator(b, x.Union)
	case *SearchSrc:
		printOperator(b, x.Search)
	case *Invoke:
		printName(b, x.Name)
		b.WriteString("(")
		printExprs(b, x.Args)
		b.WriteString(")")
	case *ApplySource:
	case *Find:
		b.WriteString("find ")
		if x.WithSource != "" {
			b.WriteString("withsource=")
			printName(b, x.WithSource)
			b.WriteString(" ")
		}
		if len(x.Tables) > 0 {
			b.WriteString("in (")
			for i, t := range x.Tables {
				if i > 0 {
					b.WriteString(", ")
				}
				printSource(b, t)
			}
			b.WriteString(") ")
		}
		b.WriteString("where ")
		printExpr(b, x.Pred)
		if !x.Smart {
			b.WriteString(" project ")
			for i, c := range x.Project {
				if i > 0 {
					b.WriteString(", ")
				}
				printName(b, c.Name)
				if c.Type != "" {
					b.WriteString(":" + c.Type)
				}
			}
			if x.PackAll {
				if len(x.Project) > 0 {
					b.WriteString(", ")
				}
				b.WriteString("pack_all()")
			}
		}
	default:
		panic(fmt.Sprintf("kql.Format: unknown tabular expression %T", t))
	}
}

func printSortKeys(b *strings.Builder, keys []SortKey) {
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		printExpr(b, k.Expr)
		if k.Desc {
			b.WriteString(" desc")
		} else {
			b.WriteString(" asc")
		}
		if k.Nulls != "" {
			b.WriteString(" nulls " + k.Nulls)
		}
	}
}

func printOn(b *strings.Builder, on [][2]string) {
	b.WriteString(" on ")
	for i, k := range on {
		if i > 0 {
			b.WriteString(", ")
		}
		if k[0] == k[1] {
			printName(b, k[0])
			continue
		}
		b.WriteString("$left.")
		printName(b, k[0])
		b.WriteString(" == $right.")
		printName(b, k[1])
	}
}

// printOptions writes name=value options in name order.
func printOptions(b *strings.Builder, opts map[string]Expr) {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + " = ")
		printExpr(b, opts[k])
	}
}

func printMvItems(b *strings.Builder, items []NamedExpr, types []string) {
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		printNamed(b, []NamedExpr{it})
		if types[i] != "" {
			b.WriteString(" to typeof(" + types[i] + ")")
		}
	}
}

func printOperator(b *strings.Builder, op Operator) {
	switch x := op.(type) {
	case *Where:
		b.WriteString("where ")
		printExpr(b, x.Pred)
	case *Project:
		b.WriteString("project ")
		printNamed(b, x.Items)
	case *ProjectAway:
		b.WriteString("project-away ")
		printNames(b, x.Names)
	case *ProjectKeep:
		b.WriteString("project-keep ")
		printNames(b, x.Names)
	case *ProjectReorder:
		b.WriteString("project-reorder ")
		for i, n := range x.Names {
			if i > 0 {
				b.WriteString(", ")
			}
			printNames(b, []string{n})
			if x.Orders[i] != "" {
				b.WriteString(" " + x.Orders[i])
			}
		}
	case *ProjectRename:
		b.WriteString("project-rename ")
		for i, p := range x.Pairs {
			if i > 0 {
				b.WriteString(", ")
			}
			printName(b, p[0])
			b.WriteString(" = ")
			printName(b, p[1])
		}
	case *Extend:
		b.WriteString("extend ")
		printNamed(b, x.Items)
	case *Summarize:
		b.WriteString("summarize")
		if len(x.Aggs) > 0 {
			b.WriteString(" ")
			printNamed(b, x.Aggs)
		}
		if len(x.By) > 0 {
			b.WriteString(" by ")
			printNamed(b, x.By)
		}
	case *Count:
		b.WriteString("count")
	case *Take:
		b.WriteString("take ")
		printExpr(b, x.N)
	case *Top:
		b.WriteString("top ")
		printExpr(b, x.N)
		b.WriteString(" by ")
		printSortKeys(b, x.Keys)
	case *Sort:
		b.WriteString("sort by ")
		printSortKeys(b, x.Keys)
	case *Distinct:
		b.WriteString("distinct ")
		if x.All {
			b.WriteString("*")
		} else {
			printNamed(b, x.Items)
		}
	case *Join:
		b.WriteString("join ")
		if x.Kind != "" {
			b.WriteString("kind=" + x.Kind + " ")
		}
		printSource(b, x.Right)
		printOn(b, x.On)
	case *Lookup:
		b.WriteString("lookup ")
		if x.Kind != "" {
			b.WriteString("kind=" + x.Kind + " ")
		}
		printSource(b, x.Right)
		printOn(b, x.On)
	case *Union:
		b.WriteString("union ")
		if x.Kind != "outer" {
			b.WriteString("kind=" + x.Kind + " ")
		}
		if x.WithSource != "" {
			b.WriteString("withsource=" + x.WithSource + " ")
		}
		for i, t := range x.Tables {
			if i > 0 {
				b.WriteString(", ")
			}
			printSource(b, t)
		}
	case *Render:
		b.WriteString("render ")
		printName(b, x.Visualization)
		if len(x.Props) > 0 {
			keys := make([]string, 0, len(x.Props))
			for k := range x.Props {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			b.WriteString(" with (")
			for i, k := range keys {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(k + "=")
				printString(b, x.Props[k])
			}
			b.WriteString(")")
		}
	case *GetSchema:
		b.WriteString("getschema")
	case *MvExpand:
		b.WriteString("mv-expand ")
		if x.BagExpansion != "" {
			b.WriteString("bagexpansion=" + x.BagExpansion + " ")
		}
		if x.ItemIndex != "" {
			b.WriteString("with_itemindex=" + x.ItemIndex + " ")
		}
		printMvItems(b, x.Items, x.ToType)
		if x.Limit != nil {
			b.WriteString(" limit ")
			printExpr(b, x.Limit)
		}
	case *MvApply:
		b.WriteString("mv-apply ")
		if x.ItemIndex != "" {
			b.WriteString("with_itemindex=" + x.ItemIndex + " ")
		}
		printMvItems(b, x.Items, x.ToType)
		b.WriteString(" on (")
		printTabular(b, x.Sub)
		b.WriteString(")")
	case *Serialize:
		b.WriteString("serialize")
		if len(x.Items) > 0 {
			b.WriteString(" ")
			printNamed(b, x.Items)
		}
	case *As:
		b.WriteString("as ")
		printName(b, x.Name)
	case *ParseOp:
		if x.Where {
			b.WriteString("parse-where ")
		} else {
			b.WriteString("parse ")
		}
		if x.Kind != "simple" {
			b.WriteString("kind=" + x.Kind + " ")
		}
		if x.Flags != "" {
			b.WriteString("flags=" + x.Flags + " ")
		}
		printExpr(b, x.X)
		b.WriteString(" with")
		for _, p := range x.Pattern {
			b.WriteString(" ")
			switch {
			case p.Star:
				b.WriteString("*")
			case p.Col != "":
				printName(b, p.Col)
				b.WriteString(":" + p.Type)
			default:
				printString(b, p.Literal)
			}
		}
	case *SampleOp:
		b.WriteString("sample ")
		printExpr(b, x.N)
	case *Search:
		b.WriteString("search ")
		if len(x.Tables) > 0 {
			b.WriteString("in (")
			printNames(b, x.Tables)
			b.WriteString(") ")
		}
		printExpr(b, x.Pred)
	case *MakeSeries:
		b.WriteString("make-series ")
		for i, a := range x.Aggs {
			if i > 0 {
				b.WriteString(", ")
			}
			printNamed(b, []NamedExpr{a.NamedExpr})
			if a.Default != nil {
				b.WriteString(" default = ")
				printExpr(b, a.Default)
			}
		}
		b.WriteString(" on ")
		printExpr(b, x.On)
		if x.From != nil {
			b.WriteString(" from ")
			printExpr(b, x.From)
		}
		if x.To != nil {
			b.WriteString(" to ")
			printExpr(b, x.To)
		}
		b.WriteString(" step ")
		printExpr(b, x.Step)
		if len(x.By) > 0 {
			b.WriteString(" by ")
			printNamed(b, x.By)
		}
	case *Evaluate:
		b.WriteString("evaluate " + x.Name + "(")
		printExprs(b, x.Args)
		if len(x.Named) > 0 {
			if len(x.Args) > 0 {
				b.WriteString(", ")
			}
			printOptions(b, x.Named)
		}
		b.WriteString(")")
	case *ParseKv:
		b.WriteString("parse-kv ")
		printExpr(b, x.X)
		b.WriteString(" as (")
		for i, c := range x.Cols {
			if i > 0 {
				b.WriteString(", ")
			}
			printName(b, c.Name)
			b.WriteString(":" + c.Type)
		}
		b.WriteString(")")
		if len(x.Options) > 0 {
			b.WriteString(" with (")
			printOptions(b, x.Options)
			b.WriteString(")")
		}
	case *InvokeOp:
		b.WriteString("invoke ")
		printName(b, x.Name)
		b.WriteString("(")
		printExprs(b, x.Args)
		b.WriteString(")")
	case *TopNested:
		for i, lv := range x.Levels {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("top-nested ")
			if lv.N != nil {
				printExpr(b, lv.N)
				b.WriteString(" ")
			}
			b.WriteString("of ")
			printNamed(b, []NamedExpr{lv.Of})
			if lv.Others != nil {
				b.WriteString(" with others = ")
				printExpr(b, lv.Others)
			}
			b.WriteString(" by ")
			printNamed(b, []NamedExpr{lv.Agg})
			if lv.Asc {
				b.WriteString(" asc")
			} else {
				b.WriteString(" desc")
			}
		}
	case *SampleDistinct:
		b.WriteString("sample-distinct ")
		printExpr(b, x.N)
		b.WriteString(" of ")
		printNamed(b, []NamedExpr{x.Of})
	case *TopHitters:
		b.WriteString("top-hitters ")
		printExpr(b, x.N)
		b.WriteString(" of ")
		printNamed(b, []NamedExpr{x.Of})
		if x.By != nil {
			b.WriteString(" by ")
			printExpr(b, x.By)
		}
	case *Partition:
		b.WriteString("partition by ")
		printName(b, x.By)
		if x.Source {
			b.WriteString(" {")
			printTabular(b, x.Sub)
			b.WriteString("}")
		} else {
			b.WriteString(" (")
			printTabular(b, x.Sub)
			b.WriteString(")")
		}
	case *Scan:
		printScan(b, x)
	default:
		panic(fmt.Sprintf("kql.Format: unknown operator %T", op))
	}
}

func printScan(b *strings.Builder, x *Scan) {
	b.WriteString("scan ")
	if x.MatchID != "" {
		b.WriteString("with_match_id=")
		printName(b, x.MatchID)
		b.WriteString(" ")
	}
	if len(x.Declare) > 0 {
		b.WriteString("declare (")
		for i, d := range x.Declare {
			if i > 0 {
				b.WriteString(", ")
			}
			printName(b, d.Name)
			b.WriteString(":" + d.Type)
			if d.Default != nil {
				b.WriteString(" = ")
				printExpr(b, d.Default)
			}
		}
		b.WriteString(") ")
	}
	b.WriteString("with (")
	for _, st := range x.Steps {
		b.WriteString("\n    step ")
		printName(b, st.Name)
		if st.Output != "" {
			b.WriteString(" output=" + st.Output)
		}
		b.WriteString(": ")
		printExpr(b, st.Cond)
		if len(st.Assign) > 0 {
			b.WriteString(" => ")
			printNamed(b, st.Assign)
		}
		b.WriteString(";")
	}
	b.WriteString("\n)")
}
