/* Rail in the batch transaction: each event_id counts once
 * (docs/data-model.md). The batch's events, one per event_id, not yet in
 * ftz.rail_events are inserted there and added to rail_daily, summed per
 * key and in key order. A plain insert after the lookup costs one B-tree
 * descent less per event than INSERT ... ON CONFLICT. Concurrent members
 * are safe without locks of our own: if another member inserted one of
 * the ids after this statement looked (or is inserting it), the insert
 * fails on the primary key (or waits, then fails if the other committed):
 * sink.c takes that unique violation on a state table's key as a race and
 * retries the batch, which then finds the id. */
#include <inttypes.h>

#include "ftz/array.h"
#include "ftz/value.h"
#include "sink_int.h"

static const char *const tables[] = {"ftz.rail_daily", "ftz.rail_events", NULL};

static const char apply_sql[] =
    "WITH s AS ("
    "  SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[],"
    "   $6::text[], $7::text[], $8::int4[], $9::int8[], $10::int8[])"
    "  AS s(event_id, event_ms, corridor, direction, cargo_category, goods_origin_country,"
    "   event_type, teu, value_fen, transit_seconds)),"
    /* One index probe per event, whatever the planner thinks of a
     * table it has no fresh statistics for: a hash anti-join would read
     * the whole state table, which only grows. */
    " fresh AS ("
    "  SELECT s.* FROM s LEFT JOIN LATERAL (SELECT 1 AS seen FROM ftz.rail_events e"
    "   WHERE e.event_id = s.event_id OFFSET 0) e ON true WHERE e.seen IS NULL),"
    " ins AS ("
    "  INSERT INTO ftz.rail_events (event_id) SELECT event_id FROM fresh ORDER BY event_id),"
    " agg AS ("
    "  SELECT " FTZ_SQL_SHANGHAI_DAY("event_ms") " AS day, corridor, direction,"
    "   cargo_category, goods_origin_country,"
    "   count(*) FILTER (WHERE event_type = 'DEPARTED') AS dep,"
    "   count(*) FILTER (WHERE event_type = 'BORDER_CROSSED') AS bc,"
    "   count(*) FILTER (WHERE event_type = 'ARRIVED') AS arr,"
    "   coalesce(sum(teu) FILTER (WHERE event_type = 'DEPARTED'), 0) AS teu,"
    "   coalesce(sum(value_fen) FILTER (WHERE event_type = 'DEPARTED'), 0) AS fen,"
    "   coalesce(sum(transit_seconds) FILTER (WHERE event_type = 'ARRIVED'), 0) AS transit"
    "  FROM fresh GROUP BY 1, 2, 3, 4, 5)"
    " INSERT INTO ftz.rail_daily AS t (day, corridor, direction, cargo_category,"
    "  goods_origin_country, departures, border_crossings, arrivals, teu_departed,"
    "  cargo_value_departed_cny, transit_seconds_sum)"
    " SELECT day, corridor, direction, cargo_category, goods_origin_country, dep, bc, arr,"
    "  teu, fen / 100, transit FROM agg"
    " ORDER BY day, corridor, direction, cargo_category, goods_origin_country"
    " ON CONFLICT (day, corridor, direction, cargo_category, goods_origin_country)"
    " DO UPDATE SET departures = t.departures + EXCLUDED.departures,"
    "  border_crossings = t.border_crossings + EXCLUDED.border_crossings,"
    "  arrivals = t.arrivals + EXCLUDED.arrivals,"
    "  teu_departed = t.teu_departed + EXCLUDED.teu_departed,"
    "  cargo_value_departed_cny = t.cargo_value_departed_cny"
    "                             + EXCLUDED.cargo_value_departed_cny,"
    "  transit_seconds_sum = t.transit_seconds_sum + EXCLUDED.transit_seconds_sum";

static const ftz_sink_stmt_t stmts[] = {{"ftz_rail_apply", apply_sql, 10}};

static ftz_err_t stage(ftz_sink_stage_t *st, const ftz_batch_rows_t *rows, size_t lo,
                       size_t hi, size_t *n) {
    static const uint32_t oids[10] = {FTZ_PG_TEXT, FTZ_PG_INT8, FTZ_PG_TEXT, FTZ_PG_TEXT,
                                      FTZ_PG_TEXT, FTZ_PG_TEXT, FTZ_PG_TEXT, FTZ_PG_INT4,
                                      FTZ_PG_INT8, FTZ_PG_INT8};
    const ftz_rail_t *recs = (const ftz_rail_t *)rows->data;
    ftz_err_t err = ftz_sink_stage_reset(st, hi - lo);

    /* The first arrival of each event id. */
    for (size_t i = lo; !err && i < hi; i++)
        if (ftz_keyidx_get_or_put(&st->idx, recs[i].event_id, st->n_pick) == st->n_pick)
            st->pick[st->n_pick++] = i;
    for (int p = 0; !err && p < 10; p++)
        err = ftz_pgarr_begin(&st->arr[p], oids[p]);
    for (size_t k = 0; !err && k < st->n_pick; k++) {
        const ftz_rail_t *e = &recs[st->pick[k]];
        if ((err = ftz_pgarr_str(&st->arr[0], e->event_id)) ||
            (err = ftz_pgarr_int8(&st->arr[1], e->event_time_ms)) ||
            (err = ftz_pgarr_str(&st->arr[2], e->corridor)) ||
            (err = ftz_pgarr_str(&st->arr[3], ftz_rail_direction_symbols[e->direction])) ||
            (err = ftz_pgarr_str(&st->arr[4], ftz_cargo_category_symbols[e->cargo_category])) ||
            (err = ftz_pgarr_str(&st->arr[5], e->goods_origin_country)) ||
            (err = ftz_pgarr_str(&st->arr[6], ftz_rail_event_type_symbols[e->event_type])) ||
            (err = ftz_pgarr_int4(&st->arr[7], e->teu)) ||
            (err = ftz_pgarr_int8(&st->arr[8], e->cargo_value_fen)))
            break;
        /* Whole seconds, floored: the rules guarantee departed_at <= event_time. */
        if (e->event_type == FTZ_RAIL_ARRIVED && e->has_departed_at)
            err = ftz_pgarr_int8(&st->arr[9], (e->event_time_ms - e->departed_at_ms) / 1000);
        else
            err = ftz_pgarr_null(&st->arr[9]);
    }
    *n = st->n_pick;
    return err;
}

const ftz_sink_type_t ftz_sink_rail = {
    FTZ_REC_RAIL, "rail", tables, stmts, FTZ_ARRAY_SIZE(stmts), stage,
};
