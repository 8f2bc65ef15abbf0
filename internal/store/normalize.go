package store

import (
	"fmt"
	"time"

	"vigil/internal/schema"
)

// systemColumns are filled by the store and may not come in a batch.
// _ItemId is derived in relations from the row's origin, so it is not
// stored at all.
var systemColumns = map[string]bool{
	schema.ColTenantID: true, schema.ColType: true, schema.ColItemID: true,
	schema.ColTimeReceived: true, schema.ColBatchSeq: true, schema.ColBatchRow: true,
}

// recordColumns returns the columns of def that a WAL record carries: all
// but _ItemId, _BatchSeq and _BatchRow, which follow from the record.
func recordColumns(def *schema.Table) []schema.Column {
	cols := make([]schema.Column, 0, len(def.Columns))
	for _, c := range def.Columns {
		switch c.Name {
		case schema.ColItemID, schema.ColBatchSeq, schema.ColBatchRow:
			continue
		}
		cols = append(cols, c)
	}
	return cols
}

// validName reports whether s is a table or column name Vigil accepts: a
// letter or underscore, then letters, digits and underscores, at most 128.
func validName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i, c := range s {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// normalize maps a batch onto its table. It returns the record columns
// (the table's, grown by any new custom columns) and the rows in canonical
// values. def is the table's definition, nil for a new custom table. For a
// custom table a value that does not convert to its column's type goes to
// a column named after the column and the value's type (Latency_string),
// so nothing is lost and the batch is not refused; for a built-in table it
// is an error naming the column, row and value, as it is for a
// TimeGenerated that is not a time.
func normalize(workspace string, def *schema.Table, b *Batch, received time.Time) (*schema.Table, []schema.Column, [][]any, error) {
	custom := def == nil || def.Custom
	if def == nil {
		def = &schema.Table{Name: b.Table, Custom: true, Columns: schema.StandardColumns()}
	}
	grown := def
	cols := recordColumns(def)
	index := make(map[string]int, len(cols))
	for i, c := range cols {
		index[c.Name] = i
	}
	addColumn := func(c schema.Column) int {
		if grown == def {
			grown = &schema.Table{Name: def.Name, Custom: true, Columns: append([]schema.Column(nil), def.Columns...)}
		}
		grown.Columns = append(grown.Columns, c)
		cols = append(cols, c)
		index[c.Name] = len(cols) - 1
		return len(cols) - 1
	}
	target := make([]int, len(b.Columns))
	for i, c := range b.Columns {
		if systemColumns[c.Name] {
			return nil, nil, nil, fmt.Errorf("column %s is set by Vigil and cannot be sent", c.Name)
		}
		j, ok := index[c.Name]
		if !ok {
			if !custom {
				return nil, nil, nil, fmt.Errorf("table %s has no column %q", b.Table, c.Name)
			}
			if !validName(c.Name) {
				return nil, nil, nil, fmt.Errorf("invalid column name %q: use letters, digits and underscores, starting with a letter or underscore", c.Name)
			}
			if c.Type < schema.Bool || c.Type > schema.Dynamic {
				return nil, nil, nil, fmt.Errorf("column %q has no valid type", c.Name)
			}
			j = addColumn(schema.Column{Name: c.Name, Type: c.Type})
		}
		target[i] = j
	}
	tgIdx := index[schema.ColTimeGenerated]
	rows := make([][]any, len(b.Rows))
	// The rows are cut from one allocation; a row that gains a column
	// below outgrows its cut and moves.
	width := len(cols)
	cells := make([]any, len(b.Rows)*width)
	for r, in := range b.Rows {
		if len(in) != len(b.Columns) {
			return nil, nil, nil, fmt.Errorf("row %d has %d values for %d columns", r, len(in), len(b.Columns))
		}
		row := cells[r*width : (r+1)*width : (r+1)*width]
		for len(row) < len(cols) {
			row = append(row, nil)
		}
		for i, v := range in {
			j := target[i]
			cv, err := schema.Convert(cols[j].Type, v)
			if err != nil {
				if !custom || v == nil || cols[j].Name == schema.ColTimeGenerated {
					return nil, nil, nil, fmt.Errorf("row %d, column %s: %v", r, cols[j].Name, err)
				}
				vt := schema.TypeOf(v)
				alt := cols[j].Name + "_" + vt.String()
				k, ok := index[alt]
				if !ok {
					k = addColumn(schema.Column{Name: alt, Type: vt})
					row = append(row, nil)
				}
				if cv, err = schema.Convert(cols[k].Type, v); err != nil {
					return nil, nil, nil, fmt.Errorf("row %d, column %s: %v", r, cols[k].Name, err)
				}
				j = k
			}
			row[j] = cv
		}
		rows[r] = row
	}
	// Columns added while converting later rows leave earlier rows short.
	// The values every row shares are boxed once.
	tenant, typ, recv := any(workspace), any(b.Table), any(received)
	tenantIdx, typeIdx, recvIdx := index[schema.ColTenantID], index[schema.ColType], index[schema.ColTimeReceived]
	for r, row := range rows {
		for len(row) < len(cols) {
			row = append(row, nil)
		}
		row[tenantIdx], row[typeIdx], row[recvIdx] = tenant, typ, recv
		if row[tgIdx] == nil {
			row[tgIdx] = recv
		}
		rows[r] = row
	}
	return grown, cols, rows, nil
}
