package plan

import (
	"testing"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

func TestTypeRange(t *testing.T) {
	rng := &kql.Range{P: kql.Pos{Line: 1, Column: 1}, Col: "x"}
	for _, c := range []struct {
		from, to, step schema.Type
		want           schema.Type
		wantErr        string
	}{
		{schema.Long, schema.Long, schema.Long, schema.Long, ""},
		{schema.Int, schema.Long, schema.Int, schema.Long, ""},
		{schema.Decimal, schema.Long, schema.Long, schema.Long, ""},
		// A real anywhere makes the column real.
		{schema.Long, schema.Long, schema.Real, schema.Real, ""},
		{schema.Long, schema.Real, schema.Long, schema.Real, ""},
		{schema.Real, schema.Long, schema.Long, schema.Real, ""},
		{schema.Timespan, schema.Timespan, schema.Timespan, schema.Timespan, ""},
		{schema.Timespan, schema.Timespan, schema.Real, schema.Real, ""},
		// A datetime From decides alone: To is read as a datetime.
		{schema.DateTime, schema.String, schema.Timespan, schema.DateTime, ""},
		{schema.String, schema.Long, schema.Long, 0, "range needs numeric, datetime or timespan bounds, not string"},
		{schema.Bool, schema.Real, schema.Real, 0, "range needs numeric, datetime or timespan bounds, not bool"},
	} {
		got, err := TypeRange(rng, c.from, c.to, c.step)
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr+" (line 1, column 1)" {
				t.Errorf("TypeRange(%v, %v, %v) = %v, %v, want error %q", c.from, c.to, c.step, got, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("TypeRange(%v, %v, %v) = %v, %v, want %v", c.from, c.to, c.step, got, err, c.want)
		}
	}
}

func TestDatatableColumns(t *testing.T) {
	q, err := kql.Parse("datatable(a:int, b:double, c:string)[1, 2, 'x']")
	if err != nil {
		t.Fatal(err)
	}
	cols, err := DatatableColumns(q.Body.(*kql.Datatable))
	want := []Column{{Name: "a", Type: schema.Int}, {Name: "b", Type: schema.Real}, {Name: "c", Type: schema.String}}
	if err != nil || len(cols) != len(want) {
		t.Fatalf("columns %v, %v", cols, err)
	}
	for i := range want {
		if cols[i] != want[i] {
			t.Errorf("column %d = %v, want %v", i, cols[i], want[i])
		}
	}
	q, err = kql.Parse("datatable(a:int, b:number)[1, 2]")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DatatableColumns(q.Body.(*kql.Datatable)); err == nil || err.Error() != `datatable column b: unknown type "number" (line 1, column 1)` {
		t.Errorf("an unknown type: %v", err)
	}
}
