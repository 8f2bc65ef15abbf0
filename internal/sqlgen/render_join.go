package sqlgen

import (
	"strings"

	"vigil/internal/plan"
)

// join writes a join or lookup, its left side read as _l and its right as
// _r: innerunique keeps the first left row of each key; the semi and anti
// kinds keep the rows of one side that have (or lack) a match, by EXISTS.
func (r *Renderer) join(n *plan.JoinNode) string {
	j := n.Join
	left, right := n.Left.Columns(), n.Right.Columns()
	var conds []string
	for _, k := range j.Keys {
		conds = append(conds, "_l."+QuoteIdent(left[k.Left].Name)+" = _r."+QuoteIdent(right[k.Right].Name))
	}
	cond := strings.Join(conds, " AND ")
	lsql := "(" + r.Node(n.Left) + ")"
	rsql := r.Node(n.Right)
	if j.Kind == "innerunique" {
		var keys []string
		for _, k := range j.Keys {
			keys = append(keys, QuoteIdent(left[k.Left].Name))
		}
		lsql = "(SELECT * FROM " + lsql + " QUALIFY row_number() OVER (PARTITION BY " + strings.Join(keys, ", ") + ") = 1)"
	}
	sel := "SELECT " + strings.Join(joinSelect(left, right, j.From, j.Columns, j.Kind != "rightsemi" && j.Kind != "rightanti"), ", ")
	switch j.Kind {
	case "leftsemi", "leftanti":
		return sel + " FROM " + lsql + " AS _l WHERE " + notIf(j.Kind == "leftanti") + "EXISTS (SELECT 1 FROM (" + rsql + ") AS _r WHERE " + cond + ")"
	case "rightsemi", "rightanti":
		return sel + " FROM (" + rsql + ") AS _r WHERE " + notIf(j.Kind == "rightanti") + "EXISTS (SELECT 1 FROM " + lsql + " AS _l WHERE " + cond + ")"
	}
	return sel + " FROM " + lsql + " AS _l " + joinKeywords[j.Kind] + " JOIN (" + rsql + ") AS _r ON " + cond
}

// joinKeywords are SQL's words for the join kinds that keep both sides'
// columns; innerunique is an inner join of the left's first row per key.
var joinKeywords = map[string]string{"innerunique": "INNER", "inner": "INNER", "leftouter": "LEFT", "rightouter": "RIGHT", "fullouter": "FULL OUTER"}

// joinSelect is the select list of a join (_l and _r its sides, of the
// columns left and right) whose result has the columns cols, from the
// input columns from; named says the right side's are named for their
// (possibly renamed) result column. evaluate ipv4_lookup selects its
// result by it too.
func joinSelect(left, right []plan.Column, from []plan.JoinRef, cols []plan.Column, named bool) []string {
	sel := make([]string, len(from))
	for i, ref := range from {
		switch {
		case !ref.Right:
			sel[i] = "_l." + QuoteIdent(left[ref.Column].Name)
		case named:
			sel[i] = "_r." + QuoteIdent(right[ref.Column].Name) + " AS " + QuoteIdent(cols[i].Name)
		default:
			sel[i] = "_r." + QuoteIdent(right[ref.Column].Name)
		}
	}
	return sel
}

// notIf is NOT where a condition is negated.
func notIf(negate bool) string {
	if negate {
		return "NOT "
	}
	return ""
}
