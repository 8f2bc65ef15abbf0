package plan

import (
	"strconv"
	"strings"

	"vigil/internal/kql"
)

// Names are the names an operator's output has taken so far, which
// summarize keeps unique as Kusto does.
type Names map[string]bool

// Unique is name, or, when it is taken, name1, name2, ... the first of
// those that is not; the name returned is taken.
func (u Names) Unique(name string) string {
	base := name
	for i := 1; u[name]; i++ {
		name = base + strconv.Itoa(i)
	}
	u[name] = true
	return name
}

// AggNames are Kusto's default names of the columns of aggregate call,
// whose arguments are args (but a `*`; each may be nil where it is not a
// plan's expression, which makes it no constant): its prefix (AggPrefix)
// and its first argument's name, as in sum_Duration, or the prefix
// alone, less its '_', for an expression; an *if variant's prefix and
// its argument's name, or the prefix alone, but take_anyif of a column
// is named by the column, as Kusto's is; take_any's and any's columns
// AnyName's; covariance's prefix and both its arguments' names; and for
// each percentile asked for, percentile_, the values' name and the
// percentile's value, as in percentile_Duration_95, which must be a
// constant number.
func AggNames(call *kql.Call, args []Expr) ([]string, error) {
	prefix := AggPrefix(call.Name)
	if call.Name == "take_anyif" {
		// Named after its value, as take_any's one column is.
		if name, ok := DerivedName(call.Args[0]); ok {
			return []string{name}, nil
		}
	}
	if call.Name == "take_any" || call.Name == "any" {
		names := make([]string, len(call.Args))
		for i, a := range call.Args {
			names[i] = AnyName(call.Name, a, i)
		}
		return names, nil
	}
	if call.Name == "percentile" || call.Name == "percentiles" {
		base := ByName(call.Args[0], 0)
		var names []string
		for i, p := range call.Args[1:] {
			name, err := percentileName(p, ConstOf(args[i+1]))
			if err != nil {
				return nil, err
			}
			names = append(names, prefix+base+"_"+name)
		}
		return names, nil
	}
	// countif's prefix ends in if_ and it takes one argument, its
	// predicate, so it is named by the prefix alone.
	name := prefix
	ifPrefix := strings.HasSuffix(prefix, "if_")
	if len(call.Args) > 0 && !ifPrefix {
		name = prefix + ByName(call.Args[0], 0)
		if _, ok := call.Args[0].(*kql.Ident); !ok {
			if _, isMember := call.Args[0].(*kql.Member); !isMember {
				name = strings.TrimSuffix(prefix, "_")
			}
		}
	} else if ifPrefix && len(call.Args) > 1 {
		name = prefix + ByName(call.Args[0], 0)
	}
	if strings.HasPrefix(call.Name, "covariance") && len(call.Args) > 1 {
		name = prefix + ByName(call.Args[0], 0) + "_" + ByName(call.Args[1], 0)
	}
	return []string{name}, nil
}

// percentileName is the name Kusto gives a percentile, p, in the name
// of its column: its value, v, a '_' for its decimal point, as 95 in
// percentile_x_95 and 99_9 in percentile_x_99_9. Kusto requires the
// percentile to be a constant: a literal, or a let bound to one (not a
// column that shadows a let of its name), whose value ConstOf gives.
func percentileName(p kql.Expr, v any) (string, error) {
	switch v := v.(type) {
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strings.ReplaceAll(strconv.FormatFloat(v, 'f', -1, 64), ".", "_"), nil
	}
	return "", kql.Errorf(p.Position(), "The percentile must be a constant number")
}

// AnyName is the name of the column of take_any's (or any's) argument
// e, the i-th (from 0): the name Kusto derives for it (a column's own,
// as AnyColumn gives it), else any_argI, the aggregate's prefix
// (AggPrefix) and argI.
func AnyName(fn string, e kql.Expr, i int) string {
	name, ok := DerivedName(e)
	if !ok {
		return AggPrefix(fn) + "arg" + strconv.Itoa(i)
	}
	return AnyColumn(fn, name)
}

// AnyColumn is the name of take_any's (or any's) column of a value
// named name: the name itself, which the deprecated any prefixes with
// its prefix, any_, as Kusto documents.
func AnyColumn(fn, name string) string {
	if fn == "any" {
		return AggPrefix(fn) + name
	}
	return name
}
