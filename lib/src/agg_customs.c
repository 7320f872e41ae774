/* Customs: the revision rule and customs_daily (../shared/domain.md).
 *
 * The batch's declarations are COPied into a temporary table, then one
 * set-based statement keeps the highest revision per declaration (first
 * arrival among equals), keeps only those newer than the stored state,
 * writes the state, and applies to customs_daily the retraction of each
 * replaced revision plus the addition of each new one, summed per key and
 * in key order (two consumers touching the same rows then lock them in the
 * same order). */
#include <inttypes.h>
#include <stdio.h>

#include "agg.h"
#include "ftz/pg.h"
#include "ftz/value.h"

const char *const ftz_agg_customs_setup_sql =
    "CREATE TEMP TABLE IF NOT EXISTS ftz_stage_customs ("
    " seq bigint NOT NULL, declaration_id text NOT NULL, revision integer NOT NULL,"
    " status text NOT NULL, area text NOT NULL, direction text NOT NULL,"
    " hs_code text NOT NULL, origin_country text NOT NULL,"
    " destination_country text NOT NULL, transport_mode text NOT NULL,"
    " declared_value_cny numeric NOT NULL, gross_weight_kg text NOT NULL,"
    " filed_at_ms bigint NOT NULL, cleared_at_ms bigint, event_time_ms bigint NOT NULL,"
    " clearance_seconds bigint, hs_chapter text NOT NULL, partner_country text NOT NULL,"
    " source_partition integer NOT NULL, source_offset bigint NOT NULL"
    ") ON COMMIT DELETE ROWS";

static const char apply_sql[] =
    "WITH s AS ("
    "  SELECT DISTINCT ON (declaration_id) * FROM pg_temp.ftz_stage_customs"
    "  ORDER BY declaration_id, revision DESC, seq),"
    " cur AS ("
    "  SELECT st.* FROM ftz.customs_declarations st"
    "  JOIN s ON s.declaration_id = st.declaration_id),"
    " fresh AS ("
    "  SELECT s.*, s.gross_weight_kg::numeric AS weight_exact,"
    "   timestamptz 'epoch' + s.filed_at_ms * interval '1 millisecond' AS filed_at,"
    "   ((timestamptz 'epoch' + s.filed_at_ms * interval '1 millisecond')"
    "     AT TIME ZONE 'Asia/Shanghai')::date AS day"
    "  FROM s LEFT JOIN cur ON cur.declaration_id = s.declaration_id"
    "  WHERE cur.declaration_id IS NULL OR s.revision > cur.revision),"
    " prev AS ("
    "  SELECT cur.* FROM cur JOIN fresh ON fresh.declaration_id = cur.declaration_id),"
    " w AS ("
    "  INSERT INTO ftz.customs_declarations AS t (declaration_id, revision, status, area,"
    "   direction, hs_code, origin_country, destination_country, transport_mode,"
    "   declared_value_cny, gross_weight_kg, gross_weight_kg_exact, filed_at, cleared_at,"
    "   event_time, day, hs_chapter, partner_country, clearance_seconds,"
    "   source_partition, source_offset, updated_at)"
    "  SELECT declaration_id, revision, status, area, direction, hs_code, origin_country,"
    "   destination_country, transport_mode, declared_value_cny,"
    "   gross_weight_kg::double precision, weight_exact, filed_at,"
    "   timestamptz 'epoch' + cleared_at_ms * interval '1 millisecond',"
    "   timestamptz 'epoch' + event_time_ms * interval '1 millisecond',"
    "   day, hs_chapter, partner_country, clearance_seconds, source_partition,"
    "   source_offset, now()"
    "  FROM fresh"
    "  ON CONFLICT (declaration_id) DO UPDATE SET revision = EXCLUDED.revision,"
    "   status = EXCLUDED.status, area = EXCLUDED.area, direction = EXCLUDED.direction,"
    "   hs_code = EXCLUDED.hs_code, origin_country = EXCLUDED.origin_country,"
    "   destination_country = EXCLUDED.destination_country,"
    "   transport_mode = EXCLUDED.transport_mode,"
    "   declared_value_cny = EXCLUDED.declared_value_cny,"
    "   gross_weight_kg = EXCLUDED.gross_weight_kg,"
    "   gross_weight_kg_exact = EXCLUDED.gross_weight_kg_exact,"
    "   filed_at = EXCLUDED.filed_at, cleared_at = EXCLUDED.cleared_at,"
    "   event_time = EXCLUDED.event_time, day = EXCLUDED.day,"
    "   hs_chapter = EXCLUDED.hs_chapter, partner_country = EXCLUDED.partner_country,"
    "   clearance_seconds = EXCLUDED.clearance_seconds,"
    "   source_partition = EXCLUDED.source_partition,"
    "   source_offset = EXCLUDED.source_offset, updated_at = EXCLUDED.updated_at),"
    " d AS ("
    "  SELECT day, area, direction, hs_chapter, partner_country, transport_mode,"
    "   -1 AS n, -declared_value_cny AS v, -gross_weight_kg_exact AS wt,"
    "   -(status = 'CLEARED')::int AS c, -(status = 'HELD')::int AS h,"
    "   -coalesce(clearance_seconds, 0) AS cs"
    "  FROM prev WHERE status <> 'CANCELLED'"
    "  UNION ALL"
    "  SELECT day, area, direction, hs_chapter, partner_country, transport_mode,"
    "   1, declared_value_cny, weight_exact, (status = 'CLEARED')::int,"
    "   (status = 'HELD')::int, coalesce(clearance_seconds, 0)"
    "  FROM fresh WHERE status <> 'CANCELLED'),"
    " agg AS ("
    "  SELECT day, area, direction, hs_chapter, partner_country, transport_mode,"
    "   sum(n) AS n, sum(v) AS v, sum(wt) AS wt, sum(c) AS c, sum(h) AS h, sum(cs) AS cs"
    "  FROM d GROUP BY day, area, direction, hs_chapter, partner_country, transport_mode)"
    " INSERT INTO ftz.customs_daily AS t (day, area, direction, hs_chapter,"
    "  partner_country, transport_mode, declarations, declared_value_cny,"
    "  gross_weight_kg, cleared, held, clearance_seconds_sum, gross_weight_kg_exact)"
    " SELECT day, area, direction, hs_chapter, partner_country, transport_mode, n, v,"
    "  wt::double precision, c, h, cs, wt"
    " FROM agg ORDER BY day, area, direction, hs_chapter, partner_country, transport_mode"
    " ON CONFLICT (day, area, direction, hs_chapter, partner_country, transport_mode)"
    " DO UPDATE SET declarations = t.declarations + EXCLUDED.declarations,"
    "  declared_value_cny = t.declared_value_cny + EXCLUDED.declared_value_cny,"
    "  gross_weight_kg_exact = t.gross_weight_kg_exact + EXCLUDED.gross_weight_kg_exact,"
    "  gross_weight_kg = (t.gross_weight_kg_exact"
    "                     + EXCLUDED.gross_weight_kg_exact)::double precision,"
    "  cleared = t.cleared + EXCLUDED.cleared, held = t.held + EXCLUDED.held,"
    "  clearance_seconds_sum = t.clearance_seconds_sum + EXCLUDED.clearance_seconds_sum";

