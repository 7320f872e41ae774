#include "ftz/sink.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agg.h"
#include "ftz/log.h"
#include "ftz/pg.h"

#define SINK_TX_ATTEMPTS 5

struct ftz_sink_s {
    char *conninfo;
    char *group;
    PGconn *conn;
    ftz_buf_t scratch;
};

static const char *const sink_tables[] = {"ftz.consumer_offsets", "ftz.dead_letters", NULL};

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

static ftz_err_t sink_setup(ftz_sink_t *sink, char *errstr, size_t errstr_size) {
    ftz_err_t err = check_tables(sink, sink_tables, errstr, errstr_size);
    for (int t = 0; !err && t < FTZ_REC__COUNT; t++)
        if (!(err = check_tables(sink, ftz_aggregators[t].tables, errstr, errstr_size)))
            err = ftz_pg_exec(sink->conn, *ftz_aggregators[t].setup_sql,
                              "create staging tables", errstr, errstr_size);
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
    }
    return err;
}

ftz_sink_t *ftz_sink_new(const char *conninfo, const char *group, char *errstr,
                         size_t errstr_size) {
    ftz_sink_t *sink = calloc(1, sizeof(*sink));
    if (!sink || !(sink->group = strdup(group)) ||
        (conninfo && !(sink->conninfo = strdup(conninfo)))) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        goto fail;
    }
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
    ftz_buf_free(&sink->scratch);
    free(sink->conninfo);
    free(sink->group);
    free(sink);
}

ftz_err_t ftz_sink_load_offset(ftz_sink_t *sink, const char *topic, int32_t partition,
                               int64_t *next, char *errstr, size_t errstr_size) {
    char p[16];
    const char *params[3] = {sink->group, topic, p};
    ftz_err_t err = ftz_sink_ensure_connected(sink, errstr, errstr_size);
    if (err)
        return err;
    snprintf(p, sizeof(p), "%d", (int)partition);
    PGresult *res = PQexecParams(sink->conn,
                                 "SELECT next_offset FROM ftz.consumer_offsets"
                                 " WHERE consumer_group = $1 AND topic = $2 AND partition = $3",
                                 3, NULL, params, NULL, NULL, 0);
    err = ftz_pg_check(sink->conn, res, PGRES_TUPLES_OK, "load offset", errstr, errstr_size);
    if (!err)
        *next = PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : -1;
    PQclear(res);
    return err;
}

ftz_err_t ftz_sink_check_group(ftz_sink_t *sink, const char *topic, char *errstr,
                               size_t errstr_size) {
    const char *params[2] = {topic, sink->group};
    ftz_err_t err = ftz_sink_ensure_connected(sink, errstr, errstr_size);
    if (err)
        return err;
    PGresult *res = PQexecParams(sink->conn,
                                 "SELECT consumer_group FROM ftz.consumer_offsets"
                                 " WHERE topic = $1 AND consumer_group <> $2 LIMIT 1",
                                 2, NULL, params, NULL, NULL, 0);
    err = ftz_pg_check(sink->conn, res, PGRES_TUPLES_OK, "check consumer groups", errstr,
                       errstr_size);
    if (!err && PQntuples(res) > 0)
        err = ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                         "this database already aggregates %s for consumer group \"%s\"; a "
                         "second group would count every record twice. Run with -g %s, or "
                         "use another database",
                         topic, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 0));
    PQclear(res);
    return err;
}

/* Compare-and-set of one partition's next offset. Done first in the
 * transaction: the row lock it takes makes a second consumer of the same
 * partition wait, then fail its own compare, before it touches any state. */
