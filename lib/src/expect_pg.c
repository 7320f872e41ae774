/* The database's side of `ftz check` (ftz/expect.h, ftz_expect_from_db):
 * the aggregate tables and the dead letters by code, as text, in one
 * read-only snapshot. Every statement is a constant without parameters. */
#include <stdlib.h>
#include <string.h>

#include "ftz/expect.h"
#include "ftz/pg.h"
#include "ftz/record.h"
#include "ftz/topics.h"

/* Column for column the rows of ftz/expect.h's tables, as text. */
static const char *const selects[FTZ_EXPECT__TABLES] = {
    [FTZ_EXPECT_CUSTOMS_DAILY] =
        "SELECT day::text, area, direction, hs_chapter, partner_country, transport_mode,"
        " declarations::text, declared_value_cny::text, gross_weight_kg::text, cleared::text,"
        " held::text, clearance_seconds_sum::text, gross_weight_kg_exact::text"
        " FROM ftz.customs_daily",
    [FTZ_EXPECT_RAIL_DAILY] =
        "SELECT day::text, corridor, direction, cargo_category, goods_origin_country,"
        " departures::text, border_crossings::text, arrivals::text, teu_departed::text,"
        " cargo_value_departed_cny::text, transit_seconds_sum::text FROM ftz.rail_daily",
    [FTZ_EXPECT_REGISTRATIONS_MONTHLY] =
        "SELECT month::text, area, industry, enterprise_type, investor_country,"
        " companies::text, registered_capital_cny::text FROM ftz.registrations_monthly",
    [FTZ_EXPECT_DEAD_LETTERS] =
        "SELECT source_topic, code, count(*)::text FROM ftz.dead_letters GROUP BY 1, 2",
};

/* The record topic `topic` is under prefix, or topic itself. */
static const char *base_topic(const char *prefix, const char *topic) {
    size_t n = strlen(prefix);
    if (strncmp(topic, prefix, n) != 0)
        return topic;
    for (int t = 0; t < FTZ_REC__COUNT; t++) {
        const ftz_record_type_t *rt = ftz_record_type((ftz_rtype_t)t);
        if (strcmp(topic + n, rt->topic) == 0)
            return rt->topic;
    }
    return topic;
}

ftz_expect_t *ftz_expect_from_db(PGconn *conn, const char *topic_prefix, char *errstr,
                                 size_t errstr_size) {
    const char *prefix = ftz_topic_prefix(topic_prefix);
    ftz_expect_t *x = ftz_expect_new();
    PGresult *res = NULL;
    int in_tx = 0;

    if (!x) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        goto fail;
    }
    /* Doubles as text that reads back exactly (PostgreSQL 12 and later
     * print the shortest such text when extra_float_digits > 0). */
    if (ftz_pg_exec(conn, "SET extra_float_digits = 3", "set extra_float_digits", errstr,
                    errstr_size) != FTZ_OK ||
        ftz_pg_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin", errstr,
                    errstr_size) != FTZ_OK)
        goto fail;
    in_tx = 1;
    for (int t = 0; t < FTZ_EXPECT__TABLES; t++) {
        const ftz_expect_table_info_t *ti = ftz_expect_table_info((ftz_expect_table_t)t);
        const char *cells[16];
        res = PQexec(conn, selects[t]);
        if (ftz_pg_check(conn, res, PGRES_TUPLES_OK, ti->name, errstr, errstr_size) != FTZ_OK)
            goto fail;
        if (PQnfields(res) != ti->ncols) {
            ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "%s: %d columns, %d expected",
                       ti->name, PQnfields(res), ti->ncols);
            goto fail;
        }
        for (int i = 0; i < PQntuples(res); i++) {
            for (int c = 0; c < ti->ncols; c++)
                cells[c] = PQgetisnull(res, i, c) ? "" : PQgetvalue(res, i, c);
            if (t == FTZ_EXPECT_DEAD_LETTERS)
                cells[0] = base_topic(prefix, cells[0]);
            if (ftz_expect_add_row(x, (ftz_expect_table_t)t, cells, errstr, errstr_size) !=
                FTZ_OK)
                goto fail;
        }
        PQclear(res);
        res = NULL;
    }
    if (ftz_pg_exec(conn, "COMMIT", "commit", errstr, errstr_size) != FTZ_OK)
        goto fail;
    return x;
fail:
    PQclear(res);
    if (in_tx)
        PQclear(PQexec(conn, "ROLLBACK"));
    ftz_expect_destroy(x);
    return NULL;
}
