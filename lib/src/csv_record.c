#include "ftz/csv_record.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/json.h"
#include "ftz/utf8.h"

struct ftz_csv_map_s {
    const ftz_record_type_t *rt;
    size_t ncols;
    const ftz_field_t **cols; /* the field of each column */
};

static int optional(const ftz_field_t *f) {
    return f->type == FTZ_FT_OPT_STRING || f->type == FTZ_FT_OPT_TIMESTAMP;
}

ftz_csv_map_t *ftz_csv_map_new(const ftz_record_type_t *rt, const ftz_csv_row_t *header,
                               char *errstr, size_t errstr_size) {
    ftz_csv_map_t *m = calloc(1, sizeof(*m));
    char name[80];
    if (!m || !(m->cols = calloc(header->n ? header->n : 1, sizeof(*m->cols)))) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        goto fail;
    }
    m->rt = rt;
    m->ncols = header->n;
    for (size_t i = 0; i < header->n; i++) {
        const char *col = header->cells[i];
        ftz_utf8_sanitize(name, sizeof(name), col, header->lens[i]);
        if (!header->lens[i]) {
            ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                       "header: column %zu has no name", i + 1);
            goto fail;
        }
        for (int k = 0; k < rt->nfields && !m->cols[i]; k++)
            if (strlen(rt->fields[k].name) == header->lens[i] &&
                memcmp(rt->fields[k].name, col, header->lens[i]) == 0)
                m->cols[i] = &rt->fields[k];
        if (!m->cols[i]) {
            ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                       "header: column %zu \"%s\" is not a field of %s", i + 1, name,
                       rt->fullname);
            goto fail;
        }
        for (size_t j = 0; j < i; j++)
            if (m->cols[j] == m->cols[i]) {
                ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                           "header: column \"%s\" appears twice (columns %zu and %zu)", name,
                           j + 1, i + 1);
                goto fail;
            }
    }
    for (int k = 0; k < rt->nfields; k++) {
        const ftz_field_t *f = &rt->fields[k];
        size_t i = 0;
        while (i < m->ncols && m->cols[i] != f)
            i++;
        if (i == m->ncols && !optional(f)) {
            ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                       "header: no column \"%s\", a required field of %s", f->name,
                       rt->fullname);
            goto fail;
        }
    }
    return m;
fail:
    ftz_csv_map_destroy(m);
    return NULL;
}

void ftz_csv_map_destroy(ftz_csv_map_t *m) {
    if (!m)
        return;
    free(m->cols);
    free(m);
}

/* The JSON value of a cell for field f: a number for the numeric fields
 * when the cell is a JSON number (the JSON path then judges its range and
 * kind), a string otherwise; money is kept as its text, which the JSON
 * path reads exactly. NULL when out of memory. */
static json_t *cell_value(const ftz_field_t *f, const char *cell, size_t len) {
    if (f->type == FTZ_FT_INT || f->type == FTZ_FT_DOUBLE) {
        json_error_t jerr;
        json_t *j = json_loadb(cell, len, JSON_DECODE_ANY, &jerr);
        if (j && json_is_number(j))
            return j;
        json_decref(j);
    }
    return json_stringn(cell, len);
}

ftz_err_t ftz_csv_map_record(const ftz_csv_map_t *m, const ftz_csv_row_t *row, void *rec,
                             ftz_verdict_t *v) {
    ftz_err_t err = FTZ_OK;
    char *text = NULL;
    json_t *obj = NULL;

    ftz_verdict_clear(v);
    memset(rec, 0, m->rt->size);
    if (row->n != m->ncols)
        return ftz_verdict_set(v, FTZ_V_BAD_CSV, "CSV: %zu cells, the header has %zu columns",
                               row->n, m->ncols);
    if (!(obj = json_object())) {
        ftz_verdict_set(v, FTZ_V_BAD_JSON, "out of memory");
        err = FTZ_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < m->ncols; i++) {
        const ftz_field_t *f = m->cols[i];
        if (!row->lens[i])
            continue; /* empty: absent */
        if (!ftz_utf8_valid(row->cells[i], row->lens[i])) {
            err = ftz_verdict_set(v, FTZ_V_BAD_JSON,
                                  "field %s: not valid UTF-8, or contains a NUL byte", f->name);
            goto cleanup;
        }
        json_t *j = cell_value(f, row->cells[i], row->lens[i]);
        if (!j || json_object_set_new(obj, f->name, j) != 0) {
            ftz_verdict_set(v, FTZ_V_BAD_JSON, "out of memory");
            err = FTZ_ERR_NOMEM;
            goto cleanup;
        }
    }
    if (!(text = json_dumps(obj, JSON_COMPACT))) {
        ftz_verdict_set(v, FTZ_V_BAD_JSON, "out of memory");
        err = FTZ_ERR_NOMEM;
        goto cleanup;
    }
    err = ftz_json_to_record(m->rt, text, strlen(text), rec, v);
cleanup:
    free(text);
    json_decref(obj);
    return err;
}
