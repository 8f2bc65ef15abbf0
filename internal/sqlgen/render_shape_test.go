package sqlgen

import (
	"testing"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// TestShapeRendering pins the SQL of the column-shaping nodes: columns
// are read and named by quoted names, whatever the slots' order, and
// getschema's rows are constants with its four columns.
func TestShapeRendering(t *testing.T) {
	in := rows("SELECT * FROM t",
		plan.Column{Name: "a", Type: schema.Long},
		plan.Column{Name: `q"x`, Type: schema.String},
		plan.Column{Name: "h", Type: schema.Long, Hidden: true},
	)
	pass := func(i int, name string) plan.Slot {
		c := in.Cols[i]
		c.Name = name
		return plan.Slot{Column: c, From: i, Item: -1}
	}
	r := testRenderer()
	for _, tc := range []struct {
		name string
		node plan.Node
		want string
	}{
		// project-reorder (and the like): the slots' order, not the input's.
		{"pick", &plan.Pick{Input: in, Slots: []plan.Slot{pass(1, `q"x`), pass(0, "a")}},
			`SELECT "q""x", "a" FROM (SELECT * FROM t) AS _t`},
		// project-rename writes every column "old AS new", renamed or not.
		{"rename", &plan.Rename{Input: in, Slots: []plan.Slot{pass(0, "b"), pass(1, `q"x`), pass(2, "h")}},
			`SELECT "a" AS "b", "q""x" AS "q""x", "h" AS "h" FROM (SELECT * FROM t) AS _t`},
		// distinct * leaves the hidden column out; its FROM has no alias.
		{"distinct", &plan.Distinct{Input: in, Slots: []plan.Slot{pass(0, "a"), pass(1, `q"x`)}},
			`SELECT DISTINCT "a", "q""x" FROM (SELECT * FROM t)`},
		{"schema", &plan.SchemaTable{Rows: []plan.SchemaRow{
			{ColumnName: "a", ColumnOrdinal: 0, DataType: "System.Int64", ColumnType: "long"},
			{ColumnName: "it's", ColumnOrdinal: 1, DataType: "System.String", ColumnType: "string"},
		}}, `SELECT * FROM (VALUES ('a', 0, 'System.Int64', 'long'), ('it''s', 1, 'System.String', 'string')) AS _s("ColumnName", "ColumnOrdinal", "DataType", "ColumnType")`},
	} {
		if got := r.Node(tc.node); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}
