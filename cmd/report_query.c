/* Running a report's or a chart's query with the filter as parameters. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/pg.h"
#include "report.h"

/* pg_type OIDs (server/catalog/pg_type_d.h, not in libpq's headers). */
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_DATE 1082
#define OID_NUMERIC 1700

/* The parameters typed, so that a query need not use all three. */
static PGresult *run(PGconn *conn, const char *sql, const ftz_report_filter_t *filter) {
    static const Oid types[3] = {OID_DATE, OID_DATE, OID_TEXT};
    const char *params[3] = {filter->from, filter->to, filter->area};
    return PQexecParams(conn, sql, 3, types, params, NULL, NULL, 0);
}

ftz_err_t ftz_report_run(PGconn *conn, const ftz_report_def_t *def,
                         const ftz_report_filter_t *filter, ftz_report_result_t *out,
                         char *errstr, size_t errstr_size) {
    char what[128];
    int ncols = 0;
    ftz_err_t err;

    memset(out, 0, sizeof(*out));
    out->def = def;
    snprintf(what, sizeof(what), "report %s", def->name);
    out->res = run(conn, def->sql, filter);
    if ((err = ftz_pg_check(conn, out->res, PGRES_TUPLES_OK, what, errstr, errstr_size)) !=
        FTZ_OK) {
        /* undefined_table: the views come with migration 005. */
        const char *state = PQresultErrorField(out->res, PG_DIAG_SQLSTATE);
        size_t len = strlen(errstr);
        if (state && strcmp(state, "42P01") == 0 && len + 40 < errstr_size)
            snprintf(errstr + len, errstr_size - len, " (is the database migrated? ftz db migrate)");
        return err;
    }
    while (ncols < FTZ_REPORT_MAX_COLUMNS && def->columns[ncols])
        ncols++;
    if (PQnfields(out->res) != ncols)
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                          "report %s: the query returned %d columns, the table names %d",
                          def->name, PQnfields(out->res), ncols);
    out->ncols = ncols;
    for (int c = 0; c < ncols; c++) {
        switch (PQftype(out->res, c)) {
        case OID_INT2:
        case OID_INT4:
        case OID_INT8:
        case OID_NUMERIC:
        case OID_FLOAT4:
        case OID_FLOAT8: out->kinds[c] = FTZ_REPORT_NUMBER; break;
        case OID_DATE: out->kinds[c] = FTZ_REPORT_DATE; break;
        default: out->kinds[c] = FTZ_REPORT_TEXT; break;
        }
    }
    return FTZ_OK;
}

void ftz_report_result_clear(ftz_report_result_t *r) {
    PQclear(r->res);
    r->res = NULL;
}

int ftz_report_rows(const ftz_report_result_t *r) { return r->res ? PQntuples(r->res) : 0; }

const char *ftz_report_cell(const ftz_report_result_t *r, int row, int col) {
    return PQgetisnull(r->res, row, col) ? NULL : PQgetvalue(r->res, row, col);
}

/* Index of s in the array of strings, appended when absent; -1 when out of
 * memory. */
static int index_of(json_t *array, const char *s) {
    size_t i;
    json_t *v;
    json_array_foreach(array, i, v) {
        if (strcmp(json_string_value(v), s) == 0)
            return (int)i;
    }
    if (json_array_append_new(array, json_string(s)) != 0)
        return -1;
    return (int)json_array_size(array) - 1;
}

void *ftz_report_chart_data(PGconn *conn, const ftz_report_chart_def_t *chart,
                            const ftz_report_filter_t *filter, char *errstr,
                            size_t errstr_size) {
    char what[128];
    json_t *obj = NULL, *labels = NULL, *series = NULL, *datasets = NULL;
    PGresult *res = run(conn, chart->sql, filter);

    snprintf(what, sizeof(what), "chart %s", chart->id);
    if (ftz_pg_check(conn, res, PGRES_TUPLES_OK, what, errstr, errstr_size) != FTZ_OK)
        goto fail;
    if (PQnfields(res) != 3) {
        ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                   "chart %s: the query returned %d columns, not 3", chart->id, PQnfields(res));
        goto fail;
    }
    labels = json_array();
    series = json_array();
    datasets = json_array();
    if (!labels || !series || !datasets)
        goto nomem;
    /* First the labels and series in the order they come, then the grid
     * (a missing cell stays null). */
    for (int r = 0; r < PQntuples(res); r++) {
        if (PQgetisnull(res, r, 0) || PQgetisnull(res, r, 1)) {
            ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "chart %s: a NULL label or series",
                       chart->id);
            goto fail;
        }
        if (index_of(labels, PQgetvalue(res, r, 0)) < 0 ||
            index_of(series, PQgetvalue(res, r, 1)) < 0)
            goto nomem;
    }
    for (size_t s = 0; s < json_array_size(series); s++) {
        json_t *data = json_array();
        json_t *ds = json_pack("{s:O, s:o, s:b}", "label", json_array_get(series, s), "data",
                               data,
                               "dashed", chart->dashed_last && s + 1 == json_array_size(series));
        if (!ds || json_array_append_new(datasets, ds) != 0)
            goto nomem;
        for (size_t l = 0; l < json_array_size(labels); l++)
            if (json_array_append_new(data, json_null()) != 0)
                goto nomem;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        int l = index_of(labels, PQgetvalue(res, r, 0));
        int s = index_of(series, PQgetvalue(res, r, 1));
        json_t *data = json_object_get(json_array_get(datasets, (size_t)s), "data");
        if (!PQgetisnull(res, r, 2) &&
            json_array_set_new(data, (size_t)l, json_real(strtod(PQgetvalue(res, r, 2), NULL))))
            goto nomem;
    }
    obj = json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:O, s:O}", "id", chart->id, "type",
                    chart->type, "stacked", chart->stacked, "title", chart->title, "note",
                    chart->note, "x_title", chart->x_title, "y_title", chart->y_title, "labels",
                    labels, "datasets", datasets);
    if (!obj)
        goto nomem;
    json_decref(labels);
    json_decref(series);
    json_decref(datasets);
    PQclear(res);
    return obj;
nomem:
    ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "chart %s: out of memory", chart->id);
fail:
    json_decref(labels);
    json_decref(series);
    json_decref(datasets);
    PQclear(res);
    return NULL;
}

ftz_err_t ftz_report_span(PGconn *conn, const ftz_report_filter_t *filter, char *first,
                          char *last, size_t size, char *errstr, size_t errstr_size) {
    PGresult *res = run(conn, ftz_report_span_sql, filter);
    ftz_err_t err = ftz_pg_check(conn, res, PGRES_TUPLES_OK, "first and last day", errstr,
                                 errstr_size);
    if (err == FTZ_OK) {
        snprintf(first, size, "%s", PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0));
        snprintf(last, size, "%s", PQgetisnull(res, 0, 1) ? "" : PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    return err;
}
