#include "ftz/sink.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ftz/array.h"
#include "ftz/log.h"
#include "ftz/offsets.h"
#include "ftz/pg.h"
#include "ftz/utf8.h"
#include "sink_int.h"

/* Attempts of one batch against deadlocks, serialization failures and
 * lock timeouts before the caller is told to redo it. */
#define SINK_TX_ATTEMPTS 5

/* Queries of one batch's pipeline: BEGIN, offsets, up to two statements
 * per record type, dead letters, COMMIT. */
#define SINK_MAX_QUERIES (4 + 2 * FTZ_REC__COUNT)

static const ftz_sink_type_t *const sink_types[FTZ_REC__COUNT] = {
    &ftz_sink_customs, &ftz_sink_rail, &ftz_sink_registration};

static const char *const sink_tables[] = {"ftz.consumer_offsets", "ftz.dead_letters",
                                          "ftz.offset_moves", NULL};

static const char offsets_sql[] =
    "SELECT ftz.advance_offsets($1, $2::text[], $3::int4[], $4::int8[], $5::int8[],"
    " $6::int8[])";

static const char dead_letters_sql[] =
    "INSERT INTO ftz.dead_letters (source_topic, source_partition, source_offset,"
    " record_key, payload, code, reason)"
    " SELECT * FROM unnest($1::text[], $2::int4[], $3::int8[], $4::bytea[], $5::bytea[],"
    "  $6::text[], $7::text[])"
    " ON CONFLICT (source_topic, source_partition, source_offset, message_md5) DO NOTHING";

/* The batch whose transaction is on the wire, and what its results say
 * so far. */
typedef struct flight_s {
    int active;
    const char *what[SINK_MAX_QUERIES]; /* label of each query sent */
    int n;          /* queries sent */
    int commit;     /* index of COMMIT */
    int q;          /* queries whose results are all in */
    int syncs_sent, syncs_seen;
    int guard;      /* results taken, a bound */
    int synced, lost, unknown;
    int send_failed; /* the connection broke while sending (COMMIT may be out) */
    ftz_err_t first;
    char errstr[1024];
} flight_t;

struct ftz_sink_s {
    char *conninfo;
    char *group;
    int lock_timeout_ms, statement_timeout_ms, idle_tx_timeout_ms;
    PGconn *conn;
    int connected_once;
    uint64_t reconnects;
    /* A whole batch's parameters, staged before anything is sent (so the
     * server never waits for the client halfway through a transaction):
     * one set per record type, one for the dead letters, the offsets. */
    ftz_sink_stage_t stage[FTZ_REC__COUNT + 1];
    /* The batch they hold, known by its contents' generation and size
     * (0: none). */
    uint64_t staged;
    size_t staged_messages;
    ftz_pgarr_t off[5];       /* offsets: topics, partitions, expected, next, fingerprints */
    ftz_batch_part_t *sorted; /* the batch's partitions in (topic, partition) order */
    size_t cap_sorted;
    ftz_sink_refusal_t *refusals;
    size_t n_refusals, cap_refusals;
    flight_t flight;
};

ftz_err_t ftz_sink_stage_reset(ftz_sink_stage_t *st, size_t n) {
    if (FTZ_ARRAY_GROW(st->pick, st->cap_pick, n))
        return FTZ_ERR_NOMEM;
    st->n_pick = 0;
    return ftz_keyidx_reset(&st->idx, n);
}

static void stage_free(ftz_sink_stage_t *st) {
    for (int p = 0; p < FTZ_SINK_MAX_PARAMS; p++)
        ftz_pgarr_free(&st->arr[p]);
    ftz_keyidx_free(&st->idx);
    free(st->pick);
    memset(st, 0, sizeof(*st));
}

static ftz_err_t check_tables(ftz_sink_t *sink, const char *const *tables, char *errstr,
                              size_t errstr_size) {
    for (size_t i = 0; tables[i]; i++) {
        const char *params[1] = {tables[i]};
        PGresult *res = PQexecParams(sink->conn, "SELECT pg_catalog.to_regclass($1)", 1,
                                     NULL, params, NULL, NULL, 0);
        ftz_err_t err = ftz_pg_check(sink->conn, res, PGRES_TUPLES_OK, "check tables",
                                     errstr, errstr_size);
        if (!err && PQgetisnull(res, 0, 0))
            err = ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                             "table %s does not exist: run `ftz db migrate` first",
                             tables[i]);
        PQclear(res);
        if (err)
            return err;
    }
    return FTZ_OK;
}

