package sqlgen

import (
	"fmt"
	"strings"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// Renderer writes the SQL of plan nodes in a dialect. One writes one
// query: it keeps the CTEs of the materialize nodes it has written
// (With), and its dialect the query's time.
type Renderer struct {
	// D spells what differs between SQL engines (NewDuckDB).
	D Dialect
	// Scan binds a table's scan to the SQL of its rows: whoever runs the
	// query reads them from its storage.
	Scan func(*plan.Scan) string
	// Column, when set, spells a column reference by the column's name
	// where the rows are not a SELECT's: the renderer sets it while it
	// writes the expressions of such a node (scan's row struct and
	// state, a plugin's relation of its own).
	Column func(name string) string
	// hoist, while the expressions of extend, project or where are
	// written, computes a part of a window function's call as a column
	// of their input (Dialect.Window, windows).
	hoist Hoist

	// ctes are the definitions, "name AS MATERIALIZED (SELECT ...)", of
	// the CTEs that compute the materialize nodes rendered so far, in the
	// order they read each other; materialized names each node's CTE.
	// With puts them before the statement.
	ctes         []string
	materialized map[*plan.Materialize]string
}

// Node returns the SQL of the SELECT statement that gives n's rows.
func (r *Renderer) Node(n plan.Node) string {
	if r.Column != nil {
		// A binding of names is for the expressions of the node being
		// written; a node they hold (toscalar's, in's table) reads
		// rows of its own.
		defer func(saved func(string) string) { r.Column = saved }(r.Column)
		r.Column = nil
	}
	switch n := n.(type) {
	case *plan.As:
		return r.Node(n.Input)
	case *plan.Render:
		return r.Node(n.Input)
	case *plan.Filter:
		return r.filter(n)
	case *plan.Project:
		return r.project(n)
	case *plan.Count:
		return `SELECT count(*) AS "Count" FROM (` + r.Node(n.Input) + ")"
	case *plan.Pick:
		return r.pick(n)
	case *plan.Rename:
		return r.rename(n)
	case *plan.Distinct:
		return r.distinct(n)
	case *plan.SchemaTable:
		return r.schemaTable(n)
	case *plan.JoinNode:
		return r.join(n)
	case *plan.UnionNode:
		return r.union(n)
	case *plan.Aggregate:
		return r.aggregate(n)
	case *plan.Parse:
		return r.parse(n)
	case *plan.ParseKv:
		return r.parseKv(n)
	case *plan.MvExpand:
		return r.mvExpand(n)
	case *plan.Values:
		return r.values(n)
	case *plan.Range:
		return r.rangeRows(n)
	case *plan.Print:
		return r.print(n)
	case *plan.Materialize:
		return r.materialize(n)
	case *plan.TopNested:
		return r.topNested(n)
	case *plan.Ipv4Lookup:
		return r.ipv4Lookup(n)
	case *plan.Narrow:
		return r.narrow(n)
	case *plan.SchemaMerge:
		return r.schemaMerge(n)
	case *plan.RollingPercentile:
		return r.rollingPercentile(n)
	case *plan.ActivityCounts:
		return r.activityCounts(n)
	case *plan.ActivityEngagement:
		return r.activityEngagement(n)
	case *plan.SlidingWindowCounts:
		return r.slidingWindowCounts(n)
	case *plan.ActiveUsers:
		return r.activeUsers(n)
	case *plan.Pivot:
		return r.pivot(n)
	case *plan.Partition:
		return r.partition(n)
	case *plan.PartitionRows:
		return r.partitionRows(n)
	case *plan.Apply:
		return r.apply(n)
	case *plan.OuterRow:
		return r.outerRow(n)
	case *plan.FindNode:
		return r.find(n)
	case *plan.Sort:
		return r.sort(n)
	case *plan.Top:
		return r.top(n)
	case *plan.Limit:
		return r.limit(n)
	case *plan.Sample:
		return r.sample(n)
	case *plan.SampleDistinct:
		return r.sampleDistinct(n)
	case *plan.TopHitters:
		return r.topHitters(n)
	case *plan.Sequence:
		return r.sequence(n)
	case *plan.MakeSeries:
		return r.makeSeries(n)
	case *plan.Scan:
		return r.Scan(n)
	default:
		// Every node has a rendering: one without is a programming error.
		panic(fmt.Sprintf("sqlgen: no rendering of %T", n))
	}
}

// selectFrom is a SELECT of the select list sel over the rows of query (as
// _t), followed by tail: a WHERE, ORDER BY or LIMIT clause, or nothing.
func selectFrom(sel []string, query, tail string) string {
	return "SELECT " + strings.Join(sel, ", ") + " FROM (" + query + ") AS _t" + tail
}

// quotedNames is the names of cols, quoted: the select list that passes
// cols on by their names.
func quotedNames(cols []plan.Column) []string {
	sel := make([]string, len(cols))
	for i, cl := range cols {
		sel[i] = QuoteIdent(cl.Name)
	}
	return sel
}

// slotSelect is the select list of slots (plan.Extend's and the like) over
// the columns in: a column passed on is read by its name, a computed one
// by its SQL in entries ("... AS name").
func slotSelect(in []plan.Column, slots []plan.Slot, entries []string) []string {
	sel := make([]string, len(slots))
	for i, s := range slots {
		if s.From >= 0 {
			sel[i] = QuoteIdent(in[s.From].Name)
		} else {
			sel[i] = entries[s.Item]
		}
	}
	return sel
}

// Result is the statement that gives the query n's result: its visible
// columns, each in a form the driver returns losslessly (dynamic as its
// JSON text), over n's statement with the CTEs of the materialize nodes
// it holds (With).
func (r *Renderer) Result(n plan.Node) string {
	var sel []string
	for _, c := range n.Columns() {
		if c.Hidden {
			continue
		}
		expr := QuoteIdent(c.Name)
		if c.Type == schema.Dynamic {
			expr = "CAST(" + expr + " AS VARCHAR)"
		}
		sel = append(sel, expr+" AS "+QuoteIdent(c.Name))
	}
	if len(sel) == 0 {
		return "SELECT 1 WHERE false"
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM (" + r.With(r.Node(n)) + ")"
}
