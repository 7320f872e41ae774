/* Expected contents of the aggregate tables (ftz/expect.h): the rows, the
 * JSON file, and the comparison of two sets of rows. */
#include "ftz/expect.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/array.h"

#define FORMAT_NAME "ftz-expect"
#define FORMAT_VERSION 1
#define CELL_MAX 1024 /* bytes of one cell: keys and sums are far shorter */

static const ftz_expect_col_t customs_cols[] = {
    {"day", FTZ_EXPECT_TEXT},
    {"area", FTZ_EXPECT_TEXT},
    {"direction", FTZ_EXPECT_TEXT},
    {"hs_chapter", FTZ_EXPECT_TEXT},
    {"partner_country", FTZ_EXPECT_TEXT},
    {"transport_mode", FTZ_EXPECT_TEXT},
    {"declarations", FTZ_EXPECT_INT},
    {"declared_value_cny", FTZ_EXPECT_NUMERIC},
    {"gross_weight_kg", FTZ_EXPECT_DOUBLE},
    {"cleared", FTZ_EXPECT_INT},
    {"held", FTZ_EXPECT_INT},
    {"clearance_seconds_sum", FTZ_EXPECT_INT},
    {"gross_weight_kg_exact", FTZ_EXPECT_NUMERIC},
};

static const ftz_expect_col_t rail_cols[] = {
    {"day", FTZ_EXPECT_TEXT},
    {"corridor", FTZ_EXPECT_TEXT},
    {"direction", FTZ_EXPECT_TEXT},
    {"cargo_category", FTZ_EXPECT_TEXT},
    {"goods_origin_country", FTZ_EXPECT_TEXT},
    {"departures", FTZ_EXPECT_INT},
    {"border_crossings", FTZ_EXPECT_INT},
    {"arrivals", FTZ_EXPECT_INT},
    {"teu_departed", FTZ_EXPECT_INT},
    {"cargo_value_departed_cny", FTZ_EXPECT_NUMERIC},
    {"transit_seconds_sum", FTZ_EXPECT_INT},
};

static const ftz_expect_col_t registrations_cols[] = {
    {"month", FTZ_EXPECT_TEXT},
    {"area", FTZ_EXPECT_TEXT},
    {"industry", FTZ_EXPECT_TEXT},
    {"enterprise_type", FTZ_EXPECT_TEXT},
    {"investor_country", FTZ_EXPECT_TEXT},
    {"companies", FTZ_EXPECT_INT},
    {"registered_capital_cny", FTZ_EXPECT_NUMERIC},
};

static const ftz_expect_col_t dead_letter_cols[] = {
    {"topic", FTZ_EXPECT_TEXT},
    {"code", FTZ_EXPECT_TEXT},
    {"count", FTZ_EXPECT_INT},
};

#define COLS(a) a, (int)FTZ_ARRAY_SIZE(a)
static const ftz_expect_table_info_t tables[FTZ_EXPECT__TABLES] = {
    [FTZ_EXPECT_CUSTOMS_DAILY] = {"customs_daily", COLS(customs_cols), 6},
    [FTZ_EXPECT_RAIL_DAILY] = {"rail_daily", COLS(rail_cols), 5},
    [FTZ_EXPECT_REGISTRATIONS_MONTHLY] = {"registrations_monthly", COLS(registrations_cols), 5},
    [FTZ_EXPECT_DEAD_LETTERS] = {"dead_letters", COLS(dead_letter_cols), 2},
};

const ftz_expect_table_info_t *ftz_expect_table_info(ftz_expect_table_t t) {
    return (unsigned)t < FTZ_EXPECT__TABLES ? &tables[t] : NULL;
}

/* A row: ncols pointers, then the cells' text, in one allocation. */
typedef char **row_t;

typedef struct rows_s {
    row_t *v;
    size_t n, cap;
    int sorted;
} rows_t;

struct ftz_expect_s {
    rows_t rows[FTZ_EXPECT__TABLES];
};

ftz_expect_t *ftz_expect_new(void) { return calloc(1, sizeof(ftz_expect_t)); }