static ftz_err_t prepare(ftz_sink_t *sink, const char *name, const char *sql, char *errstr,
                         size_t errstr_size) {
    char what[96];
    PGresult *res = PQprepare(sink->conn, name, sql, 0, NULL);
    snprintf(what, sizeof(what), "prepare %s", name);
    ftz_err_t err = ftz_pg_check(sink->conn, res, PGRES_COMMAND_OK, what, errstr, errstr_size);
    PQclear(res);
    /* A missing function or column means the schema is older than this
     * binary: say what to do. */
    if (err == FTZ_ERR_FATAL)
        snprintf(errstr + strlen(errstr), errstr_size - strlen(errstr),
                 "; is the database migrated (`ftz db migrate`)?");
    return err;
}

/* Session settings, tables, prepared statements: once per connection. */
static ftz_err_t sink_setup(ftz_sink_t *sink, char *errstr, size_t errstr_size) {
    char lock[24], stmt[24], idle[24];
    const char *params[3] = {lock, stmt, idle};
    snprintf(lock, sizeof(lock), "%d", sink->lock_timeout_ms);
    snprintf(stmt, sizeof(stmt), "%d", sink->statement_timeout_ms);
    snprintf(idle, sizeof(idle), "%d", sink->idle_tx_timeout_ms);
    /* jit off: the batch statements are planned for thousands of rows and
     * would cross the JIT threshold, paying compilation on every batch
     * for no gain. force_custom_plan: array sizes change from batch to
     * batch, and a generic plan would assume ten rows. enable_seqscan and
     * enable_mergejoin off: every lookup of this session is by key, a few
     * thousand at a time; a scan of a whole state table (which only grows)
     * or a sort-merge of a batch would cost more with every batch;
     * random_page_cost 1.1: the state's index pages are in memory, so a
     * probe per key is cheap (the planner would rather hash a whole
     * table it has no fresh statistics for). The server's TCP keepalives
     * and user timeout: a member cut off by the network is found dead in
     * well under a minute (the default waits for the system's two hours),
     * and its locks freed. */
    PGresult *res = PQexecParams(
        sink->conn,
        "SELECT pg_catalog.set_config('lock_timeout', $1, false),"
        " pg_catalog.set_config('statement_timeout', $2, false),"
        " pg_catalog.set_config('idle_in_transaction_session_timeout', $3, false),"
        " pg_catalog.set_config('jit', 'off', false),"
        " pg_catalog.set_config('plan_cache_mode', 'force_custom_plan', false),"
        " pg_catalog.set_config('enable_seqscan', 'off', false),"
        " pg_catalog.set_config('enable_mergejoin', 'off', false),"
        " pg_catalog.set_config('random_page_cost', '1.1', false),"
        " pg_catalog.set_config('tcp_keepalives_idle', '10', false),"
        " pg_catalog.set_config('tcp_keepalives_interval', '5', false),"
        " pg_catalog.set_config('tcp_keepalives_count', '3', false),"
        " pg_catalog.set_config('tcp_user_timeout', '30000', false)",
        3, NULL, params, NULL, NULL, 0);
    ftz_err_t err = ftz_pg_check(sink->conn, res, PGRES_TUPLES_OK, "session settings", errstr,
                                 errstr_size);
    PQclear(res);
    if (!err)
        err = check_tables(sink, sink_tables, errstr, errstr_size);
    for (int t = 0; !err && t < FTZ_REC__COUNT; t++)
        err = check_tables(sink, sink_types[t]->tables, errstr, errstr_size);
    if (!err)
        err = prepare(sink, "ftz_offsets", offsets_sql, errstr, errstr_size);
    if (!err)
        err = prepare(sink, "ftz_dead_letters", dead_letters_sql, errstr, errstr_size);
    for (int t = 0; !err && t < FTZ_REC__COUNT; t++)
        for (int s = 0; !err && s < sink_types[t]->n_stmts; s++)
            err = prepare(sink, sink_types[t]->stmts[s].name, sink_types[t]->stmts[s].sql,
                          errstr, errstr_size);
    return err;
}

ftz_err_t ftz_sink_ensure_connected(ftz_sink_t *sink, char *errstr, size_t errstr_size) {
    if (sink->conn && PQstatus(sink->conn) == CONNECTION_OK)
        return FTZ_OK;
    if (sink->conn) {
        ftz_log(FTZ_LOG_WARNING, "PG", "connection lost; reconnecting");
        PQfinish(sink->conn);
    }
    sink->conn = ftz_pg_connect(sink->conninfo, errstr, errstr_size);
    if (!sink->conn)
        return FTZ_ERR_RETRIABLE;
    ftz_err_t err = sink_setup(sink, errstr, errstr_size);
    if (err) {
        PQfinish(sink->conn);
        sink->conn = NULL;
        return err;
    }
    sink->reconnects += sink->connected_once;
    sink->connected_once = 1;
    return FTZ_OK;
}

