/* Customs in the batch transaction: only the highest revision of each
 * declaration counts, a lower or equal one arriving later changes nothing,
 * a new revision retracts what the previous one added, CANCELLED counts
 * nowhere (docs/data-model.md).
 *
 * Several members may hold revisions of one declaration at once (its
 * revisions can sit on different partitions), so the state row is locked
 * before it is read: the first statement locks the batch's existing
 * declarations in key order (two members never wait on each other in a
 * circle); the second reads them with a snapshot taken after the locks,
 * keeps the revisions newer than stored, retracts what the stored revision
 * added and adds the new one. A declaration that did not exist when the
 * locks were taken may be written by another member meanwhile: the update
 * only applies over the revision this statement read (if one did not
 * happen, the statement raises SQLSTATE 40001), and the insert of an id
 * that appeared fails on the primary key (a unique violation sink.c takes
 * as the same race); either way the batch is retried and then sees (and
 * locks) the row. */
#include <inttypes.h>
#include <stdio.h>

#include "ftz/array.h"
#include "ftz/value.h"
#include "sink_int.h"

static const char *const tables[] = {"ftz.customs_daily", "ftz.customs_declarations", NULL};

static const char lock_sql[] =
    "SELECT count(*) FROM (SELECT 1 FROM ftz.customs_declarations"
    " WHERE declaration_id = ANY($1::text[]) ORDER BY declaration_id FOR UPDATE) l";

static const char apply_sql[] =
    "WITH s AS ("
    "  SELECT * FROM unnest($1::text[], $2::int4[], $3::text[], $4::text[], $5::text[],"
    "   $6::text[], $7::text[], $8::text[], $9::int8[], $10::int8[], $11::text[], $12::int8[],"
    "   $13::text[])"
    "  AS s(declaration_id, revision, status, area, direction, hs_chapter, partner_country,"
    "   transport_mode, filed_ms, value_fen, weight, clearance_seconds, customs_office)),"
    /* One index probe per declaration (see sink_rail.c). */
    " cur AS ("
    "  SELECT c.* FROM s, LATERAL (SELECT * FROM ftz.customs_declarations c"
    "   WHERE c.declaration_id = s.declaration_id OFFSET 0) c),"
    " fresh AS ("
    "  SELECT s.declaration_id, s.revision, s.status, " FTZ_SQL_SHANGHAI_DAY("s.filed_ms") " AS day,"
    "   s.area, s.direction, s.hs_chapter, s.partner_country, s.transport_mode,"
    "   (s.value_fen::numeric / 100)::numeric(38,2) AS declared_value_cny,"
    "   s.weight::numeric AS gross_weight_kg_exact, s.clearance_seconds, s.customs_office,"
    "   cur.revision AS prev_revision"
    "  FROM s LEFT JOIN cur USING (declaration_id)"
    "  WHERE cur.declaration_id IS NULL OR s.revision > cur.revision),"
    " upd AS ("
    "  UPDATE ftz.customs_declarations t SET revision = f.revision, status = f.status,"
    "   day = f.day, area = f.area, direction = f.direction, hs_chapter = f.hs_chapter,"
    "   partner_country = f.partner_country, transport_mode = f.transport_mode,"
    "   declared_value_cny = f.declared_value_cny,"
    "   gross_weight_kg_exact = f.gross_weight_kg_exact,"
    "   clearance_seconds = f.clearance_seconds, customs_office = f.customs_office"
    "  FROM fresh f"
    "  WHERE t.declaration_id = f.declaration_id AND t.revision = f.prev_revision"
    "  RETURNING t.declaration_id),"
    " ins AS ("
    "  INSERT INTO ftz.customs_declarations (declaration_id, revision, status, day, area,"
    "   direction, hs_chapter, partner_country, transport_mode, declared_value_cny,"
    "   gross_weight_kg_exact, clearance_seconds, customs_office)"
    "  SELECT declaration_id, revision, status, day, area, direction, hs_chapter,"
    "   partner_country, transport_mode, declared_value_cny, gross_weight_kg_exact,"
    "   clearance_seconds, customs_office"
    "  FROM fresh WHERE prev_revision IS NULL ORDER BY declaration_id"
    "  RETURNING declaration_id),"
    " written AS (SELECT declaration_id FROM upd UNION ALL SELECT declaration_id FROM ins),"
    " d AS ("
    "  SELECT c.day, c.area, c.direction, c.hs_chapter, c.partner_country, c.transport_mode,"
    "   -1 AS n, -c.declared_value_cny AS v, -c.gross_weight_kg_exact AS wt,"
    "   -(c.status = 'CLEARED')::int AS cl, -(c.status = 'HELD')::int AS h,"
    "   -coalesce(c.clearance_seconds, 0) AS cs"
    "  FROM cur c JOIN written w USING (declaration_id) WHERE c.status <> 'CANCELLED'"
    "  UNION ALL"
    "  SELECT f.day, f.area, f.direction, f.hs_chapter, f.partner_country, f.transport_mode,"
    "   1, f.declared_value_cny, f.gross_weight_kg_exact, (f.status = 'CLEARED')::int,"
    "   (f.status = 'HELD')::int, coalesce(f.clearance_seconds, 0)"
    "  FROM fresh f JOIN written w USING (declaration_id) WHERE f.status <> 'CANCELLED'),"
    " agg AS ("
    "  SELECT day, area, direction, hs_chapter, partner_country, transport_mode,"
    "   sum(n) AS n, sum(v) AS v, sum(wt) AS wt, sum(cl) AS cl, sum(h) AS h, sum(cs) AS cs"
    "  FROM d GROUP BY day, area, direction, hs_chapter, partner_country, transport_mode),"
    " up AS ("
    "  INSERT INTO ftz.customs_daily AS t (day, area, direction, hs_chapter,"
    "   partner_country, transport_mode, declarations, declared_value_cny,"
    "   gross_weight_kg, cleared, held, clearance_seconds_sum, gross_weight_kg_exact)"
    "  SELECT day, area, direction, hs_chapter, partner_country, transport_mode, n, v,"
    "   wt::double precision, cl, h, cs, wt"
    "  FROM agg ORDER BY day, area, direction, hs_chapter, partner_country, transport_mode"
    "  ON CONFLICT (day, area, direction, hs_chapter, partner_country, transport_mode)"
    "  DO UPDATE SET declarations = t.declarations + EXCLUDED.declarations,"
    "   declared_value_cny = t.declared_value_cny + EXCLUDED.declared_value_cny,"
    "   gross_weight_kg_exact = t.gross_weight_kg_exact + EXCLUDED.gross_weight_kg_exact,"
    "   gross_weight_kg = (t.gross_weight_kg_exact"
    "                      + EXCLUDED.gross_weight_kg_exact)::double precision,"
    "   cleared = t.cleared + EXCLUDED.cleared, held = t.held + EXCLUDED.held,"
    "   clearance_seconds_sum = t.clearance_seconds_sum + EXCLUDED.clearance_seconds_sum"
    "  RETURNING 1)"
    " SELECT CASE WHEN (SELECT count(*) FROM upd)"
    "  <> (SELECT count(*) FROM fresh WHERE prev_revision IS NOT NULL)"
    "  THEN ftz.retry_batch('customs: another member wrote a declaration of this batch"
    " meanwhile; retrying') END, (SELECT count(*) FROM up)";