void ftz_expect_destroy(ftz_expect_t *x) {
    if (!x)
        return;
    for (int t = 0; t < FTZ_EXPECT__TABLES; t++) {
        for (size_t i = 0; i < x->rows[t].n; i++)
            free(x->rows[t].v[i]);
        free(x->rows[t].v);
    }
    free(x);
}

size_t ftz_expect_rows(const ftz_expect_t *x, ftz_expect_table_t t) { return x->rows[t].n; }

/* ---- Values ---- */

static int is_int(const char *s) {
    if (*s == '-')
        s++;
    size_t n = strspn(s, "0123456789");
    return n > 0 && n <= 19 && !s[n];
}

static int is_numeric(const char *s) {
    if (*s == '-')
        s++;
    size_t n = strspn(s, "0123456789");
    if (!n)
        return 0;
    s += n;
    if (*s == '.') {
        n = strspn(++s, "0123456789");
        if (!n)
            return 0;
        s += n;
    }
    return !*s;
}

/* The shortest text that reads back as x (finite). */
static void format_double(double x, char *out, size_t out_size) {
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, out_size, "%.*g", prec, x);
        if (strtod(out, NULL) == x)
            break;
    }
}

static int parse_double(const char *s, double *x) {
    char *end;
    errno = 0;
    *x = strtod(s, &end);
    return *s && !*end && errno != ERANGE && isfinite(*x);
}

/* A decimal in canonical form: no leading zeros, no trailing fraction
 * zeros, no "-0". out has room for strlen(s) + 1. */
static void canonical_decimal(const char *s, char *out) {
    int neg = *s == '-';
    if (neg)
        s++;
    while (*s == '0' && s[1] && s[1] != '.')
        s++;
    size_t n = strlen(s);
    const char *dot = strchr(s, '.');
    if (dot) {
        while (n > (size_t)(dot - s) + 1 && s[n - 1] == '0')
            n--;
        if (s[n - 1] == '.')
            n--;
    }
    int zero = n == 1 && s[0] == '0';
    snprintf(out, n + 2, "%s%.*s", neg && !zero ? "-" : "", (int)n, s);
}

static int cell_is_zero(ftz_expect_ctype_t type, const char *s) {
    double x;
    switch (type) {
    case FTZ_EXPECT_INT:
    case FTZ_EXPECT_NUMERIC:
        return strspn(s + (*s == '-'), "0.") == strlen(s + (*s == '-'));
    case FTZ_EXPECT_DOUBLE: return parse_double(s, &x) && x == 0;
    case FTZ_EXPECT_TEXT: break;
    }
    return 0;
}

static int cells_equal(ftz_expect_ctype_t type, const char *a, const char *b) {
    switch (type) {
    case FTZ_EXPECT_TEXT: return strcmp(a, b) == 0;
    case FTZ_EXPECT_INT: return strtoll(a, NULL, 10) == strtoll(b, NULL, 10);
    case FTZ_EXPECT_NUMERIC: {
        char ca[CELL_MAX + 2], cb[CELL_MAX + 2];
        canonical_decimal(a, ca);
        canonical_decimal(b, cb);
        return strcmp(ca, cb) == 0;
    }
    case FTZ_EXPECT_DOUBLE: {
        double x, y;
        return parse_double(a, &x) && parse_double(b, &y) && x == y;
    }
    }
    return 0;
}

/* ---- Rows ---- */

