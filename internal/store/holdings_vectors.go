package store

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// Verification reads every stored value and every original byte through
// vigil_sink. duckdb-go reads a chunk's values one call a value, and
// boxes each number and timestamp into an interface (an allocation for
// most), and copies each BLOB into a new slice: for 200,000 rows and
// 49 MB of original bytes, a fifth of verification's CPU. DuckDB's C API
// gives a vector's data array and validity mask, which a scalar
// function's input holds flat; the values are read from them in place
// here, for the duration of the call (the vector is DuckDB's and valid
// only while the function runs).

// vectorPath is where duckdb.Vector keeps its DuckDB vector handle: field
// v (a pointer to duckdb-go's vector), its field vec (a mapping.Vector),
// and that one's Ptr. duckdb-go does not export the handle, so it is read
// by reflection, with the path and its types checked once here; a version
// of duckdb-go that moves it fails this check at start-up and in every
// test, rather than reading through the wrong pointer.
var vectorPath = func() []int {
	v, ok := reflect.TypeFor[duckdb.Vector]().FieldByName("v")
	if !ok || v.Type.Kind() != reflect.Pointer || v.Type.Elem().Kind() != reflect.Struct {
		panic("store: duckdb.Vector has no field v pointing to its vector; holdings_vectors.go needs updating for this duckdb-go")
	}
	vec, ok := v.Type.Elem().FieldByName("vec")
	if !ok || vec.Type != reflect.TypeFor[mapping.Vector]() {
		panic("store: duckdb-go's vector has no field vec of type mapping.Vector; holdings_vectors.go needs updating for this duckdb-go")
	}
	ptr, ok := vec.Type.FieldByName("Ptr")
	if !ok || ptr.Type != reflect.TypeFor[unsafe.Pointer]() {
		panic("store: mapping.Vector has no field Ptr; holdings_vectors.go needs updating for this duckdb-go")
	}
	return []int{v.Index[0], vec.Index[0], ptr.Index[0]}
}()

// chunkVector returns the DuckDB vector of column j of a chunk, or nil
// when the chunk has no such column.
func chunkVector(chunk duckdb.DataChunk, j int) unsafe.Pointer {
	v, err := chunk.GetVector(j)
	if err != nil {
		return nil
	}
	return reflect.ValueOf(v).Field(vectorPath[0]).Elem().Field(vectorPath[1]).Field(vectorPath[2]).UnsafePointer()
}

// sinkColumn is one column of a chunk vigil_sink is given, read in
// place: its n rows only. The accessors do not check the row; a loop
// over rows checks its range once with rows.
type sinkColumn struct {
	data  unsafe.Pointer
	valid unsafe.Pointer // one bit a row, set when not NULL; nil when none is
	n     int
}

// readColumn returns column j of a chunk vigil_sink is given, which DuckDB
// must hold as typ (the type the query cast it to).
func readColumn(ch *duckdb.DataChunk, j int, typ mapping.Type) (sinkColumn, error) {
	p := chunkVector(*ch, j)
	if p == nil {
		return sinkColumn{}, fmt.Errorf("store: %s has no argument %d", sinkFunc, j)
	}
	v := mapping.Vector{Ptr: p}
	lt := mapping.VectorGetColumnType(v)
	got := mapping.GetTypeId(lt)
	mapping.DestroyLogicalType(&lt)
	if got != typ {
		return sinkColumn{}, fmt.Errorf("store: %s argument %d is of DuckDB type %d, not %d", sinkFunc, j, got, typ)
	}
	c := sinkColumn{data: mapping.VectorGetData(v), valid: mapping.VectorGetValidity(v), n: ch.GetSize()}
	if c.data == nil {
		return sinkColumn{}, fmt.Errorf("store: %s argument %d has no data", sinkFunc, j)
	}
	return c, nil
}

// rows panics unless rows [from, to) are all in the column: reading
// past DuckDB's arrays would read memory that is not theirs.
func (c sinkColumn) rows(from, to int) {
	if from < 0 || from > to || to > c.n {
		panic(fmt.Sprintf("store: rows %d to %d of a chunk of %d", from, to, c.n))
	}
}

// null reports whether row i is NULL.
func (c sinkColumn) null(i int) bool {
	return c.valid != nil && *(*uint64)(unsafe.Add(c.valid, uint(i)/64*8))&(1<<(uint(i)%64)) == 0
}

// fixedAt returns row i of a column of fixed-width values: BIGINT and
// TIMESTAMP (microseconds) as int64, INTEGER as int32, DOUBLE as float64,
// BOOLEAN as uint8.
func fixedAt[T int64 | int32 | float64 | uint8](c sinkColumn, i int) T {
	var zero T
	return *(*T)(unsafe.Add(c.data, uintptr(i)*unsafe.Sizeof(zero)))
}

// DuckDB's string_t, which VARCHAR and BLOB vectors hold: a uint32 length,
// then the bytes themselves when they fit in 12, else a 4-byte prefix and
// a pointer at offset 8.
const (
	stringTSize      = 16
	stringTInline    = 12
	stringTInlineOff = 4
	stringTPtrOff    = 8
)

// textAt returns row i of a VARCHAR or BLOB column, borrowed: valid only
// while the sink's call lasts.
func textAt(c sinkColumn, i int) string {
	p := unsafe.Add(c.data, uintptr(i)*stringTSize)
	n := *(*uint32)(p)
	if n <= stringTInline {
		return unsafe.String((*byte)(unsafe.Add(p, stringTInlineOff)), int(n))
	}
	return unsafe.String(*(**byte)(unsafe.Add(p, stringTPtrOff)), int(n))
}
