package plan

import "vigil/internal/schema"

// NotNull names the columns of n known to hold a value in every row, so
// that work meant for nulls can be left out (arg_max's fallback): a
// stored table's TimeGenerated, which the store fills in every row,
// passed on by the operators that keep the rows' values as they are.
func NotNull(n Node) map[string]bool {
	switch n := n.(type) {
	case *Scan:
		if n.Stored {
			return map[string]bool{schema.ColTimeGenerated: true}
		}
	case *Filter, *As, *Render, *Materialize, *Sort, *Top, *Limit:
		return NotNull(n.Reads()[0])
	}
	return nil
}

// RenderOf is the render operator whose drawing the rows of n keep (nil
// when none): the rows went through it last, and what came after passed
// it on. An operator over one input passes its input's, and so do
// ipv4_lookup and mv-apply; partition passes its subquery's; the
// plugins that make tables of their own (narrow, schema_merge,
// rolling_percentile, activity_engagement, active_users_count) and a
// partition's rows, its subquery's source, pass none.
func RenderOf(n Node) *Render {
	switch n := n.(type) {
	case *Render:
		return n
	case *Ipv4Lookup:
		return RenderOf(n.Input)
	case *Apply:
		return RenderOf(n.Input)
	case *Partition:
		return RenderOf(n.Sub)
	case *PartitionRows, *Narrow, *SchemaMerge, *RollingPercentile, *ActivityEngagement, *ActiveUsers:
		return nil
	}
	if in := n.Reads(); len(in) == 1 {
		return RenderOf(in[0])
	}
	return nil
}