uint64_t ftz_sink_reconnects(const ftz_sink_t *sink) {
    return sink->reconnects;
}

ftz_sink_t *ftz_sink_new(const ftz_sink_conf_t *conf, char *errstr, size_t errstr_size) {
    ftz_sink_t *sink = calloc(1, sizeof(*sink));
    if (!sink || !(sink->group = strdup(conf->group)) ||
        (conf->conninfo && !(sink->conninfo = strdup(conf->conninfo)))) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        goto fail;
    }
    sink->lock_timeout_ms = conf->lock_timeout_ms ? conf->lock_timeout_ms
                                                  : FTZ_SINK_LOCK_TIMEOUT_MS;
    sink->statement_timeout_ms = conf->statement_timeout_ms ? conf->statement_timeout_ms
                                                            : FTZ_SINK_STATEMENT_TIMEOUT_MS;
    sink->idle_tx_timeout_ms = conf->idle_tx_timeout_ms ? conf->idle_tx_timeout_ms
                                                        : FTZ_SINK_IDLE_TX_TIMEOUT_MS;
    if (ftz_sink_ensure_connected(sink, errstr, errstr_size) != FTZ_OK)
        goto fail;
    return sink;
fail:
    ftz_sink_destroy(sink);
    return NULL;
}

void ftz_sink_destroy(ftz_sink_t *sink) {
    if (!sink)
        return;
    if (sink->conn)
        PQfinish(sink->conn);
    for (int t = 0; t <= FTZ_REC__COUNT; t++)
        stage_free(&sink->stage[t]);
    for (int p = 0; p < 5; p++)
        ftz_pgarr_free(&sink->off[p]);
    free(sink->sorted);
    free(sink->refusals);
    free(sink->conninfo);
    free(sink->group);
    free(sink);
}

ftz_err_t ftz_sink_load_offset(ftz_sink_t *sink, const char *topic, int32_t partition,
                               int64_t *next, uint64_t *fingerprint, char *errstr,
                               size_t errstr_size) {
    char p[16];
    const char *params[3] = {sink->group, topic, p};
    if (sink->flight.active)
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                          "internal error: the sink has a batch in flight");
    ftz_err_t err = ftz_sink_ensure_connected(sink, errstr, errstr_size);
    if (err)
        return err;
    snprintf(p, sizeof(p), "%d", (int)partition);
    PGresult *res = PQexecParams(sink->conn,
                                 "SELECT next_offset, last_fingerprint FROM ftz.consumer_offsets"
                                 " WHERE consumer_group = $1 AND topic = $2 AND partition = $3",
                                 3, NULL, params, NULL, NULL, 0);
    err = ftz_pg_check(sink->conn, res, PGRES_TUPLES_OK, "load offset", errstr, errstr_size);
    if (!err) {
        *next = PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : -1;
        if (fingerprint)
            *fingerprint = PQntuples(res) && !PQgetisnull(res, 0, 1)
                               ? (uint64_t)strtoll(PQgetvalue(res, 0, 1), NULL, 10)
                               : 0;
    }
    PQclear(res);
    return err;
}

ftz_err_t ftz_sink_check_group(ftz_sink_t *sink, const char *topic, char *errstr,
                               size_t errstr_size) {
    ftz_err_t err = ftz_sink_ensure_connected(sink, errstr, errstr_size);
    return err ? err : ftz_offsets_check_group(sink->conn, sink->group, topic, errstr, errstr_size);
}

ftz_err_t ftz_sink_ping(ftz_sink_t *sink, char *errstr, size_t errstr_size) {
    ftz_err_t err = ftz_sink_ensure_connected(sink, errstr, errstr_size);
    if (err)
        return err;
    PGresult *res = PQexec(sink->conn, "SELECT 1");
    err = ftz_pg_check(sink->conn, res, PGRES_TUPLES_OK, "ping", errstr, errstr_size);
    PQclear(res);
    if (err && PQstatus(sink->conn) != CONNECTION_OK)
        err = FTZ_ERR_RETRIABLE;
    return err;
}

