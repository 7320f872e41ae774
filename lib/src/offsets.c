#include "ftz/offsets.h"

#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ftz/array.h"
#include "ftz/log.h"
#include "ftz/pg.h"

ftz_offset_range_t ftz_offsets_classify(int64_t stored, int64_t log_start, int64_t log_end) {
    if (stored < 0)
        return FTZ_OFFSET_NONE;
    if (stored < log_start)
        return FTZ_OFFSET_BEHIND_START;
    if (stored > log_end)
        return FTZ_OFFSET_PAST_END;
    return FTZ_OFFSET_OK;
}

const char *ftz_offsets_range_text(ftz_offset_range_t range) {
    switch (range) {
    case FTZ_OFFSET_OK: return "ok";
    case FTZ_OFFSET_NONE: return "no stored offset: starts at the log start";
    case FTZ_OFFSET_BEHIND_START:
        return "behind log start: records [stored, start) were deleted before being counted";
    case FTZ_OFFSET_PAST_END:
        return "past log end: the log was deleted and re-created or truncated";
    }
    return "unknown";
}

/* ---------------------------------------------------------------- PostgreSQL */

static void i64(char *out, size_t out_size, int64_t v) { snprintf(out, out_size, "%" PRId64, v); }

/* "user@host" of this process, for ftz.offset_moves.moved_by. */
static void os_actor(char *out, size_t out_size) {
    char host[256] = "?", pwbuf[1024];
    const char *user = NULL;
    struct passwd pw, *found = NULL;
    if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &found) == 0 && found)
        user = found->pw_name;
    if (!user || !*user)
        user = getenv("USER");
    if (gethostname(host, sizeof(host)) != 0)
        snprintf(host, sizeof(host), "?");
    host[sizeof(host) - 1] = '\0';
    if (user && *user)
        snprintf(out, out_size, "%s@%s", user, host);
    else
        snprintf(out, out_size, "uid %ld@%s", (long)geteuid(), host);
}

ftz_err_t ftz_offsets_load(PGconn *conn, const char *group, const char *topic,
                           int32_t partition, int lock, int64_t *next, char *errstr,
                           size_t errstr_size) {
    char p[16];
    const char *params[3] = {group, topic, p};
    snprintf(p, sizeof(p), "%d", (int)partition);
    PGresult *res = PQexecParams(conn,
                                 lock ? "SELECT next_offset FROM ftz.consumer_offsets"
                                        " WHERE consumer_group = $1 AND topic = $2"
                                        " AND partition = $3 FOR UPDATE"
                                      : "SELECT next_offset FROM ftz.consumer_offsets"
                                        " WHERE consumer_group = $1 AND topic = $2"
                                        " AND partition = $3",
                                 3, NULL, params, NULL, NULL, 0);
    ftz_err_t err = ftz_pg_check(conn, res, PGRES_TUPLES_OK, "read stored offset", errstr,
                                 errstr_size);
    if (!err)
        *next = PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : -1;
    PQclear(res);
    return err;
}

ftz_err_t ftz_offsets_check_group(PGconn *conn, const char *group, const char *topic,
                                  char *errstr, size_t errstr_size) {
    const char *params[2] = {topic, group};
    PGresult *res = PQexecParams(conn,
                                 "SELECT consumer_group FROM ftz.topic_groups"
                                 " WHERE topic = $1 AND consumer_group <> $2"
                                 " UNION SELECT consumer_group FROM ftz.consumer_offsets"
                                 " WHERE topic = $1 AND consumer_group <> $2"
                                 " ORDER BY consumer_group LIMIT 1",
                                 2, NULL, params, NULL, NULL, 0);
    ftz_err_t err = ftz_pg_check(conn, res, PGRES_TUPLES_OK, "check consumer groups", errstr,
                                 errstr_size);
    if (!err && PQntuples(res) > 0)
        err = ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                         "this database already aggregates %s for consumer group \"%s\"; "
                         "offsets of a second group would count every record twice. Use -g %s, "
                         "or another database",
                         topic, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 0));
    PQclear(res);
    return err;
}

