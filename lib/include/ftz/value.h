/* Conversions of the domain's scalar values: decimal(18,2) money held as
 * int64 fen, RFC 3339 timestamps held as int64 milliseconds. Pure
 * functions, any thread. */
#ifndef FTZ_VALUE_H
#define FTZ_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "ftz/err.h"

/* Largest decimal(18,2) magnitude, in fen: 10^18 - 1. */
#define FTZ_DECIMAL18_MAX 999999999999999999LL

/* Parses "-12.5", "1000", "0.07" (at most 2 decimals, at most 16 integer
 * digits) into fen. FTZ_ERR_INVALID_ARG with a reason otherwise. */
ftz_err_t ftz_decimal_parse(const char *s, int64_t *fen, char *errstr,
                            size_t errstr_size);
/* Formats fen as "-12.50" into out (at least 24 bytes). */
void ftz_decimal_format(int64_t fen, char *out, size_t out_size);

/* Avro decimal bytes: big-endian two's complement of the unscaled value.
 * Encode writes the minimal number of bytes (1..8) into out[8] and returns
 * it. Decode accepts 1..16 bytes whose value fits int64 and precision 18. */
size_t ftz_decimal_to_bytes(int64_t fen, unsigned char out[8]);
ftz_err_t ftz_decimal_from_bytes(const void *bytes, size_t len, int64_t *fen,
                                 char *errstr, size_t errstr_size);

/* Parses RFC 3339 ("2026-11-01T08:00:00Z", "2026-11-01T16:00:00.250+08:00")
 * into milliseconds since the epoch. Fractions beyond milliseconds must be
 * zero; a time zone offset is required. */
ftz_err_t ftz_time_parse(const char *s, int64_t *ms, char *errstr,
                         size_t errstr_size);
/* Formats ms as "2026-11-01T08:00:00Z", or "...:00.250Z" when there are
 * milliseconds,
 * into out (at least 32 bytes). */
void ftz_time_format(int64_t ms, char *out, size_t out_size);

#endif
