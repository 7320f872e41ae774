/* What the per-type aggregators share: the table of them, COPY text
 * escaping, and the stage-then-apply round trip. */
#include "agg.h"

#include <stdio.h>

#include "ftz/pg.h"

static const char *const customs_tables[] = {"ftz.customs_daily", "ftz.customs_declarations",
                                             NULL};
static const char *const rail_tables[] = {"ftz.rail_daily", "ftz.rail_events", NULL};
static const char *const registration_tables[] = {"ftz.registrations_monthly", "ftz.companies",
                                                  NULL};

const ftz_aggregator_def_t ftz_aggregators[FTZ_REC__COUNT] = {
    {FTZ_REC_CUSTOMS, &ftz_agg_customs_setup_sql, customs_tables, ftz_agg_customs_apply},
    {FTZ_REC_RAIL, &ftz_agg_rail_setup_sql, rail_tables, ftz_agg_rail_apply},
    {FTZ_REC_REGISTRATION, &ftz_agg_registration_setup_sql, registration_tables,
     ftz_agg_registration_apply},
};

ftz_err_t ftz_agg_copy_text(ftz_buf_t *b, const char *s) {
    for (; *s; s++) {
        const char *esc = NULL;
        switch (*s) {
        case '\\': esc = "\\\\"; break;
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        }
        ftz_err_t err = esc ? ftz_buf_append(b, esc, 2) : ftz_buf_putc(b, *s);
        if (err)
            return err;
    }
    return FTZ_OK;
}

ftz_err_t ftz_agg_stage_and_apply(PGconn *conn, const ftz_batch_rows_t *rows, size_t rec_size,
                                  ftz_agg_stage_fn stage, ftz_buf_t *data,
                                  const char *copy_sql, const char *apply_sql, const char *what,
                                  char *errstr, size_t errstr_size) {
    char label[64];
    PGresult *res;
    ftz_err_t err;

    if (rows->n == 0)
        return FTZ_OK;
    ftz_buf_reset(data);
    for (size_t i = 0; i < rows->n; i++)
        if (stage(data, i, rows->data + i * rec_size, &rows->meta[i]))
            return ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");

    snprintf(label, sizeof(label), "stage %s", what);
    res = PQexec(conn, copy_sql);
    err = ftz_pg_check(conn, res, PGRES_COPY_IN, label, errstr, errstr_size);
    PQclear(res);
    if (err)
        return err;
    if (PQputCopyData(conn, data->data, (int)data->len) != 1 || PQputCopyEnd(conn, NULL) != 1)
        return ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size, "%s: %s", label,
                          PQerrorMessage(conn));
    res = PQgetResult(conn);
    err = ftz_pg_check(conn, res, PGRES_COMMAND_OK, label, errstr, errstr_size);
    PQclear(res);
    while ((res = PQgetResult(conn)))
        PQclear(res);
    if (err)
        return err;
    snprintf(label, sizeof(label), "apply %s", what);
    res = PQexec(conn, apply_sql);
    err = ftz_pg_check(conn, res, PGRES_COMMAND_OK, label, errstr, errstr_size);
    PQclear(res);
    return err;
}