static ftz_err_t check_move(const ftz_offset_move_t *mv, char *errstr, size_t errstr_size) {
    if (!mv || !mv->group || !*mv->group || !mv->topic || !*mv->topic)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "offset move: group and topic are required");
    if (mv->partition < 0 || mv->to_offset < 0 || (!mv->any_from && mv->expected_from < -1))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "offset move %s [%d]: negative partition or offset", mv->topic,
                          (int)mv->partition);
    if (!mv->kind || (strcmp(mv->kind, FTZ_OFFSET_MOVE_RESET) != 0 &&
                      strcmp(mv->kind, FTZ_OFFSET_MOVE_GAP_SKIP) != 0))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "offset move %s [%d]: kind must be \"" FTZ_OFFSET_MOVE_RESET
                          "\" or \"" FTZ_OFFSET_MOVE_GAP_SKIP "\"",
                          mv->topic, (int)mv->partition);
    if (!mv->reason || !mv->reason[strspn(mv->reason, " \t\r\n")])
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "offset move %s [%d]: a reason is required", mv->topic,
                          (int)mv->partition);
    return FTZ_OK;
}

/* The move proper, inside a transaction. */
static ftz_err_t move_in_tx(PGconn *conn, const ftz_offset_move_t *mv, char *errstr,
                            size_t errstr_size) {
    char p[16], to[24], from[24], start[24], end[24], actor[320];
    int64_t current = -1;
    PGresult *res = NULL;
    ftz_err_t err;

    if ((err = ftz_offsets_check_group(conn, mv->group, mv->topic, errstr, errstr_size)) ||
        (err = ftz_offsets_load(conn, mv->group, mv->topic, mv->partition, 1, &current, errstr,
                                errstr_size)))
        return err;
    if (!mv->any_from && current != mv->expected_from) {
        char now[24] = "none", want[24] = "none";
        if (current >= 0)
            i64(now, sizeof(now), current);
        if (mv->expected_from >= 0)
            i64(want, sizeof(want), mv->expected_from);
        return ftz_seterr(FTZ_ERR_FENCED, errstr, errstr_size,
                          "%s [%d] of group %s: the stored offset is %s, not %s: someone else "
                          "moved it; look again (ftz offsets) before moving it",
                          mv->topic, (int)mv->partition, mv->group, now, want);
    }

    snprintf(p, sizeof(p), "%d", (int)mv->partition);
    i64(to, sizeof(to), mv->to_offset);
    const char *params[4] = {mv->group, mv->topic, p, to};
    if (current >= 0)
        res = PQexecParams(conn,
                           "UPDATE ftz.consumer_offsets SET next_offset = $4,"
                           " last_fingerprint = NULL, updated_at = now()"
                           " WHERE consumer_group = $1 AND topic = $2 AND partition = $3",
                           4, NULL, params, NULL, NULL, 0);
    else
        /* A first offset of the group for the topic claims the topic
         * (ftz.claim_topic, lib/sql/004): a second group is refused. */
        res = PQexecParams(conn,
                           "WITH c AS (SELECT ftz.claim_topic($2, $1))"
                           " INSERT INTO ftz.consumer_offsets (consumer_group, topic, partition,"
                           " next_offset) SELECT $1, $2, $3, $4 FROM c ON CONFLICT DO NOTHING",
                           4, NULL, params, NULL, NULL, 0);
    if ((err = ftz_pg_check(conn, res, PGRES_COMMAND_OK, "move stored offset", errstr,
                            errstr_size)))
        goto cleanup;
    if (strcmp(PQcmdTuples(res), "1") != 0) {
        /* No row to lock a moment ago, and one now: a consumer's first
         * commit of the partition landed in between. */
        err = ftz_seterr(FTZ_ERR_FENCED, errstr, errstr_size,
                         "%s [%d] of group %s: a stored offset appeared while moving it; look "
                         "again (ftz offsets) before moving it",
                         mv->topic, (int)mv->partition, mv->group);
        goto cleanup;
    }
    PQclear(res);

    os_actor(actor, sizeof(actor));
    i64(from, sizeof(from), current);
    i64(start, sizeof(start), mv->log_start);
    i64(end, sizeof(end), mv->log_end);
    const char *hparams[10] = {mv->group, mv->topic, p, current >= 0 ? from : NULL, to,
                               mv->kind, actor, mv->reason,
                               mv->log_start >= 0 ? start : NULL,
                               mv->log_end >= 0 ? end : NULL};
    res = PQexecParams(conn,
                       "INSERT INTO ftz.offset_moves (consumer_group, topic, partition,"
                       " from_offset, to_offset, kind, moved_by, reason, log_start, log_end)"
                       " VALUES ($1, $2, $3, $4, $5, $6, $7 || ' (pg: ' || session_user || ')',"
                       " $8, $9, $10)",
                       10, NULL, hparams, NULL, NULL, 0);
    err = ftz_pg_check(conn, res, PGRES_COMMAND_OK, "record offset move", errstr, errstr_size);
cleanup:
    PQclear(res);
    return err;
}

