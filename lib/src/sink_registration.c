/* Registrations in the batch transaction: each USCC counts once, the first
 * valid registration (docs/data-model.md). Same shape as sink_rail.c: the
 * batch's companies, one per USCC, not yet in ftz.companies are inserted
 * there and added to registrations_monthly; a concurrent member's insert
 * of the same USCC ends in a unique violation that sink.c retries. */
#include "ftz/array.h"
#include "ftz/value.h"
#include "sink_int.h"

static const char *const tables[] = {"ftz.registrations_monthly", "ftz.companies", NULL};

static const char apply_sql[] =
    "WITH s AS ("
    "  SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[],"
    "   $6::text[], $7::int8[])"
    "  AS s(uscc, registered_ms, area, industry, enterprise_type, investor_country,"
    "   capital_fen)),"
    /* One index probe per company (see sink_rail.c). */
    " fresh AS ("
    "  SELECT s.* FROM s LEFT JOIN LATERAL (SELECT 1 AS seen FROM ftz.companies c"
    "   WHERE c.uscc = s.uscc OFFSET 0) c ON true WHERE c.seen IS NULL),"
    " ins AS ("
    "  INSERT INTO ftz.companies (uscc) SELECT uscc FROM fresh ORDER BY uscc),"
    " agg AS ("
    "  SELECT date_trunc('month', " FTZ_SQL_SHANGHAI_DAY("registered_ms") ")::date AS month,"
    "   area, industry, enterprise_type, investor_country, count(*) AS n,"
    "   sum(capital_fen) AS fen"
    "  FROM fresh GROUP BY 1, 2, 3, 4, 5)"
    " INSERT INTO ftz.registrations_monthly AS t (month, area, industry, enterprise_type,"
    "  investor_country, companies, registered_capital_cny)"
    " SELECT month, area, industry, enterprise_type, investor_country, n, fen / 100 FROM agg"
    " ORDER BY month, area, industry, enterprise_type, investor_country"
    " ON CONFLICT (month, area, industry, enterprise_type, investor_country)"
    " DO UPDATE SET companies = t.companies + EXCLUDED.companies,"
    "  registered_capital_cny = t.registered_capital_cny + EXCLUDED.registered_capital_cny";

static const ftz_sink_stmt_t stmts[] = {{"ftz_registration_apply", apply_sql, 7}};

static ftz_err_t stage(ftz_sink_stage_t *st, const ftz_batch_rows_t *rows, size_t lo,
                       size_t hi, size_t *n) {
    static const uint32_t oids[7] = {FTZ_PG_TEXT, FTZ_PG_INT8, FTZ_PG_TEXT, FTZ_PG_TEXT,
                                     FTZ_PG_TEXT, FTZ_PG_TEXT, FTZ_PG_INT8};
    const ftz_registration_t *recs = (const ftz_registration_t *)rows->data;
    ftz_err_t err = ftz_sink_stage_reset(st, hi - lo);

    /* The first registration of each USCC. */
    for (size_t i = lo; !err && i < hi; i++)
        if (ftz_keyidx_get_or_put(&st->idx, recs[i].uscc, st->n_pick) == st->n_pick)
            st->pick[st->n_pick++] = i;
    for (int p = 0; !err && p < 7; p++)
        err = ftz_pgarr_begin(&st->arr[p], oids[p]);
    for (size_t k = 0; !err && k < st->n_pick; k++) {
        const ftz_registration_t *c = &recs[st->pick[k]];
        if ((err = ftz_pgarr_str(&st->arr[0], c->uscc)) ||
            (err = ftz_pgarr_int8(&st->arr[1], c->registered_at_ms)) ||
            (err = ftz_pgarr_str(&st->arr[2], ftz_area_symbols[c->area])) ||
            (err = ftz_pgarr_str(&st->arr[3], c->industry)) ||
            (err = ftz_pgarr_str(&st->arr[4], ftz_enterprise_type_symbols[c->enterprise_type])) ||
            (err = ftz_pgarr_str(&st->arr[5], c->investor_country)) ||
            (err = ftz_pgarr_int8(&st->arr[6], c->registered_capital_fen)))
            break;
    }
    *n = st->n_pick;
    return err;
}

const ftz_sink_type_t ftz_sink_registration = {
    FTZ_REC_REGISTRATION, "registrations", tables, stmts, FTZ_ARRAY_SIZE(stmts),
    stage,
};
