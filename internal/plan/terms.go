package plan

import (
	"maps"
	"slices"
	"strings"

	"vigil/internal/kql"
	"vigil/internal/schema"
	"vigil/internal/source"
)

// The store can skip data that cannot hold a term (source.Scan.Terms).
// The builder passes terms only where that is sound: for a table read
// directly by a chain of where and search operators, whose predicates are
// conjunctions, so every row the chain returns satisfies each of them.
// From one predicate it derives a set of terms of which every matching
// row holds at least one in a string or dynamic column, and it passes the
// most selective set. Negations, and disjunctions with a predicate that
// gives no terms, give none.

// offerTerms records, when t is such a chain, the terms for the table
// (or, for search, tables) at its bottom; tableRef takes them as it reads
// the table. done forgets what was not taken. An enclosing chain's terms
// stand while its inner chains build.
func (b *Builder) offerTerms(t kql.Tabular) (done func()) {
	if b.terms != nil || b.Tables == nil {
		return nil
	}
	var preds []termPred
	for {
		p, ok := t.(*kql.Pipe)
		if !ok {
			break
		}
		switch op := p.Op.(type) {
		case *kql.Where:
			preds = append(preds, termPred{op.Pred, false})
		case *kql.Search:
			if len(op.Tables) > 0 {
				return nil
			}
			preds = append(preds, termPred{op.Pred, true})
		default:
			return nil
		}
		t = p.Input
	}
	var names []string
	switch src := t.(type) {
	case *kql.TableRef:
		if len(preds) == 0 || src.Workspace != "" {
			return nil
		}
		names = []string{src.Name}
	case *kql.SearchSrc:
		// The chain's predicates see the union's columns, renamed where
		// types clash: only the search's own predicate is used.
		preds = []termPred{{src.Search.Pred, true}}
		names = b.searchNames(src.Search.Tables)
	default:
		return nil
	}
	// A search over several tables reads them through union, which keeps
	// each table's column types (clashing types become separate columns),
	// so each table's text columns are matched as they are stored. But
	// DuckDB binds names without regard to case: a table whose non-text
	// column differs only in case from another table's text column (Syslog's
	// ProcessID and SecurityEvent's ProcessId) may be searched as text in
	// that column, which its index does not hold.
	defs := make([]*schema.Table, len(names))
	textNames := map[string]bool{}
	for i, name := range names {
		if _, ok := b.Scope.Table(name); ok {
			return nil
		}
		if _, ok := b.Scope.Func(name); ok {
			return nil
		}
		def, ok := b.Tables.Table(name)
		if !ok {
			return nil
		}
		defs[i] = def
		for _, cd := range def.Columns {
			if textType(cd.Type) {
				textNames[strings.ToLower(cd.Name)] = true
			}
		}
	}
	terms := map[string][]string{}
tables:
	for i, name := range names {
		def := defs[i]
		if len(names) > 1 {
			for _, cd := range def.Columns {
				if !textType(cd.Type) && textNames[strings.ToLower(cd.Name)] {
					continue tables
				}
			}
		}
		cols := map[string]schema.Type{}
		for _, cd := range def.Columns {
			// _ItemId, the one hidden text column, is derived, not stored.
			if !cd.Hidden && textType(cd.Type) {
				cols[cd.Name] = cd.Type
			}
		}
		var best []string
		for _, p := range preds {
			best = better(best, predTerms(p.expr, cols, p.search))
		}
		if best != nil {
			terms[name] = best
		}
	}
	if len(terms) == 0 {
		return nil
	}
	b.terms = terms
	return func() { b.terms = nil }
}

// takeTerms returns the terms offered for a read of ref, once.
func (b *Builder) takeTerms(ref *kql.TableRef) []string {
	if ref.Workspace != "" {
		return nil
	}
	t := b.terms[ref.Name]
	delete(b.terms, ref.Name)
	return t
}

type termPred struct {
	expr   kql.Expr
	search bool // a search predicate: a bare string is a term of any column
}

// searchNames lists the tables a search reads, as union expands them.
func (b *Builder) searchNames(tables []string) []string {
	if len(tables) == 0 {
		tables = []string{"*"}
	}
	var names []string
	for _, t := range tables {
		if !IsTablePattern(t) {
			names = append(names, t)
			continue
		}
		names = append(names, MatchTables(t, b.Tables.Names())...)
	}
	return names
}

func textType(t schema.Type) bool { return t == schema.String || t == schema.Dynamic }

