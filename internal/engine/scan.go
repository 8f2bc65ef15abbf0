package engine

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"vigil/internal/kql"
	"vigil/internal/plan"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// scanChunk is how many rows one list_reduce folds. The state passes
// from chunk to chunk through a recursive CTE; within a chunk the rows'
// outputs collect in a list that each row copies, so a chunk trades that
// copying (growing with its size) against one recursion step per chunk.
const scanChunk = 256

// scanField is a field of the struct scan folds over its rows.
type scanField struct{ name, typ string }

// scanRef is a state value a step reads: StepName.Column, step j (from
// 1) and the column's index among the input's and the declared columns.
type scanRef struct{ step, col int }

// scanPlan is what compiling one scan needs: the row's columns (the
// input's, then the declared ones), the steps' indexes and the state
// values the steps read.
type scanPlan struct {
	op       *kql.Scan
	cols     []col
	declared int // index in cols of the first declared column
	defaults []string
	steps    map[string]int
	refs     []scanRef
	used     map[int]bool // input columns the steps read
	fields   []scanField
	out      []scanField
}

// scan compiles Kusto's scan operator. The input's rows, numbered in
// their order, are folded by list_reduce in chunks of scanChunk rows;
// the accumulator is one struct holding, per step, whether it has an
// active sequence, its match id and the state values the steps read
// (StepName.Column), the pending output of output=last steps, the next
// match id, and the outputs of the chunk: (row number, match id,
// declared columns). The steps run from the last to the first for each
// row, each as a lambda over the accumulator the step after it left, with
// Kusto's two checks: a row matching a step whose previous step has an
// active sequence moves that sequence to the step; otherwise a row
// matching a step with an active sequence (or the first step) updates
// it. The outputs are joined back to the numbered input for its columns.
func (c *compiler) scan(in *relation, op *kql.Scan) *relation {
	p := &scanPlan{op: op, cols: append([]col(nil), in.cols...), declared: len(in.cols), steps: map[string]int{}, used: map[int]bool{}}
	for _, d := range op.Declare {
		typ, err := schema.ParseType(d.Type)
		if err != nil {
			c.fail(op, "scan declares %s: %v", d.Name, err)
		}
		if _, dup := p.index(d.Name); dup {
			c.fail(op, "scan declares column '%s', which the input already has", d.Name)
		}
		p.cols = append(p.cols, col{name: d.Name, typ: typ})
		def := sqlgen.Null(typ)
		if d.Default != nil {
			def = c.convert(c.expr(d.Default, nil), typ, d.Default)
		}
		p.defaults = append(p.defaults, def)
	}
	if op.MatchID != "" {
		if _, dup := p.index(op.MatchID); dup {
			c.fail(op, "with_match_id names column '%s', which the output already has", op.MatchID)
		}
	}
	for k, st := range op.Steps {
		if _, dup := p.steps[st.Name]; dup {
			c.fail(op, "scan has two steps named '%s'", st.Name)
		}
		p.steps[st.Name] = k + 1
	}
	for _, st := range op.Steps {
		c.scanReads(p, st.Cond)
		for _, a := range st.Assign {
			if i, ok := p.index(a.Name); !ok || i < p.declared {
				c.fail(a.Expr, "A scan step assigns only declared columns, not '%s'", a.Name)
			}
			c.scanReads(p, a.Expr)
		}
	}
	p.layout()

	fold := "(_sacc, _sx) -> " + c.scanFold(p)
	elem := p.pack(func(f scanField) string {
		switch {
		case f.name == "rn":
			return "_scan_rn"
		case strings.HasPrefix(f.name, "c"):
			ci, _ := strconv.Atoi(f.name[1:])
			return sqlgen.QuoteIdent(p.cols[ci].name)
		}
		return "NULL"
	})
	init := p.pack(func(f scanField) string {
		switch {
		case f.name == "mid":
			return "0"
		case f.name == "o":
			return "[]"
		case strings.HasPrefix(f.name, "a"):
			return "false"
		}
		return "NULL"
	})
	reset := p.pack(func(f scanField) string {
		if f.name == "o" {
			return "[]"
		}
		return "_r._scan_acc." + f.name
	})
	// The pending outputs of output=last steps end the last chunk.
	var pending []string
	for k, st := range op.Steps {
		if st.Output == "last" {
			pending = append(pending, "_scan_acc.p"+strconv.Itoa(k+1))
		}
	}
	outs := "_scan_acc.o"
	if len(pending) > 0 {
		outs = "CASE WHEN _scan_c = (SELECT max(_scan_c) FROM _scan_chunks) THEN list_concat(_scan_acc.o, " + flushList(pending) + ") ELSE _scan_acc.o END"
	}
	var sel []string
	var cols []col
	for _, cl := range in.cols {
		sel = append(sel, "_i."+sqlgen.QuoteIdent(cl.name))
		cols = append(cols, cl)
	}
	for di, cl := range p.cols[p.declared:] {
		sel = append(sel, "_e.d"+strconv.Itoa(di)+" AS "+sqlgen.QuoteIdent(cl.name))
		cols = append(cols, col{name: cl.name, typ: cl.typ})
	}
	if op.MatchID != "" {
		sel = append(sel, "_e.mid AS "+sqlgen.QuoteIdent(op.MatchID))
		cols = append(cols, col{name: op.MatchID, typ: schema.Long})
	}
	sqlText := "WITH RECURSIVE _scan_in AS MATERIALIZED (SELECT row_number() OVER () AS _scan_rn, * FROM (" + in.sql + ") AS _t), " +
		"_scan_chunks AS MATERIALIZED (SELECT (_scan_rn - 1) // " + strconv.Itoa(scanChunk) + " AS _scan_c, list(" + elem + " ORDER BY _scan_rn) AS _scan_l FROM _scan_in GROUP BY 1), " +
		"_scan_run AS (SELECT CAST(-1 AS BIGINT) AS _scan_c, " + init + " AS _scan_acc UNION ALL " +
		"SELECT _k._scan_c, list_reduce(_k._scan_l, " + fold + ", " + reset + ") FROM _scan_run AS _r JOIN _scan_chunks AS _k ON _k._scan_c = _r._scan_c + 1), " +
		"_scan_out AS (SELECT _scan_c, unnest(_o) AS _e, generate_subscripts(_o, 1) AS _scan_j FROM (SELECT _scan_c, " + outs + " AS _o FROM _scan_run)) " +
		"SELECT " + strings.Join(sel, ", ") + " FROM _scan_out JOIN _scan_in AS _i ON _i._scan_rn = _e.rn ORDER BY _scan_c, _scan_j"
	return &relation{sql: sqlText, cols: cols, render: in.render}
}

