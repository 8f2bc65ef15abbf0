package plan

import "vigil/internal/kql"

// find builds the find operator: the predicate runs over each table
// (the ones listed, or every table of the workspace) that has the
// columns it reads, with the columns TypeFind gives the result.
func (b *Builder) find(f *kql.Find) Node {
	n := &FindNode{}
	var names []string
	var candidates []Node
	add := func(name string, x Node) { names, candidates = append(names, name), append(candidates, x) }
	if len(f.Tables) == 0 {
		if b.Tables == nil {
			fail(f, "find without 'in' needs a workspace's tables")
		}
		for _, name := range b.Tables.Names() {
			add(name, b.tabular(&kql.TableRef{P: f.P, Name: name}))
		}
	}
	for i, t := range f.Tables {
		if matched, ok := b.tablePattern(t); ok {
			for _, name := range matched {
				add(name, b.tabular(&kql.TableRef{P: t.Position(), Name: name}))
			}
			continue
		}
		add(FindSourceName(t, i), b.tabular(t))
	}
	reads := FindNames(f.Pred)
	bound := func(name string) bool {
		_, isScalar := b.Scope.Scalar(name)
		_, isTable := b.Scope.Table(name)
		return isScalar || isTable
	}
	var inputs [][]Column
	for i, x := range candidates {
		cols := x.Columns()
		if !FindSearches(cols, reads, bound) {
			continue
		}
		p := b.expr(f.Pred, cols)
		check(CheckBool(f.Pred, p.Type(), "find predicate"))
		n.Inputs, n.Sources, n.Preds = append(n.Inputs, x), append(n.Sources, names[i]), append(n.Preds, p)
		inputs = append(inputs, cols)
	}
	typed, err := TypeFind(f, inputs)
	check(err)
	n.Find = typed
	return n
}