static const ftz_sink_stmt_t stmts[] = {
    {"ftz_customs_lock", lock_sql, 1},
    {"ftz_customs_apply", apply_sql, 13},
};

static ftz_err_t stage(ftz_sink_stage_t *st, const ftz_batch_rows_t *rows, size_t lo,
                       size_t hi, size_t *n) {
    static const uint32_t oids[13] = {FTZ_PG_TEXT, FTZ_PG_INT4, FTZ_PG_TEXT, FTZ_PG_TEXT,
                                      FTZ_PG_TEXT, FTZ_PG_TEXT, FTZ_PG_TEXT, FTZ_PG_TEXT,
                                      FTZ_PG_INT8, FTZ_PG_INT8, FTZ_PG_TEXT, FTZ_PG_INT8,
                                      FTZ_PG_TEXT};
    const ftz_customs_t *recs = (const ftz_customs_t *)rows->data;
    ftz_err_t err = ftz_sink_stage_reset(st, hi - lo);

    /* The highest revision of each declaration; the first among equals. */
    for (size_t i = lo; !err && i < hi; i++) {
        size_t k = ftz_keyidx_get_or_put(&st->idx, recs[i].declaration_id, st->n_pick);
        if (k == st->n_pick)
            st->pick[st->n_pick++] = i;
        else if (recs[i].revision > recs[st->pick[k]].revision)
            st->pick[k] = i;
    }
    for (int p = 0; !err && p < 13; p++)
        err = ftz_pgarr_begin(&st->arr[p], oids[p]);
    for (size_t k = 0; !err && k < st->n_pick; k++) {
        const ftz_customs_t *c = &recs[st->pick[k]];
        const char *partner =
            c->direction == FTZ_DIR_EXPORT ? c->destination_country : c->origin_country;
        char chapter[3] = {c->hs_code[0], c->hs_code[1], '\0'};
        char weight[32];
        /* 17 significant digits: the double exactly, as numeric. */
        snprintf(weight, sizeof(weight), "%.17g", c->gross_weight_kg);
        if ((err = ftz_pgarr_str(&st->arr[0], c->declaration_id)) ||
            (err = ftz_pgarr_int4(&st->arr[1], c->revision)) ||
            (err = ftz_pgarr_str(&st->arr[2], ftz_status_symbols[c->status])) ||
            (err = ftz_pgarr_str(&st->arr[3], ftz_area_symbols[c->area])) ||
            (err = ftz_pgarr_str(&st->arr[4], ftz_direction_symbols[c->direction])) ||
            (err = ftz_pgarr_str(&st->arr[5], chapter)) ||
            (err = ftz_pgarr_str(&st->arr[6], partner)) ||
            (err = ftz_pgarr_str(&st->arr[7], ftz_mode_symbols[c->transport_mode])) ||
            (err = ftz_pgarr_int8(&st->arr[8], c->filed_at_ms)) ||
            (err = ftz_pgarr_int8(&st->arr[9], c->declared_value_fen)) ||
            (err = ftz_pgarr_str(&st->arr[10], weight)))
            break;
        /* Whole seconds, floored: the rules guarantee cleared_at >= filed_at. */
        if (c->status == FTZ_STATUS_CLEARED && c->has_cleared_at)
            err = ftz_pgarr_int8(&st->arr[11], (c->cleared_at_ms - c->filed_at_ms) / 1000);
        else
            err = ftz_pgarr_null(&st->arr[11]);
        /* Schema v2: the customs office, a dimension of the BI views. */
        if (!err)
            err = c->has_customs_office ? ftz_pgarr_str(&st->arr[12], c->customs_office)
                                        : ftz_pgarr_null(&st->arr[12]);
    }
    *n = st->n_pick;
    return err;
}

const ftz_sink_type_t ftz_sink_customs = {
    FTZ_REC_CUSTOMS, "customs", tables, stmts, FTZ_ARRAY_SIZE(stmts), stage,
};
