/* Rail: each event_id counts once; rail_daily (../shared/domain.md).
 *
 * The batch's events are COPied into a temporary table; one statement keeps
 * the first arrival of each event_id, inserts the ones not seen before into
 * ftz.rail_events, and adds exactly those to rail_daily, summed per key and
 * in key order. */
#include <inttypes.h>
#include <stdio.h>

#include "agg.h"
#include "ftz/pg.h"
#include "ftz/value.h"

const char *const ftz_agg_rail_setup_sql =
    "CREATE TEMP TABLE IF NOT EXISTS ftz_stage_rail ("
    " seq bigint NOT NULL, event_id text NOT NULL, shipment_id text NOT NULL,"
    " train_id text NOT NULL, container_id text NOT NULL, corridor text NOT NULL,"
    " direction text NOT NULL, event_type text NOT NULL, station text NOT NULL,"
    " country text NOT NULL, cargo_category text NOT NULL,"
    " goods_origin_country text NOT NULL, teu integer NOT NULL,"
    " cargo_value_cny numeric NOT NULL, event_time_ms bigint NOT NULL,"
    " departed_at_ms bigint, transit_seconds bigint,"
    " source_partition integer NOT NULL, source_offset bigint NOT NULL"
    ") ON COMMIT DELETE ROWS";

static const char apply_sql[] =
    "WITH s AS ("
    "  SELECT DISTINCT ON (event_id) * FROM pg_temp.ftz_stage_rail ORDER BY event_id, seq),"
    " ins AS ("
    "  INSERT INTO ftz.rail_events (event_id, shipment_id, train_id, container_id, corridor,"
    "   direction, event_type, station, country, cargo_category, goods_origin_country, teu,"
    "   cargo_value_cny, event_time, departed_at, day, transit_seconds, source_partition,"
    "   source_offset)"
    "  SELECT event_id, shipment_id, train_id, container_id, corridor, direction, event_type,"
    "   station, country, cargo_category, goods_origin_country, teu, cargo_value_cny,"
    "   timestamptz 'epoch' + event_time_ms * interval '1 millisecond',"
    "   timestamptz 'epoch' + departed_at_ms * interval '1 millisecond',"
    "   ((timestamptz 'epoch' + event_time_ms * interval '1 millisecond')"
    "     AT TIME ZONE 'Asia/Shanghai')::date,"
    "   transit_seconds, source_partition, source_offset"
    "  FROM s ON CONFLICT (event_id) DO NOTHING"
    "  RETURNING day, corridor, direction, cargo_category, goods_origin_country, event_type,"
    "   teu, cargo_value_cny, transit_seconds),"
    " agg AS ("
    "  SELECT day, corridor, direction, cargo_category, goods_origin_country,"
    "   count(*) FILTER (WHERE event_type = 'DEPARTED') AS dep,"
    "   count(*) FILTER (WHERE event_type = 'BORDER_CROSSED') AS bc,"
    "   count(*) FILTER (WHERE event_type = 'ARRIVED') AS arr,"
    "   coalesce(sum(teu) FILTER (WHERE event_type = 'DEPARTED'), 0) AS teu,"
    "   coalesce(sum(cargo_value_cny) FILTER (WHERE event_type = 'DEPARTED'), 0) AS val,"
    "   coalesce(sum(transit_seconds) FILTER (WHERE event_type = 'ARRIVED'), 0) AS transit"
    "  FROM ins GROUP BY day, corridor, direction, cargo_category, goods_origin_country)"
    " INSERT INTO ftz.rail_daily AS t (day, corridor, direction, cargo_category,"
    "  goods_origin_country, departures, border_crossings, arrivals, teu_departed,"
    "  cargo_value_departed_cny, transit_seconds_sum)"
    " SELECT * FROM agg"
    " ORDER BY day, corridor, direction, cargo_category, goods_origin_country"
    " ON CONFLICT (day, corridor, direction, cargo_category, goods_origin_country)"
    " DO UPDATE SET departures = t.departures + EXCLUDED.departures,"
    "  border_crossings = t.border_crossings + EXCLUDED.border_crossings,"
    "  arrivals = t.arrivals + EXCLUDED.arrivals,"
    "  teu_departed = t.teu_departed + EXCLUDED.teu_departed,"
    "  cargo_value_departed_cny = t.cargo_value_departed_cny"
    "                             + EXCLUDED.cargo_value_departed_cny,"
    "  transit_seconds_sum = t.transit_seconds_sum + EXCLUDED.transit_seconds_sum";

static ftz_err_t stage_row(ftz_buf_t *b, size_t seq, const void *rec,
                           const ftz_row_meta_t *m) {
    const ftz_rail_t *e = rec;
    char value[32], departed[24], transit[24];
    ftz_err_t err;
    const char *text[] = {e->event_id, e->shipment_id, e->train_id, e->container_id,
                          e->corridor};

    ftz_decimal_format(e->cargo_value_fen, value, sizeof(value));
    if (e->has_departed_at)
        snprintf(departed, sizeof(departed), "%" PRId64, e->departed_at_ms);
    else
        snprintf(departed, sizeof(departed), "\\N");
    /* Whole seconds, floored: the rules guarantee departed_at <= event_time. */
    if (e->event_type == FTZ_RAIL_ARRIVED && e->has_departed_at)
        snprintf(transit, sizeof(transit), "%" PRId64,
                 (e->event_time_ms - e->departed_at_ms) / 1000);
    else
        snprintf(transit, sizeof(transit), "\\N");

    if ((err = ftz_buf_printf(b, "%zu", seq)))
        return err;
    for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
        if ((err = ftz_buf_putc(b, '\t')) || (err = ftz_agg_copy_text(b, text[i])))
            return err;
    if ((err = ftz_buf_printf(b, "\t%s\t%s\t", ftz_rail_direction_symbols[e->direction],
                              ftz_rail_event_type_symbols[e->event_type])) ||
        (err = ftz_agg_copy_text(b, e->station)) || (err = ftz_buf_putc(b, '\t')) ||
        (err = ftz_agg_copy_text(b, e->country)) ||
        (err = ftz_buf_printf(b, "\t%s\t", ftz_cargo_category_symbols[e->cargo_category])) ||
        (err = ftz_agg_copy_text(b, e->goods_origin_country)) ||
        (err = ftz_buf_printf(b, "\t%d\t%s\t%" PRId64 "\t%s\t%s\t%d\t%" PRId64 "\n",
                              (int)e->teu, value, e->event_time_ms, departed, transit,
                              (int)m->partition, m->offset)))
        return err;
    return FTZ_OK;
}

ftz_err_t ftz_agg_rail_apply(PGconn *conn, const ftz_batch_rows_t *rows, ftz_buf_t *b,
                             char *errstr, size_t errstr_size) {
    return ftz_agg_stage_and_apply(conn, rows, sizeof(ftz_rail_t), stage_row, b,
                                   "COPY pg_temp.ftz_stage_rail FROM STDIN", apply_sql,
                                   "rail", errstr, errstr_size);
}
