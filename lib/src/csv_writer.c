/* Records as CSV rows (ftz/csv_writer.h). */
#include "ftz/csv_writer.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/value.h"

static ftz_err_t put_cell(ftz_buf_t *out, const char *s) {
    size_t n = strlen(s);
    bool quote = n == 0 || strpbrk(s, ",\"\r\n") || s[0] == ' ' || s[n - 1] == ' ';
    ftz_err_t err = FTZ_OK;
    if (!quote)
        return ftz_buf_append(out, s, n);
    err = ftz_buf_putc(out, '"');
    for (const char *p = s; !err && *p; p++)
        err = *p == '"' ? ftz_buf_puts(out, "\"\"") : ftz_buf_putc(out, *p);
    return err ? err : ftz_buf_putc(out, '"');
}

ftz_err_t ftz_csv_header(const ftz_record_type_t *rt, ftz_buf_t *out) {
    ftz_err_t err = FTZ_OK;
    for (int i = 0; !err && i < rt->nfields; i++)
        if (!(i && (err = ftz_buf_putc(out, ','))))
            err = put_cell(out, rt->fields[i].name);
    return err ? err : ftz_buf_puts(out, "\r\n");
}

ftz_err_t ftz_csv_from_record(const ftz_record_type_t *rt, const void *rec, ftz_buf_t *out) {
    const char *base = rec;
    char tmp[64];
    ftz_err_t err = FTZ_OK;

    for (int i = 0; !err && i < rt->nfields; i++) {
        const ftz_field_t *f = &rt->fields[i];
        const void *at = base + f->off;
        if (i && (err = ftz_buf_putc(out, ',')))
            break;
        switch (f->type) {
        case FTZ_FT_OPT_STRING:
            if (!*(const bool *)(base + f->has_off))
                break; /* null: an empty cell */
            /* fall through */
        case FTZ_FT_STRING:
            err = put_cell(out, at);
            break;
        case FTZ_FT_INT:
            err = ftz_buf_printf(out, "%d", (int)*(const int32_t *)at);
            break;
        case FTZ_FT_ENUM: {
            int32_t k = *(const int32_t *)at;
            if (k >= 0 && k < f->nsymbols)
                err = put_cell(out, f->symbols[k]);
            break;
        }
        case FTZ_FT_DOUBLE: {
            double x = *(const double *)at;
            if (!isfinite(x))
                break;
            for (int prec = 15; prec <= 17; prec++) {
                snprintf(tmp, sizeof(tmp), "%.*g", prec, x);
                if (strtod(tmp, NULL) == x)
                    break;
            }
            err = ftz_buf_puts(out, tmp);
            break;
        }
        case FTZ_FT_DECIMAL2:
            ftz_decimal_format(*(const int64_t *)at, tmp, sizeof(tmp));
            err = ftz_buf_puts(out, tmp);
            break;
        case FTZ_FT_OPT_TIMESTAMP:
            if (!*(const bool *)(base + f->has_off))
                break;
            /* fall through */
        case FTZ_FT_TIMESTAMP:
            ftz_time_format(*(const int64_t *)at, tmp, sizeof(tmp));
            err = ftz_buf_puts(out, tmp);
            break;
        }
    }
    return err ? err : ftz_buf_puts(out, "\r\n");
}