ftz_err_t ftz_offsets_move(PGconn *conn, const ftz_offset_move_t *mv, char *errstr,
                           size_t errstr_size) {
    ftz_err_t err = check_move(mv, errstr, errstr_size);
    int own_tx;
    if (err)
        return err;
    switch (PQtransactionStatus(conn)) {
    case PQTRANS_IDLE: own_tx = 1; break;
    case PQTRANS_INTRANS: own_tx = 0; break;
    case PQTRANS_INERROR:
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                          "offset move: the caller's transaction has already failed");
    default:
        return ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size,
                          "offset move: the PostgreSQL connection is busy or broken: %s",
                          PQerrorMessage(conn));
    }
    if (own_tx && (err = ftz_pg_exec(conn, "BEGIN", "begin", errstr, errstr_size)))
        return err;
    if ((err = move_in_tx(conn, mv, errstr, errstr_size)))
        goto fail;
    if (own_tx && (err = ftz_pg_exec(conn, "COMMIT", "commit offset move", errstr, errstr_size))) {
        if (PQstatus(conn) != CONNECTION_OK) {
            char why[512];
            snprintf(why, sizeof(why), "%s", errstr);
            return ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size,
                              "%s; the move of %s [%d] may or may not have landed: see ftz "
                              "offsets history",
                              why, mv->topic, (int)mv->partition);
        }
        goto fail;
    }
    ftz_log(FTZ_LOG_DEBUG, "PG", "%s [%d] of group %s: stored next offset moved to %" PRId64
            " (%s)", mv->topic, (int)mv->partition, mv->group, mv->to_offset, mv->kind);
    return FTZ_OK;
fail:
    if (own_tx && PQstatus(conn) == CONNECTION_OK)
        PQclear(PQexec(conn, "ROLLBACK"));
    return err;
}

/* ---------------------------------------------------------------- Kafka */

ftz_err_t ftz_offsets_kafka_class(rd_kafka_resp_err_t e) {
    switch (e) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR__IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
        return FTZ_ERR_RETRIABLE;
    default:
        return FTZ_ERR_FATAL;
    }
}

static int kafka_no_such(rd_kafka_resp_err_t e) {
    return e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
           e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
}

rd_kafka_t *ftz_offsets_client_new(const char *brokers, const ftz_props_t *props, char *errstr,
                                   size_t errstr_size) {
    static const char *const overrides[][2] = {
        {"enable.idempotence", "false"}, /* it never produces */
        {"allow.auto.create.topics", "false"},
    };
    char why[512];
    rd_kafka_t *rk = NULL;
    rd_kafka_conf_t *conf =
        ftz_kafka_conf_new(FTZ_KAFKA_PRODUCER, brokers, props, errstr, errstr_size);
    if (!conf)
        return NULL;
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(overrides); i++)
        if (rd_kafka_conf_set(conf, overrides[i][0], overrides[i][1], why, sizeof(why)) !=
            RD_KAFKA_CONF_OK) {
            ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "%s", why);
            goto fail;
        }
    if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why)))) {
        ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "Kafka client: %s", why);
        goto fail;
    }
    return rk; /* conf now belongs to rk */
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

ftz_err_t ftz_offsets_partition_count(rd_kafka_t *rk, const char *topic, int *count,
                                      int timeout_ms, char *errstr, size_t errstr_size) {
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = NULL;
    rd_kafka_resp_err_t e;
    ftz_err_t err = FTZ_OK;

    *count = -1;
    if (!(rkt = rd_kafka_topic_new(rk, topic, NULL)))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "topic \"%s\": %s", topic,
                          rd_kafka_err2str(rd_kafka_last_error()));
    if ((e = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms))) {
        err = ftz_seterr(ftz_offsets_kafka_class(e), errstr, errstr_size,
                         "metadata of topic %s: %s (are the brokers reachable?)", topic,
                         rd_kafka_err2str(e));
        goto cleanup;
    }
    for (int i = 0; i < md->topic_cnt; i++) {
        const struct rd_kafka_metadata_topic *t = &md->topics[i];
        if (strcmp(t->topic, topic) != 0)
            continue;
        if (kafka_no_such(t->err) || (!t->err && t->partition_cnt == 0)) {
            *count = 0;
            err = ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                             "topic %s does not exist in Kafka", topic);
        } else if (t->err) {
            err = ftz_seterr(ftz_offsets_kafka_class(t->err), errstr, errstr_size, "metadata of topic %s: %s",
                             topic, rd_kafka_err2str(t->err));
        } else {
            *count = t->partition_cnt;
        }
        goto cleanup;
    }
    *count = 0;
    err = ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "topic %s does not exist in Kafka",
                     topic);
cleanup:
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    return err;
}

