/* JSON output (jansson): one object with every report's columns and rows;
 * numbers as JSON numbers where a double holds them exactly. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"

/* Significant digits a double always holds exactly (DBL_DIG). */
#define EXACT_DIGITS 15

void ftz_report_now(char *buf, size_t size) {
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *ftz_report_json_dump(const void *json, int indent) {
    return json_dumps((const json_t *)json, JSON_PRESERVE_ORDER |
                                                JSON_REAL_PRECISION(EXACT_DIGITS) |
                                                (indent ? JSON_INDENT(indent) : 0));
}

/* A number in PostgreSQL's text form as JSON: an integer when it is one
 * within 64 bits; a real when it is a plain decimal of at most 15
 * significant digits (printed back with 15 digits it reads the same); else
 * a string holding the exact value (NaN, Infinity, longer decimals). */
static json_t *number(const char *v) {
    const char *p = v + (*v == '-');
    size_t nint = strspn(p, "0123456789"), nfrac = 0, sig = 0;
    int leading = 1;

    if (nint == 0)
        return json_string(v);
    if (!p[nint]) {
        char *end;
        long long i;
        errno = 0;
        i = strtoll(v, &end, 10);
        if (!*end && errno == 0)
            return json_integer((json_int_t)i);
        return json_string(v);
    }
    if (p[nint] != '.')
        return json_string(v);
    nfrac = strspn(p + nint + 1, "0123456789");
    if (nfrac == 0 || p[nint + 1 + nfrac])
        return json_string(v);
    /* Significant digits: from the first non-zero digit to the last
     * non-zero one. */
    size_t last = 0, pos = 0;
    for (const char *d = p; *d; d++) {
        if (*d == '.')
            continue;
        pos++;
        if (*d != '0') {
            if (leading)
                sig = pos;
            leading = 0;
            last = pos;
        }
    }
    if (!leading && last - sig + 1 > EXACT_DIGITS)
        return json_string(v);
    return json_real(strtod(v, NULL));
}

void *ftz_report_result_json(const ftz_report_result_t *r) {
    json_t *columns = json_array(), *types = json_array(), *rows = json_array(), *obj = NULL;
    if (!columns || !types || !rows)
        goto cleanup;
    for (int c = 0; c < r->ncols; c++)
        if (json_array_append_new(columns, json_string(r->def->columns[c])) ||
            json_array_append_new(types, json_string(r->kinds[c] == FTZ_REPORT_NUMBER ? "number"
                                                     : r->kinds[c] == FTZ_REPORT_DATE ? "date"
                                                                                       : "text")))
            goto cleanup;
    for (int row = 0; row < ftz_report_rows(r); row++) {
        json_t *cells = json_array();
        if (!cells || json_array_append_new(rows, cells))
            goto cleanup;
        for (int c = 0; c < r->ncols; c++) {
            const char *v = ftz_report_cell(r, row, c);
            json_t *cell = !v ? json_null()
                           : r->kinds[c] == FTZ_REPORT_NUMBER ? number(v)
                                                              : json_string(v);
            if (!cell || json_array_append_new(cells, cell))
                goto cleanup;
        }
    }
    obj = json_pack("{s:s, s:s, s:s, s:O, s:O, s:O}", "report", r->def->name, "title",
                    r->def->title, "source", r->def->source, "columns", columns, "types", types,
                    "rows", rows);
cleanup:
    json_decref(columns);
    json_decref(types);
    json_decref(rows);
    return obj;
}

ftz_err_t ftz_report_write_json(FILE *out, const ftz_report_result_t *results, size_t n,
                                const ftz_report_filter_t *filter, char *errstr,
                                size_t errstr_size) {
    char now[32];
    char *text = NULL;
    ftz_err_t err = FTZ_ERR_NOMEM;
    json_t *reports = json_array(), *doc = NULL;

    ftz_report_now(now, sizeof(now));
    if (!reports)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        json_t *r = ftz_report_result_json(&results[i]);
        if (!r || json_array_append_new(reports, r))
            goto cleanup;
    }
    doc = json_pack("{s:s, s:s?, s:s?, s:s?, s:O}", "generated_at", now, "from", filter->from,
                    "to", filter->to, "area", filter->area, "reports", reports);
    if (!doc || !(text = ftz_report_json_dump(doc, 0)))
        goto cleanup;
    if (fputs(text, out) == EOF || fputc('\n', out) == EOF || fflush(out) != 0) {
        err = ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "write failed");
        goto cleanup;
    }
    err = FTZ_OK;
cleanup:
    if (err == FTZ_ERR_NOMEM)
        ftz_seterr(err, errstr, errstr_size, "out of memory building the JSON");
    free(text);
    json_decref(doc);
    json_decref(reports);
    return err;
}