// predTerms returns terms of which every row satisfying e holds one in a
// column of cols (the table's string and dynamic columns), or nil.
func predTerms(e kql.Expr, cols map[string]schema.Type, search bool) []string {
	switch x := e.(type) {
	case *kql.Literal:
		if search && x.Kind == kql.LitString && !strings.Contains(x.Value, "*") {
			return literalTerms(x.Value, matchFold, true, true)
		}
	case *kql.Binary:
		switch x.Op {
		case "and":
			return better(predTerms(x.L, cols, search), predTerms(x.R, cols, search))
		case "or":
			l, r := predTerms(x.L, cols, search), predTerms(x.R, cols, search)
			if l == nil || r == nil {
				return nil
			}
			return append(append([]string(nil), l...), r...)
		}
		lit, ok := StringConst(x.R)
		if !ok || !isColumn(x.L, cols) {
			return nil
		}
		if op, ok := termOps[x.Op]; ok {
			return literalTerms(lit, op.mode, op.start, op.end)
		}
	case *kql.In:
		if !isColumn(x.X, cols) || len(x.List) == 0 {
			return nil
		}
		var mode foldMode
		switch x.Op {
		case "in":
			if cols[x.X.(*kql.Ident).Name] != schema.String {
				return nil
			}
			mode = matchExact
		case "in~":
			if cols[x.X.(*kql.Ident).Name] != schema.String {
				return nil
			}
			mode = matchLower
		case "has_any", "has_all":
			mode = matchFold
		default:
			return nil
		}
		var all []string
		var best []string
		for _, it := range x.List {
			lit, ok := StringConst(it)
			if !ok {
				return nil
			}
			t := literalTerms(lit, mode, true, true)
			if x.Op == "has_all" {
				best = better(best, t)
				continue
			}
			if t == nil {
				return nil
			}
			all = append(all, t...)
		}
		if x.Op == "has_all" {
			return best
		}
		return all
	}
	return nil
}

// termOp is how a string operator matches its literal: through which
// case rule, and whether the match is bounded by a term boundary (or the
// value's edge) at its start and end.
type termOp struct {
	mode       foldMode
	start, end bool
}

var termOps = map[string]termOp{
	"==":            {matchExact, true, true},
	"has":           {matchFold, true, true},
	"has_cs":        {matchExact, true, true},
	"hasprefix":     {matchFold, true, false},
	"hasprefix_cs":  {matchExact, true, false},
	"hassuffix":     {matchFold, false, true},
	"hassuffix_cs":  {matchExact, false, true},
	"=~":            {matchLower, true, true},
	"startswith":    {matchLower, true, false},
	"startswith_cs": {matchExact, true, false},
	"endswith":      {matchLower, false, true},
	"endswith_cs":   {matchExact, false, true},
	"contains":      {matchLower, false, false},
	"contains_cs":   {matchExact, false, false},
}

// foldMode is the case rule an operator compares with, which decides
// which literals give terms the index is sure to hold.
type foldMode int

const (
	// matchExact: byte for byte; any literal.
	matchExact foldMode = iota
	// matchFold: a case-insensitive regular expression, under which the
	// Kelvin sign and the long s match ASCII letters: literals holding
	// those (or the dotted capital I) give no terms.
	matchFold
	// matchLower: DuckDB's lower() on both sides, which maps some
	// characters outside ASCII to ASCII letters: only ASCII literals.
	matchLower
)

// literalTerms returns the longest indexable term of lit a match must
// hold whole, as a one-term set, or nil. A term at the literal's start
// (end) is whole only if the match is bounded there.
func literalTerms(lit string, mode foldMode, start, end bool) []string {
	switch mode {
	case matchFold:
		if strings.ContainsAny(lit, "\u212a\u017f\u0130") {
			return nil
		}
	case matchLower:
		for i := 0; i < len(lit); i++ {
			if lit[i] >= 0x80 {
				return nil
			}
		}
	}
	var runs []string
	source.ForTerms([]byte(lit), func(t []byte) { runs = append(runs, string(t)) })
	if len(runs) > 0 && !start && alnum(lit[0]) {
		runs = runs[1:]
	}
	if len(runs) > 0 && !end && alnum(lit[len(lit)-1]) {
		runs = runs[:len(runs)-1]
	}
	best := ""
	for _, r := range runs {
		if len(r) >= source.MinTermLen && len(r) > len(best) {
			best = r
		}
	}
	if best == "" {
		return nil
	}
	return []string{best}
}

func alnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// better returns the more selective of two term sets: either when the
// other is nil, else the one with fewer terms, then longer shortest term.
func better(a, b []string) []string {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case len(a) != len(b):
		if len(a) < len(b) {
			return a
		}
		return b
	case shortest(b) > shortest(a):
		return b
	}
	return a
}

func shortest(ts []string) int {
	n := -1
	for _, t := range ts {
		if n < 0 || len(t) < n {
			n = len(t)
		}
	}
	return n
}

// isColumn reports whether e names one of cols: columns come before lets
// in name resolution, so the name is the column.
func isColumn(e kql.Expr, cols map[string]schema.Type) bool {
	id, ok := e.(*kql.Ident)
	if !ok {
		return false
	}
	_, ok = cols[id.Name]
	return ok
}

// TermOperators are the string operators whose literal gives terms
// (OperatorTerms), sorted.
func TermOperators() []string { return slices.Sorted(maps.Keys(termOps)) }

// OperatorTerms are terms every text that text op lit matches holds, as
// an index splits the text into terms (source.ForIndexTerms); nil when
// op and lit give none.
func OperatorTerms(op, lit string) []string {
	spec, ok := termOps[op]
	if !ok {
		return nil
	}
	return literalTerms(lit, spec.mode, spec.start, spec.end)
}
