/* Registrations: each uscc counts once (the first valid record);
 * registrations_monthly (../shared/domain.md). Same shape as agg_rail.c. */
#include <inttypes.h>
#include <stdio.h>

#include "agg.h"
#include "ftz/pg.h"
#include "ftz/value.h"

const char *const ftz_agg_registration_setup_sql =
    "CREATE TEMP TABLE IF NOT EXISTS ftz_stage_registration ("
    " seq bigint NOT NULL, uscc text NOT NULL, company_name text NOT NULL,"
    " area text NOT NULL, enterprise_type text NOT NULL, industry text NOT NULL,"
    " investor_country text NOT NULL, registered_capital_cny numeric NOT NULL,"
    " registered_at_ms bigint NOT NULL, event_time_ms bigint NOT NULL,"
    " source_partition integer NOT NULL, source_offset bigint NOT NULL"
    ") ON COMMIT DELETE ROWS";

static const char apply_sql[] =
    "WITH s AS ("
    "  SELECT DISTINCT ON (uscc) * FROM pg_temp.ftz_stage_registration ORDER BY uscc, seq),"
    " ins AS ("
    "  INSERT INTO ftz.companies (uscc, company_name, area, enterprise_type, industry,"
    "   investor_country, registered_capital_cny, registered_at, event_time, month,"
    "   source_partition, source_offset)"
    "  SELECT uscc, company_name, area, enterprise_type, industry, investor_country,"
    "   registered_capital_cny,"
    "   timestamptz 'epoch' + registered_at_ms * interval '1 millisecond',"
    "   timestamptz 'epoch' + event_time_ms * interval '1 millisecond',"
    "   date_trunc('month', (timestamptz 'epoch' + registered_at_ms * interval '1 millisecond')"
    "     AT TIME ZONE 'Asia/Shanghai')::date,"
    "   source_partition, source_offset"
    "  FROM s ON CONFLICT (uscc) DO NOTHING"
    "  RETURNING month, area, industry, enterprise_type, investor_country,"
    "   registered_capital_cny),"
    " agg AS ("
    "  SELECT month, area, industry, enterprise_type, investor_country, count(*) AS n,"
    "   sum(registered_capital_cny) AS capital"
    "  FROM ins GROUP BY month, area, industry, enterprise_type, investor_country)"
    " INSERT INTO ftz.registrations_monthly AS t (month, area, industry, enterprise_type,"
    "  investor_country, companies, registered_capital_cny)"
    " SELECT * FROM agg ORDER BY month, area, industry, enterprise_type, investor_country"
    " ON CONFLICT (month, area, industry, enterprise_type, investor_country)"
    " DO UPDATE SET companies = t.companies + EXCLUDED.companies,"
    "  registered_capital_cny = t.registered_capital_cny + EXCLUDED.registered_capital_cny";

static ftz_err_t stage_row(ftz_buf_t *b, size_t seq, const void *rec,
                           const ftz_row_meta_t *m) {
    const ftz_registration_t *c = rec;
    char capital[32];
    ftz_err_t err;
    ftz_decimal_format(c->registered_capital_fen, capital, sizeof(capital));
    if ((err = ftz_buf_printf(b, "%zu\t", seq)) || (err = ftz_agg_copy_text(b, c->uscc)) ||
        (err = ftz_buf_putc(b, '\t')) || (err = ftz_agg_copy_text(b, c->company_name)) ||
        (err = ftz_buf_printf(b, "\t%s\t%s\t", ftz_area_symbols[c->area],
                              ftz_enterprise_type_symbols[c->enterprise_type])) ||
        (err = ftz_agg_copy_text(b, c->industry)) || (err = ftz_buf_putc(b, '\t')) ||
        (err = ftz_agg_copy_text(b, c->investor_country)) ||
        (err = ftz_buf_printf(b, "\t%s\t%" PRId64 "\t%" PRId64 "\t%d\t%" PRId64 "\n", capital,
                              c->registered_at_ms, c->event_time_ms, (int)m->partition,
                              m->offset)))
        return err;
    return FTZ_OK;
}

ftz_err_t ftz_agg_registration_apply(PGconn *conn, const ftz_batch_rows_t *rows, ftz_buf_t *b,
                                     char *errstr, size_t errstr_size) {
    return ftz_agg_stage_and_apply(conn, rows, sizeof(ftz_registration_t), stage_row, b,
                                   "COPY pg_temp.ftz_stage_registration FROM STDIN", apply_sql,
                                   "registrations", errstr, errstr_size);
}