static ftz_err_t stage_row(ftz_buf_t *b, size_t seq, const void *rec,
                           const ftz_row_meta_t *m) {
    const ftz_customs_t *c = rec;
    char value[32], cleared[24], clearance[24];
    int export = c->direction == FTZ_DIR_EXPORT;
    ftz_err_t err = FTZ_OK;

    ftz_decimal_format(c->declared_value_fen, value, sizeof(value));
    if (c->has_cleared_at)
        snprintf(cleared, sizeof(cleared), "%" PRId64, c->cleared_at_ms);
    else
        snprintf(cleared, sizeof(cleared), "\\N");
    /* Whole seconds, floored: the rules guarantee cleared_at >= filed_at. */
    if (c->status == FTZ_STATUS_CLEARED && c->has_cleared_at)
        snprintf(clearance, sizeof(clearance), "%" PRId64,
                 (c->cleared_at_ms - c->filed_at_ms) / 1000);
    else
        snprintf(clearance, sizeof(clearance), "\\N");

    if ((err = ftz_buf_printf(b, "%zu\t", seq)) ||
        (err = ftz_agg_copy_text(b, c->declaration_id)) ||
        (err = ftz_buf_printf(b, "\t%d\t%s\t%s\t%s\t", (int)c->revision,
                              ftz_status_symbols[c->status], ftz_area_symbols[c->area],
                              ftz_direction_symbols[c->direction])) ||
        (err = ftz_agg_copy_text(b, c->hs_code)) || (err = ftz_buf_putc(b, '\t')) ||
        (err = ftz_agg_copy_text(b, c->origin_country)) || (err = ftz_buf_putc(b, '\t')) ||
        (err = ftz_agg_copy_text(b, c->destination_country)) ||
        (err = ftz_buf_printf(b, "\t%s\t%s\t%.17g\t%" PRId64 "\t%s\t%" PRId64 "\t%s\t%.2s\t",
                              ftz_mode_symbols[c->transport_mode], value, c->gross_weight_kg,
                              c->filed_at_ms, cleared, c->event_time_ms, clearance,
                              c->hs_code)) ||
        (err = ftz_agg_copy_text(b, export ? c->destination_country : c->origin_country)) ||
        (err = ftz_buf_printf(b, "\t%d\t%" PRId64 "\n", (int)m->partition, m->offset)))
        return err;
    return FTZ_OK;
}

ftz_err_t ftz_agg_customs_apply(PGconn *conn, const ftz_batch_rows_t *rows, ftz_buf_t *b,
                                char *errstr, size_t errstr_size) {
    return ftz_agg_stage_and_apply(conn, rows, sizeof(ftz_customs_t), stage_row, b,
                                   "COPY pg_temp.ftz_stage_customs FROM STDIN", apply_sql,
                                   "customs", errstr, errstr_size);
}