ftz_err_t ftz_expect_add_row(ftz_expect_t *x, ftz_expect_table_t t, const char *const *cells,
                             char *errstr, size_t errstr_size) {
    const ftz_expect_table_info_t *ti = ftz_expect_table_info(t);
    char norm[16][40]; /* doubles, reformatted */
    const char *cell[16];
    size_t bytes = 0;
    int zero = 1;

    if (!ti || ti->ncols > 16)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "expect: no table %d",
                          (int)t);
    for (int c = 0; c < ti->ncols; c++) {
        const ftz_expect_col_t *col = &ti->cols[c];
        const char *s = cells[c] ? cells[c] : "";
        double d;
        int ok = strlen(s) <= CELL_MAX;
        cell[c] = s;
        switch (col->type) {
        case FTZ_EXPECT_TEXT: break;
        case FTZ_EXPECT_INT: ok = ok && is_int(s); break;
        case FTZ_EXPECT_NUMERIC: ok = ok && is_numeric(s); break;
        case FTZ_EXPECT_DOUBLE:
            ok = ok && parse_double(s, &d);
            if (ok) {
                format_double(d, norm[c], sizeof(norm[c]));
                cell[c] = norm[c];
            }
            break;
        }
        if (!ok)
            return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                              "%s: column %s: \"%.40s\" is not a%s", ti->name, col->name, s,
                              col->type == FTZ_EXPECT_INT       ? " whole number"
                              : col->type == FTZ_EXPECT_NUMERIC ? " decimal number"
                                                                : " finite number");
        if (c >= ti->nkeys && !cell_is_zero(col->type, cell[c]))
            zero = 0;
        bytes += strlen(cell[c]) + 1;
    }
    if (zero)
        return FTZ_OK;

    rows_t *r = &x->rows[t];
    if (FTZ_ARRAY_GROW(r->v, r->cap, r->n + 1))
        return ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "expect: out of memory");
    row_t row = malloc((size_t)ti->ncols * sizeof(char *) + bytes);
    if (!row)
        return ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "expect: out of memory");
    char *at = (char *)(row + ti->ncols);
    for (int c = 0; c < ti->ncols; c++) {
        size_t n = strlen(cell[c]) + 1;
        memcpy(at, cell[c], n);
        row[c] = at;
        at += n;
    }
    r->v[r->n++] = row;
    r->sorted = 0;
    return FTZ_OK;
}

static int key_cmp(row_t a, row_t b, int nkeys) {
    for (int c = 0; c < nkeys; c++) {
        int d = strcmp(a[c], b[c]);
        if (d)
            return d;
    }
    return 0;
}

/* Merge sort of v[0..n) by key, tmp as long (qsort has no context). */
static void merge_sort(row_t *v, row_t *tmp, size_t n, int nkeys) {
    if (n < 2)
        return;
    size_t half = n / 2, i = 0, j = half, k = 0;
    merge_sort(v, tmp, half, nkeys);
    merge_sort(v + half, tmp, n - half, nkeys);
    while (i < half && j < n)
        tmp[k++] = key_cmp(v[j], v[i], nkeys) < 0 ? v[j++] : v[i++];
    while (i < half)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof(*v));
}

static ftz_err_t sort_rows(ftz_expect_t *x, ftz_expect_table_t t) {
    rows_t *r = &x->rows[t];
    if (r->sorted || r->n < 2)
        return FTZ_OK;
    row_t *tmp = malloc(r->n * sizeof(*tmp));
    if (!tmp)
        return FTZ_ERR_NOMEM;
    merge_sort(r->v, tmp, r->n, tables[t].nkeys);
    free(tmp);
    r->sorted = 1;
    return FTZ_OK;
}

/* ---- The file ---- */