ftz_err_t ftz_sink_skip_gap(ftz_sink_t *sink, const char *topic, int32_t partition,
                            int64_t from, int64_t to, int64_t log_start, int64_t log_end,
                            const char *reason, char *errstr, size_t errstr_size) {
    ftz_offset_move_t mv = {sink->group, topic,  partition, from,   0, to,
                            FTZ_OFFSET_MOVE_GAP_SKIP, reason, log_start, log_end};
    if (sink->flight.active)
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                          "internal error: the sink has a batch in flight");
    ftz_err_t err = ftz_sink_ensure_connected(sink, errstr, errstr_size);
    return err ? err : ftz_offsets_move(sink->conn, &mv, errstr, errstr_size);
}

/* ---------------------------------------------------------------- commit */

static int part_cmp(const void *a, const void *b) {
    const ftz_batch_part_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

/* After a lost connection whose COMMIT's outcome is unknown: did the
 * batch land? Its offsets say: all at last + 1, or all where they were. */
static ftz_err_t learn_outcome(ftz_sink_t *sink, const ftz_batch_t *batch, char *errstr,
                               size_t errstr_size) {
    size_t landed = 0, not_landed = 0;
    for (size_t i = 0; i < batch->n_parts; i++) {
        int64_t next;
        ftz_err_t err = ftz_sink_load_offset(sink, batch->parts[i].topic,
                                             batch->parts[i].partition, &next, NULL, errstr,
                                             errstr_size);
        if (err)
            return err;
        if (next == batch->parts[i].last + 1)
            landed++;
        else if (next == batch->parts[i].expected)
            not_landed++;
    }
    if (landed == batch->n_parts) {
        ftz_log(FTZ_LOG_WARNING, "PG",
                "the connection was lost during COMMIT; the stored offsets show the batch "
                "landed");
        return FTZ_OK;
    }
    if (not_landed == batch->n_parts)
        return ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size,
                          "the connection was lost during COMMIT and the batch did not land; "
                          "redoing it from the stored offsets");
    return ftz_seterr(FTZ_ERR_FENCED, errstr, errstr_size,
                      "stored offsets moved while the commit's outcome was unknown");
}

/* A unique violation on a state table's own key is not the data's fault:
 * another member counted the same declaration, event or company after
 * this batch looked it up. Retrying the batch finds it. Any other
 * constraint (an operator's) refuses the data. */
static ftz_err_t classify(PGconn *conn, const PGresult *res, const char *what, char *errstr,
                          size_t errstr_size) {
    static const char *const state_keys[] = {"customs_declarations_pkey", "rail_events_pkey",
                                             "companies_pkey"};
    ftz_err_t err = ftz_pg_check(conn, res, PGRES_COMMAND_OK, what, errstr, errstr_size);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    if (err == FTZ_ERR_POISON && state && constraint && strcmp(state, "23505") == 0)
        for (size_t i = 0; i < FTZ_ARRAY_SIZE(state_keys); i++)
            if (strcmp(constraint, state_keys[i]) == 0)
                return ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size,
                                  "%s: another member counted a record of this batch "
                                  "meanwhile (%s); retrying",
                                  what, constraint);
    return err;
}

/* Sends one prepared statement with the first n staged arrays (binary). */
static int send_prepared(PGconn *conn, const char *name, ftz_pgarr_t *arr, int n,
                         const char *first_text) {
    const char *values[FTZ_SINK_MAX_PARAMS + 1];
    int lengths[FTZ_SINK_MAX_PARAMS + 1], formats[FTZ_SINK_MAX_PARAMS + 1];
    int k = 0;
    if (first_text) {
        values[k] = first_text;
        lengths[k] = (int)strlen(first_text);
        formats[k++] = 1; /* binary text is its bytes */
    }
    for (int p = 0; p < n; p++, k++) {
        values[k] = ftz_pgarr_finish(&arr[p], &lengths[k]);
        formats[k] = 1;
    }
    return PQsendQueryPrepared(conn, name, k, values, lengths, formats, 0);
}