static ftz_err_t cas_offset(ftz_sink_t *sink, const ftz_batch_part_t *part, char *errstr,
                            size_t errstr_size) {
    char p[16], expected[24], next[24];
    const char *params[5] = {sink->group, part->topic, p, next, expected};
    PGresult *res;

    snprintf(p, sizeof(p), "%d", (int)part->partition);
    snprintf(next, sizeof(next), "%" PRId64, part->last + 1);
    snprintf(expected, sizeof(expected), "%" PRId64, part->expected);
    if (part->expected < 0)
        res = PQexecParams(sink->conn,
                           "INSERT INTO ftz.consumer_offsets (consumer_group, topic,"
                           " partition, next_offset) VALUES ($1, $2, $3, $4)"
                           " ON CONFLICT DO NOTHING",
                           4, NULL, params, NULL, NULL, 0);
    else
        res = PQexecParams(sink->conn,
                           "UPDATE ftz.consumer_offsets SET next_offset = $4,"
                           " updated_at = now() WHERE consumer_group = $1 AND topic = $2"
                           " AND partition = $3 AND next_offset = $5",
                           5, NULL, params, NULL, NULL, 0);
    ftz_err_t err = ftz_pg_check(sink->conn, res, PGRES_COMMAND_OK, "store offset", errstr,
                                 errstr_size);
    if (!err && strcmp(PQcmdTuples(res), "1") != 0)
        err = ftz_seterr(FTZ_ERR_FENCED, errstr, errstr_size,
                         "%s [%d]: stored offset is no longer %" PRId64
                         "; another consumer has taken the partition",
                         part->topic, (int)part->partition, part->expected);
    PQclear(res);
    return err;
}

static ftz_err_t insert_dead_letters(ftz_sink_t *sink, const ftz_batch_t *batch,
                                     char *errstr, size_t errstr_size) {
    for (size_t i = 0; i < batch->n_dead; i++) {
        const ftz_dead_letter_t *d = &batch->dead[i];
        char p[16], o[24];
        const char *params[7] = {d->topic, p, o, (const char *)d->key,
                                 (const char *)d->payload, d->code, d->reason};
        int lengths[7] = {0, 0, 0, (int)d->key_len, (int)d->payload_len, 0, 0};
        int formats[7] = {0, 0, 0, 1, 1, 0, 0};
        snprintf(p, sizeof(p), "%d", (int)d->partition);
        snprintf(o, sizeof(o), "%" PRId64, d->offset);
        PGresult *res = PQexecParams(
            sink->conn,
            "INSERT INTO ftz.dead_letters (source_topic, source_partition, source_offset,"
            " record_key, payload, code, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (source_topic, source_partition, source_offset) DO NOTHING",
            7, NULL, params, lengths, formats, 0);
        ftz_err_t err = ftz_pg_check(sink->conn, res, PGRES_COMMAND_OK, "insert dead letter",
                                     errstr, errstr_size);
        PQclear(res);
        if (err)
            return err;
    }
    return FTZ_OK;
}

ftz_err_t ftz_sink_probe(ftz_sink_t *sink, const ftz_batch_t *batch, ftz_rtype_t t, size_t i,
                         char *errstr, size_t errstr_size) {
    const ftz_batch_rows_t *rows = &batch->rows[t];
    ftz_batch_rows_t one = {rows->data + i * ftz_record_type(t)->size, &rows->meta[i], 1, 1};
    ftz_err_t err = ftz_sink_ensure_connected(sink, errstr, errstr_size);
    if (err || (err = ftz_pg_exec(sink->conn, "BEGIN", "begin", errstr, errstr_size)))
        return err;
    err = ftz_aggregators[t].apply(sink->conn, &one, &sink->scratch, errstr, errstr_size);
    if (PQstatus(sink->conn) == CONNECTION_OK)
        PQclear(PQexec(sink->conn, "ROLLBACK"));
    return err;
}

