/* Why a record was rejected: a stable code from docs/domain.md
 * (BAD_FRAMING, UNKNOWN_SCHEMA, DECODE_ERROR, RULE_...) and a reason that
 * names the field and the offending value. */
#ifndef FTZ_VERDICT_H
#define FTZ_VERDICT_H

#include <stddef.h>

#include "ftz/err.h"

#define FTZ_CODE_BAD_FRAMING "BAD_FRAMING"
#define FTZ_CODE_UNKNOWN_SCHEMA "UNKNOWN_SCHEMA"
#define FTZ_CODE_DECODE_ERROR "DECODE_ERROR"

typedef struct ftz_verdict_s {
    const char *code; /* static string; NULL when the record is good */
    char reason[320];
} ftz_verdict_t;

/* Fills the verdict and returns FTZ_ERR_POISON. The reason is made valid
 * UTF-8 (ftz_utf8_sanitize) and cut on a character boundary. */
ftz_err_t ftz_verdict_set(ftz_verdict_t *v, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ftz_verdict_clear(ftz_verdict_t *v);

#endif
