package store

import (
	"context"
	"sort"
	"strings"

	"vigil/internal/schema"
	"vigil/internal/source"
	"vigil/internal/sqlgen"
)

// Union returns the tables of several workspaces seen as one, as a query
// naming more than one workspace sees them: a table is the rows of every
// member that has it. Its columns are the first member's, followed by
// columns only later members have; a member lacking a column gives nulls.
// The members must come from one DuckDB backend, since their relations
// are combined in one SQL statement (UNION ALL BY NAME).
func Union(members ...source.Tables) source.Tables { return union(members) }

type union []source.Tables

func (u union) Table(name string) (*schema.Table, bool) {
	var out *schema.Table
	have := map[string]bool{}
	for _, m := range u {
		t, ok := m.Table(name)
		if !ok {
			continue
		}
		if out == nil {
			out = &schema.Table{Name: t.Name, Columns: append([]schema.Column(nil), t.Columns...)}
			for _, c := range t.Columns {
				have[c.Name] = true
			}
			continue
		}
		for _, c := range t.Columns {
			if !have[c.Name] {
				have[c.Name] = true
				out.Columns = append(out.Columns, c)
			}
		}
	}
	return out, out != nil
}

func (u union) Names() []string {
	seen := map[string]bool{}
	var names []string
	for _, m := range u {
		for _, n := range m.Names() {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return names
}

// Relation unions the members' relations by column name and selects the
// union table's columns in order, so the result has the shape Table says.
func (u union) Relation(ctx context.Context, name string, scan source.Scan) (source.Relation, error) {
	def, ok := u.Table(name)
	if !ok {
		// Let the first member report the missing table in its own words.
		return u[0].Relation(ctx, name, scan)
	}
	var parts []string
	var releases []func()
	release := func() {
		for _, r := range releases {
			r()
		}
	}
	for _, m := range u {
		t, ok := m.Table(name)
		if !ok {
			continue
		}
		mscan := scan
		if !sameTypes(t, def) {
			// UNION BY NAME converts this member's column to another
			// type, maybe to text its terms were never taken from.
			mscan.Terms = nil
		}
		rel, err := m.Relation(ctx, name, mscan)
		if err != nil {
			release()
			return source.Relation{}, err
		}
		releases = append(releases, rel.Release)
		parts = append(parts, "SELECT * FROM "+rel.SQL)
	}
	cols := make([]string, len(def.Columns))
	for i, c := range def.Columns {
		cols[i] = sqlgen.QuoteIdent(c.Name)
	}
	sql := "(SELECT " + strings.Join(cols, ", ") + " FROM (" + strings.Join(parts, " UNION ALL BY NAME ") + "))"
	return source.Relation{SQL: sql, Release: release}, nil
}

// sameTypes reports whether every column of t has its type in def.
func sameTypes(t, def *schema.Table) bool {
	types := map[string]schema.Type{}
	for _, c := range def.Columns {
		types[c.Name] = c.Type
	}
	for _, c := range t.Columns {
		if types[c.Name] != c.Type {
			return false
		}
	}
	return true
}
