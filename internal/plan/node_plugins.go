package plan

import (
	"strconv"
	"strings"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// The nodes of evaluate's plugins. Several compute over relations of
// their own, whose columns have names of the plugin's (_w, the start of
// a window; _p, an active period): an expression over such a column is
// built over that column alone, and the renderer says where it is read
// from while it writes the expression (sqlgen.Renderer.Column).

// Ipv4Lookup is evaluate ipv4_lookup: each row of Input with the columns
// of the row of Lookup whose range (an address or a CIDR block) holds
// its address and whose extra keys equal its own, the narrowest range
// winning where several do.
type Ipv4Lookup struct {
	// Input is the piped rows, Lookup the lookup table.
	Input, Lookup Node
	// Addr is the row's address as a number (parse_ipv4), over Input.
	Addr Expr
	// Range is the name of Lookup's range column, a string.
	Range string
	// Low is the lowest address of the range as a number (parse_ipv4 of
	// the range column), over Lookup.
	Low Expr
	// Keys are the extra keys, columns of both tables, of one type.
	Keys []string
	// Unmatched keeps the rows of Input without a match
	// (return_unmatched = true), with nulls for Lookup's columns.
	Unmatched bool
	// Result are the result's columns (JoinColumns without the keys'
	// second copies), and From each one's input column.
	Result []Column
	From   []JoinRef
}

// Columns are Result.
func (n *Ipv4Lookup) Columns() []Column { return n.Result }

// Reads are the nodes the plugin reads.
func (n *Ipv4Lookup) Reads() []Node { return []Node{n.Input, n.Lookup} }

// Narrow is evaluate narrow: one row per cell of Input's visible
// columns, with the row's 0-based number, the column's name and the
// value as a string.
type Narrow struct {
	Input Node
	// Cells are the columns whose cells become rows: Input's, but the
	// hidden ones.
	Cells []Column
}

// NewNarrow is narrow over in.
func NewNarrow(in Node) *Narrow {
	n := &Narrow{Input: in}
	for _, cl := range in.Columns() {
		if !cl.Hidden {
			n.Cells = append(n.Cells, cl)
		}
	}
	return n
}

// Columns are narrow's Row, Column and Value.
func (n *Narrow) Columns() []Column {
	return []Column{{Name: "Row", Type: schema.Long}, {Name: "Column", Type: schema.String}, {Name: "Value", Type: schema.String}}
}

// Reads is the input.
func (n *Narrow) Reads() []Node { return []Node{n.Input} }

// SchemaMerge is evaluate schema_merge over the union of getschema's
// results (their columns ColumnName, ColumnOrdinal, DataType and
// ColumnType): each column once, in the order it first appears,
// renumbered, with the first type it has.
type SchemaMerge struct{ Input Node }

// Columns are getschema's.
func (n *SchemaMerge) Columns() []Column {
	return []Column{{Name: "ColumnName", Type: schema.String}, {Name: "ColumnOrdinal", Type: schema.Int},
		{Name: "DataType", Type: schema.String}, {Name: "ColumnType", Type: schema.String}}
}

// Reads is the input.
func (n *SchemaMerge) Reads() []Node { return []Node{n.Input} }

// RollingPercentile is evaluate rolling_percentile: for each bin of the
// index (and each combination of the dimensions) the percentile of the
// values in that bin and the bins of the window before it.
type RollingPercentile struct {
	Input Node
	// Index is the index column, which the result's bins are named for.
	Index Column
	// Bin is the index's bin, over Input.
	Bin Expr
	// Size is the bin size, Window the number of bins per window, a long.
	Size, Window Expr
	// Dims are the dimension columns, Input's.
	Dims []Column
	// Name is the percentile's column,
	// rolling_<BinsPerWindow>_percentile_<Value>_<Percentile>.
	Name string
	// Percentile is the percentile's aggregate, over Input's columns and
	// BinName.
	Percentile *AggCall
	// BinName is the column of the bin whose window a row is counted in,
	// and RowBin that of the row's own bin, both named apart from Input's
	// columns (Apart of _rb and _vb).
	BinName, RowBin string
}

// Columns are the index's, the dimensions' and the percentile's.
func (n *RollingPercentile) Columns() []Column {
	cols := append([]Column{n.Index}, n.Dims...)
	return append(cols, Column{Name: n.Name, Type: n.Percentile.Sig.Results[0]})
}

// Reads is the input.
func (n *RollingPercentile) Reads() []Node { return []Node{n.Input} }

// Activity is what the activity plugins (activity_counts_metrics,
// activity_engagement, sliding_window_counts, active_users_count) read
// of their input: ids over time, by dimensions.
type Activity struct {
	Input Node
	// ID is the id column's value, over Input.
	ID Expr
	// Time is the time column's value, a datetime, over Input.
	Time Expr
	// Timeline is the time column's name, which the result's column of
	// the windows has.
	Timeline string
	// Dims are the dimension columns, Input's.
	Dims []Column
}

// columns are the result's: the windows' and the dimensions', then
// counts, longs of those names.
func (a *Activity) columns(counts ...string) []Column {
	cols := append([]Column{{Name: a.Timeline, Type: schema.DateTime}}, a.Dims...)
	for _, name := range counts {
		cols = append(cols, Column{Name: name, Type: schema.Long})
	}
	return cols
}

// ActivityCounts is evaluate activity_counts_metrics: for each window
// from Start to End and each combination of the dimensions, the rows in
// it, their distinct ids, the ids seen for the first time since Start
// and the distinct ids so far.
type ActivityCounts struct {
	Activity
	// Windows are the windows' starts, column _w (range from Start to End).
	Windows Node
	// Bin is the window a row is in, over Input.
	Bin Expr
	// Start and End are the period's bounds, datetimes.
	Start, End Expr
}

// Columns are the window's, the dimensions', count, dcount, new_dcount
// and aggregated_dcount.
func (n *ActivityCounts) Columns() []Column {
	return n.columns("count", "dcount", "new_dcount", "aggregated_dcount")
}

// Reads are the nodes the plugin reads.
func (n *ActivityCounts) Reads() []Node { return []Node{n.Input, n.Windows} }

// ActivityEngagement is evaluate activity_engagement: for each inner
// window with activity (per combination of the dimensions) the distinct
// ids in it, those in the outer window that ends with it, and their
// ratio.
type ActivityEngagement struct {
	Activity
	// Bin is the inner window a row is in, over Input.
	Bin Expr
	// Start and End bound the rows counted, from Start up to End; both
	// nil where the plugin is given no period.
	Start, End Expr
	// InnerEnd and OuterStart are where the inner window ends and the
	// outer one starts, over the window's start, _w.
	InnerEnd, OuterStart Expr
}

// Columns are the window's, the counts and their ratio, then the
// dimensions'.
func (n *ActivityEngagement) Columns() []Column {
	return append([]Column{{Name: n.Timeline, Type: schema.DateTime}, {Name: "dcount_activities_inner", Type: schema.Long},
		{Name: "dcount_activities_outer", Type: schema.Long}, {Name: "activity_ratio", Type: schema.Real}}, n.Dims...)
}

// Reads is the input.
func (n *ActivityEngagement) Reads() []Node { return []Node{n.Input} }

// SlidingWindowCounts is evaluate sliding_window_counts: for each bin
// from Start to End (and each combination of the dimensions) the rows
// and the distinct ids of the bins in the lookback that ends with it.
type SlidingWindowCounts struct {
	Activity
	// Bins are the bins' starts, column _w (range from Start to End).
	Bins Node
	// Bin is the bin a row is in, over Input.
	Bin Expr
	// From is where the lookback ending with a bin starts, over the bin's
	// start, _w.
	From Expr
}

// Columns are the bin's, the dimensions', Count and Dcount.
func (n *SlidingWindowCounts) Columns() []Column { return n.columns("Count", "Dcount") }

// Reads are the nodes the plugin reads.
func (n *SlidingWindowCounts) Reads() []Node { return []Node{n.Input, n.Bins} }

// ActiveUsers is evaluate active_users_count: for each bin from Start to
// End, the distinct ids active in it that, at a period they were active
// in, had been active in at least Need periods of the lookback ending
// with it.
type ActiveUsers struct {
	Activity
	// Period is the period a row is in, over Input.
	Period Expr
	// Start and End bound the periods counted, datetimes.
	Start, End Expr
	// Need is the number of active periods an id needs, a long.
	Need Expr
	// From is where the lookback ending with a period starts, over the
	// period, _p.
	From Expr
	// Bin is the bin a period is in, over the period, _p.
	Bin Expr
}

// Columns are the bin's, the dimensions' and dcount.
func (n *ActiveUsers) Columns() []Column { return n.columns("dcount") }

// Reads is the input.
func (n *ActiveUsers) Reads() []Node { return []Node{n.Input} }

// Apart is name, or else name followed by 1, 2, ..., the first that no
// column of cols has, regardless of case, as DuckDB reads names: a
// column a plugin adds for its own use beside cols, which their names
// must not hide. name is a bare identifier, and so is the result.
func Apart(cols []Column, name string) string {
	out := name
	for i := 1; ; i++ {
		taken := false
		for _, cl := range cols {
			taken = taken || strings.EqualFold(cl.Name, out)
		}
		if !taken {
			return out
		}
		out = name + strconv.Itoa(i)
	}
}

// Pivot is evaluate pivot: one row per combination of By, and per
// value of Key a column of that value's aggregate.
type Pivot struct {
	Input Node
	// Key is the value whose distinct values become columns, as a
	// string, over Input; the aggregates read it as the column KeyName.
	Key Expr
	// KeyName is Key's column, named apart from Input's (Apart of _pv).
	KeyName string
	// By are the group keys, each its column.
	By []Named
	// Values are the values' columns, each an aggregate over Input's
	// columns and KeyName (which sees only that value's rows) named for
	// its value.
	Values []AggItem
}

// Columns are the keys', then the values'.
func (n *Pivot) Columns() []Column {
	var cols []Column
	for _, k := range n.By {
		cols = append(cols, Column{Name: k.Name, Type: k.Expr.Type()})
	}
	for _, v := range n.Values {
		cols = append(cols, Column{Name: v.Names[0], Type: v.Call.Sig.Results[0]})
	}
	return cols
}

// Reads is the input.
func (n *Pivot) Reads() []Node { return []Node{n.Input} }

// BagProperty is a property of the bags bag_unpack unpacks, as the data
// has it: its key and its values' type.
type BagProperty struct {
	Key  string
	Type schema.Type
}

// BagUnpack is evaluate bag_unpack over in, of the bag value (the column
// source, or "" for an expression), whose bags have props: a project
// of in's columns but source and a column per property, named prefix
// and its key, but those ignored. A property whose column is one of in's
// fails, unless conflict is keep_source (the column stays, the property
// is left out) or replace_source (the property replaces the column).
func BagUnpack(in Node, value Expr, source string, props []BagProperty, prefix, conflict string, ignored map[string]bool, p kql.Pos) (*Project, error) {
	cols := in.Columns()
	taken := map[string]bool{}
	for _, cl := range cols {
		if cl.Name != source {
			taken[cl.Name] = true
		}
	}
	var items []Expr
	var unpacked []Slot
	for _, pr := range props {
		if ignored[pr.Key] {
			continue
		}
		name := prefix + pr.Key
		if taken[name] {
			switch conflict {
			case "keep_source":
				continue
			case "replace_source":
				delete(taken, name)
			default:
				return nil, kql.Errorf(p, "bag_unpack: the property '%s' clashes with the column of the same name; use columnsConflict='replace_source' or 'keep_source'", name)
			}
		}
		unpacked = append(unpacked, Slot{Column: Column{Name: name, Type: pr.Type}, From: -1, Item: len(items)})
		items = append(items, &Element{X: value, Field: pr.Key, T: pr.Type})
	}
	var slots []Slot
	for i, cl := range cols {
		if cl.Name != source && taken[cl.Name] {
			slots = append(slots, passed(cols, i))
		}
	}
	slots = append(slots, unpacked...)
	if len(slots) == 0 {
		return nil, kql.Errorf(p, "bag_unpack leaves no columns")
	}
	return &Project{Input: in, Slots: slots, Items: items}, nil
}