static ftz_err_t stage_offsets(ftz_sink_t *sink, const ftz_batch_t *batch) {
    static const uint32_t oids[5] = {FTZ_PG_TEXT, FTZ_PG_INT4, FTZ_PG_INT8, FTZ_PG_INT8,
                                     FTZ_PG_INT8};
    ftz_err_t err = FTZ_OK;
    if (FTZ_ARRAY_GROW(sink->sorted, sink->cap_sorted, batch->n_parts))
        return FTZ_ERR_NOMEM;
    memcpy(sink->sorted, batch->parts, batch->n_parts * sizeof(*sink->sorted));
    qsort(sink->sorted, batch->n_parts, sizeof(*sink->sorted), part_cmp);
    for (int p = 0; !err && p < 5; p++)
        err = ftz_pgarr_begin(&sink->off[p], oids[p]);
    for (size_t i = 0; !err && i < batch->n_parts; i++) {
        const ftz_batch_part_t *part = &sink->sorted[i];
        if ((err = ftz_pgarr_str(&sink->off[0], part->topic)) ||
            (err = ftz_pgarr_int4(&sink->off[1], part->partition)) ||
            (err = ftz_pgarr_int8(&sink->off[2], part->expected)))
            break;
        if ((err = ftz_pgarr_int8(&sink->off[3], part->last + 1)))
            break;
        err = ftz_pgarr_int8(&sink->off[4], (int64_t)part->last_fingerprint);
    }
    return err;
}

static ftz_err_t stage_dead_letters(ftz_sink_stage_t *st, const ftz_batch_t *batch) {
    static const uint32_t oids[7] = {FTZ_PG_TEXT,  FTZ_PG_INT4, FTZ_PG_INT8, FTZ_PG_BYTEA,
                                     FTZ_PG_BYTEA, FTZ_PG_TEXT, FTZ_PG_TEXT};
    ftz_err_t err = FTZ_OK;
    for (int p = 0; !err && p < 7; p++)
        err = ftz_pgarr_begin(&st->arr[p], oids[p]);
    for (size_t i = 0; !err && i < batch->n_dead; i++) {
        const ftz_dead_letter_t *d = &batch->dead[i];
        if ((err = ftz_pgarr_str(&st->arr[0], d->topic)) ||
            (err = ftz_pgarr_int4(&st->arr[1], d->partition)) ||
            (err = ftz_pgarr_int8(&st->arr[2], d->offset)) ||
            (err = d->key ? ftz_pgarr_bytes(&st->arr[3], d->key, d->key_len)
                          : ftz_pgarr_null(&st->arr[3])) ||
            (err = d->payload ? ftz_pgarr_bytes(&st->arr[4], d->payload, d->payload_len)
                              : ftz_pgarr_null(&st->arr[4])) ||
            (err = ftz_pgarr_str(&st->arr[5], d->code)))
            break;
        err = ftz_pgarr_str(&st->arr[6], d->reason);
    }
    return err;
}

/* Stages every parameter of the batch's transaction. */
static ftz_err_t stage_batch(ftz_sink_t *sink, const ftz_batch_t *batch, char *errstr,
                             size_t errstr_size) {
    ftz_err_t err;
    if (sink->staged && sink->staged == batch->generation &&
        sink->staged_messages == batch->messages)
        return FTZ_OK;
    sink->staged = 0;
    if ((err = stage_offsets(sink, batch)))
        return ftz_seterr(err, errstr, errstr_size, "out of memory");
    for (int t = 0; t < FTZ_REC__COUNT; t++) {
        size_t n = 0;
        if (batch->rows[t].n &&
            (err = sink_types[t]->stage(&sink->stage[t], &batch->rows[t], 0, batch->rows[t].n,
                                        &n)))
            return ftz_seterr(err, errstr, errstr_size, "out of memory");
    }
    if (batch->n_dead && (err = stage_dead_letters(&sink->stage[FTZ_REC__COUNT], batch)))
        return ftz_seterr(err, errstr, errstr_size, "out of memory");
    sink->staged = batch->generation;
    sink->staged_messages = batch->messages;
    return FTZ_OK;
}

ftz_err_t ftz_sink_prepare(ftz_sink_t *sink, const ftz_batch_t *batch, char *errstr,
                           size_t errstr_size) {
    return batch->n_parts ? stage_batch(sink, batch, errstr, errstr_size) : FTZ_OK;
}

