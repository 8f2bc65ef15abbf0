package sqlgen

import (
	"fmt"
	"strconv"
	"strings"

	"vigil/internal/plan"
)

// scanChunk is how many rows one list_reduce folds. The state passes
// from chunk to chunk through a recursive CTE; within a chunk the rows'
// outputs collect in a list that each row copies, so a chunk trades that
// copying (growing with its size) against one recursion step per chunk.
const scanChunk = 256

// scanField is a field of the struct scan folds over its rows.
type scanField struct{ name, typ string }

// scanPlan is what writing one scan needs: the node, the row's columns
// (the input's, then the declared ones), the declared columns' defaults
// and the accumulator's fields (layout).
type scanPlan struct {
	n        *plan.Sequence
	cols     []plan.Column
	declared int // index in cols of the first declared column
	defaults []string
	fields   []scanField
	out      []scanField
}

// sequence writes KQL's scan operator. The input's rows, numbered in
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
func (r *Renderer) sequence(n *plan.Sequence) string {
	in := n.Input.Columns()
	p := &scanPlan{n: n, cols: append([]plan.Column(nil), in...), declared: len(in)}
	for _, d := range n.Declared {
		p.cols = append(p.cols, d.Column)
		def := null(d.Type)
		if d.Default != nil {
			def = r.Expr(d.Default)
		}
		p.defaults = append(p.defaults, def)
	}
	p.layout()

	fold := "(_sacc, _sx) -> " + r.scanFold(p)
	elem := packFields(p.fields, func(f scanField) string {
		switch {
		case f.name == "rn":
			return "_scan_rn"
		case strings.HasPrefix(f.name, "c"):
			ci, _ := strconv.Atoi(f.name[1:])
			return QuoteIdent(p.cols[ci].Name)
		}
		return "NULL"
	})
	init := packFields(p.fields, func(f scanField) string {
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
	reset := packFields(p.fields, func(f scanField) string {
		if f.name == "o" {
			return "[]"
		}
		return "_r._scan_acc." + f.name
	})
	// The pending outputs of output=last steps end the last chunk.
	var pending []string
	for k, st := range n.Steps {
		if st.Output == "last" {
			pending = append(pending, "_scan_acc.p"+strconv.Itoa(k+1))
		}
	}
	outs := "_scan_acc.o"
	if len(pending) > 0 {
		outs = "CASE WHEN _scan_c = (SELECT max(_scan_c) FROM _scan_chunks) THEN list_concat(_scan_acc.o, " + flushList(pending) + ") ELSE _scan_acc.o END"
	}
	var sel []string
	for _, cl := range in {
		sel = append(sel, "_i."+QuoteIdent(cl.Name))
	}
	for di, cl := range p.cols[p.declared:] {
		sel = append(sel, "_e.d"+strconv.Itoa(di)+" AS "+QuoteIdent(cl.Name))
	}
	if n.MatchID != "" {
		sel = append(sel, "_e.mid AS "+QuoteIdent(n.MatchID))
	}
	return "WITH RECURSIVE _scan_in AS MATERIALIZED (SELECT row_number() OVER () AS _scan_rn, * FROM (" + r.Node(n.Input) + ") AS _t), " +
		"_scan_chunks AS MATERIALIZED (SELECT (_scan_rn - 1) // " + strconv.Itoa(scanChunk) + " AS _scan_c, list(" + elem + " ORDER BY _scan_rn) AS _scan_l FROM _scan_in GROUP BY 1), " +
		"_scan_run AS (SELECT CAST(-1 AS BIGINT) AS _scan_c, " + init + " AS _scan_acc UNION ALL " +
		"SELECT _k._scan_c, list_reduce(_k._scan_l, " + fold + ", " + reset + ") FROM _scan_run AS _r JOIN _scan_chunks AS _k ON _k._scan_c = _r._scan_c + 1), " +
		"_scan_out AS (SELECT _scan_c, unnest(_o) AS _e, generate_subscripts(_o, 1) AS _scan_j FROM (SELECT _scan_c, " + outs + " AS _o FROM _scan_run)) " +
		"SELECT " + strings.Join(sel, ", ") + " FROM _scan_out JOIN _scan_in AS _i ON _i._scan_rn = _e.rn ORDER BY _scan_c, _scan_j"
}

// layout lists the accumulator's fields: the row number, the input
// columns the steps read (c<i>), the next match id, the chunk's outputs,
// and per step k: active (a<k>), match id (m<k>), the state values
// k<k>_<j>_<i> of steps j <= k, and for output=last its pending output.
func (p *scanPlan) layout() {
	p.out = []scanField{{"rn", "BIGINT"}, {"mid", "BIGINT"}}
	for di, cl := range p.cols[p.declared:] {
		p.out = append(p.out, scanField{"d" + strconv.Itoa(di), DuckDBType(cl.Type)})
	}
	outType := structType(p.out)
	p.fields = []scanField{{"rn", "BIGINT"}}
	for i := 0; i < p.declared; i++ {
		if p.n.Used[i] {
			p.fields = append(p.fields, scanField{"c" + strconv.Itoa(i), DuckDBType(p.cols[i].Type)})
		}
	}
	p.fields = append(p.fields, scanField{"mid", "BIGINT"}, scanField{"o", outType + "[]"})
	for k := 1; k <= len(p.n.Steps); k++ {
		ks := strconv.Itoa(k)
		p.fields = append(p.fields, scanField{"a" + ks, "BOOLEAN"}, scanField{"m" + ks, "BIGINT"})
		for _, s := range p.n.States {
			if s.Step <= k {
				p.fields = append(p.fields, scanField{stateField(k, s), DuckDBType(p.cols[s.Col].Type)})
			}
		}
		if p.n.Steps[k-1].Output == "last" {
			p.fields = append(p.fields, scanField{"p" + ks, outType})
		}
	}
}

// stateField is the field of step k's state holding state value s.
func stateField(k int, s plan.State) string {
	return fmt.Sprintf("k%d_%d_%d", k, s.Step, s.Col)
}

// structType is the type of the struct of fields.
func structType(fields []scanField) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f.name + " " + f.typ
	}
	return "STRUCT(" + strings.Join(parts, ", ") + ")"
}

