#include "ftz/record_text.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ftz/value.h"

/* The shortest of %.15g..%.17g that reads back as x ("1520.5", not
 * 1520.5000000000000). */
static void double_text(double x, char *out, size_t out_size) {
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, out_size, "%.*g", prec, x);
        if (strtod(out, NULL) == x)
            return;
    }
}

ftz_err_t ftz_record_text_walk(const ftz_record_type_t *rt, const void *rec,
                               ftz_record_text_fn emit, void *ctx) {
    const char *base = rec;
    char tmp[64];
    ftz_err_t err = FTZ_OK;

    for (int i = 0; !err && i < rt->nfields; i++) {
        const ftz_field_t *f = &rt->fields[i];
        const void *at = base + f->off;
        ftz_text_kind_t kind = FTZ_TEXT_STRING;
        const char *text = tmp;
        switch (f->type) {
        case FTZ_FT_OPT_STRING:
            if (!*(const bool *)(base + f->has_off)) {
                kind = FTZ_TEXT_NULL;
                break;
            }
            /* fall through */
        case FTZ_FT_STRING:
            text = at;
            break;
        case FTZ_FT_INT:
            snprintf(tmp, sizeof(tmp), "%d", (int)*(const int32_t *)at);
            kind = FTZ_TEXT_NUMBER;
            break;
        case FTZ_FT_ENUM: {
            int32_t k = *(const int32_t *)at;
            if (k >= 0 && k < f->nsymbols)
                text = f->symbols[k];
            else
                kind = FTZ_TEXT_NULL;
            break;
        }
        case FTZ_FT_DOUBLE: {
            double x = *(const double *)at;
            kind = isfinite(x) ? FTZ_TEXT_NUMBER : FTZ_TEXT_NULL;
            if (kind == FTZ_TEXT_NUMBER)
                double_text(x, tmp, sizeof(tmp));
            break;
        }
        case FTZ_FT_DECIMAL2:
            ftz_decimal_format(*(const int64_t *)at, tmp, sizeof(tmp));
            break;
        case FTZ_FT_OPT_TIMESTAMP:
            if (!*(const bool *)(base + f->has_off)) {
                kind = FTZ_TEXT_NULL;
                break;
            }
            /* fall through */
        case FTZ_FT_TIMESTAMP:
            ftz_time_format(*(const int64_t *)at, tmp, sizeof(tmp));
            break;
        }
        err = emit(ctx, i, f, kind, kind == FTZ_TEXT_NULL ? NULL : text);
    }
    return err;
}
