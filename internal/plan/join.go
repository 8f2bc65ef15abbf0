package plan

import (
	"strconv"

	"vigil/internal/kql"
)

// Join is a typed join or lookup: its kind and the columns of its result,
// each with the input column it is.
type Join struct {
	// Kind is the join's kind by its canonical name: innerunique, inner,
	// leftouter, rightouter, fullouter, leftsemi, leftanti, rightsemi or
	// rightanti (anti and leftantisemi are leftanti, rightantisemi is
	// rightanti).
	Kind string
	// Columns are the result's columns.
	Columns []Column
	// From holds, for each of Columns, the input column it is.
	From []JoinRef
	// Keys are the columns the sides match on, a pair each, in the
	// order the query gives them.
	Keys []JoinKey
}

// JoinKey is a pair of join keys: the index of a column of the left
// side and of the right's whose values must be equal.
type JoinKey struct{ Left, Right int }

// JoinRef names a column of a join's input: of its right side or its
// left, by index.
type JoinRef struct {
	Right  bool
	Column int
}

// joinKinds maps the kinds a query may name to their canonical names.
var joinKinds = map[string]string{
	"innerunique": "innerunique", "inner": "inner",
	"leftouter": "leftouter", "rightouter": "rightouter", "fullouter": "fullouter",
	"leftsemi": "leftsemi", "rightsemi": "rightsemi",
	"leftanti": "leftanti", "anti": "leftanti", "leftantisemi": "leftanti",
	"rightanti": "rightanti", "rightantisemi": "rightanti",
}

// TypeJoin types join over the columns of its left and right inputs: its
// kind defaults to innerunique, and the result has both sides' columns,
// the right's renamed where the left's names are taken, except that the
// semi and anti kinds keep one side's alone.
func TypeJoin(j *kql.Join, left, right []Column) (Join, error) {
	kind := j.Kind
	if kind == "" {
		kind = "innerunique"
	}
	return typeJoin(j.P, kind, j.On, left, right, false)
}

// TypeLookup types lookup as a join of its kind (leftouter by default)
// whose result leaves out the right side's key columns, since they equal
// the left's.
func TypeLookup(l *kql.Lookup, left, right []Column) (Join, error) {
	kind := l.Kind
	if kind == "" {
		kind = "leftouter"
	}
	return typeJoin(l.P, kind, l.On, left, right, true)
}

// typeJoin checks that the keys on name columns of comparable types on
// their sides, then gives the keys' columns and the result's columns for
// the kind.
func typeJoin(pos kql.Pos, kind string, on [][2]string, left, right []Column, lookup bool) (Join, error) {
	rightKeys := map[string]bool{}
	var keys []JoinKey
	for _, k := range on {
		l, ok := columnIndex(left, k[0])
		if !ok {
			return Join{}, kql.Errorf(pos, "Failed to resolve column or scalar expression named '%s' on the left side of the join", k[0])
		}
		r, ok := columnIndex(right, k[1])
		if !ok {
			return Join{}, kql.Errorf(pos, "Failed to resolve column or scalar expression named '%s' on the right side of the join", k[1])
		}
		lt, rt := left[l].Type, right[r].Type
		if lt != rt && !(IsNumeric(lt) && IsNumeric(rt)) {
			return Join{}, kql.Errorf(pos, "join key %s is %s on the left but %s on the right", k[0], lt, rt)
		}
		rightKeys[k[1]] = true
		keys = append(keys, JoinKey{Left: l, Right: r})
	}
	j := Join{Kind: joinKinds[kind], Keys: keys}
	switch j.Kind {
	case "leftsemi", "leftanti":
		j.Columns, j.From = appendSide(nil, nil, left, false)
		return j, nil
	case "rightsemi", "rightanti":
		j.Columns, j.From = appendSide(nil, nil, right, true)
		return j, nil
	case "":
		return Join{}, kql.Errorf(pos, "Unknown join kind '%s'", kind)
	}
	var skip map[string]bool
	if lookup {
		skip = rightKeys
	}
	j.Columns, j.From = JoinColumns(left, right, skip)
	return j, nil
}

// appendSide appends the columns of one side of a join, as they are.
func appendSide(cols []Column, from []JoinRef, side []Column, right bool) ([]Column, []JoinRef) {
	for i, c := range side {
		cols = append(cols, c)
		from = append(from, JoinRef{Right: right, Column: i})
	}
	return cols, from
}

// JoinColumns are the columns of a join of left and right that keeps
// both sides' columns, but the right's named in skip: the left's, then
// the right's, one whose name is taken renamed as Kusto does (Name1,
// Name2, ...). From gives each one's input column.
func JoinColumns(left, right []Column, skip map[string]bool) (cols []Column, from []JoinRef) {
	cols, from = appendSide(nil, nil, left, false)
	taken := map[string]bool{}
	for _, c := range left {
		taken[c.Name] = true
	}
	for i, c := range right {
		if skip[c.Name] {
			continue
		}
		name := c.Name
		for n := 1; taken[name]; n++ {
			name = c.Name + strconv.Itoa(n)
		}
		taken[name] = true
		c.Name = name
		cols = append(cols, c)
		from = append(from, JoinRef{Right: true, Column: i})
	}
	return cols, from
}

// columnIndex is the index of the column named name, the first if there
// are several.
func columnIndex(cols []Column, name string) (int, bool) {
	for i, c := range cols {
		if c.Name == name {
			return i, true
		}
	}
	return 0, false
}
