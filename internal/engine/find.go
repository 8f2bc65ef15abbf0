package engine

import (
	"path"
	"strconv"
	"strings"

	"vigil/internal/kql"
	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// find compiles the find operator: the predicate runs over each table
// (the ones listed, or every table of the workspace); a table lacking a
// column the predicate names is skipped, as in Kusto. The output has the
// source column (source_ unless withsource= names it), then with
// project-smart the columns the predicate names and the columns every
// matching table has, and pack_, a bag of the row's other non-empty
// columns; with project, the columns listed (null where a table lacks
// one) and pack_ on request.
func (c *compiler) find(f *kql.Find) *relation {
	type branch struct {
		name string
		rel  *relation
		pred string
	}
	var candidates []branch
	add := func(name string, rel *relation) { candidates = append(candidates, branch{name: name, rel: rel}) }
	if len(f.Tables) == 0 {
		if c.req.Tables == nil {
			c.fail(f, "find without 'in' needs a workspace's tables")
		}
		for _, n := range c.req.Tables.Names() {
			add(n, c.tableRef(&kql.TableRef{P: f.P, Name: n}))
		}
	}
	for i, t := range f.Tables {
		ref, isRef := t.(*kql.TableRef)
		switch {
		case isRef && strings.Contains(ref.Name, "*"):
			if c.req.Tables == nil {
				continue
			}
			for _, n := range c.req.Tables.Names() {
				if ok, _ := path.Match(ref.Name, n); ok {
					add(n, c.tableRef(&kql.TableRef{P: ref.P, Name: n}))
				}
			}
		case isRef:
			add(ref.Name, c.tabular(ref))
		default:
			add("find_arg"+strconv.Itoa(i), c.tabular(t))
		}
	}
	named := map[string]bool{}
	collectIdents(f.Pred, named)
	var kept []branch
	for _, b := range candidates {
		missing := false
		for n := range named {
			if _, ok := b.rel.find(n); !ok {
				_, isScalar := c.lookupScalar(n)
				_, isTable := c.lookupTable(n)
				if !isScalar && !isTable {
					missing = true
				}
			}
		}
		if missing {
			continue
		}
		p := c.expr(f.Pred, b.rel)
		if p.typ != schema.Bool {
			c.fail(f.Pred, "The find predicate must be bool, not %s", p.typ)
		}
		b.pred = p.sql
		kept = append(kept, b)
	}
	if len(kept) == 0 {
		c.fail(f, "find: no table has the columns the predicate names")
	}
	source := f.WithSource
	if source == "" {
		source = "source_"
	}
	// The output columns besides the source and pack_.
	var out []col
	if f.Smart {
		seen := map[string]bool{}
		for _, cl := range kept[0].rel.cols {
			inAll := true
			for _, b := range kept[1:] {
				other, ok := b.rel.find(cl.name)
				inAll = inAll && ok && other.typ == cl.typ
			}
			if (inAll || named[cl.name]) && !cl.hidden && !seen[cl.name] {
				seen[cl.name] = true
				out = append(out, col{name: cl.name, typ: cl.typ})
			}
		}
	} else {
		for _, pc := range f.Project {
			typ := schema.Type(0)
			if pc.Type != "" {
				t, err := schema.ParseType(pc.Type)
				if err != nil {
					c.fail(f, "find project %s: %v", pc.Name, err)
				}
				typ = t
			}
			for _, b := range kept {
				if cl, ok := b.rel.find(pc.Name); ok && typ == 0 {
					typ = cl.typ
				}
			}
			if typ == 0 {
				c.fail(f, "Failed to resolve column or scalar expression named '%s' in any table of find", pc.Name)
			}
			out = append(out, col{name: pc.Name, typ: typ})
		}
	}
	pack := f.Smart || f.PackAll
	listed := map[string]bool{}
	for _, cl := range out {
		listed[cl.name] = true
	}
	var parts []string
	for _, b := range kept {
		sel := []string{sqlgen.QuoteString(b.name) + " AS " + sqlgen.QuoteIdent(source)}
		for _, cl := range out {
			if have, ok := b.rel.find(cl.name); ok {
				sel = append(sel, c.convert(scalar{sqlgen.QuoteIdent(cl.name), have.typ}, cl.typ, f)+" AS "+sqlgen.QuoteIdent(cl.name))
			} else {
				sel = append(sel, "CAST(NULL AS "+sqlgen.DuckDBType(cl.typ)+") AS "+sqlgen.QuoteIdent(cl.name))
			}
		}
		if pack {
			var kv []string
			for _, cl := range b.rel.cols {
				if !cl.hidden && !listed[cl.name] {
					kv = append(kv, sqlgen.QuoteString(cl.name)+", "+c.convert(scalar{sqlgen.QuoteIdent(cl.name), cl.typ}, schema.Dynamic, f))
				}
			}
			bag := "CAST('{}' AS JSON)"
			if len(kv) > 0 {
				bag = goCall("kql_bag_drop_empty", schema.Dynamic, "CAST(json_object("+strings.Join(kv, ", ")+") AS VARCHAR)").sql
			}
			sel = append(sel, bag+" AS pack_")
		}
		parts = append(parts, "SELECT "+strings.Join(sel, ", ")+" FROM ("+b.rel.sql+") AS _t WHERE "+b.pred)
	}
	cols := append([]col{{name: source, typ: schema.String}}, out...)
	if pack {
		cols = append(cols, col{name: "pack_", typ: schema.Dynamic})
	}
	return &relation{sql: strings.Join(parts, " UNION ALL "), cols: cols}
}

// collectIdents gathers the names an expression refers to.
func collectIdents(e kql.Expr, into map[string]bool) {
	switch x := e.(type) {
	case *kql.Ident:
		into[x.Name] = true
	case *kql.Binary:
		collectIdents(x.L, into)
		collectIdents(x.R, into)
	case *kql.Unary:
		collectIdents(x.X, into)
	case *kql.Call:
		for _, a := range x.Args {
			collectIdents(a, into)
		}
	case *kql.Member:
		collectIdents(x.X, into)
	case *kql.Index:
		collectIdents(x.X, into)
		collectIdents(x.I, into)
	case *kql.In:
		collectIdents(x.X, into)
		for _, a := range x.List {
			collectIdents(a, into)
		}
	case *kql.Between:
		collectIdents(x.X, into)
		collectIdents(x.Lo, into)
		collectIdents(x.Hi, into)
	}
}