static void put_json_string(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f)
            fprintf(out, "\\u%04x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

ftz_err_t ftz_expect_write(ftz_expect_t *x, FILE *out, const char *assumes,
                           const char *generated_json, char *errstr, size_t errstr_size) {
    fprintf(out, "{\n\"format\": \"%s\",\n\"version\": %d,\n", FORMAT_NAME, FORMAT_VERSION);
    if (assumes) {
        fputs("\"assumes\": ", out);
        put_json_string(out, assumes);
        fputs(",\n", out);
    }
    if (generated_json)
        fprintf(out, "\"generated\": %s,\n", generated_json);
    for (int t = 0; t < FTZ_EXPECT__TABLES; t++) {
        const ftz_expect_table_info_t *ti = &tables[t];
        if (sort_rows(x, (ftz_expect_table_t)t) != FTZ_OK)
            return ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        fprintf(out, "\"%s\": [", ti->name);
        for (size_t i = 0; i < x->rows[t].n; i++) {
            row_t row = x->rows[t].v[i];
            fputs(i ? ",\n{" : "\n{", out);
            for (int c = 0; c < ti->ncols; c++) {
                fprintf(out, "%s\"%s\": ", c ? ", " : "", ti->cols[c].name);
                switch (ti->cols[c].type) {
                case FTZ_EXPECT_TEXT:
                case FTZ_EXPECT_NUMERIC: put_json_string(out, row[c]); break;
                case FTZ_EXPECT_INT:
                case FTZ_EXPECT_DOUBLE: fputs(row[c], out); break;
                }
            }
            fputc('}', out);
        }
        fprintf(out, "%s]%s\n", x->rows[t].n ? "\n" : "", t + 1 < FTZ_EXPECT__TABLES ? "," : "");
    }
    fputs("}\n", out);
    if (fflush(out) != 0 || ferror(out))
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "write error: %s", strerror(errno));
    return FTZ_OK;
}

/* The cell of column col in the JSON row obj, as text into buf. */
static ftz_err_t json_cell(const ftz_expect_table_info_t *ti, size_t i, json_t *obj,
                           const ftz_expect_col_t *col, char *buf, size_t buf_size,
                           char *errstr, size_t errstr_size) {
    json_t *v = json_object_get(obj, col->name);
    const char *want = "a string";
    switch (col->type) {
    case FTZ_EXPECT_TEXT:
    case FTZ_EXPECT_NUMERIC:
        if (json_is_string(v)) {
            snprintf(buf, buf_size, "%s", json_string_value(v));
            return FTZ_OK;
        }
        want = col->type == FTZ_EXPECT_TEXT ? "a string" : "a decimal string (\"1250.50\")";
        break;
    case FTZ_EXPECT_INT:
        if (json_is_integer(v)) {
            snprintf(buf, buf_size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            return FTZ_OK;
        }
        want = "a whole number";
        break;
    case FTZ_EXPECT_DOUBLE:
        if (json_is_integer(v)) {
            snprintf(buf, buf_size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            return FTZ_OK;
        }
        if (json_is_real(v)) {
            format_double(json_real_value(v), buf, buf_size);
            return FTZ_OK;
        }
        want = "a number";
        break;
    }
    if (!v)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "%s row %zu: no %s",
                          ti->name, i + 1, col->name);
    return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "%s row %zu: %s: %s expected",
                      ti->name, i + 1, col->name, want);
}

ftz_expect_t *ftz_expect_load(const char *path, char *errstr, size_t errstr_size) {
    json_error_t jerr;
    json_t *root = NULL;
    ftz_expect_t *x = NULL;
    char cells[16][CELL_MAX + 1], msg[300];
    const char *cellp[16];

    if (!(root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr))) {
        if (jerr.line > 0)
            ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "%s:%d: %s", path, jerr.line,
                       jerr.text);
        else /* jansson's text names the file and the reason */
            ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s", jerr.text);
        goto fail;
    }
    json_t *format = json_object_get(root, "format"), *version = json_object_get(root, "version");
    if (!json_is_string(format) || strcmp(json_string_value(format), FORMAT_NAME) != 0 ||
        !json_is_integer(version) || json_integer_value(version) != FORMAT_VERSION) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "%s: not an expectation file (format \"%s\", version %d), as ftz simulate "
                   "--expect writes",
                   path, FORMAT_NAME, FORMAT_VERSION);
        goto fail;
    }
    if (!(x = ftz_expect_new())) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        goto fail;
    }
    for (int t = 0; t < FTZ_EXPECT__TABLES; t++) {
        const ftz_expect_table_info_t *ti = &tables[t];
        json_t *arr = json_object_get(root, ti->name), *obj;
        size_t i;
        if (!json_is_array(arr)) {
            ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "%s: no array \"%s\"", path,
                       ti->name);
            goto fail;
        }
        json_array_foreach(arr, i, obj) {
            if (!json_is_object(obj)) {
                ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                           "%s: %s row %zu: not an object", path, ti->name, i + 1);
                goto fail;
            }
            for (int c = 0; c < ti->ncols; c++) {
                if (json_cell(ti, i, obj, &ti->cols[c], cells[c], sizeof(cells[c]), msg,
                              sizeof(msg)) != FTZ_OK) {
                    ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "%s: %s", path, msg);
                    goto fail;
                }
                cellp[c] = cells[c];
            }
            if ((size_t)json_object_size(obj) != (size_t)ti->ncols) {
                ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                           "%s: %s row %zu: %zu fields, the table has %d columns", path,
                           ti->name, i + 1, (size_t)json_object_size(obj), ti->ncols);
                goto fail;
            }
            if (ftz_expect_add_row(x, (ftz_expect_table_t)t, cellp, msg, sizeof(msg)) != FTZ_OK) {
                ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "%s: row %zu: %s", path,
                           i + 1, msg);
                goto fail;
            }
        }
    }
    json_decref(root);
    return x;
