/* Text output: aligned for a terminal, widths from the data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* Display width of UTF-8 text: its code points (continuation bytes do not
 * count). */
static size_t width_of(const char *s) {
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

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

/* Text as it may reach a terminal: control characters (C0, DEL, and the
 * C1 range U+0080-U+009F) as \xNN, so data can neither move the cursor,
 * change colours nor split a row; cut to fit size. */
static const char *printable(const char *v, char *buf, size_t size) {
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)v; *p && o + 5 < size; p++) {
        if (*p < 0x20 || *p == 0x7F) {
            o += (size_t)snprintf(buf + o, size - o, "\\x%02X", *p);
        } else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
            o += (size_t)snprintf(buf + o, size - o, "\\x%02X", p[1]);
            p++;
        } else {
            buf[o++] = (char)*p;
        }
    }
    buf[o] = '\0';
    return buf;
}

/* The cell as shown: "-" for NULL, numbers grouped, text printable. */
static const char *shown(const ftz_report_result_t *r, int row, int col, char *buf,
                         size_t size) {
    const char *v = ftz_report_cell(r, row, col);
    if (!v)
        return "-";
    if (r->kinds[col] != FTZ_REPORT_NUMBER)
        return printable(v, buf, size);
    ftz_report_group_digits(v, buf, size);
    return buf;
}

static void pad(FILE *out, size_t n) {
    while (n--)
        fputc(' ', out);
}

static void print_cell(FILE *out, const char *s, size_t width, int right, int first) {
    size_t w = width_of(s), gap = width > w ? width - w : 0;
    if (!first)
        fputs("  ", out);
    if (right)
        pad(out, gap);
    fputs(s, out);
    if (!right)
        pad(out, gap);
}

static void print_table(FILE *out, const ftz_report_result_t *r, int max_rows) {
    size_t widths[FTZ_REPORT_MAX_COLUMNS];
    char buf[512];
    int all = ftz_report_rows(r);
    int nrows = max_rows > 0 && all > max_rows ? max_rows : all;

    for (int c = 0; c < r->ncols; c++)
        widths[c] = width_of(r->def->columns[c]);
    for (int row = 0; row < nrows; row++)
        for (int c = 0; c < r->ncols; c++) {
            size_t w = width_of(shown(r, row, c, buf, sizeof(buf)));
            if (w > widths[c])
                widths[c] = w;
        }
    /* The last column is not padded on the right: no trailing blanks. */
    for (int c = 0; c < r->ncols; c++)
        print_cell(out, r->def->columns[c],
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
            print_cell(out, shown(r, row, c, buf, sizeof(buf)),
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
