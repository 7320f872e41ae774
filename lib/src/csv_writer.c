/* Records as CSV rows (ftz/csv_writer.h). */
#include "ftz/csv_writer.h"

#include <stdbool.h>
#include <string.h>

#include "ftz/record_text.h"

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

/* One cell of the row ftz_csv_from_record writes. */
static ftz_err_t put_field(void *ctx, int i, const ftz_field_t *f, ftz_text_kind_t kind,
                           const char *text) {
    ftz_buf_t *out = ctx;
    ftz_err_t err;
    (void)f;
    if (i && (err = ftz_buf_putc(out, ',')))
        return err;
    switch (kind) {
    case FTZ_TEXT_NULL: return FTZ_OK; /* an empty cell */
    case FTZ_TEXT_NUMBER: return ftz_buf_puts(out, text);
    default: return put_cell(out, text);
    }
}

ftz_err_t ftz_csv_from_record(const ftz_record_type_t *rt, const void *rec, ftz_buf_t *out) {
    ftz_err_t err = ftz_record_text_walk(rt, rec, put_field, out);
    return err ? err : ftz_buf_puts(out, "\r\n");
}
