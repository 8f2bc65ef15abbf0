package store

// #include "hotfill.h"
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/duckdb/duckdb-go/v2"

	"vigil/internal/schema"
	"vigil/internal/sqlgen"
)

// The seal hands every hot row to DuckDB through vigil_seal's chunks, and
// duckdb-go's chunk API writes a string with one cgo call a value (which
// DuckDB then checks for valid UTF-8): a quarter of all the CPU of
// ingesting syslog. hotfill.c writes a whole column of a chunk in one
// call from the hot buffer's own layout (one text array and the ends of
// the values, or one array of numbers), calling DuckDB's C API for each
// value in C, where a call costs a few nanoseconds instead of a cgo
// transition's tens.
//
// The vector of a column comes from chunkVector (holdings_vectors.go).
//
// Memory: each call passes Go pointers to the column's text, ends,
// validity, values and the rows selected, all arrays without Go pointers
// in them, which cgo keeps in place for the duration of the call; the C
// code reads them only during the call and keeps none of them, since
// DuckDB copies each string into the vector's own memory. The vector is
// DuckDB's, valid while the table function fills the chunk. The C code
// checks every row index against the column's length and every text range
// against the text before reading, so a wrong index is an error, not a
// read outside Go's arrays. Go's int is 64 bits on every platform the
// DuckDB bindings build for, which the constant below asserts, so []int
// is passed as int64_t.
const _ = uint8(unsafe.Sizeof(int(0)) - 8)

// fillText writes rows sel of a String or Dynamic column into a VARCHAR
// vector.
func fillText(vec unsafe.Pointer, c *hotColumn, sel []int) error {
	rc := C.hotfill_text(vec, (*C.char)(unsafe.Pointer(unsafe.SliceData(c.text))), C.int64_t(len(c.text)),
		(*C.int64_t)(unsafe.Pointer(unsafe.SliceData(c.ends))), (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(c.valid))),
		C.int64_t(len(c.ends)), (*C.int64_t)(unsafe.Pointer(unsafe.SliceData(sel))), C.int64_t(len(sel)))
	if rc != 0 {
		return fmt.Errorf("store: a selected row is outside its hot column (%d rows, %d bytes of text)", len(c.ends), len(c.text))
	}
	return nil
}

// fillFixed writes rows sel of vals, a slice of int64, float64 or int32,
// into a vector as kind (a HOTFILL_ constant); valid nil means no NULLs.
func fillFixed[T int64 | float64 | int32](vec unsafe.Pointer, kind C.int, vals []T, valid []bool, sel []int) error {
	rc := C.hotfill_fixed(vec, kind, unsafe.Pointer(unsafe.SliceData(vals)), (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(valid))),
		C.int64_t(len(vals)), (*C.int64_t)(unsafe.Pointer(unsafe.SliceData(sel))), C.int64_t(len(sel)))
	if rc != 0 {
		return fmt.Errorf("store: a selected row is outside its hot column (%d rows)", len(vals))
	}
	return nil
}

// fill writes rows sel of the view into the chunk, the columns the query
// reads only, and sets its size.
func (v *hotView) fill(chunk duckdb.DataChunk, sel []int) error {
	for j := range v.cols {
		if err := writeHotColumn(chunk, j, &v.cols[j], sel); err != nil {
			return err
		}
	}
	ncols := len(v.cols)
	if vec := chunkVector(chunk, ncols); vec != nil {
		if err := fillFixed(vec, C.HOTFILL_I64, v.batchSeq, nil, sel); err != nil {
			return err
		}
	}
	if vec := chunkVector(chunk, ncols+1); vec != nil {
		if err := fillFixed(vec, C.HOTFILL_I32, v.batchRow, nil, sel); err != nil {
			return err
		}
	}
	return chunk.SetSize(len(sel))
}

// writeHotColumn writes rows sel of column c into column j of the chunk,
// if the query reads it. The types are hotTypes': a DateTime is a
// TIMESTAMP, which DuckDB holds as microseconds since the epoch like the
// hot column; a Timespan a BIGINT of ticks; a Real a DOUBLE, copied as
// its 8 bytes. GUID and Decimal values, rare, are written one by one.
func writeHotColumn(chunk duckdb.DataChunk, j int, c *hotColumn, sel []int) error {
	vec := chunkVector(chunk, j)
	if vec == nil || len(sel) == 0 {
		return nil
	}
	switch c.typ {
	case schema.String, schema.Dynamic:
		return fillText(vec, c, sel)
	case schema.Real:
		return fillFixed(vec, C.HOTFILL_I64, c.reals, c.valid, sel)
	case schema.Bool:
		return fillFixed(vec, C.HOTFILL_I64_BOOL, c.nums, c.valid, sel)
	case schema.Int:
		return fillFixed(vec, C.HOTFILL_I64_I32, c.nums, c.valid, sel)
	case schema.GUID, schema.Decimal:
		for i, r := range sel {
			var v any
			if c.valid[r] {
				v = sqlgen.DuckDBValue(c.typ, c.other[r])
			}
			if err := chunk.SetValue(j, i, v); err != nil {
				return err
			}
		}
		return nil
	default: // Long, Timespan, DateTime
		return fillFixed(vec, C.HOTFILL_I64, c.nums, c.valid, sel)
	}
}
