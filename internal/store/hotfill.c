#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hotfill.h"

// The few functions of DuckDB's C API (duckdb.h) used here, declared as
// duckdb.h declares them. Their code is in the static DuckDB library that
// the duckdb-go-bindings module links into the binary; a vector is the
// opaque duckdb_vector handle.
typedef uint64_t idx_t;
typedef struct _duckdb_vector *duckdb_vector;
void *duckdb_vector_get_data(duckdb_vector vector);
uint64_t *duckdb_vector_get_validity(duckdb_vector vector);
void duckdb_vector_ensure_validity_writable(duckdb_vector vector);
void duckdb_vector_assign_string_element_len(duckdb_vector vector, idx_t index, const char *str, idx_t str_len);
void duckdb_unsafe_vector_assign_string_element_len(duckdb_vector vector, idx_t index, const char *str, idx_t str_len);

// validity returns the vector's validity mask, which duckdb.h documents as
// one bit a row, set when the row is valid, 64 rows to a uint64_t.
static uint64_t *validity(duckdb_vector vec) {
	duckdb_vector_ensure_validity_writable(vec);
	return duckdb_vector_get_validity(vec);
}

static void set_valid(uint64_t *mask, int64_t i, bool valid) {
	uint64_t bit = (uint64_t)1 << (i & 63);
	if (valid) {
		mask[i >> 6] |= bit;
	} else {
		mask[i >> 6] &= ~bit;
	}
}

// ascii reports whether s[0..n) is all ASCII, which is valid UTF-8 (a
// NUL byte too, for DuckDB), eight bytes at a time.
static bool ascii(const char *s, int64_t n) {
	uint64_t acc = 0;
	int64_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		acc |= w;
	}
	for (; i < n; i++) {
		acc |= (uint8_t)s[i];
	}
	return (acc & 0x8080808080808080ull) == 0;
}

// hotfill_text writes rows sel[0..n) of a text column into a VARCHAR
// vector: row r's text is text[ends[r-1]:ends[r]] (from 0 for row 0), and
// it is NULL where valid[r] is 0. DuckDB copies each value into the
// vector's own memory (or inside the vector's 16-byte slot when it is 12
// bytes or less). A value that is not all ASCII goes through
// duckdb_vector_assign_string_element_len, which makes it NULL when it is
// not valid UTF-8, as writing the values one by one from Go did; an ASCII
// value, valid by construction, skips DuckDB's byte-by-byte check, which
// was a larger cost of the seal than the copy. It returns -1, having written nothing past the bad row,
// if a row is outside the column or its text outside text.
int hotfill_text(void *vector, const char *text, int64_t text_len, const int64_t *ends, const uint8_t *valid,
                 int64_t rows, const int64_t *sel, int64_t n) {
	duckdb_vector vec = vector;
	uint64_t *mask = validity(vec);
	for (int64_t i = 0; i < n; i++) {
		int64_t r = sel[i];
		if (r < 0 || r >= rows) {
			return -1;
		}
		if (!valid[r]) {
			set_valid(mask, i, false);
			continue;
		}
		int64_t start = r > 0 ? ends[r - 1] : 0, end = ends[r];
		if (start < 0 || start > end || end > text_len) {
			return -1;
		}
		set_valid(mask, i, true);
		if (ascii(text + start, end - start)) {
			duckdb_unsafe_vector_assign_string_element_len(vec, i, text + start, end - start);
		} else {
			duckdb_vector_assign_string_element_len(vec, i, text + start, end - start);
		}
	}
	return 0;
}

// hotfill_fixed writes rows sel[0..n) of a fixed-size column into a
// vector of one of the HOTFILL_ kinds; a row is NULL where valid[r] is 0,
// and every row is valid when valid is NULL. It returns -1 if a row is
// outside the column or the kind is unknown.
int hotfill_fixed(void *vector, int kind, const void *vals, const uint8_t *valid, int64_t rows, const int64_t *sel,
                  int64_t n) {
	duckdb_vector vec = vector;
	void *data = duckdb_vector_get_data(vec);
	uint64_t *mask = validity(vec);
	for (int64_t i = 0; i < n; i++) {
		int64_t r = sel[i];
		if (r < 0 || r >= rows) {
			return -1;
		}
		bool ok = valid == NULL || valid[r];
		set_valid(mask, i, ok);
		switch (kind) {
		case HOTFILL_I64:
			((int64_t *)data)[i] = ((const int64_t *)vals)[r];
			break;
		case HOTFILL_I64_I32:
			((int32_t *)data)[i] = (int32_t)((const int64_t *)vals)[r];
			break;
		case HOTFILL_I64_BOOL:
			((bool *)data)[i] = ((const int64_t *)vals)[r] != 0;
			break;
		case HOTFILL_I32:
			((int32_t *)data)[i] = ((const int32_t *)vals)[r];
			break;
		default:
			return -1;
		}
	}
	return 0;
}