// packFields builds a struct of fields (the accumulator's, an output
// record's) with each field's value cast to its type, so the rows, the
// initial value and each step's result are of one type as list_reduce
// requires.
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

// row binds the names of the columns a step's condition and
// assignments are over (plan.Sequence.Row) to what they read while the
// fold of the accumulator v is written: the input columns read from the
// row struct, the declared columns at their defaults, and StepName.Column
// read from the state of step from (0: no state, for the first step's
// first check); an empty state reads as it started: the declared
// columns' defaults, null input columns.
func (p *scanPlan) row(v string, from int) func(name string) string {
	var names, refs []string
	for i, cl := range p.cols {
		ref := null(cl.Type)
		switch {
		case i >= p.declared:
			ref = p.defaults[i-p.declared]
		case p.n.Used[i]:
			ref = "_sx.c" + strconv.Itoa(i)
		}
		names, refs = append(names, cl.Name), append(refs, ref)
	}
	for _, s := range p.n.States {
		cl := p.cols[s.Col]
		// An empty state reads as the declared columns' defaults and
		// null input columns.
		empty := null(cl.Type)
		if s.Col >= p.declared {
			empty = p.defaults[s.Col-p.declared]
		}
		ref := empty
		if from > 0 && s.Step <= from {
			ref = "CASE WHEN " + v + ".a" + strconv.Itoa(from) + " THEN " + v + "." + stateField(from, s) + " ELSE " + empty + " END"
		}
		names, refs = append(names, p.n.Steps[s.Step-1].Name+"."+cl.Name), append(refs, ref)
	}
	return func(name string) string {
		for i, n := range names {
			if n == name {
				return refs[i]
			}
		}
		return QuoteIdent(name)
	}
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
func (r *Renderer) scanFold(p *scanPlan) string {
	const v = "_sacc"
	n := len(p.n.Steps)
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
		st := p.n.Steps[k-1]
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
		// The condition, true or false, and the declared columns'
		// values where it holds, over the state of step from.
		cond := func(from int) (string, []string) {
			defer func(saved func(string) string) { r.Column = saved }(r.Column)
			r.Column = p.row(v, from)
			var ext []string
			for di := range p.cols[p.declared:] {
				val := p.defaults[di]
				if x := st.Assign[di]; x != nil {
					val = r.Expr(x)
				}
				ext = append(ext, val)
			}
			return r.Expr(st.Cond), ext
		}
		s.c1 = "false"
		if k > 1 {
			cd, ext := cond(k - 1)
			s.c1 = "coalesce(" + v + ".a" + prev + " AND (" + cd + "), false)"
			s.ext1 = ext
		}
		cd, ext := cond(k)
		if k > 1 {
			s.c2 = "coalesce(" + s.active + " AND (" + cd + "), false)"
			s.ext2 = ext
		} else {
			// The first step checks every row; after the step after it
			// moved its sequence on, against an empty state.
			emptyCond, emptyExt := cond(0)
			s.c2 = "coalesce(CASE WHEN " + next + " THEN " + emptyCond + " ELSE " + cd + " END, false)"
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
	return packFields(p.fields, func(f scanField) string {
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
			for _, sv := range p.n.States {
				if f.name != stateField(k, sv) {
					continue
				}
				if sv.Step < k {
					return "CASE WHEN " + s.c1 + " THEN " + v + "." + stateField(k-1, sv) + " ELSE " + v + "." + f.name + " END"
				}
				if sv.Col < p.declared {
					return "CASE WHEN " + s.matched + " THEN _sx.c" + strconv.Itoa(sv.Col) + " ELSE " + v + "." + f.name + " END"
				}
				di := sv.Col - p.declared
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