// index finds a column of the scanned row by name.
func (p *scanPlan) index(name string) (int, bool) {
	for i, cl := range p.cols {
		if cl.name == name {
			return i, true
		}
	}
	return 0, false
}

// scanReads records the columns and state values an expression reads:
// every name it mentions and every StepName.Column.
func (c *compiler) scanReads(p *scanPlan, e kql.Expr) {
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				return
			}
			switch x := v.Interface().(type) {
			case *kql.Ident:
				if i, ok := p.index(x.Name); ok && i < p.declared {
					p.used[i] = true
				}
			case *kql.Member:
				if id, ok := x.X.(*kql.Ident); ok {
					if k, isStep := p.steps[id.Name]; isStep {
						i, ok := p.index(x.Name)
						if !ok {
							c.fail(x, "Failed to resolve scan state '%s.%s': the row has no column '%s'", id.Name, x.Name, x.Name)
						}
						ref := scanRef{k, i}
						if !containsRef(p.refs, ref) {
							p.refs = append(p.refs, ref)
						}
						if i < p.declared {
							p.used[i] = true
						}
						return
					}
				}
			}
			walk(v.Elem())
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(e))
}

func containsRef(refs []scanRef, r scanRef) bool {
	for _, x := range refs {
		if x == r {
			return true
		}
	}
	return false
}

// layout lists the accumulator's fields: the row number, the input
// columns the steps read (c<i>), the next match id, the chunk's outputs,
// and per step k: active (a<k>), match id (m<k>), the state values
// k<k>_<j>_<i> of steps j <= k, and for output=last its pending output.
func (p *scanPlan) layout() {
	p.out = []scanField{{"rn", "BIGINT"}, {"mid", "BIGINT"}}
	for di, cl := range p.cols[p.declared:] {
		p.out = append(p.out, scanField{"d" + strconv.Itoa(di), sqlgen.DuckDBType(cl.typ)})
	}
	outType := p.structType(p.out)
	p.fields = []scanField{{"rn", "BIGINT"}}
	for i := 0; i < p.declared; i++ {
		if p.used[i] {
			p.fields = append(p.fields, scanField{"c" + strconv.Itoa(i), sqlgen.DuckDBType(p.cols[i].typ)})
		}
	}
	p.fields = append(p.fields, scanField{"mid", "BIGINT"}, scanField{"o", outType + "[]"})
	for k := 1; k <= len(p.op.Steps); k++ {
		ks := strconv.Itoa(k)
		p.fields = append(p.fields, scanField{"a" + ks, "BOOLEAN"}, scanField{"m" + ks, "BIGINT"})
		for _, r := range p.refs {
			if r.step <= k {
				p.fields = append(p.fields, scanField{stateField(k, r), sqlgen.DuckDBType(p.cols[r.col].typ)})
			}
		}
		if p.op.Steps[k-1].Output == "last" {
			p.fields = append(p.fields, scanField{"p" + ks, outType})
		}
	}
}