static ftz_err_t send_batch(ftz_sink_t *sink, const ftz_batch_t *batch, char *errstr,
                            size_t errstr_size) {
    PGconn *conn = sink->conn;
    flight_t *f = &sink->flight;
    ftz_err_t err;
    int ok;

    f->n = 0;
    f->commit = SINK_MAX_QUERIES;
    f->syncs_sent = 0;
    /* A sync after every statement: the server answers ReadyForQuery and,
     * waiting for the next one, arms idle_in_transaction_session_timeout,
     * so a member stopped halfway through its transaction does not hold
     * its locks for ever (mid-pipeline, without syncs, the server would
     * wait with no timer at all). No round trip is added: everything is
     * sent before any answer is read. */
#define SENT(label) (f->what[f->n++] = (label), ok = ok && PQpipelineSync(conn), f->syncs_sent++)
    if ((err = stage_batch(sink, batch, errstr, errstr_size)))
        return err;
    if (!PQenterPipelineMode(conn))
        goto lost;
    ok = PQsendQueryParams(conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
    SENT("begin");
    ok = ok && send_prepared(conn, "ftz_offsets", sink->off, 5, sink->group);
    SENT("store offsets");
    for (int t = 0; ok && t < FTZ_REC__COUNT; t++) {
        const ftz_sink_type_t *ty = sink_types[t];
        if (batch->rows[t].n == 0)
            continue;
        for (int s = 0; ok && s < ty->n_stmts; s++) {
            ok = send_prepared(conn, ty->stmts[s].name, sink->stage[t].arr,
                               ty->stmts[s].n_params, NULL);
            SENT(ty->what);
        }
    }
    if (ok && batch->n_dead) {
        ok = send_prepared(conn, "ftz_dead_letters", sink->stage[FTZ_REC__COUNT].arr, 7, NULL);
        SENT("insert dead letters");
    }
    f->commit = f->n;
    /* After a failure the block is aborted: this COMMIT answers ROLLBACK,
     * and the first failure says why. */
    ok = ok && PQsendQueryParams(conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
    SENT("commit");
#undef SENT
    /* The parameters are in libpq's buffer now: the stage may take the
     * next batch. */
    sink->staged = 0;
    if (ok)
        return FTZ_OK;
lost:
    return ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size, "send batch: %s",
                      PQerrorMessage(conn));
}

/* Whether a failed result means the connection went away (its error
 * came from libpq, or the server is closing the session), rather than the
 * server refusing a statement in a session that goes on. */
static int connection_failure(PGconn *conn, const PGresult *res) {
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    return PQstatus(conn) != CONNECTION_OK || !state || strncmp(state, "08", 2) == 0 ||
           strncmp(state, "57P0", 4) == 0;
}

/* Takes in the pipeline's results as they come; block = 0 never waits.
 * The first failure decides: its class, and whether the COMMIT's outcome
 * is known. A statement before COMMIT that fails aborts the transaction
 * (nothing landed); the outcome is unknown when the connection went away
 * at or after COMMIT before COMMIT said how it ended. Returns 1 once every
 * result is in (or the connection is gone), 0 while some are due. */
static int take_results(ftz_sink_t *sink, int block) {
    PGconn *conn = sink->conn;
    flight_t *f = &sink->flight;

    /* Bounded: each query yields its results then NULL, the sync one
     * result; a broken connection ends it early. */
    while (!f->synced && !f->lost && f->guard++ < 12 * SINK_MAX_QUERIES) {
        if (!block) {
            if (!PQconsumeInput(conn)) {
                f->lost = 1;
                break;
            }
            if (PQisBusy(conn)) {
                f->guard--;
                return 0;
            }
        }
        PGresult *res = PQgetResult(conn);
        if (!res) {
            if (PQstatus(conn) != CONNECTION_OK)
                f->lost = 1;
            else
                f->q++; /* end of one query's results */
            continue;
        }
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_PIPELINE_SYNC) {
            f->synced = ++f->syncs_seen >= f->syncs_sent;
        } else if (st == PGRES_FATAL_ERROR && f->first == FTZ_OK) {
            const char *what = f->q < f->n ? f->what[f->q] : "batch";
            f->first = classify(conn, res, what, f->errstr, sizeof(f->errstr));
            if (connection_failure(conn, res)) {
                f->lost = 1;
                f->unknown = f->q >= f->commit;
            }
        }
        PQclear(res);
    }
    if (!f->synced && !f->lost)
        f->lost = 1; /* the guard ran out: something is badly wrong */
    return 1;
}

/* After take_results: the outcome of the batch in flight, the session
 * made usable again (or closed), the unknown outcome learnt. */
