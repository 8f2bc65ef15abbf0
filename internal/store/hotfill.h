// hotfill writes whole columns of a hot generation into the vectors of a
// DuckDB data chunk, one call a column (see hotfill.go for why and for
// the memory rules the callers keep).

#include <stdint.h>

// The element types hotfill_fixed converts to.
enum {
	HOTFILL_I64 = 0,     // 8 bytes from 8: BIGINT, TIMESTAMP (µs), DOUBLE (its bits)
	HOTFILL_I64_I32 = 1, // INTEGER from int64
	HOTFILL_I64_BOOL = 2, // BOOLEAN from int64 (0 or 1)
	HOTFILL_I32 = 3,     // INTEGER from int32
};

int hotfill_text(void *vector, const char *text, int64_t text_len, const int64_t *ends, const uint8_t *valid,
                 int64_t rows, const int64_t *sel, int64_t n);
int hotfill_fixed(void *vector, int kind, const void *vals, const uint8_t *valid, int64_t rows, const int64_t *sel,
                  int64_t n);
