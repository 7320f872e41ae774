/* Text output: aligned for a terminal, widths from the data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "term_text.h"

void ftz_report_group_digits(const char *in, char *out, size_t size) {
    const char *digits = in + (*in == '-');
    size_t nint = strspn(digits, "0123456789");
    size_t len = strlen(in);
    if (nint == 0 || (digits[nint] && digits[nint] != '.') ||
        len + nint / 3 + 1 > size) {
        snprintf(out, size, "%s", in);
        return;
    }
    char *o = out;
    if (*in == '-')
        *o++ = '-';
    for (size_t i = 0; i < nint; i++) {
        if (i && (nint - i) % 3 == 0)
            *o++ = ',';
        *o++ = digits[i];
    }
    strcpy(o, digits + nint);
}

/* The cell as shown: "-" for NULL, numbers grouped, text printable. */
static const char *shown(const ftz_report_result_t *r, int row, int col, char *buf,
                         size_t size) {
    const char *v = ftz_report_cell(r, row, col);
    if (!v)
        return "-";
    if (r->kinds[col] != FTZ_REPORT_NUMBER)
        return ftz_term_printable(v, buf, size);
    ftz_report_group_digits(v, buf, size);
    return buf;
}

static void print_table(FILE *out, const ftz_report_result_t *r, int max_rows) {
    size_t widths[FTZ_REPORT_MAX_COLUMNS];
    char buf[512];
    int all = ftz_report_rows(r);
    int nrows = max_rows > 0 && all > max_rows ? max_rows : all;

    for (int c = 0; c < r->ncols; c++)
        widths[c] = ftz_term_width(r->def->columns[c]);
    for (int row = 0; row < nrows; row++)
        for (int c = 0; c < r->ncols; c++) {
            size_t w = ftz_term_width(shown(r, row, c, buf, sizeof(buf)));
            if (w > widths[c])
                widths[c] = w;
        }
    /* The last column is not padded on the right: no trailing blanks. */
    for (int c = 0; c < r->ncols; c++)
        ftz_term_cell(out, r->def->columns[c],
                   c + 1 == r->ncols && r->kinds[c] != FTZ_REPORT_NUMBER ? 0 : widths[c],
                   r->kinds[c] == FTZ_REPORT_NUMBER, c == 0);
    fputc('\n', out);
    for (int c = 0; c < r->ncols; c++) {
        if (c)
            fputs("  ", out);
        for (size_t i = 0; i < widths[c]; i++)
            fputc('-', out);
    }
    fputc('\n', out);
    for (int row = 0; row < nrows; row++) {
        for (int c = 0; c < r->ncols; c++)
            ftz_term_cell(out, shown(r, row, c, buf, sizeof(buf)),
                       c + 1 == r->ncols && r->kinds[c] != FTZ_REPORT_NUMBER ? 0 : widths[c],
                       r->kinds[c] == FTZ_REPORT_NUMBER, c == 0);
        fputc('\n', out);
    }
    if (nrows == 0)
        fputs("(nothing counted in this range)\n", out);
    else if (nrows < all)
        fprintf(out, "... %d more rows: ftz report %s\n", all - nrows, r->def->name);
}

ftz_err_t ftz_report_write_text(FILE *out, const ftz_report_result_t *results, size_t n,
                                const ftz_report_filter_t *filter, int max_rows, char *errstr,
                                size_t errstr_size) {
    if (n > 1) {
        fputs("Liaoning FTZ report: ", out);
        if (filter->from && filter->to)
            fprintf(out, "days %s to %s", filter->from, filter->to);
        else if (filter->from || filter->to)
            fprintf(out, "days %s %s", filter->from ? "from" : "up to",
                    filter->from ? filter->from : filter->to);
        else
            fputs("all days", out);
        fprintf(out, " (Asia/Shanghai), %s%s\n\n", filter->area ? "area " : "all areas",
                filter->area ? filter->area : "");
    }
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%s%s (%s)\n", i ? "\n" : "", results[i].def->title, results[i].def->name);
        print_table(out, &results[i], max_rows);
    }
    if (fflush(out) != 0 || ferror(out))
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "write failed");
    return FTZ_OK;
}
