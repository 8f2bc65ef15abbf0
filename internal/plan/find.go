package plan

import (
	"strconv"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// FeedPack fills find's pack_ column with a bag of the input's columns
// listed in Find.Pack (Find.Feeds).
const FeedPack = -3

// Find is a typed find: the columns of its result and what each table
// it reads puts in them.
type Find struct {
	// Columns are the result's columns: the source column, the columns
	// found or projected, and pack_ when there is one.
	Columns []Column
	// Feeds[i][j] is the index of the column of input i that fills
	// Columns[j] (converted to its type), FeedNull, FeedSource or
	// FeedPack.
	Feeds [][]int
	// Pack[i] are the indexes of the columns of input i that go in its
	// rows' pack_ bag: the ones not hidden and not in Columns.
	Pack [][]int
}

// FindNames are the names find's predicate reads, which decide the
// tables it searches (FindSearches) and the columns project-smart keeps.
func FindNames(pred kql.Expr) map[string]bool {
	names := map[string]bool{}
	kql.Inspect(pred, func(e kql.Expr) bool {
		switch x := e.(type) {
		case *kql.Ident:
			names[x.Name] = true
		case *kql.Call:
			return TypeArg(x) == 0 // typeof(long) names a type, not a column
		}
		return true
	})
	return names
}

// FindSearches reports whether find searches a table with the columns
// cols: whether it has a column of each name its predicate reads (reads,
// from FindNames), but those that bound reports the query defines as a
// scalar or a table. Kusto skips the others rather than failing.
func FindSearches(cols []Column, reads map[string]bool, bound func(name string) bool) bool {
	for n := range reads {
		if _, ok := columnIndex(cols, n); !ok && !bound(n) {
			return false
		}
	}
	return true
}

// FindSourceName is the name find's source column gives the rows of
// the table in its `in` list at position arg whose tabular expression is
// t: a table's name, else find_argN.
func FindSourceName(t kql.Tabular, arg int) string {
	if ref, ok := t.(*kql.TableRef); ok {
		return ref.Name
	}
	return "find_arg" + strconv.Itoa(arg)
}

// TypeFind types find over the columns of the tables it searches (those
// that have the columns its predicate reads). The result has the source
// column (source_ unless withsource= names it); then with project-smart
// (the default) the columns the predicate reads and the columns every
// table has with one type, as the first table orders them, and pack_, a
// bag of the row's other columns; with project, the columns listed, of
// the type given or else of the first table that has them, and pack_
// when pack_all() asks for it. The source column's name must not be one
// of the others'.
func TypeFind(f *kql.Find, inputs [][]Column) (Find, error) {
	if len(inputs) == 0 {
		return Find{}, kql.Errorf(f.P, "find: no table has the columns the predicate names")
	}
	source := f.WithSource
	if source == "" {
		source = "source_"
	}
	cols := []Column{{Name: source, Type: schema.String}}
	if f.Smart {
		named := FindNames(f.Pred)
		seen := map[string]bool{}
		for _, c := range inputs[0] {
			inAll := true
			for _, in := range inputs[1:] {
				i, ok := columnIndex(in, c.Name)
				inAll = inAll && ok && in[i].Type == c.Type
			}
			if (inAll || named[c.Name]) && !c.Hidden && !seen[c.Name] {
				seen[c.Name] = true
				cols = append(cols, Column{Name: c.Name, Type: c.Type})
			}
		}
	} else {
		for _, pc := range f.Project {
			typ := schema.Type(0)
			if pc.Type != "" {
				t, err := schema.ParseType(pc.Type)
				if err != nil {
					return Find{}, kql.Errorf(f.P, "find project %s: %v", pc.Name, err)
				}
				typ = t
			}
			for _, in := range inputs {
				if i, ok := columnIndex(in, pc.Name); ok && typ == 0 {
					typ = in[i].Type
				}
			}
			if typ == 0 {
				return Find{}, kql.Errorf(f.P, "Failed to resolve column or scalar expression named '%s' in any table of find", pc.Name)
			}
			cols = append(cols, Column{Name: pc.Name, Type: typ})
		}
	}
	pack := f.Smart || f.PackAll
	listed := map[string]bool{}
	for _, c := range cols[1:] {
		listed[c.Name] = true
	}
	if pack {
		cols = append(cols, Column{Name: "pack_", Type: schema.Dynamic})
	}
	if _, ok := columnIndex(cols[1:], source); ok {
		return Find{}, kql.Errorf(f.P, "find: column named '%s' already exists", source)
	}
	typed := Find{Columns: cols, Feeds: make([][]int, len(inputs)), Pack: make([][]int, len(inputs))}
	for i, in := range inputs {
		feeds := make([]int, len(cols))
		feeds[0] = FeedSource
		for j, c := range cols[1:] {
			k, ok := columnIndex(in, c.Name)
			switch {
			case pack && j == len(cols)-2:
				feeds[j+1] = FeedPack
			case !ok:
				feeds[j+1] = FeedNull
			case !CanConvert(in[k].Type, c.Type):
				return Find{}, kql.Errorf(f.P, "find: column '%s' is %s in one of the tables, which does not convert to the result's %s", c.Name, in[k].Type, c.Type)
			default:
				feeds[j+1] = k
			}
		}
		typed.Feeds[i] = feeds
		if pack {
			for k, c := range in {
				if !c.Hidden && !listed[c.Name] {
					typed.Pack[i] = append(typed.Pack[i], k)
				}
			}
		}
	}
	return typed, nil
}