/* One ListOffsets round for logs[idx[0 .. m)]: the first offsets (which is
 * RD_KAFKA_OFFSET_BEGINNING) or the end offsets (RD_KAFKA_OFFSET_END).
 * rd_kafka_offsets_for_times returns nothing at all when one partition
 * fails after librdkafka's own retries. A retriable failure is charged to
 * every partition asked, to be asked again after a backoff (right after
 * topics are created many partitions answer "not leader" for a few
 * seconds: halving then would cost hundreds of requests a round). With
 * split (the last round), or when the failure is not retriable, the set
 * is halved until the failing partitions are alone, so that one partition
 * cannot cost the others their answers. A timeout is never halved (it
 * would multiply the wait). */
static ftz_err_t ask_logs(rd_kafka_t *rk, ftz_offsets_log_t *logs, const size_t *idx, size_t m,
                          int64_t which, int timeout_ms, int split, char *errstr,
                          size_t errstr_size) {
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)m);
    if (!list)
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "out of memory");
    for (size_t i = 0; i < m; i++)
        rd_kafka_topic_partition_list_add(list, logs[idx[i]].topic, logs[idx[i]].partition)
            ->offset = which;
    rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(rk, list, timeout_ms);
    ftz_err_t err = FTZ_OK;
    if (e && m > 1 && (split || ftz_offsets_kafka_class(e) != FTZ_ERR_RETRIABLE) &&
        e != RD_KAFKA_RESP_ERR__TIMED_OUT && e != RD_KAFKA_RESP_ERR__TRANSPORT &&
        e != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        rd_kafka_topic_partition_list_destroy(list);
        err = ask_logs(rk, logs, idx, m / 2, which, timeout_ms, split, errstr, errstr_size);
        if (!err)
            err = ask_logs(rk, logs, idx + m / 2, m - m / 2, which, timeout_ms, split, errstr,
                           errstr_size);
        return err;
    }
    for (size_t i = 0; i < m; i++) {
        ftz_offsets_log_t *log = &logs[idx[i]];
        const rd_kafka_topic_partition_t *p = &list->elems[i];
        rd_kafka_resp_err_t pe = e ? e : p->err;
        /* Not answered (no leader found in time): the offset is still the
         * logical one asked for. */
        if (!pe && p->offset < 0)
            pe = RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
        log->err = pe;
        if (!pe)
            *(which == RD_KAFKA_OFFSET_BEGINNING ? &log->log_start : &log->log_end) = p->offset;
    }
    rd_kafka_topic_partition_list_destroy(list);
    return err;
}

ftz_err_t ftz_offsets_logs(rd_kafka_t *rk, ftz_offsets_log_t *logs, size_t n, int timeout_ms,
                           int attempts, char *errstr, size_t errstr_size) {
    static const int64_t which[2] = {RD_KAFKA_OFFSET_BEGINNING, RD_KAFKA_OFFSET_END};
    size_t *idx = NULL;
    ftz_err_t err = FTZ_OK;

    if (n == 0 || attempts < 1)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "offsets logs: %s", n == 0 ? "no partitions" : "attempts < 1");
    if (!(idx = calloc(n, sizeof(*idx))))
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "out of memory");
    for (size_t i = 0; i < n; i++) {
        logs[i].log_start = logs[i].log_end = -1;
        logs[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    for (int w = 0; w < 2; w++) {
        int backoff_ms = 200;
        for (int round = 0; round < attempts; round++) {
            /* This round: the partitions not yet known, but worth asking. */
            size_t m = 0;
            for (size_t i = 0; i < n; i++) {
                int known = w == 0 ? logs[i].log_start >= 0 : logs[i].log_end >= 0;
                int readable = w == 0 || logs[i].log_start >= 0;
                if (!known && readable &&
                    (round == 0 ||
                     ftz_offsets_kafka_class(logs[i].err) == FTZ_ERR_RETRIABLE))
                    idx[m++] = i;
            }
            if (m == 0)
                break;
            if (round > 0) {
                usleep((useconds_t)backoff_ms * 1000);
                backoff_ms *= 2;
            }
            if ((err = ask_logs(rk, logs, idx, m, which[w], timeout_ms, round == attempts - 1,
                                errstr, errstr_size)))
                goto cleanup;
        }
    }
    /* A partition whose end is known has its start too; one left half
     * read is unknown. */
    for (size_t i = 0; i < n; i++)
        if (logs[i].err || logs[i].log_end < 0) {
            logs[i].log_start = logs[i].log_end = -1;
            if (!logs[i].err)
                logs[i].err = RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
        }
cleanup:
    free(idx);
    return err;
}