static int part_cmp(const void *a, const void *b) {
    const ftz_batch_part_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

/* After a failed COMMIT whose outcome is unknown: did the batch land? */
static ftz_err_t learn_outcome(ftz_sink_t *sink, const ftz_batch_t *batch, char *errstr,
                               size_t errstr_size) {
    int landed = 0, not_landed = 0;
    for (size_t i = 0; i < batch->n_parts; i++) {
        int64_t next;
        ftz_err_t err = ftz_sink_load_offset(sink, batch->parts[i].topic,
                                             batch->parts[i].partition, &next, errstr,
                                             errstr_size);
        if (err)
            return err;
        if (next == batch->parts[i].last + 1)
            landed++;
        else if (next == batch->parts[i].expected)
            not_landed++;
    }
    if (landed == (int)batch->n_parts)
        return FTZ_OK;
    if (not_landed == (int)batch->n_parts)
        return ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size,
                          "commit did not land; redoing from stored offsets");
    return ftz_seterr(FTZ_ERR_FENCED, errstr, errstr_size,
                      "stored offsets moved while the commit's outcome was unknown");
}

static ftz_err_t commit_once(ftz_sink_t *sink, const ftz_batch_t *batch,
                             ftz_batch_part_t *sorted, char *errstr, size_t errstr_size) {
    ftz_err_t err;
    if ((err = ftz_pg_exec(sink->conn, "BEGIN", "begin", errstr, errstr_size)))
        return err;
    for (size_t i = 0; i < batch->n_parts; i++)
        if ((err = cas_offset(sink, &sorted[i], errstr, errstr_size)))
            goto rollback;
    for (int t = 0; t < FTZ_REC__COUNT; t++)
        if ((err = ftz_aggregators[t].apply(sink->conn, &batch->rows[t], &sink->scratch, errstr,
                                            errstr_size)))
            goto rollback;
    if ((err = insert_dead_letters(sink, batch, errstr, errstr_size)))
        goto rollback;
    PGresult *res = PQexec(sink->conn, "COMMIT");
    err = ftz_pg_check(sink->conn, res, PGRES_COMMAND_OK, "commit", errstr, errstr_size);
    PQclear(res);
    if (err == FTZ_ERR_RETRIABLE && PQstatus(sink->conn) != CONNECTION_OK) {
        /* The server may or may not have committed: ask the offsets. */
        ftz_log(FTZ_LOG_WARNING, "PG", "connection lost during COMMIT: %s", errstr);
        if (ftz_sink_ensure_connected(sink, errstr, errstr_size) != FTZ_OK)
            return FTZ_ERR_RETRIABLE;
        return learn_outcome(sink, batch, errstr, errstr_size);
    }
    return err;
rollback:
    if (PQstatus(sink->conn) == CONNECTION_OK)
        PQclear(PQexec(sink->conn, "ROLLBACK"));
    return err;
}

ftz_err_t ftz_sink_commit(ftz_sink_t *sink, const ftz_batch_t *batch, char *errstr,
                          size_t errstr_size) {
    ftz_err_t err = FTZ_OK;
    ftz_batch_part_t *sorted = NULL;

    if (batch->n_parts == 0)
        return FTZ_OK;
    if (!(sorted = malloc(batch->n_parts * sizeof(*sorted))))
        return ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
    memcpy(sorted, batch->parts, batch->n_parts * sizeof(*sorted));
    qsort(sorted, batch->n_parts, sizeof(*sorted), part_cmp);

    for (int attempt = 1; attempt <= SINK_TX_ATTEMPTS; attempt++) {
        if ((err = ftz_sink_ensure_connected(sink, errstr, errstr_size)))
            break;
        err = commit_once(sink, batch, sorted, errstr, errstr_size);
        if (err != FTZ_ERR_RETRIABLE || PQstatus(sink->conn) != CONNECTION_OK)
            break;
        /* Deadlock or serialization failure: the same batch again. */
        ftz_log(FTZ_LOG_WARNING, "PG", "batch attempt %d failed, retrying: %s", attempt,
                errstr);
        struct timespec ts = {0, 50000000L * attempt};
        nanosleep(&ts, NULL);
    }
    free(sorted);
    return err;
}
