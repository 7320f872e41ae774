/* Validation of Avro binary data against a writer schema, before Avro-C
 * reads it.
 *
 * Avro-C 1.11.1 trusts the wire (see docs/landmines.md): it allocates
 * whatever a string, bytes or block length claims, accepts enum indexes past
 * the last symbol, ignores trailing bytes and never looks at UTF-8. A
 * consumer therefore runs ftz_avro_check() on every datum first and turns a
 * failure into a DECODE_ERROR verdict with the reason it returns; only a
 * datum that passes is given to avro_value_read().
 *
 * The schema is compiled once into a flat, read-only program (blocks of
 * instructions that refer to each other by index, so recursive named types
 * are fine); checking walks the bytes with that program and allocates
 * nothing. */
#ifndef FTZ_AVRO_CHECK_H
#define FTZ_AVRO_CHECK_H

#include <avro.h>
#include <stddef.h>
#include <stdint.h>

#include "ftz/err.h"

/* Largest max_depth accepted: the checker recurses once per level, and this
 * keeps its stack use to a few tens of KiB on any thread. */
#define FTZ_AVRO_DEPTH_CAP 256
/* The default max_record_size (ftz aggregate --max-record-size). */
#define FTZ_AVRO_MAX_RECORD_SIZE ((size_t)1 << 20)

typedef struct ftz_avro_limits_s {
    size_t max_record_size; /* whole datum, bytes (FTZ_AVRO_MAX_RECORD_SIZE) */
    uint64_t max_items;     /* total array/map items in one datum (default 100000) */
    int max_depth;          /* nesting of records/arrays/maps/unions, the outermost
                               record counting 1 (default 32; 1..FTZ_AVRO_DEPTH_CAP) */
} ftz_avro_limits_t;

/* Fills lim (borrowed) with the defaults above. */
void ftz_avro_limits_default(ftz_avro_limits_t *lim);

/* A compiled schema. Read-only once built: any thread may check with it
 * concurrently. Independent of the schema it was built from (names are
 * copied), so the schema may be released afterwards. */
typedef struct ftz_avro_prog_s ftz_avro_prog_t;

/* Compiles schema (borrowed, only during the call): any valid Avro-C schema,
 * including recursive named types, records, enums, fixed, arrays, maps,
 * unions and all primitives. Returns the program (owned by the caller: free
 * with ftz_avro_prog_destroy), or NULL with errstr on failure (out of memory,
 * a schema Avro-C should not have produced such as a negative fixed size).
 * Any thread. */
ftz_avro_prog_t *ftz_avro_prog_new(avro_schema_t schema, char *errstr, size_t errstr_size);

/* Frees prog (transferred); NULL is allowed. */
void ftz_avro_prog_destroy(ftz_avro_prog_t *prog);

/* Checks that datum[0..len) is exactly one valid encoding of the program's
 * schema:
 *   - every varint well-formed: at most 10 bytes for a long (the 10th no more
 *     than 1), at most 5 for an int, and an int's value within int32;
 *   - every string/bytes length >= 0 and within the remaining bytes; strings
 *     valid UTF-8 without NUL bytes (map keys too);
 *   - booleans 0 or 1; enum index within the symbols; union index within the
 *     branches; fixed, float and double bytes present;
 *   - array/map blocks: |count| within what is left of lim->max_items for the
 *     whole datum and no more than the remaining bytes can hold; a negative
 *     count is followed by the block's byte size, which must be >= 0, within
 *     the remaining bytes and equal to the bytes the block's items use;
 *   - nesting of records/arrays/maps/unions within lim->max_depth;
 *   - len within lim->max_record_size, and no byte left over.
 * Not checked: duplicate map keys, and anything semantic (decimal scale,
 * timestamp ranges): that is for the record rules.
 *
 * prog, datum and lim are borrowed (lim may be NULL: the defaults). Returns
 * FTZ_OK, or FTZ_ERR_POISON with `reason` naming the field path and the
 * problem ("field hs_code: string length -5", "field area: enum index 7,
 * schema has 3 symbols", "3 trailing bytes after the record", "truncated in
 * field filed_at", "field lines[2].qty: ..."), or FTZ_ERR_INVALID_ARG for a
 * NULL prog, a NULL datum with len > 0, or max_depth outside
 * 1..FTZ_AVRO_DEPTH_CAP. reason may be NULL or reason_size 0. Allocates
 * nothing and touches no global state: any thread. */
ftz_err_t ftz_avro_check(const ftz_avro_prog_t *prog, const void *datum, size_t len,
                         const ftz_avro_limits_t *lim, char *reason, size_t reason_size);

#endif
