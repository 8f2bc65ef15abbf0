package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

// sequence builds scan (Sequence): its declared columns with their
// defaults, its steps, what they read (Track), and their conditions and
// assignments over the columns of the row a step sees (Row), each step
// built once, from the last to the first, as the steps run.
func (b *Builder) sequence(in Node, op *kql.Scan) Node {
	n := &Sequence{Input: in, MatchID: op.MatchID}
	for _, d := range op.Declare {
		typ, err := schema.ParseType(d.Type)
		if err != nil {
			fail(op, "scan declares %s: %v", d.Name, err)
		}
		if _, dup := n.Find(d.Name); dup {
			fail(op, "scan declares column '%s', which the input already has", d.Name)
		}
		dc := Declared{Column: Column{Name: d.Name, Type: typ}}
		if d.Default != nil {
			dc.Default = convert(b.expr(d.Default, nil), typ, d.Default)
		}
		n.Declared = append(n.Declared, dc)
	}
	if op.MatchID != "" {
		if _, dup := n.Find(op.MatchID); dup {
			fail(op, "with_match_id names column '%s', which the output already has", op.MatchID)
		}
	}
	for _, st := range op.Steps {
		for _, named := range n.Steps {
			if named.Name == st.Name {
				fail(op, "scan has two steps named '%s'", st.Name)
			}
		}
		n.Steps = append(n.Steps, Step{Name: st.Name, Output: st.Output})
	}
	inputs := len(in.Columns())
	for _, st := range op.Steps {
		check(n.Track(st.Cond))
		for _, a := range st.Assign {
			if i, ok := n.Find(a.Name); !ok || i < inputs {
				fail(a.Expr, "A scan step assigns only declared columns, not '%s'", a.Name)
			}
			check(n.Track(a.Expr))
		}
	}
	row := n.Row()
	for k := len(op.Steps) - 1; k >= 0; k-- {
		st, step := op.Steps[k], &n.Steps[k]
		step.Cond = b.stepExpr(st.Cond, row)
		check(CheckBool(st.Cond, step.Cond.Type(), "condition of scan step '"+st.Name+"'"))
		step.Assign = make([]Expr, len(n.Declared))
		for di, d := range n.Declared {
			for _, a := range st.Assign {
				if a.Name == d.Name {
					step.Assign[di] = convert(b.stepExpr(a.Expr, row), d.Type, a.Expr)
				}
			}
		}
	}
	return n
}

// stepExpr builds an expression of a scan step over its row. The steps
// are folded in DuckDB lambdas, which cannot hold a subquery.
func (b *Builder) stepExpr(e kql.Expr, row []Column) Expr {
	x := b.expr(e, row)
	if Any(x, func(x Expr) bool {
		switch x.(type) {
		case *ToScalar, *InTable:
			return true
		}
		return false
	}) {
		fail(e, "A scan step cannot read a table (toscalar, in): compute the value as a column (extend) before the scan")
	}
	return x
}
