#include "ftz/csv_record.h"

#include <stdlib.h>
#include <string.h>

#include "ftz/field_value.h"
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

ftz_err_t ftz_csv_map_record(const ftz_csv_map_t *m, const ftz_csv_row_t *row, void *rec,
                             ftz_verdict_t *v) {
    ftz_field_value_t vals[FTZ_RECORD_MAX_FIELDS];

    ftz_verdict_clear(v);
    memset(rec, 0, m->rt->size);
    if (row->n != m->ncols)
        return ftz_verdict_set(v, FTZ_V_BAD_CSV, "CSV: %zu cells, the header has %zu columns",
                               row->n, m->ncols);
    if (m->rt->nfields > FTZ_RECORD_MAX_FIELDS)
        return ftz_verdict_set(v, FTZ_V_BAD_CSV, "record type %s has too many fields",
                               m->rt->fullname);
    memset(vals, 0, sizeof(vals));
    for (size_t i = 0; i < m->ncols; i++) {
        const ftz_field_t *f = m->cols[i];
        if (!row->lens[i])
            continue; /* empty: absent */
        if (!ftz_utf8_valid(row->cells[i], row->lens[i]))
            return ftz_verdict_set(v, FTZ_V_BAD_JSON,
                                   "field %s: not valid UTF-8, or contains a NUL byte",
                                   f->name);
        /* A number for the numeric fields when the cell is written as one
         * (the field then judges its range and kind), text otherwise;
         * money is judged from its text either way. */
        ftz_fv_kind_t kind = FTZ_FV_STRING;
        if (f->type == FTZ_FT_INT || f->type == FTZ_FT_DOUBLE) {
            ftz_fv_kind_t k = ftz_json_number_kind(row->cells[i], row->lens[i]);
            if (k != FTZ_FV_ABSENT)
                kind = k;
        }
        vals[f - m->rt->fields] = (ftz_field_value_t){kind, row->cells[i], row->lens[i]};
    }
    return ftz_record_from_values(m->rt, vals, rec, v);
}