static ftz_err_t end_flight(ftz_sink_t *sink, const ftz_batch_t *batch, char *errstr,
                            size_t errstr_size) {
    flight_t *f = &sink->flight;
    PGconn *conn = sink->conn;
    ftz_err_t err = f->first;

    f->active = 0;
    snprintf(errstr, errstr_size, "%s", f->errstr);
    if (f->lost) {
        if (err == FTZ_OK) {
            f->unknown = f->q >= f->commit;
            err = ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size, "connection lost: %s",
                             PQerrorMessage(conn));
        }
        /* The session is unusable mid-pipeline: start a new one. */
        PQfinish(conn);
        sink->conn = NULL;
        if (!f->unknown)
            return err == FTZ_OK ? FTZ_ERR_RETRIABLE : err;
        ftz_log(FTZ_LOG_WARNING, "PG", "connection lost %s (%s); asking the stored offsets "
                "whether the batch landed",
                f->send_failed ? "while the batch was being sent" : "during COMMIT", errstr);
        if (ftz_sink_ensure_connected(sink, errstr, errstr_size) != FTZ_OK)
            return FTZ_ERR_RETRIABLE;
        return learn_outcome(sink, batch, errstr, errstr_size);
    }
    PQexitPipelineMode(conn);
    /* A failure inside BEGIN ... COMMIT leaves the block open and aborted:
     * the COMMIT was skipped. */
    if (PQtransactionStatus(conn) != PQTRANS_IDLE)
        PQclear(PQexec(conn, "ROLLBACK"));
    return err;
}

/* Puts the batch's transaction on the wire. A failure to send is kept in
 * the flight, for end_flight to sort out. */
static ftz_err_t launch(ftz_sink_t *sink, const ftz_batch_t *batch, char *errstr,
                        size_t errstr_size) {
    flight_t *f = &sink->flight;
    ftz_err_t err = ftz_sink_ensure_connected(sink, errstr, errstr_size);
    if (err)
        return err;
    memset(f, 0, sizeof(*f));
    f->active = 1;
    err = send_batch(sink, batch, f->errstr, sizeof(f->errstr));
    if (err == FTZ_ERR_NOMEM) {
        /* Nothing that matters reached the server: leave the pipeline. */
        PQfinish(sink->conn);
        sink->conn = NULL;
        f->active = 0;
        return ftz_seterr(err, errstr, errstr_size, "%s", f->errstr);
    }
    if (err) {
        /* The connection broke while sending, maybe after COMMIT went out
         * with the rest. */
        f->first = err;
        f->lost = 1;
        f->unknown = 1;
        f->send_failed = 1;
    }
    return FTZ_OK;
}

ftz_err_t ftz_sink_send(ftz_sink_t *sink, const ftz_batch_t *batch, char *errstr,
                        size_t errstr_size) {
    if (batch->n_parts == 0)
        return FTZ_OK;
    return launch(sink, batch, errstr, errstr_size);
}

int ftz_sink_ready(ftz_sink_t *sink) {
    return !sink->flight.active || sink->flight.lost || take_results(sink, 0);
}

ftz_err_t ftz_sink_finish(ftz_sink_t *sink, const ftz_batch_t *batch, char *errstr,
                          size_t errstr_size) {
    ftz_err_t err;

    if (!sink->flight.active)
        return FTZ_OK;
    take_results(sink, 1);
    err = end_flight(sink, batch, errstr, errstr_size);
    for (int attempt = 1; err == FTZ_ERR_RETRIABLE && sink->conn && attempt < SINK_TX_ATTEMPTS;
         attempt++) {
        /* Deadlock, serialization failure, lock or statement timeout, a
         * race with another member: the same batch again, after a pause
         * that grows and varies so that two members do not collide again
         * in step. */
        ftz_log(FTZ_LOG_WARNING, "PG", "batch attempt %d failed, retrying: %s", attempt,
                errstr);
        long ms = 20L * attempt * attempt + rand() % 50;
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        if ((err = launch(sink, batch, errstr, errstr_size)))
            break;
        take_results(sink, 1);
        err = end_flight(sink, batch, errstr, errstr_size);
    }
    return err;
}

ftz_err_t ftz_sink_commit(ftz_sink_t *sink, const ftz_batch_t *batch, char *errstr,
                          size_t errstr_size) {
    ftz_err_t err = ftz_sink_send(sink, batch, errstr, errstr_size);
    return err ? err : ftz_sink_finish(sink, batch, errstr, errstr_size);
}

/* ---------------------------------------------------------------- isolation */

static ftz_err_t exec_simple(ftz_sink_t *sink, const char *sql, char *errstr,
                             size_t errstr_size) {
    return ftz_pg_exec(sink->conn, sql, sql, errstr, errstr_size);
}