fail:
    json_decref(root);
    ftz_expect_destroy(x);
    return NULL;
}

/* ---- Comparison ---- */

/* A cell as text on one line: control characters escaped. */
static void put_cell(FILE *out, const char *s) {
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x20 || ch == 0x7f || ch == '\\')
            fprintf(out, "\\x%02x", ch);
        else
            fputc(ch, out);
    }
}

static void put_key(FILE *out, const ftz_expect_table_info_t *ti, row_t row) {
    for (int c = 0; c < ti->nkeys; c++) {
        if (c)
            fputc('|', out);
        put_cell(out, row[c]);
    }
}

static void put_measures(FILE *out, const ftz_expect_table_info_t *ti, row_t row) {
    for (int c = ti->nkeys; c < ti->ncols; c++) {
        fprintf(out, "%s%s=", c > ti->nkeys ? " " : "", ti->cols[c].name);
        put_cell(out, row[c]);
    }
}

size_t ftz_expect_diff(ftz_expect_t *want, ftz_expect_t *got, FILE *out) {
    size_t ndiff = 0;
    for (int t = 0; t < FTZ_EXPECT__TABLES; t++) {
        const ftz_expect_table_info_t *ti = &tables[t];
        const rows_t *w = &want->rows[t], *g = &got->rows[t];
        size_t i = 0, j = 0;
        if (sort_rows(want, (ftz_expect_table_t)t) != FTZ_OK ||
            sort_rows(got, (ftz_expect_table_t)t) != FTZ_OK) {
            fprintf(out, "%s: out of memory\n", ti->name);
            return ndiff + 1;
        }
        while (i < w->n || j < g->n) {
            int d = i == w->n ? 1 : j == g->n ? -1 : key_cmp(w->v[i], g->v[j], ti->nkeys);
            if (d < 0) {
                fprintf(out, "%s: missing ", ti->name);
                put_key(out, ti, w->v[i]);
                fputs(": ", out);
                put_measures(out, ti, w->v[i++]);
                fputc('\n', out);
                ndiff++;
                continue;
            }
            if (d > 0) {
                fprintf(out, "%s: extra ", ti->name);
                put_key(out, ti, g->v[j]);
                fputs(": ", out);
                put_measures(out, ti, g->v[j++]);
                fputc('\n', out);
                ndiff++;
                continue;
            }
            int first = 1;
            for (int c = ti->nkeys; c < ti->ncols; c++) {
                if (cells_equal(ti->cols[c].type, w->v[i][c], g->v[j][c]))
                    continue;
                if (first) {
                    fprintf(out, "%s: differs ", ti->name);
                    put_key(out, ti, w->v[i]);
                    fputs(":", out);
                    ndiff++;
                    first = 0;
                }
                fprintf(out, " %s expected ", ti->cols[c].name);
                put_cell(out, w->v[i][c]);
                fputs(" found ", out);
                put_cell(out, g->v[j][c]);
            }
            if (!first)
                fputc('\n', out);
            i++;
            j++;
        }
    }
    return ndiff;
}
