package kql

import (
	"strings"
)

// Parse parses a query: let statements separated by ';' and a final
// tabular expression.
func Parse(text string) (*Query, error) {
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	q, err := p.query()
	if err != nil {
		return nil, err
	}
	return q, nil
}

type parser struct {
	toks []token
	i    int
}

// bail is how parse errors unwind; query recovers it.
type bail struct{ err *Error }

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) fail(t token, format string, args ...any) {
	panic(bail{Errorf(t.pos, format, args...)})
}

func (p *parser) isPunct(s string) bool { t := p.peek(); return t.kind == tPunct && t.text == s }

// isWord reports whether the next token is the keyword w (case-sensitive,
// as KQL keywords are).
func (p *parser) isWord(w string) bool { t := p.peek(); return t.kind == tIdent && t.text == w }

func (p *parser) accept(s string) bool {
	if p.isPunct(s) || p.isWord(s) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expect(s string) token {
	t := p.peek()
	if (t.kind == tPunct || t.kind == tIdent) && t.text == s {
		return p.next()
	}
	p.fail(t, "Syntax error: expected '%s' but found %s", s, t)
	return t
}

// name reads an identifier or a bracketed quoted name ['x'].
func (p *parser) name() (string, Pos) {
	t := p.peek()
	if t.kind == tIdent {
		p.next()
		return t.text, t.pos
	}
	if t.kind == tPunct && t.text == "[" && p.peekAt(1).kind == tString && p.peekAt(2).text == "]" {
		p.next()
		s := p.next().text
		p.next()
		return s, t.pos
	}
	p.fail(t, "Syntax error: expected a name but found %s", t)
	return "", t.pos
}

func (p *parser) query() (q *Query, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bail)
			if !ok {
				panic(r)
			}
			q, err = nil, b.err
		}
	}()
	q = &Query{}
	for {
		for p.accept(";") {
		}
		if p.peek().kind == tEOF {
			break
		}
		if p.isWord("let") {
			q.Lets = append(q.Lets, p.let())
			continue
		}
		if p.isWord("set") {
			st := &Set{P: p.next().pos}
			st.Name, _ = p.name()
			if p.accept("=") {
				st.Value = p.expr()
			}
			q.Sets = append(q.Sets, st)
			continue
		}
		if q.Body != nil {
			p.fail(p.peek(), "Syntax error: expected ';' between statements but found %s", p.peek())
		}
		q.Body = p.tabular()
		if !p.isPunct(";") && p.peek().kind != tEOF {
			p.fail(p.peek(), "Syntax error: unexpected %s", p.peek())
		}
	}
	if q.Body == nil {
		p.fail(p.peek(), "Syntax error: the query has no tabular expression to return")
	}
	return q, nil
}

func (p *parser) let() *Let {
	t := p.expect("let")
	name, _ := p.name()
	p.expect("=")
	l := &Let{P: t.pos, Name: name}
	if p.isPunct("(") && p.looksLikeFunc() {
		l.Func = p.funcDef()
		return l
	}
	if p.isWord("view") {
		p.next()
		l.Func = p.funcDef()
		return l
	}
	l.Value = p.tabularOrScalar()
	return l
}

// looksLikeFunc tells a function definition `(a:long, ...) {` from a
// parenthesised expression.
func (p *parser) looksLikeFunc() bool {
	depth := 0
	for j := p.i; j < len(p.toks); j++ {
		t := p.toks[j]
		if t.kind == tPunct && t.text == "(" {
			depth++
		} else if t.kind == tPunct && t.text == ")" {
			depth--
			if depth == 0 {
				n := p.toks[j+1]
				return n.kind == tPunct && n.text == "{"
			}
		}
	}
	return false
}