/* Applies rows [lo, hi) of type t in the open transaction. */
static ftz_err_t apply_range(ftz_sink_t *sink, const ftz_sink_type_t *ty,
                             const ftz_batch_rows_t *rows, size_t lo, size_t hi, char *errstr,
                             size_t errstr_size) {
    size_t n = 0;
    ftz_err_t err;
    sink->staged = 0; /* the type's arrays are reused here */
    if ((err = ty->stage(&sink->stage[ty->rtype], rows, lo, hi, &n)))
        return ftz_seterr(err, errstr, errstr_size, "out of memory");
    for (int s = 0; !err && s < ty->n_stmts; s++) {
        if (!send_prepared(sink->conn, ty->stmts[s].name, sink->stage[ty->rtype].arr,
                           ty->stmts[s].n_params, NULL))
            return ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size, "%s: %s", ty->what,
                              PQerrorMessage(sink->conn));
        PGresult *res, *first = NULL;
        while ((res = PQgetResult(sink->conn))) {
            if (!first)
                first = res;
            else
                PQclear(res);
        }
        if (first && (PQresultStatus(first) == PGRES_TUPLES_OK ||
                      PQresultStatus(first) == PGRES_COMMAND_OK))
            err = FTZ_OK;
        else
            err = classify(sink->conn, first, ty->what, errstr, errstr_size);
        PQclear(first);
    }
    return err;
}

static ftz_err_t add_refusal(ftz_sink_t *sink, ftz_rtype_t t, size_t i, const char *why) {
    if (FTZ_ARRAY_GROW(sink->refusals, sink->cap_refusals, sink->n_refusals + 1))
        return FTZ_ERR_NOMEM;
    ftz_sink_refusal_t *r = &sink->refusals[sink->n_refusals++];
    r->rtype = t;
    r->index = i;
    ftz_utf8_sanitize(r->reason, sizeof(r->reason), why, strlen(why));
    return FTZ_OK;
}

/* Rows [lo, hi) under a savepoint: kept if accepted; if refused, halves
 * tried in order (the first half's accepted rows stay applied, so a row
 * that conflicts with an earlier one is the one found). */
static ftz_err_t bisect(ftz_sink_t *sink, const ftz_sink_type_t *ty,
                        const ftz_batch_rows_t *rows, size_t lo, size_t hi, char *errstr,
                        size_t errstr_size) {
    char why[512];
    ftz_err_t err = exec_simple(sink, "SAVEPOINT ftz_probe", errstr, errstr_size);
    if (err)
        return err;
    err = apply_range(sink, ty, rows, lo, hi, why, sizeof(why));
    if (err == FTZ_OK)
        return exec_simple(sink, "RELEASE SAVEPOINT ftz_probe", errstr, errstr_size);
    if (err != FTZ_ERR_POISON)
        return ftz_seterr(err, errstr, errstr_size, "%s", why);
    if ((err = exec_simple(sink, "ROLLBACK TO SAVEPOINT ftz_probe", errstr, errstr_size)) ||
        (err = exec_simple(sink, "RELEASE SAVEPOINT ftz_probe", errstr, errstr_size)))
        return err;
    if (hi - lo == 1)
        return add_refusal(sink, ty->rtype, lo, why)
                   ? ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory")
                   : FTZ_OK;
    size_t mid = lo + (hi - lo) / 2;
    if ((err = bisect(sink, ty, rows, lo, mid, errstr, errstr_size)))
        return err;
    return bisect(sink, ty, rows, mid, hi, errstr, errstr_size);
}

ftz_err_t ftz_sink_isolate(ftz_sink_t *sink, const ftz_batch_t *batch,
                           const ftz_sink_refusal_t **refusals, size_t *n, char *errstr,
                           size_t errstr_size) {
    ftz_err_t err;
    sink->n_refusals = 0;
    *refusals = NULL;
    *n = 0;
    if (sink->flight.active)
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                          "internal error: the sink has a batch in flight");
    /* Deferred constraints (an operator's constraint trigger, say) would
     * fire only at a COMMIT the probe never reaches: make them fire at
     * each statement, so the record they refuse is found too. */
    if ((err = ftz_sink_ensure_connected(sink, errstr, errstr_size)) ||
        (err = exec_simple(sink, "BEGIN", errstr, errstr_size)) ||
        (err = exec_simple(sink, "SET CONSTRAINTS ALL IMMEDIATE", errstr, errstr_size)))
        return err;
    for (int t = 0; !err && t < FTZ_REC__COUNT; t++)
        if (batch->rows[t].n)
            err = bisect(sink, sink_types[t], &batch->rows[t], 0, batch->rows[t].n, errstr,
                         errstr_size);
    if (PQstatus(sink->conn) == CONNECTION_OK)
        PQclear(PQexec(sink->conn, "ROLLBACK"));
    *refusals = sink->refusals;
    *n = sink->n_refusals;
    return err;
}
