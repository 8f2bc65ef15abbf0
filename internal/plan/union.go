package plan

import (
	"strconv"
	"strings"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// What fills a column of union's result for an input, besides the index
// of one of the input's columns (Union.Feeds).
const (
	// FeedNull fills the column with nulls: the input has no such column.
	FeedNull = -1
	// FeedSource fills the withsource= column with the input's name.
	FeedSource = -2
)

// Union is a typed union: the columns of its result and what each input
// puts in them.
type Union struct {
	// Columns are the result's columns, the withsource= column first
	// when there is one.
	Columns []Column
	// Feeds[i][j] is the index of the column of input i that fills
	// Columns[j], FeedNull or FeedSource.
	Feeds [][]int
}

// TypeUnion types union over the columns of its inputs, in order (the
// piped input first). The result has the columns of any input (kind=outer,
// the default) or of every input (kind=inner), in order of first
// appearance; a name that has different types in different inputs
// becomes one column per type, named name_type (with a number where that
// name is taken), as in Kusto. withsource= adds a string column first,
// whose name must not be one of the others'.
func TypeUnion(u *kql.Union, inputs [][]Column) (Union, error) {
	if len(inputs) == 0 {
		return Union{}, kql.Errorf(u.P, "union has no tables to read")
	}
	types := map[string]map[schema.Type]bool{}
	taken := map[string]bool{}
	for _, in := range inputs {
		for _, c := range in {
			if types[c.Name] == nil {
				types[c.Name] = map[schema.Type]bool{}
			}
			types[c.Name][c.Type] = true
			taken[c.Name] = true
		}
	}
	// outNames[i][k] is the result column that column k of input i fills.
	split := map[string]string{}
	outNames := make([][]string, len(inputs))
	for i, in := range inputs {
		for _, c := range in {
			name := c.Name
			if len(types[c.Name]) > 1 {
				key := c.Name + "\x00" + c.Type.String()
				if split[key] == "" {
					n := c.Name + "_" + c.Type.String()
					for i := 1; taken[n]; i++ {
						n = c.Name + "_" + c.Type.String() + strconv.Itoa(i)
					}
					taken[n] = true
					split[key] = n
				}
				name = split[key]
			}
			outNames[i] = append(outNames[i], name)
		}
	}
	var cols []Column
	index := map[string]int{} // result column -> its index in cols
	count := map[string]int{} // result column -> inputs that fill it
	for i, in := range inputs {
		for k, c := range in {
			name := outNames[i][k]
			count[name]++
			if _, ok := index[name]; !ok {
				index[name] = len(cols)
				c.Name = name
				cols = append(cols, c)
			}
		}
	}
	if u.Kind == "inner" {
		var common []Column
		for _, c := range cols {
			if count[c.Name] == len(inputs) {
				common = append(common, c)
			}
		}
		cols = common
	}
	if u.WithSource != "" {
		if _, ok := columnIndex(cols, u.WithSource); ok {
			return Union{}, kql.Errorf(u.P, "union: column named '%s' already exists", u.WithSource)
		}
		cols = append([]Column{{Name: u.WithSource, Type: schema.String}}, cols...)
	}
	feeds := make([][]int, len(inputs))
	for i := range inputs {
		feeds[i] = make([]int, len(cols))
		for j, c := range cols {
			feeds[i][j] = FeedNull
			if j == 0 && u.WithSource != "" {
				feeds[i][j] = FeedSource
				continue
			}
			for k, name := range outNames[i] {
				if name == c.Name {
					feeds[i][j] = k
					break
				}
			}
		}
	}
	return Union{Columns: cols, Feeds: feeds}, nil
}

// UnionSourceName is the name union's withsource= column gives the rows
// of its argument number arg (the piped input is number 0) whose
// tabular expression is t (nil for the piped input): the name the as
// operator gave them, else the table's name, else union_argN.
func UnionSourceName(t kql.Tabular, arg int, as string) string {
	if as != "" {
		return as
	}
	if ref, ok := t.(*kql.TableRef); ok {
		return ref.Name
	}
	return "union_arg" + strconv.Itoa(arg)
}

// IsTablePattern reports whether a table name union, find or search
// reads is a pattern, such as App*, that stands for every table it
// matches.
func IsTablePattern(name string) bool {
	return strings.Contains(name, "*")
}

// MatchTables are the tables of names that pattern matches, in order.
func MatchTables(pattern string, names []string) []string {
	var out []string
	for _, n := range names {
		if matchWildcard(pattern, n) {
			out = append(out, n)
		}
	}
	return out
}
