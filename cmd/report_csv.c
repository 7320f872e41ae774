/* CSV output, RFC 4180: a header row, CRLF line ends, fields quoted when
 * they must be. */
#include <string.h>

#include "report.h"

static void put_field(FILE *out, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

ftz_err_t ftz_report_write_csv(FILE *out, const ftz_report_result_t *result, char *errstr,
                               size_t errstr_size) {
    for (int c = 0; c < result->ncols; c++) {
        if (c)
            fputc(',', out);
        put_field(out, result->def->columns[c]);
    }
    fputs("\r\n", out);
    for (int row = 0; row < ftz_report_rows(result); row++) {
        for (int c = 0; c < result->ncols; c++) {
            const char *v = ftz_report_cell(result, row, c);
            if (c)
                fputc(',', out);
            if (v)
                put_field(out, v);
        }
        fputs("\r\n", out);
    }
    if (fflush(out) != 0 || ferror(out))
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "write failed");
    return FTZ_OK;
}
