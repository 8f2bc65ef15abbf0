package sqlgen

import (
	"fmt"
	"strconv"
	"strings"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// values writes datatable's rows as a VALUES list named for its columns;
// without rows, a row of typed nulls that WHERE false leaves out, so the
// columns keep their types.
func (r *Renderer) values(n *plan.Values) string {
	if len(n.Rows) == 0 {
		sel := make([]string, len(n.Cols))
		for i, cl := range n.Cols {
			sel[i] = null(cl.Type) + " AS " + QuoteIdent(cl.Name)
		}
		return "SELECT " + strings.Join(sel, ", ") + " WHERE false"
	}
	rows := make([]string, len(n.Rows))
	for i, row := range n.Rows {
		vals := make([]string, len(row))
		for j, v := range row {
			vals[j] = r.Expr(v)
		}
		rows[i] = "(" + strings.Join(vals, ", ") + ")"
	}
	return "SELECT * FROM (VALUES " + strings.Join(rows, ", ") + ") AS _v(" + strings.Join(quotedNames(n.Cols), ", ") + ")"
}

// rangeRows writes range by generate_series: over datetimes with a step
// of ticks, over longs (and timespans, which are ticks) as BIGINT, and
// over reals by counting the steps that fit between the bounds, which
// generate_series cannot do for DOUBLE.
func (r *Renderer) rangeRows(n *plan.Range) string {
	name := QuoteIdent(n.Column.Name)
	from, to, step := r.Expr(n.From), r.Expr(n.To), r.Expr(n.Step)
	switch n.Column.Type {
	case schema.DateTime:
		return fmt.Sprintf("SELECT generate_series AS %s FROM generate_series(%s, %s, %s)", name, from, to, ticksInterval(step))
	case schema.Real:
		return fmt.Sprintf("SELECT CAST(%s + i * (%s) AS DOUBLE) AS %s FROM generate_series(0, CAST(floor((%s - %s) / (%s)) AS BIGINT)) AS _g(i)", from, step, name, to, from, step)
	}
	return fmt.Sprintf("SELECT generate_series AS %s FROM generate_series(CAST(%s AS BIGINT), CAST(%s AS BIGINT), CAST(%s AS BIGINT))", name, from, to, step)
}

// print writes print's row as a SELECT without FROM. Each value is cast
// to its type, as SQL would otherwise guess one (an integer literal's);
// a null literal and an element of a tuple have theirs already.
func (r *Renderer) print(n *plan.Print) string {
	sel := make([]string, len(n.Items))
	for i, x := range n.Items {
		v := r.Expr(x)
		l, literal := x.(*plan.Literal)
		_, element := x.(*plan.Element)
		if !element && !(literal && l.Value == nil) {
			v = "CAST(" + v + " AS " + DuckDBType(x.Type()) + ")"
		}
		sel[i] = v + " AS " + QuoteIdent(n.Cols[i].Name)
	}
	return "SELECT " + strings.Join(sel, ", ")
}

// materialize writes a read of the CTE that computes n's input, which
// it defines the first time it meets n (With puts it before the
// statement): a node read in several places is computed once.
func (r *Renderer) materialize(n *plan.Materialize) string {
	name, ok := r.materialized[n]
	if !ok {
		// The input first: the CTEs it reads come before its own.
		body := r.Node(n.Input)
		name = QuoteIdent("_mat" + strconv.Itoa(len(r.ctes)))
		r.ctes = append(r.ctes, name+" AS MATERIALIZED ("+body+")")
		if r.materialized == nil {
			r.materialized = map[*plan.Materialize]string{}
		}
		r.materialized[n] = name
	}
	return "SELECT * FROM " + name
}

// With is query preceded by the CTEs of the materialize nodes rendered so
// far, which it may read: the statement of a plan whose nodes the
// renderer has written.
func (r *Renderer) With(query string) string {
	if len(r.ctes) == 0 {
		return query
	}
	return "WITH " + strings.Join(r.ctes, ", ") + " " + query
}

// find writes find as a UNION ALL of a SELECT per input of the rows its
// predicate matches, each giving every result column what Find's feeds
// say: one of the input's columns (converted to the column's type), the
// input's name, a null of the column's type or the bag of the input's
// other columns (pack_).
func (r *Renderer) find(n *plan.FindNode) string {
	cols := n.Find.Columns
	parts := make([]string, len(n.Inputs))
	for i, in := range n.Inputs {
		inCols := in.Columns()
		sel := make([]string, len(cols))
		for j, cl := range cols {
			switch k := n.Find.Feeds[i][j]; k {
			case plan.FeedSource:
				sel[j] = QuoteString(n.Sources[i]) + " AS " + QuoteIdent(cl.Name)
			case plan.FeedNull:
				sel[j] = null(cl.Type) + " AS " + QuoteIdent(cl.Name)
			case plan.FeedPack:
				sel[j] = r.findPack(inCols, n.Find.Pack[i]) + " AS pack_"
			default:
				sel[j] = r.D.Convert(Arg{SQL: QuoteIdent(cl.Name), Type: inCols[k].Type}, cl.Type) + " AS " + QuoteIdent(cl.Name)
			}
		}
		parts[i] = "SELECT " + strings.Join(sel, ", ") + " FROM (" + r.Node(in) + ") AS _t WHERE " + r.Expr(n.Preds[i])
	}
	return strings.Join(parts, " UNION ALL ")
}

// findPack is the bag of a row's non-empty values of the columns cols at
// the indexes packed, find's pack_.
func (r *Renderer) findPack(cols []plan.Column, packed []int) string {
	if len(packed) == 0 {
		return "CAST('{}' AS JSON)"
	}
	picked := make([]plan.Column, len(packed))
	for i, k := range packed {
		picked[i] = cols[k]
	}
	return r.rowBag(picked, true)
}
