package schema

import (
	"fmt"
	"sort"
)

// builtins holds the built-in tables by name. Each builtin_*.go file
// registers the tables of one family from its init function.
var builtins = map[string]*Table{}

// register adds tables to the built-in set, putting first the standard
// columns a definition does not list itself. Registering a name twice is a
// programming error.
func register(tables ...*Table) {
	for _, t := range tables {
		if _, dup := builtins[t.Name]; dup {
			panic(fmt.Sprintf("schema: built-in table %s registered twice", t.Name))
		}
		var cols []Column
		for _, std := range StandardColumns() {
			if _, i := t.Column(std.Name); i < 0 {
				cols = append(cols, std)
			}
		}
		t.Columns = append(cols, t.Columns...)
		builtins[t.Name] = t
	}
}

// Builtin returns the built-in table named name. The table is shared:
// callers must not modify it.
func Builtin(name string) (*Table, bool) {
	t, ok := builtins[name]
	return t, ok
}

// BuiltinColumns returns the named columns of the built-in table, in the
// order given, with the table's types, so that a receiver listing the
// columns it fills cannot disagree with the table about a type. It
// panics on a table or column that does not exist: receivers call it
// when their package initializes, so a wrong name stops every test.
func BuiltinColumns(table string, names ...string) []Column {
	t, ok := builtins[table]
	if !ok {
		panic("schema: no built-in table " + table)
	}
	cols := make([]Column, len(names))
	for i, name := range names {
		c, at := t.Column(name)
		if at < 0 {
			panic("schema: built-in table " + table + " has no column " + name)
		}
		cols[i] = Column{Name: c.Name, Type: c.Type}
	}
	return cols
}

// BuiltinNames returns the names of all built-in tables, sorted.
func BuiltinNames() []string {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
