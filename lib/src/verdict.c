#include "ftz/verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ftz/utf8.h"

static const ftz_code_info_t codes[FTZ_V__COUNT] = {
#define FTZ_VERDICT_ROW_(name, stage, where, what) [FTZ_V_##name] = {#name, stage, where, what},
    FTZ_VERDICT_CODES(FTZ_VERDICT_ROW_)
#undef FTZ_VERDICT_ROW_
};

const ftz_code_info_t *ftz_code_info(ftz_code_t c) {
    return (unsigned)c < FTZ_V__COUNT ? &codes[c] : NULL;
}

const char *ftz_code_name(ftz_code_t c) {
    return (unsigned)c < FTZ_V__COUNT ? codes[c].code : "?";
}

int ftz_code_find(const char *name) {
    for (int i = 0; i < FTZ_V__COUNT; i++)
        if (strcmp(codes[i].code, name) == 0)
            return i;
    return -1;
}

ftz_err_t ftz_verdict_set(ftz_verdict_t *v, ftz_code_t code, const char *fmt, ...) {
    va_list ap;
    char raw[1024];
    v->code = ftz_code_name(code);
    v->id = code;
    va_start(ap, fmt);
    size_t n = ftz_vfmt(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    /* The reason quotes record data: keep it valid UTF-8 whatever the
     * record holds, and cut it on a character boundary. */
    ftz_utf8_sanitize(v->reason, sizeof(v->reason), raw, n);
    return FTZ_ERR_POISON;
}

void ftz_verdict_clear(ftz_verdict_t *v) {
    v->code = NULL;
    v->id = 0;
    v->reason[0] = '\0';
}