func (p *parser) funcDef() *FuncDef {
	f := &FuncDef{}
	p.expect("(")
	for !p.isPunct(")") {
		name, _ := p.name()
		prm := Param{Name: name}
		p.expect(":")
		if p.isPunct("(") {
			// A tabular parameter: (*) or (col:type, ...).
			depth := 0
			for {
				t := p.next()
				if t.text == "(" {
					depth++
				} else if t.text == ")" {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			prm.Type = "table"
		} else {
			prm.Type, _ = p.name()
		}
		if p.accept("=") {
			prm.Default = p.expr()
		}
		f.Params = append(f.Params, prm)
		if !p.accept(",") {
			break
		}
	}
	p.expect(")")
	p.expect("{")
	for {
		for p.accept(";") {
		}
		if p.isWord("let") {
			f.Lets = append(f.Lets, p.let())
			continue
		}
		break
	}
	f.Body = p.tabularOrScalar()
	for p.accept(";") {
	}
	p.expect("}")
	return f
}

// tabularSourceWords start a tabular expression.
var tabularSourceWords = map[string]bool{"datatable": true, "range": true, "print": true, "union": true, "materialize": true, "find": true}

// tabularOrScalar parses the value of a let: a tabular expression when it
// starts like one or is followed by a pipe, otherwise a scalar.
func (p *parser) tabularOrScalar() Node {
	t := p.peek()
	if t.kind == tIdent && tabularSourceWords[t.text] && (t.text != "range" || p.peekAt(1).kind == tIdent) {
		return p.tabular()
	}
	start := p.i
	e := p.expr()
	if p.isPunct("|") {
		p.i = start
		return p.tabular()
	}
	if id, ok := e.(*Ident); ok {
		return id
	}
	if c, ok := e.(*Call); ok && c.Name == "workspace" || ok && c.Name == "table" {
		p.i = start
		return p.tabular()
	}
	return e
}

// startsTabular reports whether a tabular expression starts here inside
// a list: a source keyword, or a name followed by a pipe.
func (p *parser) startsTabular() bool {
	t := p.peek()
	if t.kind != tIdent {
		return false
	}
	if t.text == "datatable" || t.text == "range" && p.peekAt(1).kind == tIdent {
		return true
	}
	return p.peekAt(1).kind == tPunct && p.peekAt(1).text == "|"
}

// tabular parses a source followed by piped operators.
func (p *parser) tabular() Tabular {
	src := p.source()
	for p.isPunct("|") {
		bar := p.next()
		src = &Pipe{P: bar.pos, Input: src, Op: p.operator()}
	}
	return src
}

func (p *parser) source() Tabular {
	t := p.peek()
	if t.kind == tPunct && t.text == "(" {
		p.next()
		tab := p.tabular()
		p.expect(")")
		return tab
	}
	if t.kind != tIdent && !(t.kind == tPunct && t.text == "[") {
		p.fail(t, "Syntax error: expected a table or a tabular expression but found %s", t)
	}
	switch t.text {
	case "datatable":
		return p.datatable()
	case "range":
		p.next()
		col, _ := p.name()
		p.expect("from")
		r := &Range{P: t.pos, Col: col, From: p.expr()}
		p.expect("to")
		r.To = p.expr()
		p.expect("step")
		r.Step = p.expr()
		return r
	case "print":
		p.next()
		return &Print{P: t.pos, Items: p.namedList()}
	case "union":
		p.next()
		return &UnionSrc{P: t.pos, Union: p.unionBody(t.pos)}
	case "search":
		p.next()
		return &SearchSrc{P: t.pos, Search: p.searchBody(t.pos)}
	case "find":
		if p.peekAt(1).kind == tIdent || p.peekAt(1).kind == tString {
			p.next()
			return p.find(t.pos)
		}
	case "materialize":
		p.next()
		p.expect("(")
		tab := p.tabular()
		p.expect(")")
		return &Materialize{P: t.pos, Body: tab}
	case "workspace", "database", "cluster":
		if p.peekAt(1).text == "(" {
			p.next()
			p.expect("(")
			ws := p.next()
			if ws.kind != tString {
				p.fail(ws, "Syntax error: expected a string but found %s", ws)
			}
			p.expect(")")
			p.expect(".")
			name, _ := p.name()
			ref := &TableRef{P: t.pos, Name: name}
			if t.text == "workspace" {
				ref.Workspace = ws.text
			}
			return ref
		}
	case "table":
		if p.peekAt(1).text == "(" {
			p.next()
			p.expect("(")
			n := p.next()
			p.expect(")")
			return &TableRef{P: t.pos, Name: n.text}
		}
	}
	name, pos := p.name()
	// A wildcard table name such as App* (only meaningful in union).
	name = p.wildcardRest(name, pos.Line, pos.Column+len([]rune(name)))
	if p.isPunct("(") {
		p.next()
		args := p.exprList()
		p.expect(")")
		return &Invoke{P: pos, Name: name, Args: args}
	}
	return &TableRef{P: pos, Name: name}
}

// wildcardRest reads the rest of a table name that may hold wildcards
// (App*, *_CL, A*b*): name, which ends on line at column end, goes on
// with each * or name part that follows it with no space between.
func (p *parser) wildcardRest(name string, line, end int) string {
	for {
		n := p.peek()
		if n.pos.Line != line || n.pos.Column != end || !(n.kind == tIdent || n.kind == tPunct && n.text == "*") {
			return name
		}
		p.next()
		name += n.text
		end += len([]rune(n.text))
	}
}

func (p *parser) datatable() Tabular {
	t := p.next()
	d := &Datatable{P: t.pos}
	p.expect("(")
	for !p.isPunct(")") {
		name, _ := p.name()
		p.expect(":")
		typ, _ := p.name()
		d.Cols = append(d.Cols, ColumnDecl{Name: name, Type: typ})
		if !p.accept(",") {
			break
		}
	}
	p.expect(")")
	p.expect("[")
	for !p.isPunct("]") {
		d.Values = append(d.Values, p.expr())
		if !p.accept(",") {
			break
		}
	}
	p.expect("]")
	if len(d.Cols) == 0 {
		p.fail(t, "Syntax error: datatable needs at least one column")
	}
	if len(d.Values)%len(d.Cols) != 0 {
		p.fail(t, "datatable has %d values, which is not a multiple of its %d columns", len(d.Values), len(d.Cols))
	}
	return d
}

// namedList parses `[Name =] expr, ...`.
func (p *parser) namedList() []NamedExpr {
	var items []NamedExpr
	for {
		items = append(items, p.named())
		if !p.accept(",") {
			return items
		}
	}
}

func (p *parser) named() NamedExpr {
	if names := p.tupleNames(); names != nil {
		return NamedExpr{Names: names, Expr: p.expr()}
	}
	t := p.peek()
	if (t.kind == tIdent || t.text == "[") && p.isAssign() {
		name, _ := p.name()
		p.expect("=")
		return NamedExpr{Name: name, Expr: p.expr()}
	}
	return NamedExpr{Expr: p.expr()}
}

// tupleNames reads `(a, b, ...) =` when the tokens ahead are that, and
// returns nil (reading nothing) otherwise.
func (p *parser) tupleNames() []string {
	if !p.isPunct("(") {
		return nil
	}
	j := 1
	for {
		switch {
		case p.peekAt(j).kind == tIdent:
			j++
		case p.peekAt(j).text == "[" && p.peekAt(j+1).kind == tString && p.peekAt(j+2).text == "]":
			j += 3
		default:
			return nil
		}
		if p.peekAt(j).text == ")" && p.peekAt(j).kind == tPunct {
			break
		}
		if p.peekAt(j).text != "," {
			return nil
		}
		j++
	}
	if n := p.peekAt(j + 1); n.kind != tPunct || n.text != "=" {
		return nil
	}
	var names []string
	p.next()
	for !p.isPunct(")") {
		name, _ := p.name()
		names = append(names, name)
		p.accept(",")
	}
	p.next()
	p.expect("=")
	return names
}

// isAssign reports whether the tokens ahead are `name =` (not `==`).
func (p *parser) isAssign() bool {
	j := 1
	if p.peek().text == "[" {
		j = 3
	}
	n := p.peekAt(j)
	return n.kind == tPunct && n.text == "="
}

func (p *parser) nameList() []string {
	var names []string
	for {
		names = append(names, p.pattern())
		if !p.accept(",") {
			return names
		}
	}
}

// pattern is a column name, or a wildcard pattern of them (Col*, *_s,
// *): a name right after a * (no space between) continues the pattern.
func (p *parser) pattern() string {
	name := ""
	if !p.isPunct("*") {
		name, _ = p.name()
	}
	for p.isPunct("*") {
		star := p.next()
		name += "*"
		if t := p.peek(); t.kind == tIdent && t.pos.Line == star.pos.Line && t.pos.Column == star.pos.Column+1 {
			name += p.next().text
		}
	}
	return name
}

// reorderOrders are the orders project-reorder takes after a pattern.
var reorderOrders = map[string]bool{"asc": true, "desc": true, "granny-asc": true, "granny-desc": true}

func (p *parser) operator() Operator {
	t := p.peek()
	if t.kind != tIdent {
		p.fail(t, "Syntax error: expected a tabular operator after '|' but found %s", t)
	}
	p.next()
	switch t.text {
	case "where", "filter":
		return &Where{P: t.pos, Pred: p.expr()}
	case "project":
		return &Project{P: t.pos, Items: p.namedList()}
	case "project-away":
		return &ProjectAway{P: t.pos, Names: p.nameList()}
	case "project-keep":
		return &ProjectKeep{P: t.pos, Names: p.nameList()}
	case "project-reorder":
		op := &ProjectReorder{P: t.pos}
		for {
			op.Names = append(op.Names, p.pattern())
			order := ""
			if t := p.peek(); t.kind == tIdent && reorderOrders[t.text] {
				order = p.next().text
			}
			op.Orders = append(op.Orders, order)
			if !p.accept(",") {
				return op
			}
		}
	case "project-rename":
		op := &ProjectRename{P: t.pos}
		for {
			newName, _ := p.name()
			p.expect("=")
			old, _ := p.name()
			op.Pairs = append(op.Pairs, [2]string{newName, old})
			if !p.accept(",") {
				return op
			}
		}
	case "extend":
		return &Extend{P: t.pos, Items: p.namedList()}
	case "summarize":
		p.hints()
		op := &Summarize{P: t.pos}
		if !p.isWord("by") {
			op.Aggs = p.namedList()
		}
		if p.accept("by") {
			op.By = p.namedList()
		}
		return op
	case "count":
		return &Count{P: t.pos}
	case "take", "limit":
		return &Take{P: t.pos, N: p.expr()}
	case "invoke":
		name, pos := p.name()
		p.expect("(")
		args := p.exprList()
		p.expect(")")
		return &InvokeOp{P: pos, Name: name, Args: args}
	case "top-nested":
		op := &TopNested{P: t.pos}
		for {
			var lv NestedLevel
			if !p.isWord("of") {
				lv.N = p.expr()
			}
			p.expect("of")
			lv.Of = p.named()
			if p.isWord("with") {
				p.next()
				p.expect("others")
				p.expect("=")
				lv.Others = p.expr()
			}
			p.expect("by")
			lv.Agg = p.named()
			if p.accept("asc") {
				lv.Asc = true
			} else {
				p.accept("desc")
			}
			op.Levels = append(op.Levels, lv)
			if !p.accept(",") {
				return op
			}
			p.expect("top-nested")
		}
	case "top":
		op := &Top{P: t.pos, N: p.expr()}
		p.expect("by")
		op.Keys = p.sortKeys()
		return op
	case "sort", "order":
		p.expect("by")
		return &Sort{P: t.pos, Keys: p.sortKeys()}
	case "distinct":
		if p.accept("*") {
			return &Distinct{P: t.pos, All: true}
		}
		return &Distinct{P: t.pos, Items: p.namedList()}
	case "join", "lookup":
		kind := ""
		for p.peek().kind == tIdent && p.peekAt(1).text == "=" {
			key := p.next().text
			p.next()
			v := p.next().text
			if key == "kind" {
				kind = v
			}
		}
		right := p.joinRight()
		var on [][2]string
		p.expect("on")
		for {
			if p.isPunct("$") {
				l := p.sideRef("left")
				p.expect("==")
				r := p.sideRef("right")
				on = append(on, [2]string{l, r})
			} else {
				name, _ := p.name()
				on = append(on, [2]string{name, name})
			}
			if !p.accept(",") && !p.accept("and") {
				break
			}
		}
		if t.text == "lookup" {
			return &Lookup{P: t.pos, Kind: kind, Right: right, On: on}
		}
		return &Join{P: t.pos, Kind: kind, Right: right, On: on}
	case "union":
		return p.unionBody(t.pos)
	case "render":
		vis, _ := p.name()
		op := &Render{P: t.pos, Visualization: vis, Props: map[string]string{}}
		if p.accept("with") {
			p.expect("(")
			for !p.isPunct(")") {
				k, _ := p.name()
				p.expect("=")
				var v strings.Builder
				depth := 0
				for !(depth == 0 && (p.isPunct(",") || p.isPunct(")"))) {
					tk := p.next()
					if tk.kind == tEOF {
						p.fail(tk, "Syntax error: unterminated render properties")
					}
					if tk.text == "(" {
						depth++
					} else if tk.text == ")" {
						depth--
					}
					v.WriteString(tk.text)
				}
				op.Props[k] = v.String()
				if !p.accept(",") {
					break
				}
			}
			p.expect(")")
		}
		return op
	case "getschema":
		return &GetSchema{P: t.pos}
	case "mv-expand":
		op := &MvExpand{P: t.pos}
		op.Items, op.ToType, op.BagExpansion, op.ItemIndex = p.mvItems()
		if p.accept("limit") {
			op.Limit = p.expr()
		}
		return op
	case "mv-apply":
		op := &MvApply{P: t.pos}
		op.Items, op.ToType, _, op.ItemIndex = p.mvItems()
		if p.accept("limit") {
			p.expr()
		}
		p.expect("on")
		p.expect("(")
		op.Sub = p.subPipeline(")")
		return op
	case "make-series":
		return p.makeSeries(t)
	case "evaluate":
		p.hints()
		name, _ := p.name()
		op := &Evaluate{P: t.pos, Name: name, Named: map[string]Expr{}}
		p.expect("(")
		for !p.isPunct(")") {
			if p.peek().kind == tIdent && p.isAssign() {
				k, _ := p.name()
				p.expect("=")
				op.Named[k] = p.expr()
			} else {
				op.Args = append(op.Args, p.expr())
			}
			if !p.accept(",") {
				break
			}
		}
		p.expect(")")
		return op
	case "parse-kv":
		op := &ParseKv{P: t.pos, X: p.expr(), Options: map[string]Expr{}}
		p.expect("as")
		p.expect("(")
		for !p.isPunct(")") {
			name, _ := p.name()
			p.expect(":")
			typ, _ := p.name()
			op.Cols = append(op.Cols, ColumnDecl{Name: name, Type: typ})
			if !p.accept(",") {
				break
			}
		}
		p.expect(")")
		if p.accept("with") {
			p.expect("(")
			for !p.isPunct(")") {
				k, _ := p.name()
				p.expect("=")
				op.Options[k] = p.expr()
				if !p.accept(",") {
					break
				}
			}
			p.expect(")")
		}
		return op
	case "serialize":
		op := &Serialize{P: t.pos}
		if p.peek().kind == tIdent && p.isAssign() {
			op.Items = p.namedList()
		}
		return op
	case "as":
		p.hints()
		name, _ := p.name()
		return &As{P: t.pos, Name: name}
	case "parse", "parse-where":
		return p.parseOp(t)
	case "sample":
		return &SampleOp{P: t.pos, N: p.expr()}
	case "search":
		return p.searchBody(t.pos)
	case "sample-distinct":
		op := &SampleDistinct{P: t.pos, N: p.expr()}
		p.expect("of")
		op.Of = p.named()
		return op
	case "top-hitters":
		op := &TopHitters{P: t.pos, N: p.expr()}
		p.expect("of")
		op.Of = p.named()
		if p.accept("by") {
			op.By = p.expr()
		}
		return op
	case "partition":
		return p.partition(t)
	case "scan":
		return p.scan(t)
	}
	p.fail(t, "Syntax error: unknown tabular operator '%s'", t.text)
	return nil
}

func (p *parser) searchBody(pos Pos) *Search {
	s := &Search{P: pos}
	for p.peek().kind == tIdent && p.peekAt(1).text == "=" && p.peek().text == "kind" {
		p.next()
		p.next()
		p.next()
	}
	if p.accept("in") {
		p.expect("(")
		for !p.isPunct(")") {
			name, _ := p.name()
			for p.isPunct("*") {
				p.next()
				name += "*"
			}
			s.Tables = append(s.Tables, name)
			if !p.accept(",") {
				break
			}
		}
		p.expect(")")
	}
	s.Pred = p.expr()
	return s
}

// mvItems parses the options and the expanded columns of mv-expand and
// mv-apply: [bagexpansion=bag|array] [with_itemindex=Name] Col [to
// typeof(T)], ...
func (p *parser) mvItems() (items []NamedExpr, types []string, bagExpansion, itemIndex string) {
	for p.peek().kind == tIdent && p.peekAt(1).text == "=" && !p.isAssignOfExpr() {
		key := p.next().text
		p.next()
		v, _ := p.name()
		switch key {
		case "bagexpansion", "kind":
			bagExpansion = v
		case "with_itemindex":
			itemIndex = v
		}
	}
	for {
		items = append(items, p.named())
		typ := ""
		if p.accept("to") {
			p.expect("typeof")
			p.expect("(")
			typ, _ = p.name()
			p.expect(")")
		}
		types = append(types, typ)
		if !p.accept(",") {
			return
		}
	}
}

// makeSeries parses make-series [kind=...] [Name =] Agg [default = v], ...
// on Axis [from a] [to b] step s [by ...].
func (p *parser) makeSeries(t token) Operator {
	op := &MakeSeries{P: t.pos}
	for p.peek().kind == tIdent && p.peekAt(1).text == "=" && p.peek().text == "kind" {
		p.next()
		p.next()
		p.next()
	}
	p.hints()
	for {
		agg := SeriesAgg{NamedExpr: p.named()}
		if p.isWord("default") && p.peekAt(1).text == "=" {
			p.next()
			p.next()
			agg.Default = p.expr()
		}
		op.Aggs = append(op.Aggs, agg)
		if !p.accept(",") {
			break
		}
	}
	p.expect("on")
	op.On = p.expr()
	if p.accept("from") {
		op.From = p.expr()
	}
	if p.accept("to") {
		op.To = p.expr()
	}
	p.expect("step")
	op.Step = p.expr()
	if p.accept("by") {
		op.By = p.namedList()
	}
	return op
}

// find parses the rest of a find source.
func (p *parser) find(pos Pos) *Find {
	f := &Find{P: pos, Smart: true}
	if p.isWord("withsource") && p.peekAt(1).text == "=" {
		p.next()
		p.next()
		f.WithSource, _ = p.name()
	}
	if p.accept("in") {
		p.expect("(")
		for !p.isPunct(")") {
			f.Tables = append(f.Tables, p.joinRight())
			if !p.accept(",") {
				break
			}
		}
		p.expect(")")
	}
	p.accept("where")
	f.Pred = p.expr()
	if p.accept("project-smart") {
		return f
	}
	if p.accept("project") {
		f.Smart = false
		for {
			if p.isWord("pack_all") && p.peekAt(1).text == "(" {
				p.next()
				p.expect("(")
				p.expect(")")
				f.PackAll = true
			} else {
				name, _ := p.name()
				c := ColumnDecl{Name: name}
				if p.accept(":") {
					c.Type, _ = p.name()
				}
				f.Project = append(f.Project, c)
			}
			if !p.accept(",") {
				break
			}
		}
	}
	return f
}

// isAssignOfExpr tells `Col = expr` items from `option = value` in mv-expand.
func (p *parser) isAssignOfExpr() bool {
	switch p.peek().text {
	case "bagexpansion", "with_itemindex", "kind":
		return false
	}
	return true
}

// hints skips hint.x = y options.
func (p *parser) hints() {
	for p.peek().kind == tIdent && strings.HasPrefix(p.peek().text, "hint") {
		for !p.isPunct("=") {
			p.next()
		}
		p.next()
		p.next()
	}
}

func (p *parser) sideRef(side string) string {
	p.expect("$")
	p.expect(side)
	p.expect(".")
	name, _ := p.name()
	return name
}

func (p *parser) joinRight() Tabular {
	if p.isPunct("(") {
		p.next()
		tab := p.tabular()
		p.expect(")")
		return tab
	}
	return p.source()
}

func (p *parser) unionBody(pos Pos) *Union {
	u := &Union{P: pos, Kind: "outer"}
	for p.peek().kind == tIdent && p.peekAt(1).text == "=" {
		key := p.next().text
		p.next()
		v := p.next().text
		switch key {
		case "kind":
			u.Kind = v
		case "withsource":
			u.WithSource = v
		}
	}
	for {
		if t := p.peek(); t.kind == tPunct && t.text == "*" {
			// A wildcard that starts the name: *, *_CL.
			u.Tables = append(u.Tables, &TableRef{P: t.pos, Name: p.wildcardRest("", t.pos.Line, t.pos.Column)})
		} else {
			u.Tables = append(u.Tables, p.joinRight())
		}
		if !p.accept(",") {
			return u
		}
	}
}

func (p *parser) sortKeys() []SortKey {
	var keys []SortKey
	for {
		k := SortKey{Expr: p.expr(), Desc: true}
		if p.accept("asc") {
			k.Desc = false
		} else {
			p.accept("desc")
		}
		if p.accept("nulls") {
			if p.accept("first") {
				k.Nulls = "first"
			} else {
				p.expect("last")
				k.Nulls = "last"
			}
		}
		keys = append(keys, k)
		if !p.accept(",") {
			return keys
		}
	}
}

func (p *parser) parseOp(t token) Operator {
	op := &ParseOp{P: t.pos, Kind: "simple", Where: t.text == "parse-where"}
	for p.peek().kind == tIdent && p.peekAt(1).text == "=" {
		key := p.next()
		p.next()
		v := p.next()
		switch key.text {
		case "kind":
			if v.text != "simple" && v.text != "regex" && v.text != "relaxed" {
				p.fail(v, "Syntax error: parse's kind is simple, regex or relaxed, not %s", v)
			}
			op.Kind = v.text
		case "flags":
			if v.kind != tIdent || strings.Trim(v.text, "Uims") != "" {
				p.fail(v, "Syntax error: parse's flags are U, i, m and s, not %s", v)
			}
			op.Flags = v.text
		default:
			p.fail(key, "Syntax error: parse takes kind= and flags=, not %s=", key.text)
		}
	}
	op.X = p.expr()
	p.expect("with")
	for {
		tk := p.peek()
		switch {
		case tk.kind == tString:
			p.next()
			op.Pattern = append(op.Pattern, ParsePart{Literal: tk.text})
		case tk.kind == tPunct && tk.text == "*":
			p.next()
			op.Pattern = append(op.Pattern, ParsePart{Star: true})
		case tk.kind == tIdent || tk.kind == tPunct && tk.text == "[" && p.peekAt(1).kind == tString:
			name, _ := p.name()
			part := ParsePart{Col: name, Type: "string"}
			if p.accept(":") {
				part.Type, _ = p.name()
			}
			op.Pattern = append(op.Pattern, part)
		default:
			if len(op.Pattern) == 0 {
				p.fail(tk, "Syntax error: expected a parse pattern but found %s", tk)
			}
			return op
		}
	}
}

// arg parses a function argument: an expression, or a tabular one
// (f(T | where x > 1)).
func (p *parser) arg() Expr {
	if p.startsTabular() {
		start := p.peek().pos
		return &TabularExpr{P: start, Table: p.tabular()}
	}
	return p.expr()
}

// exprList parses comma-separated expressions up to (not including) ')'.
func (p *parser) exprList() []Expr {
	var list []Expr
	for !p.isPunct(")") {
		list = append(list, p.arg())
		if !p.accept(",") {
			break
		}
	}
	return list
}

// --- expressions, lowest precedence first ---

func (p *parser) expr() Expr { return p.or() }

func (p *parser) or() Expr {
	l := p.and()
	for p.isWord("or") {
		t := p.next()
		l = &Binary{P: t.pos, Op: "or", L: l, R: p.and()}
	}
	return l
}

func (p *parser) and() Expr {
	l := p.comparison()
	for p.isWord("and") {
		t := p.next()
		l = &Binary{P: t.pos, Op: "and", L: l, R: p.comparison()}
	}
	return l
}

// stringOps are the word operators, and their negations (with '!').
var stringOps = map[string]bool{
	"has": true, "has_cs": true, "hasprefix": true, "hasprefix_cs": true, "hassuffix": true, "hassuffix_cs": true,
	"contains": true, "contains_cs": true, "startswith": true, "startswith_cs": true, "endswith": true, "endswith_cs": true,
	"matches": true, "has_any": true, "has_all": true, "like": false,
}

var compareOps = map[string]bool{"==": true, "!=": true, "<>": true, "<": true, ">": true, "<=": true, ">=": true, "=~": true, "!~": true}

func (p *parser) comparison() Expr {
	l := p.additive()
	for {
		t := p.peek()
		switch {
		case t.kind == tPunct && compareOps[t.text]:
			p.next()
			op := t.text
			if op == "<>" {
				op = "!="
			}
			l = &Binary{P: t.pos, Op: op, L: l, R: p.additive()}
		case t.kind == tPunct && (t.text == "!in" || t.text == "!in~") || t.kind == tIdent && (t.text == "in" || t.text == "in~" || t.text == "in" && p.peekAt(1).text == "~"):
			p.next()
			op := t.text
			if op == "in" && p.isPunct("~") {
				p.next()
				op = "in~"
			}
			p.expect("(")
			in := &In{P: t.pos, X: l, Op: op}
			if p.startsTabular() {
				start := p.peek().pos
				in.List = []Expr{&TabularExpr{P: start, Table: p.tabular()}}
			}
			in.List = append(in.List, p.exprList()...)
			p.expect(")")
			l = in
		case t.kind == tIdent && t.text == "between" || t.kind == tPunct && t.text == "!between":
			p.next()
			p.expect("(")
			b := &Between{P: t.pos, X: l, Not: t.text == "!between", Lo: p.additive()}
			p.expect("..")
			b.Hi = p.additive()
			p.expect(")")
			l = b
		case t.kind == tIdent && stringOps[t.text] || t.kind == tPunct && strings.HasPrefix(t.text, "!") && stringOps[t.text[1:]]:
			p.next()
			op := t.text
			if op == "matches" {
				p.expect("regex")
				op = "matches regex"
			}
			if op == "has_any" || op == "has_all" {
				p.expect("(")
				in := &In{P: t.pos, X: l, Op: op, List: p.exprList()}
				p.expect(")")
				l = in
				continue
			}
			l = &Binary{P: t.pos, Op: op, L: l, R: p.additive()}
		default:
			return l
		}
	}
}

func (p *parser) additive() Expr {
	l := p.multiplicative()
	for p.isPunct("+") || p.isPunct("-") {
		t := p.next()
		l = &Binary{P: t.pos, Op: t.text, L: l, R: p.multiplicative()}
	}
	return l
}

func (p *parser) multiplicative() Expr {
	l := p.unary()
	for p.isPunct("*") || p.isPunct("/") || p.isPunct("%") {
		t := p.next()
		l = &Binary{P: t.pos, Op: t.text, L: l, R: p.unary()}
	}
	return l
}

func (p *parser) unary() Expr {
	if p.isPunct("-") || p.isPunct("+") {
		t := p.next()
		x := p.unary()
		if lit, ok := x.(*Literal); ok && t.text == "-" && (lit.Kind == LitLong || lit.Kind == LitReal || lit.Kind == LitTimespan) {
			return &Literal{P: t.pos, Kind: lit.Kind, Value: "-" + lit.Value}
		}
		return &Unary{P: t.pos, Op: t.text, X: x}
	}
	return p.postfix(p.primary())
}

func (p *parser) postfix(x Expr) Expr {
	for {
		switch {
		case p.isPunct("."):
			t := p.next()
			if p.isPunct("[") && !(p.peekAt(1).kind == tString && p.peekAt(2).text == "]") {
				// d.[k] is d[k], a member by a computed key; d.['k'] is
				// the member named k.
				continue
			}
			name, _ := p.name()
			x = &Member{P: t.pos, X: x, Name: name}
		case p.isPunct("["):
			t := p.next()
			i := p.expr()
			p.expect("]")
			x = &Index{P: t.pos, X: x, I: i}
		default:
			return x
		}
	}
}

// typedLiteralTypes are the type names usable as type(literal).
var typedLiteralTypes = map[string]bool{"datetime": true, "date": true, "timespan": true, "time": true, "guid": true,
	"bool": true, "boolean": true, "int": true, "long": true, "real": true, "double": true, "decimal": true, "string": true, "dynamic": true}

func (p *parser) primary() Expr {
	t := p.peek()
	switch t.kind {
	case tString:
		p.next()
		s := t.text
		for p.peek().kind == tString { // adjacent literals concatenate
			s += p.next().text
		}
		return &Literal{P: t.pos, Kind: LitString, Value: s}
	case tNumber:
		p.next()
		if strings.ContainsAny(t.text, ".eE") && !strings.HasPrefix(t.text, "0x") {
			return &Literal{P: t.pos, Kind: LitReal, Value: t.text}
		}
		return &Literal{P: t.pos, Kind: LitLong, Value: t.text}
	case tTimespan:
		p.next()
		return &Literal{P: t.pos, Kind: LitTimespan, Value: t.text}
	case tPunct:
		switch t.text {
		case "(":
			p.next()
			if p.startsTabular() {
				// A parenthesized tabular expression, such as a function's
				// tabular argument: f((range x from 1 to 3 step 1)).
				e := &TabularExpr{P: p.peek().pos, Table: p.tabular()}
				p.expect(")")
				return e
			}
			e := p.expr()
			p.expect(")")
			return e
		case "*":
			p.next()
			return &Star{P: t.pos}
		case "$":
			p.next()
			side, _ := p.name()
			return &Ident{P: t.pos, Name: "$" + side}
		case "[":
			if p.peekAt(1).kind == tString {
				name, pos := p.name()
				return &Ident{P: pos, Name: name}
			}
			return p.dynamicValue()
		case "{":
			return p.dynamicValue()
		}
	case tIdent:
		switch t.text {
		case "true", "false":
			p.next()
			return &Literal{P: t.pos, Kind: LitBool, Value: t.text}
		case "null":
			p.next()
			return &Literal{P: t.pos, Kind: LitNull}
		case "toscalar":
			if p.peekAt(1).text == "(" {
				p.next()
				p.expect("(")
				tab := p.tabular()
				p.expect(")")
				return &ToScalar{P: t.pos, Table: tab}
			}
		}
		if typedLiteralTypes[t.text] && p.peekAt(1).text == "(" {
			return p.typedLiteral()
		}
		p.next()
		if p.isPunct("(") {
			p.next()
			c := &Call{P: t.pos, Name: t.text}
			for !p.isPunct(")") {
				if p.peek().kind == tIdent && p.isAssign() {
					// A named argument: keep the value.
					p.next()
					p.next()
				}
				c.Args = append(c.Args, p.arg())
				if !p.accept(",") {
					break
				}
			}
			p.expect(")")
			return c
		}
		return &Ident{P: t.pos, Name: t.text}
	}
	p.fail(t, "Syntax error: expected an expression but found %s", t)
	return nil
}

// typedLiteral parses type(text). The text is taken raw from the source
// tokens, since datetime(2024-01-01 10:00) is not made of expressions.
func (p *parser) typedLiteral() Expr {
	t := p.next()
	open := p.expect("(")
	if t.text == "dynamic" {
		lit := &TypedLit{P: t.pos, Type: "dynamic"}
		if !p.isPunct(")") {
			lit.Dyn = p.dynamicValue()
		}
		p.expect(")")
		return lit
	}
	var b strings.Builder
	depth := 1
	prev := open
	for {
		tk := p.peek()
		if tk.kind == tEOF {
			p.fail(tk, "Syntax error: expected ')' but found end of query")
		}
		if tk.text == "(" {
			depth++
		} else if tk.text == ")" {
			depth--
			if depth == 0 {
				p.next()
				break
			}
		}
		p.next()
		// Keep the spacing of the source between tokens.
		if tk.pos.Line != prev.pos.Line || tk.pos.Column > prev.pos.Column+len([]rune(prev.text)) && prev != open {
			b.WriteByte(' ')
		}
		b.WriteString(tk.text)
		prev = tk
	}
	return &TypedLit{P: t.pos, Type: t.text, Text: strings.TrimSpace(b.String())}
}

// dynamicValue parses the JSON-like value inside dynamic(...).
func (p *parser) dynamicValue() Expr {
	t := p.peek()
	switch {
	case p.isPunct("["):
		p.next()
		a := &ArrayLit{P: t.pos}
		for !p.isPunct("]") {
			a.Elems = append(a.Elems, p.dynamicValue())
			if !p.accept(",") {
				break
			}
		}
		p.expect("]")
		return a
	case p.isPunct("{"):
		p.next()
		b := &BagLit{P: t.pos}
		for !p.isPunct("}") {
			k := p.next()
			if k.kind != tString && k.kind != tIdent {
				p.fail(k, "Syntax error: expected a property name but found %s", k)
			}
			p.expect(":")
			b.Keys = append(b.Keys, k.text)
			b.Vals = append(b.Vals, p.dynamicValue())
			if !p.accept(",") {
				break
			}
		}
		p.expect("}")
		return b
	}
	return p.expr()
}

// subPipeline parses the operators of a subquery whose input is implicit
// (mv-apply, partition), up to the closing bracket.
func (p *parser) subPipeline(closing string) Tabular {
	src := Tabular(&ApplySource{P: p.peek().pos})
	for {
		src = &Pipe{P: p.peek().pos, Input: src, Op: p.operator()}
		if !p.accept("|") {
			break
		}
	}
	p.expect(closing)
	return src
}

// partition parses partition [hints] by Column (operators) or, with a
// source of its own, partition [hints] by Column { tabular }.
func (p *parser) partition(t token) Operator {
	p.hints()
	p.expect("by")
	op := &Partition{P: t.pos}
	op.By, _ = p.name()
	p.hints()
	if p.accept("{") {
		op.Sub, op.Source = p.tabular(), true
		p.expect("}")
		return op
	}
	p.expect("(")
	op.Sub = p.subPipeline(")")
	return op
}

// scan parses scan [with_match_id=Name] [declare (Col:type [= default],
// ...)] with (step Name [output=all|last|none]: Cond [=> Col = Expr,
// ...]; ...).
func (p *parser) scan(t token) Operator {
	op := &Scan{P: t.pos}
	if p.accept("with_match_id") {
		p.expect("=")
		op.MatchID, _ = p.name()
	}
	if p.accept("declare") {
		p.expect("(")
		for !p.isPunct(")") {
			var d ScanDecl
			d.Name, _ = p.name()
			p.expect(":")
			d.Type, _ = p.name()
			if p.accept("=") {
				d.Default = p.expr()
			}
			op.Declare = append(op.Declare, d)
			if !p.accept(",") {
				break
			}
		}
		p.expect(")")
	}
	p.expect("with")
	p.expect("(")
	for p.isWord("step") {
		p.next()
		var st ScanStep
		st.Name, _ = p.name()
		if p.accept("output") {
			p.expect("=")
			out := p.peek()
			st.Output, _ = p.name()
			if st.Output != "all" && st.Output != "last" && st.Output != "none" {
				p.fail(out, "Syntax error: a scan step's output is all, last or none, not '%s'", st.Output)
			}
		}
		p.expect(":")
		st.Cond = p.expr()
		if p.accept("=>") {
			for {
				name, _ := p.name()
				p.expect("=")
				st.Assign = append(st.Assign, NamedExpr{Name: name, Expr: p.expr()})
				if !p.accept(",") {
					break
				}
			}
		}
		op.Steps = append(op.Steps, st)
		if !p.accept(";") {
			break
		}
	}
	if len(op.Steps) == 0 {
		p.fail(p.peek(), "Syntax error: scan needs at least one step, found %s", p.peek())
	}
	p.expect(")")
	return op
}