func stateField(k int, r scanRef) string {
	return fmt.Sprintf("k%d_%d_%d", k, r.step, r.col)
}

func (p *scanPlan) structType(fields []scanField) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f.name + " " + f.typ
	}
	return "STRUCT(" + strings.Join(parts, ", ") + ")"
}

// pack builds the accumulator struct with every field cast to its type,
// so the rows, the initial value and each step's result are of one type
// as list_reduce requires.
func (p *scanPlan) pack(value func(scanField) string) string {
	return packFields(p.fields, value)
}

func packFields(fields []scanField, value func(scanField) string) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = "'" + f.name + "': CAST(" + value(f) + " AS " + f.typ + ")"
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// flushList is the non-null pending outputs among list, by row number.
func flushList(list []string) string {
	return "list_sort(list_filter([" + strings.Join(list, ", ") + "], _q -> _q IS NOT NULL))"
}

// rowRelation is the row a step's condition and assignments see: the
// input columns read from the row struct, the declared columns at their
// defaults, and StepName.Column read from the state of step from (0: no
// state, for the first step's first check); an empty state reads as it
// started: the declared columns' defaults, null input columns.
func (p *scanPlan) rowRelation(v string, from int) *relation {
	rel := &relation{}
	for i, cl := range p.cols {
		ref := sqlgen.Null(cl.typ)
		switch {
		case i >= p.declared:
			ref = p.defaults[i-p.declared]
		case p.used[i]:
			ref = "_sx.c" + strconv.Itoa(i)
		}
		rel.cols = append(rel.cols, col{name: cl.name, typ: cl.typ, ref: ref})
	}
	for _, r := range p.refs {
		cl := p.cols[r.col]
		// An empty state reads as the declared columns' defaults and
		// null input columns.
		empty := sqlgen.Null(cl.typ)
		if r.col >= p.declared {
			empty = p.defaults[r.col-p.declared]
		}
		ref := empty
		if from > 0 && r.step <= from {
			ref = "CASE WHEN " + v + ".a" + strconv.Itoa(from) + " THEN " + v + "." + stateField(from, r) + " ELSE " + empty + " END"
		}
		rel.cols = append(rel.cols, col{name: p.op.Steps[r.step-1].Name + "." + cl.name, typ: cl.typ, hidden: true, ref: ref})
	}
	return rel
}

