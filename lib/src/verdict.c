#include "ftz/verdict.h"

#include <stdarg.h>
#include <stdio.h>

#include "ftz/utf8.h"

ftz_err_t ftz_verdict_set(ftz_verdict_t *v, const char *code, const char *fmt, ...) {
    va_list ap;
    char raw[1024];
    int n;
    v->code = code;
    va_start(ap, fmt);
    n = vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    /* The reason quotes record data: keep it valid UTF-8 whatever the
     * record holds, and cut it on a character boundary. */
    ftz_utf8_sanitize(v->reason, sizeof(v->reason), raw,
                      n < 0 ? 0 : (size_t)n < sizeof(raw) ? (size_t)n : sizeof(raw) - 1);
    return FTZ_ERR_POISON;
}

void ftz_verdict_clear(ftz_verdict_t *v) {
    v->code = NULL;
    v->reason[0] = '\0';
}