// scanFold is the lambda body folding one row into the accumulator:
// every step at once, from the old state. Steps run from the last to the
// first, but step k+1 changes only step k's activity (a match of its
// first check moves step k's sequence on), so each step's checks can be
// written over the old state and the check of the step after it. The
// checks and assignments are written out where they are used: DuckDB
// folds a wide struct row by row at a cost per field and per element,
// and binding them with nested lambdas, or a fold element per step, was
// many times slower than evaluating them twice.
func (c *compiler) scanFold(p *scanPlan) string {
	const v = "_sacc"
	n := len(p.op.Steps)
	type stepSQL struct {
		c1, c2   string   // the checks
		active   string   // the step's activity before its own checks
		pending  string   // its pending output before its own checks
		ext1     []string // the declared columns after each check
		ext2     []string
		mid      string // the row's match id
		matched  string
		rec      string // the output record
		last, ok bool   // output=last; output of all matches
	}
	steps := make([]stepSQL, n+2)
	for k := n; k >= 1; k-- {
		st := p.op.Steps[k-1]
		ks, prev := strconv.Itoa(k), strconv.Itoa(k-1)
		s := &steps[k]
		s.last, s.ok = st.Output == "last", st.Output == "" || st.Output == "all"
		// The check of the step after this one moves this step's
		// sequence on when it matches: it ends this step's activity.
		next := "false"
		if k < n {
			next = steps[k+1].c1
		}
		s.active = "(" + v + ".a" + ks + " AND NOT " + next + ")"
		if s.last {
			s.pending = "CASE WHEN " + next + " THEN NULL ELSE " + v + ".p" + ks + " END"
		}
		cond := func(from int) (scalar, []string) {
			row := p.rowRelation(v, from)
			cd := c.expr(st.Cond, row)
			if err := plan.CheckBool(st.Cond, cd.typ, "condition of scan step '"+st.Name+"'"); err != nil {
				panic(failure{err})
			}
			var ext []string
			for di, cl := range p.cols[p.declared:] {
				val := p.defaults[di]
				for _, a := range st.Assign {
					if a.Name == cl.name {
						val = c.convert(c.expr(a.Expr, row), cl.typ, a.Expr)
					}
				}
				ext = append(ext, val)
			}
			return cd, ext
		}
		s.c1 = "false"
		if k > 1 {
			cd, ext := cond(k - 1)
			s.c1 = "coalesce(" + v + ".a" + prev + " AND (" + cd.sql + "), false)"
			s.ext1 = ext
		}
		cd, ext := cond(k)
		if k > 1 {
			s.c2 = "coalesce(" + s.active + " AND (" + cd.sql + "), false)"
			s.ext2 = ext
		} else {
			// The first step checks every row; after the step after it
			// moved its sequence on, against an empty state.
			emptyCond, emptyExt := cond(0)
			s.c2 = "coalesce(CASE WHEN " + next + " THEN " + emptyCond.sql + " ELSE " + cd.sql + " END, false)"
			for di := range ext {
				s.ext2 = append(s.ext2, "CASE WHEN "+next+" THEN "+emptyExt[di]+" ELSE "+ext[di]+" END")
			}
		}
		s.c2 = "(NOT " + s.c1 + " AND " + s.c2 + ")"
		s.matched = "(" + s.c1 + " OR " + s.c2 + ")"
		mid2 := v + ".m" + ks
		if k == 1 {
			mid2 = "CASE WHEN " + s.active + " THEN " + v + ".m1 ELSE " + v + ".mid END"
		}
		rec := func(mid string, ext []string) string {
			return packFields(p.out, func(f scanField) string {
				switch f.name {
				case "rn":
					return "_sx.rn"
				case "mid":
					return mid
				}
				di, _ := strconv.Atoi(f.name[1:])
				return ext[di]
			})
		}
		s.rec = rec(mid2, s.ext2)
		s.mid = mid2
		if k > 1 {
			s.rec = "CASE WHEN " + s.c1 + " THEN " + rec(v+".m"+prev, s.ext1) + " ELSE " + s.rec + " END"
			s.mid = "CASE WHEN " + s.c1 + " THEN " + v + ".m" + prev + " ELSE " + mid2 + " END"
		}
	}
	// The outputs, in the order the steps run: a step whose first check
	// matches ends the pending output of the sequence it replaces and of
	// the one it moves on, then adds its own.
	outs := v + ".o"
	for k := n; k >= 1; k-- {
		s := steps[k]
		var flush []string
		if s.last {
			flush = append(flush, s.pending)
		}
		if k > 1 && steps[k-1].last {
			flush = append(flush, v+".p"+strconv.Itoa(k-1))
		}
		if len(flush) > 0 && k > 1 {
			outs = "list_concat(" + outs + ", CASE WHEN " + s.c1 + " THEN " + flushList(flush) + " ELSE [] END)"
		}
		if s.ok {
			outs = "list_concat(" + outs + ", CASE WHEN " + s.matched + " THEN [" + s.rec + "] ELSE [] END)"
		}
	}
	return p.pack(func(f scanField) string {
		if f.name == "o" {
			return outs
		}
		if f.name == "mid" {
			return v + ".mid + CASE WHEN " + steps[1].c2 + " AND NOT " + steps[1].active + " THEN 1 ELSE 0 END"
		}
		// The step a field belongs to: a1, m1, p1, k1_j_i.
		k, _ := strconv.Atoi(leadingDigits(f.name[1:]))
		if k < 1 || k > n {
			return v + "." + f.name
		}
		s, ks, prev := steps[k], strconv.Itoa(k), strconv.Itoa(k-1)
		switch f.name[0] {
		case 'a':
			return "(" + s.matched + " OR " + s.active + ")"
		case 'm':
			if k == 1 {
				return "CASE WHEN " + s.c2 + " AND NOT " + s.active + " THEN " + v + ".mid ELSE " + v + ".m1 END"
			}
			return "CASE WHEN " + s.c1 + " THEN " + v + ".m" + prev + " ELSE " + v + ".m" + ks + " END"
		case 'p':
			return "CASE WHEN " + s.matched + " THEN " + s.rec + " ELSE " + s.pending + " END"
		case 'k':
			for _, r := range p.refs {
				if f.name != stateField(k, r) {
					continue
				}
				if r.step < k {
					return "CASE WHEN " + s.c1 + " THEN " + v + "." + stateField(k-1, r) + " ELSE " + v + "." + f.name + " END"
				}
				if r.col < p.declared {
					return "CASE WHEN " + s.matched + " THEN _sx.c" + strconv.Itoa(r.col) + " ELSE " + v + "." + f.name + " END"
				}
				di := r.col - p.declared
				c1 := "NULL"
				if k > 1 {
					c1 = s.ext1[di]
				}
				return "CASE WHEN " + s.c1 + " THEN " + c1 + " WHEN " + s.c2 + " THEN " + s.ext2[di] + " ELSE " + v + "." + f.name + " END"
			}
		}
		return v + "." + f.name
	})
}

// leadingDigits is the run of digits s starts with.
func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}
