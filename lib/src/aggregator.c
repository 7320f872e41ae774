/* The consumer loop: moves messages between Kafka, validation, the batch
 * and the sink. What a record is, is decided in validate.c; what a batch
 * writes, in sink.c; what a rebalance does to the owned partitions, in
 * assignment.c; the dead-letter topic copy, in dlq.c. */
#include "ftz/clock.h"
#include "ftz/aggregator.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg_metrics.h"
#include "assignment.h"
#include "ftz/batch.h"
#include "ftz/dlq.h"
#include "ftz/kafka_log.h"
#include "ftz/log.h"
#include "ftz/metrics_server.h"
#include "ftz/sink.h"
#include "ftz/topics.h"
#include "ftz/validate.h"

/* Longest pause between two attempts at a batch that could not commit. */
#define AGG_BACKOFF_MAX_S 30.0
/* An idle member asks PostgreSQL whether it answers this often, seconds
 * (readiness: /readyz names PostgreSQL when it does not). */
#define AGG_PG_PING_S 10.0
/* Wait for the dead-letter topic to acknowledge one batch's copies. */
#define AGG_DLQ_TIMEOUT_MS 10000
/* Passes of "commit, find the records PostgreSQL refuses, dead-letter
 * them" for one batch. */
#define AGG_POISON_PASSES 4

typedef struct agg_s {
    const ftz_aggregator_conf_t *conf;
    rd_kafka_t *rk;
    ftz_sink_t *sink;
    ftz_dlq_t *dlq;
    ftz_catalog_t *cat;
    ftz_validator_t *val;
    ftz_batch_t batch;     /* open: being filled */
    ftz_batch_t flight;    /* sent to PostgreSQL, its answer pending */
    int flying;
    ftz_assignment_t asg;
    ftz_record_buf_t rec;
    size_t batch_bytes;
    double started;        /* when the loop began */
    double first_assigned; /* when the first assignment arrived (0: none yet) */
    double batch_started;
    double idle_since;     /* when every owned partition was last seen at its end */
    double progress_at;    /* last message, end of partition or commit */
    double rebalanced_at;  /* last rebalance event */
    double retry_at;       /* no batch is attempted before this */
    double backoff;        /* next pause after a batch fails, seconds */
    double flight_sent;    /* when the batch in flight was sent */
    double flight_checked; /* when its answer was last looked for */
    ftz_aggregator_stats_t stats;
    ftz_aggregator_stats_t batch_stats;  /* counts of the open batch */
    ftz_aggregator_stats_t flight_stats; /* counts of the batch in flight */
    ftz_err_t fatal;       /* stop now */
    char fatal_str[1536];
    ftz_err_t stop_err;    /* stop after committing what is open (a gap) */
    char stop_str[1024];
    char trouble[1024];    /* what keeps Kafka from working, said once */
    double pg_down_since;  /* offsets cannot be read since (0: they can) */
    double pg_seen_at;     /* PostgreSQL last answered (a commit, a ping) */
    char pg_trouble[512];
    int trouble_said;
    ftz_agg_figures_t fig;  /* histograms and times for operators */
    ftz_metrics_server_t *metrics; /* --metrics-addr; NULL: none */
    ftz_buf_t metrics_text;
    double published_at;   /* when figures were last handed to the server */
    double stats_at;       /* when the last stats line was written */
    uint64_t stats_messages, stats_rejected; /* their totals then */
} agg_t;

static void set_fatal(agg_t *a, ftz_err_t err, const char *msg) {
    if (a->fatal)
        return;
    a->fatal = err;
    snprintf(a->fatal_str, sizeof(a->fatal_str), "%s", msg);
}

/* Kafka trouble (unreachable brokers, a missing topic): said once, until
 * things work again. */
static void trouble(agg_t *a, const char *what) {
    snprintf(a->trouble, sizeof(a->trouble), "%s", what);
    if (!a->trouble_said) {
        ftz_log(FTZ_LOG_WARNING, "KAFKA", "%s; retrying", what);
        a->trouble_said = 1;
    }
}

static void trouble_over(agg_t *a) {
    if (a->trouble_said)
        ftz_log(FTZ_LOG_INFO, "KAFKA", "Kafka answers again");
    a->trouble_said = 0;
    a->trouble[0] = '\0';
}

static void drop_batch(agg_t *a) {
    ftz_batch_clear(&a->batch);
    memset(&a->batch_stats, 0, sizeof(a->batch_stats));
}

/* The topic's place in conf->topics (the per-topic counts); every
 * message comes from a subscribed topic. */
static int topic_index(const agg_t *a, const char *topic) {
    for (int i = 0; i < a->conf->n_topics && i < FTZ_AGG_TOPICS_MAX; i++)
        if (strcmp(a->conf->topics[i], topic) == 0)
            return i;
    return 0;
}

/* ---------------------------------------------------------------- rebalance */

static void land(agg_t *a, int wait);

static ftz_err_t load_offset(void *opaque, const char *topic, int32_t partition, int64_t *next,
                             uint64_t *fingerprint, char *errstr, size_t errstr_size) {
    agg_t *a = opaque;
    land(a, 1); /* the connection answers one thing at a time */
    return ftz_sink_load_offset(a->sink, topic, partition, next, fingerprint, errstr,
                                errstr_size);
}

static void revoking(void *opaque, int lost) {
    agg_t *a = opaque;
    /* The batch in flight lands or fails as it will (the database fence
     * refuses it if it is stale); the open batch's work is dropped, never
     * committed. */
    land(a, 1);
    if (a->batch.messages)
        ftz_log(FTZ_LOG_INFO, "BATCH", "partitions %s: dropping an open batch of %zu messages",
                lost ? "lost" : "revoked", a->batch.messages);
    drop_batch(a);
}

/* Runs inside rd_kafka_consumer_poll, on the aggregator's thread. */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    agg_t *a = opaque;
    const ftz_rebalance_ops_t ops = {load_offset, revoking, a};
    char errstr[512];
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (!a->first_assigned)
            a->first_assigned = ftz_clock_mono();
        trouble_over(a);
    }
    a->idle_since = 0;
    a->progress_at = a->rebalanced_at = ftz_clock_mono();
    ftz_err_t e = ftz_assignment_rebalance(&a->asg, rk, err, parts, &ops, errstr, sizeof(errstr));
    if (e)
        set_fatal(a, e, errstr);
}

/* Runs inside rd_kafka_consumer_poll: librdkafka's client-wide errors. */
static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    agg_t *a = opaque;
    char what[512];
    (void)rk;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char fatal[256];
        rd_kafka_fatal_error(a->rk, fatal, sizeof(fatal));
        snprintf(what, sizeof(what), "fatal Kafka error: %s", fatal);
        set_fatal(a, FTZ_ERR_FATAL, what);
        return;
    }
    const char *refused = ftz_kafka_refusal(err, reason);
    if (refused) {
        /* No retry mends it: one line, and the member stops. */
        snprintf(what, sizeof(what), "%s: %s", refused, reason);
        set_fatal(a, FTZ_ERR_FATAL, what);
        return;
    }
    snprintf(what, sizeof(what), "Kafka at %s: %s", ftz_kafka_brokers(a->conf->brokers, a->conf->props), reason);
    trouble(a, what);
}

/* Runs inside rd_kafka_consumer_poll every statistics.interval.ms: the
 * log bounds of the owned partitions, for the lag. */
static int stats_cb(rd_kafka_t *rk, char *json, size_t json_len, void *opaque) {
    agg_t *a = opaque;
    (void)rk;
    ftz_agg_apply_statistics(&a->asg, json, json_len);
    return 0; /* librdkafka frees json */
}

/* Runs inside rd_kafka_consumer_poll: the informational Kafka commit's
 * answer. A refusal (a rebalance under way, a partition moved) changes
 * nothing: PostgreSQL holds the offsets. */
static void offset_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t *offsets, void *opaque) {
    (void)rk;
    (void)offsets;
    (void)opaque;
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
        ftz_log(FTZ_LOG_DEBUG, "KAFKA", "informational offset commit to Kafka: %s",
                rd_kafka_err2str(err));
}

/* ---------------------------------------------------------------- figures */

static double ready_max_age(const agg_t *a) {
    return a->conf->ready_max_age_s > 0 ? a->conf->ready_max_age_s : FTZ_AGG_READY_MAX_AGE_S;
}

static void health_of(agg_t *a, ftz_health_t *h) {
    memset(h, 0, sizeof(*h));
    h->owned = (int)a->asg.n;
    h->last_commit = a->fig.last_commit_unix;
    h->caught_up = a->fig.caught_up_unix;
    h->max_age = ready_max_age(a);
    if (a->pg_down_since)
        snprintf(h->trouble, sizeof(h->trouble), "PostgreSQL: %.300s", a->pg_trouble);
    else if (a->trouble_said)
        snprintf(h->trouble, sizeof(h->trouble), "%.360s", a->trouble);
}

/* Hands the figures to the metrics server about once a second; a busy
 * server is tried again at the next turn of the loop. */
static void publish(agg_t *a, double now, int force) {
    if (!a->metrics || (!force && now - a->published_at < 1.0))
        return;
    ftz_health_t h;
    a->stats.pg_reconnects = ftz_sink_reconnects(a->sink);
    ftz_buf_reset(&a->metrics_text);
    if (ftz_agg_render_metrics(&a->metrics_text, a->conf, &a->stats, &a->asg, &a->fig))
        return;
    health_of(a, &h);
    if (ftz_metrics_server_publish(a->metrics, a->metrics_text.data, a->metrics_text.len, &h))
        a->published_at = now;
}

/* One line for the operator's terminal every --stats-interval seconds. */
static void stats_line(agg_t *a, double now) {
    double every = a->conf->stats_interval_s;
    if (every <= 0 || now - a->stats_at < every)
        return;
    if (!a->stats_at) { /* the first interval starts now */
        a->stats_at = now;
        return;
    }
    double dt = now - a->stats_at;
    int64_t lag = ftz_agg_total_lag(&a->asg);
    char lag_s[32], commit_s[48];
    if (lag >= 0)
        snprintf(lag_s, sizeof(lag_s), "%" PRId64, lag);
    else
        snprintf(lag_s, sizeof(lag_s), "unknown");
    if (a->fig.last_commit_unix)
        snprintf(commit_s, sizeof(commit_s), "%.1f s ago", ftz_clock_unix() - a->fig.last_commit_unix);
    else
        snprintf(commit_s, sizeof(commit_s), "none yet");
    ftz_log(FTZ_LOG_INFO, "STATS",
            "%.0f messages/s, %" PRIu64 " dead letters (+%" PRIu64 ") over %.0f s; %" PRIu64
            " counted in all; lag %s; last commit %s; %zu partitions",
            (double)(a->stats.messages - a->stats_messages) / dt, a->stats.rejected,
            a->stats.rejected - a->stats_rejected, dt, a->stats.counted, lag_s, commit_s,
            a->asg.n);
    a->stats_at = now;
    a->stats_messages = a->stats.messages;
    a->stats_rejected = a->stats.rejected;
}

/* Starts fetching the partitions of `list` again at the offsets it gives,
 * by assigning them again: librdkafka refuses to seek a partition it
 * stopped after an out-of-range position (auto.offset.reset=error,
 * "Erroneous state"), and a new assignment works in every fetch state.
 * Under COOPERATIVE those partitions alone; under EAGER the whole
 * assignment, so `list` must then hold every partition to read. */
static ftz_err_t assign_again(agg_t *a, rd_kafka_topic_partition_list_t *list, char *errstr,
                              size_t errstr_size) {
    const char *protocol = rd_kafka_rebalance_protocol(a->rk);
    rd_kafka_error_t *e = NULL;
    rd_kafka_resp_err_t rerr = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (protocol && strcmp(protocol, "COOPERATIVE") == 0) {
        if (list->cnt && !(e = rd_kafka_incremental_unassign(a->rk, list)))
            e = rd_kafka_incremental_assign(a->rk, list);
    } else {
        rerr = rd_kafka_assign(a->rk, list);
    }
    ftz_err_t err = FTZ_OK;
    if (e || rerr)
        err = ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size, "assign again: %s",
                         e ? rd_kafka_error_string(e) : rd_kafka_err2str(rerr));
    if (e)
        rd_kafka_error_destroy(e);
    return err;
}

/* Where a partition is read from: its stored offset; one before it when
 * the message counted there is to be compared again (a re-created log);
 * offset 0 when nothing is stored (not the logical "beginning", which
 * librdkafka resolves with a ListOffsets request half a second later; an
 * offset 0 that retention deleted comes back as out of range). */
static int64_t start_offset(const ftz_owned_t *o) {
    if (o->committed < 0)
        return 0;
    return o->verify_fp ? o->verify_at : o->committed;
}

/* Re-reads every owned partition's offset and seeks there; the open batch
 * is dropped. After a batch that did not commit, and when offsets could
 * not be read on assignment. */
static ftz_err_t resync(agg_t *a, char *errstr, size_t errstr_size) {
    ftz_err_t err = FTZ_OK;
    rd_kafka_topic_partition_list_t *list =
        rd_kafka_topic_partition_list_new(a->asg.n ? (int)a->asg.n : 1);
    drop_batch(a);
    for (size_t i = 0; i < a->asg.n && !err; i++) {
        ftz_owned_t *o = &a->asg.v[i];
        int64_t next = -1;
        uint64_t fp = 0;
        if ((err = ftz_sink_load_offset(a->sink, o->topic, o->partition, &next, &fp, errstr,
                                        errstr_size)))
            break;
        o->committed = next;
        o->pending = -1;
        o->eof = 0;
        o->verify_fp = next > 0 ? fp : 0;
        o->verify_at = next - 1;
        if (!o->stopped)
            rd_kafka_topic_partition_list_add(list, o->topic, o->partition)->offset =
                start_offset(o);
    }
    if (!err)
        err = assign_again(a, list, errstr, errstr_size);
    rd_kafka_topic_partition_list_destroy(list);
    if (!err) {
        a->asg.need_resync = 0;
        a->idle_since = 0;
        ftz_log(FTZ_LOG_INFO, "PG", "resumed %zu partitions from stored offsets", a->asg.n);
    }
    return err;
}

/* ---------------------------------------------------------------- messages */

static void handle_gap(agg_t *a, const rd_kafka_message_t *m, int changed);

static void handle_message(agg_t *a, const rd_kafka_message_t *m) {
    const char *topic = rd_kafka_topic_name(m->rkt);
    ftz_owned_t *o = ftz_assignment_find(&a->asg, topic, m->partition);
    ftz_verdict_t v;
    const ftz_record_type_t *rt = NULL;

    /* The message before the stored offset, read again to compare with
     * what was counted there: a log deleted and re-created past the stored
     * offset must not have its first records skipped unseen. */
    if (o && o->verify_fp && !o->stopped) {
        uint64_t want = o->verify_fp;
        o->verify_fp = 0;
        if (m->offset == o->verify_at) {
            if (ftz_batch_fingerprint(m->key, m->key_len, m->payload, m->payload ? m->len : 0) !=
                want)
                handle_gap(a, m, 1);
            return; /* counted already */
        }
        /* Deleted since (retention, compaction): nothing to compare. */
    }
    /* Where the open batch starts in this partition: after the batch in
     * flight, if it holds the partition, else at the stored offset. */
    int64_t base = o && o->pending >= 0 ? o->pending : o ? o->committed : -1;
    /* Not ours any more, or fetched before a seek back to the stored
     * offset: a later fetch delivers it again. */
    if (!o || o->stopped || (base >= 0 && m->offset < base))
        return;
    o->eof = 0;
    a->idle_since = 0;
    if (a->batch.messages == 0)
        a->batch_started = ftz_clock_mono();
    if (ftz_batch_note_offset(&a->batch, topic, m->partition, base, m->offset,
                              ftz_batch_fingerprint(m->key, m->key_len, m->payload,
                                                    m->payload ? m->len : 0)) ||
        ftz_batch_note_time(&a->batch, rd_kafka_message_timestamp(m, NULL))) {
        set_fatal(a, FTZ_ERR_NOMEM, "out of memory");
        return;
    }
    ftz_topic_counts_t *tc = &a->batch_stats.topic[topic_index(a, topic)];
    tc->messages++;
    ftz_err_t err = ftz_validate(a->val, topic, m->key, m->key_len, m->payload,
                                 m->payload ? m->len : 0, &rt, &a->rec, &v);
    if (!err) {
        if (ftz_batch_add_record(&a->batch, rt, &a->rec, m->partition, m->offset, m->key,
                                 m->key_len, m->payload, m->len))
            set_fatal(a, FTZ_ERR_NOMEM, "out of memory");
        a->batch_stats.counted++;
        tc->counted++;
        return;
    }
    ftz_log(FTZ_LOG_WARNING, "RULES", "%s [%d] @%" PRId64 ": %s %s", topic, (int)m->partition,
            m->offset, v.code, v.reason);
    if (ftz_batch_add_dead(&a->batch, topic, m->partition, m->offset, m->key, m->key_len,
                           m->payload, m->payload ? m->len : 0, v.code, v.reason))
        set_fatal(a, FTZ_ERR_NOMEM, "out of memory");
    a->batch_stats.rejected++;
    tc->rejected++;
    tc->by_code[v.id]++;
}

/* ---------------------------------------------------------------- commit
 *
 * A batch is open (being filled), then in flight (its transaction sent to
 * PostgreSQL), then landed or failed. While one batch is in flight the
 * next one fills: reading and decoding overlap PostgreSQL's work. The open
 * batch starts each partition where the batch in flight ends (pending);
 * if the flight fails, both are dropped and redone from the stored
 * offsets. */

/* PostgreSQL refused the batch's data although every rule passed (an
 * operator's constraint, a value it cannot store): the refused records
 * become SINK_REJECTED dead letters. *found says how many; the search
 * itself may fail (FTZ_ERR_RETRIABLE: a lost connection, say; then the
 * batch is redone). */
static ftz_err_t reject_refused(agg_t *a, ftz_batch_t *b, ftz_aggregator_stats_t *bs,
                                size_t *found, char *errstr, size_t errstr_size) {
    const ftz_sink_refusal_t *r;
    size_t n = 0;
    ftz_err_t err = ftz_sink_isolate(a->sink, b, &r, &n, errstr, errstr_size);
    *found = 0;
    if (err)
        return err;
    /* Backwards: removing a record shifts the ones after it. */
    for (size_t k = n; k-- > 0;) {
        const ftz_record_type_t *rt = ftz_record_type(r[k].rtype);
        const ftz_row_meta_t *m = &b->rows[r[k].rtype].meta[r[k].index];
        char topic[FTZ_TOPIC_MAX + 1], reason[FTZ_DEAD_REASON_MAX];
        ftz_topic_name(a->conf->topic_prefix, rt->topic, topic, sizeof(topic));
        snprintf(reason, sizeof(reason), "PostgreSQL refused it: %s", r[k].reason);
        ftz_log(FTZ_LOG_WARNING, "PG", "%s [%d] @%" PRId64 ": SINK_REJECTED %s", topic,
                (int)m->partition, m->offset, reason);
        if (ftz_batch_reject_record(b, rt, r[k].index, topic,
                                    ftz_code_name(FTZ_V_SINK_REJECTED), reason)) {
            set_fatal(a, FTZ_ERR_NOMEM, "out of memory");
            return 0;
        }
        ftz_topic_counts_t *tc = &bs->topic[topic_index(a, topic)];
        bs->counted--;
        bs->rejected++;
        tc->counted--;
        tc->rejected++;
        tc->by_code[FTZ_V_SINK_REJECTED]++;
    }
    if (n == 0)
        snprintf(errstr, errstr_size, "%s", "no single record explains the refusal");
    *found = n;
    return FTZ_OK;
}

/* Commits the batch's offsets to Kafka, asynchronously, for Kafka's own
 * tools (kafka-consumer-groups, lag exporters); errors are logged at
 * debug level by offset_commit_cb. */
static void commit_to_kafka(agg_t *a, const ftz_batch_t *b) {
    if (!b->n_parts)
        return;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)b->n_parts);
    for (size_t i = 0; i < b->n_parts; i++) {
        ftz_owned_t *o = ftz_assignment_find(&a->asg, b->parts[i].topic, b->parts[i].partition);
        rd_kafka_topic_partition_list_add(l, b->parts[i].topic, b->parts[i].partition)->offset =
            b->parts[i].last + 1;
        if (o)
            o->kafka_at = b->parts[i].last + 1;
    }
    rd_kafka_commit(a->rk, l, 1);
    rd_kafka_topic_partition_list_destroy(l);
}

/* Idle and caught up: is PostgreSQL still there? Said once when it is
 * not (readiness names it), and once when it is back. */
static void ping_pg(agg_t *a, double now) {
    char why[512];
    if (now - a->pg_seen_at < AGG_PG_PING_S)
        return;
    a->pg_seen_at = now;
    if (ftz_sink_ping(a->sink, why, sizeof(why)) == FTZ_OK) {
        if (a->pg_down_since)
            ftz_log(FTZ_LOG_INFO, "PG", "PostgreSQL answers again");
        a->pg_down_since = 0;
        return;
    }
    if (!a->pg_down_since) {
        ftz_log(FTZ_LOG_WARNING, "PG", "PostgreSQL does not answer: %s; retrying", why);
        a->pg_down_since = now;
        snprintf(a->pg_trouble, sizeof(a->pg_trouble), "%s", why);
    }
}

/* Caught up: the stored offsets of the owned partitions Kafka has not
 * seen (an offset moved by `ftz offsets reset` or --on-gap skip, a
 * partition assigned with nothing new to read) are committed to Kafka
 * too, so that its tools show no lag where there is none. */
static void sync_kafka_offsets(agg_t *a) {
    rd_kafka_topic_partition_list_t *l = NULL;
    for (size_t i = 0; i < a->asg.n; i++) {
        ftz_owned_t *o = &a->asg.v[i];
        if (o->stopped || o->committed < 0 || o->committed == o->kafka_at)
            continue;
        if (!l)
            l = rd_kafka_topic_partition_list_new((int)a->asg.n);
        rd_kafka_topic_partition_list_add(l, o->topic, o->partition)->offset = o->committed;
        o->kafka_at = o->committed;
    }
    if (l) {
        rd_kafka_commit(a->rk, l, 1);
        rd_kafka_topic_partition_list_destroy(l);
    }
}

/* The batch landed: its offsets are stored, its counts are the member's. */
static void landed(agg_t *a, ftz_batch_t *b, ftz_aggregator_stats_t *bs) {
    for (size_t i = 0; i < b->n_parts; i++) {
        ftz_owned_t *o = ftz_assignment_find(&a->asg, b->parts[i].topic, b->parts[i].partition);
        if (o)
            o->committed = b->parts[i].last + 1;
    }
    a->stats.messages += b->messages;
    a->stats.counted += bs->counted;
    a->stats.rejected += bs->rejected;
    for (int t = 0; t < FTZ_AGG_TOPICS_MAX; t++) {
        ftz_topic_counts_t *to = &a->stats.topic[t];
        const ftz_topic_counts_t *from = &bs->topic[t];
        to->messages += from->messages;
        to->counted += from->counted;
        to->rejected += from->rejected;
        for (int c = 0; c < FTZ_V__COUNT; c++)
            to->by_code[c] += from->by_code[c];
    }
    a->stats.batches++;
    a->progress_at = a->pg_seen_at = ftz_clock_mono();
    /* For operators: the histograms, and the same offsets committed to
     * Kafka for its tools to see (information only: PostgreSQL holds the
     * truth, and a refused or lost Kafka commit changes nothing). */
    double unix_now = ftz_clock_unix();
    a->fig.last_commit_unix = unix_now;
    ftz_histogram_observe(&a->fig.batch_messages, (double)b->messages);
    ftz_histogram_observe(&a->fig.commit_seconds, a->progress_at - a->flight_sent);
    for (size_t i = 0; i < b->n_times; i++)
        if (b->times[i] >= 0)
            ftz_histogram_observe(&a->fig.e2e_seconds, unix_now - (double)b->times[i] / 1000);
    commit_to_kafka(a, b);
    if (a->first_assigned)
        a->stats.drain_s = a->progress_at - a->first_assigned;
    ftz_log(FTZ_LOG_DEBUG, "BATCH", "committed a batch of %zu messages in %.1f ms", b->messages,
            (ftz_clock_mono() - a->flight_sent) * 1000);
    a->backoff = 0;
    ftz_batch_clear(b);
    memset(bs, 0, sizeof(*bs));
}

/* A batch did not land: fenced or retriable, the open batch and the one
 * in flight are dropped and redone from the stored offsets after a pause;
 * anything else stops the member. */
static void failed(agg_t *a, ftz_err_t err, size_t messages, int pg, const char *errstr) {
    if (err != FTZ_ERR_FENCED && err != FTZ_ERR_RETRIABLE) {
        set_fatal(a, err, errstr);
        return;
    }
    /* A fenced batch is someone else's now: no pause. Anything else waits
     * a little longer each time, polling all the while. */
    a->backoff = err == FTZ_ERR_FENCED ? 0
                 : a->backoff        ? (a->backoff * 2 > AGG_BACKOFF_MAX_S ? AGG_BACKOFF_MAX_S
                                                                           : a->backoff * 2)
                                     : 0.2;
    ftz_log(FTZ_LOG_WARNING, "BATCH",
            "batch of %zu messages not committed, redoing it%s%.1fs: %s", messages,
            a->backoff ? " in " : " (fenced) ", a->backoff, errstr);
    a->stats.redone++;
    if (err == FTZ_ERR_FENCED)
        a->stats.fenced++;
    else if (pg)
        a->stats.pg_retries++;
    a->asg.need_resync = 1;
    a->retry_at = ftz_clock_mono() + a->backoff;
    ftz_batch_clear(&a->flight);
    memset(&a->flight_stats, 0, sizeof(a->flight_stats));
    drop_batch(a);
}

/* The dead letters' topic copy, then the transaction, synchronously,
 * finding the records PostgreSQL refuses until it accepts the rest. */
static ftz_err_t commit_now(agg_t *a, ftz_batch_t *b, ftz_aggregator_stats_t *bs,
                            ftz_err_t err, char *errstr, size_t errstr_size) {
    char first[512] = "";
    for (int pass = 0; err == FTZ_ERR_POISON && pass < AGG_POISON_PASSES; pass++) {
        if (!first[0])
            snprintf(first, sizeof(first), "%.500s", errstr);
        size_t found = 0;
        ftz_err_t ierr = reject_refused(a, b, bs, &found, errstr, errstr_size);
        if (ierr)
            return a->fatal ? a->fatal : ierr;
        if (found == 0) {
            /* Refused, and no record to blame: stop and say why (the
             * server's message of the first refusal). */
            size_t n = strlen(errstr);
            snprintf(errstr + n, errstr_size - n, " (PostgreSQL refused the batch: %s)", first);
            return FTZ_ERR_FATAL;
        }
        err = b->n_dead ? ftz_dlq_send(a->dlq, b, AGG_DLQ_TIMEOUT_MS, errstr, errstr_size)
                        : FTZ_OK;
        if (err == FTZ_OK)
            err = ftz_sink_commit(a->sink, b, errstr, errstr_size);
    }
    if (err == FTZ_ERR_POISON) {
        /* Still refused after every pass: stop and say why. */
        size_t n = strlen(errstr);
        snprintf(errstr + n, errstr_size - n, " (first refusal: %s)", first);
        err = FTZ_ERR_FATAL;
    }
    return err;
}

/* Takes in the answer for the batch in flight: now if wait, else only if
 * it is there. */
static void land(agg_t *a, int wait) {
    char errstr[1536];
    if (!a->flying || (!wait && !ftz_sink_ready(a->sink)))
        return;
    a->flying = 0;
    ftz_err_t err = ftz_sink_finish(a->sink, &a->flight, errstr, sizeof(errstr));
    if (err == FTZ_ERR_POISON)
        err = commit_now(a, &a->flight, &a->flight_stats, err, errstr, sizeof(errstr));
    if (err == FTZ_OK)
        landed(a, &a->flight, &a->flight_stats);
    else
        failed(a, err, a->flight.messages, 1, errstr);
}

/* Sends the open batch: its dead letters to the dead-letter topic (they
 * are acknowledged first), then its transaction. The batch in flight, if
 * any, lands first. */
static void launch(agg_t *a) {
    char errstr[1536];
    ftz_err_t err;
    /* While the batch in flight is still PostgreSQL's: the dead letters'
     * copies (Kafka's work) and the parameters (ours). */
    if (a->batch.n_dead &&
        (err = ftz_dlq_send(a->dlq, &a->batch, AGG_DLQ_TIMEOUT_MS, errstr, sizeof(errstr)))) {
        land(a, 1);
        failed(a, err, a->batch.messages, 0, errstr);
        return;
    }
    if ((err = ftz_sink_prepare(a->sink, &a->batch, errstr, sizeof(errstr)))) {
        set_fatal(a, err, errstr);
        return;
    }
    land(a, 1);
    if (!a->batch.messages || a->fatal || a->asg.need_resync)
        return;
    /* The open batch becomes the flight; the emptied flight, the next
     * open batch (their memory is kept). */
    ftz_batch_t t = a->flight;
    a->flight = a->batch;
    a->batch = t;
    a->flight_stats = a->batch_stats;
    memset(&a->batch_stats, 0, sizeof(a->batch_stats));
    for (size_t i = 0; i < a->flight.n_parts; i++) {
        ftz_owned_t *o = ftz_assignment_find(&a->asg, a->flight.parts[i].topic,
                                             a->flight.parts[i].partition);
        if (o)
            o->pending = a->flight.parts[i].last + 1;
    }
    if ((err = ftz_sink_send(a->sink, &a->flight, errstr, sizeof(errstr)))) {
        failed(a, err, a->flight.messages, 1, errstr);
        return;
    }
    a->flying = 1;
    a->flight_sent = ftz_clock_mono();
    ftz_log(FTZ_LOG_DEBUG, "BATCH", "sent a batch of %zu messages", a->flight.messages);
}

/* Commits what is open and waits for it. FTZ_OK when it landed. */
static ftz_err_t commit_batch(agg_t *a) {
    uint64_t batches = a->stats.batches;
    if (!a->batch.messages) {
        land(a, 1);
        return a->fatal ? a->fatal : a->asg.need_resync ? FTZ_ERR_RETRIABLE : FTZ_OK;
    }
    launch(a);
    land(a, 1);
    if (a->fatal)
        return a->fatal;
    return a->stats.batches > batches && !a->asg.need_resync ? FTZ_OK : FTZ_ERR_RETRIABLE;
}

/* ---------------------------------------------------------------- gaps */

static int batch_has_partition(const ftz_batch_t *b, const char *topic, int32_t partition) {
    for (size_t i = 0; i < b->n_parts; i++)
        if (b->parts[i].partition == partition && strcmp(b->parts[i].topic, topic) == 0)
            return 1;
    return 0;
}

/* Starts fetching one partition again at `offset`. librdkafka stops a
 * partition whose position was out of range (auto.offset.reset=error) and
 * refuses to seek it ("Erroneous state"): it has to be assigned again.
 * Under COOPERATIVE that partition alone; under EAGER the whole
 * assignment, every other partition from its stored offset (the open
 * batch is dropped: it is read again). */
static void restart_partition(agg_t *a, const char *topic, int32_t partition,
                              int64_t offset) {
    const char *protocol = rd_kafka_rebalance_protocol(a->rk);
    int cooperative = protocol && strcmp(protocol, "COOPERATIVE") == 0;
    rd_kafka_topic_partition_list_t *l =
        rd_kafka_topic_partition_list_new(a->asg.n ? (int)a->asg.n : 1);
    char errstr[512];

    if (cooperative) {
        rd_kafka_topic_partition_list_add(l, topic, partition)->offset = offset;
    } else {
        /* Everything is assigned again: the open batch is read again. */
        drop_batch(a);
        for (size_t i = 0; i < a->asg.n; i++) {
            ftz_owned_t *o = &a->asg.v[i];
            o->pending = -1;
            o->eof = 0;
            if (o->stopped)
                continue;
            rd_kafka_topic_partition_list_add(l, o->topic, o->partition)->offset =
                o->partition == partition && strcmp(o->topic, topic) == 0 ? offset
                                                                           : start_offset(o);
        }
    }
    if (assign_again(a, l, errstr, sizeof(errstr))) {
        ftz_log(FTZ_LOG_WARNING, "KAFKA", "%s [%d]: cannot start reading again at %" PRId64
                " (%s); trying again from the stored offsets", topic, (int)partition, offset,
                errstr);
        a->asg.need_resync = 1;
        a->retry_at = ftz_clock_mono() + 1;
    }
    rd_kafka_topic_partition_list_destroy(l);
}

/* A partition's next offset is outside its log: the records between were
 * deleted before being counted, or the topic was deleted and re-created.
 * Never skipped silently. */
static void handle_gap(agg_t *a, const rd_kafka_message_t *m, int changed) {
    const char *topic = rd_kafka_topic_name(m->rkt);
    ftz_owned_t *o = ftz_assignment_find(&a->asg, topic, m->partition);
    int64_t low = -1, high = -1, from;
    char errstr[512], what[600];

    if (!o || o->stopped)
        return;
    o->verify_fp = 0;
    land(a, 1); /* its offsets decide where the partition stands */
    if (a->fatal || a->asg.need_resync)
        return;
    o = ftz_assignment_find(&a->asg, topic, m->partition);
    if (!o)
        return;
    rd_kafka_resp_err_t rerr =
        rd_kafka_query_watermark_offsets(a->rk, topic, m->partition, &low, &high, 10000);
    if (rerr) {
        snprintf(what, sizeof(what), "%s [%d]: offset %" PRId64 " is out of range and the "
                 "log's bounds cannot be read (%s)", topic, (int)m->partition, m->offset,
                 rd_kafka_err2str(rerr));
        trouble(a, what);
        a->asg.need_resync = 1; /* seek again later: the error comes back if it holds */
        a->retry_at = ftz_clock_mono() + 1;
        return;
    }
    /* The stored offset is inside the log: only the message before it,
     * read again to compare, is gone (retention reached the stored offset):
     * nothing to compare, nothing skipped. Read on from the stored offset. */
    if (!changed && o->committed >= 0 && o->committed >= low && o->committed <= high) {
        ftz_log(FTZ_LOG_INFO, "KAFKA", "%s [%d]: the message before the stored offset %" PRId64
                " is gone (log %" PRId64 "..%" PRId64 "): nothing to compare, reading on",
                topic, (int)m->partition, o->committed, low, high);
        restart_partition(a, topic, m->partition, o->committed);
        return;
    }
    /* Nothing stored, nothing read: the partition starts at its log start
     * (assignment asks for offset 0, which retention may have deleted). */
    if (!changed && o->committed < 0 && !batch_has_partition(&a->batch, topic, m->partition)) {
        ftz_log(FTZ_LOG_INFO, "KAFKA", "%s [%d]: no stored offset; starting at the log start %"
                PRId64, topic, (int)m->partition, low);
        restart_partition(a, topic, m->partition, low);
        return;
    }
    /* What is stored is the position: commit the open batch first (it may
     * hold this partition's records up to the gap). */
    if (a->conf->on_gap == FTZ_ON_GAP_SKIP && commit_batch(a) != FTZ_OK)
        return; /* redone from the stored offsets: the error comes back */
    o = ftz_assignment_find(&a->asg, topic, m->partition);
    if (!o)
        return;
    from = o->committed >= 0 ? o->committed : m->offset;
    const char *cause = changed ? "the message before it is not the one counted there: the "
                                  "topic was deleted and re-created"
                        : from < low ? "records were deleted (retention) before they were "
                                       "counted"
                                     : "the log ends before it: the topic was deleted and "
                                       "re-created, or truncated";
    if (a->conf->on_gap != FTZ_ON_GAP_SKIP) {
        o->stopped = 1;
        if (!a->stop_err) {
            a->stop_err = FTZ_ERR_FATAL;
            snprintf(a->stop_str, sizeof(a->stop_str),
                     "%s [%d]: the stored offset %" PRId64 " is %s the log (first offset %"
                     PRId64 ", next offset %" PRId64 "): %s. Nothing was skipped. Move it on "
                     "purpose with `ftz offsets reset -g %s --topic %s --partition %d --to "
                     "earliest|latest --reason ...`, or run with --on-gap skip",
                     topic, (int)m->partition, from, changed ? "not in" : "outside", low, high,
                     cause, a->conf->group, topic, (int)m->partition);
        }
        return;
    }
    snprintf(what, sizeof(what), "%s (stored offset %" PRId64 ", log %" PRId64 "..%" PRId64 ")",
             cause, from, low, high);
    ftz_err_t err = ftz_sink_skip_gap(a->sink, topic, m->partition, from, low, low, high, what,
                                      errstr, sizeof(errstr));
    if (err) {
        if (err == FTZ_ERR_FENCED || err == FTZ_ERR_RETRIABLE) {
            ftz_log(FTZ_LOG_WARNING, "PG", "%s [%d]: cannot record the skipped range yet: %s",
                    topic, (int)m->partition, errstr);
            a->asg.need_resync = 1;
            a->retry_at = ftz_clock_mono() + 1;
        } else {
            set_fatal(a, err, errstr);
        }
        return;
    }
    if (from < low && !changed)
        ftz_log(FTZ_LOG_WARNING, "KAFKA", "%s [%d]: skipped offsets %" PRId64 "..%" PRId64
                " (%s); recorded in ftz.offset_moves", topic, (int)m->partition, from, low - 1,
                cause);
    else
        ftz_log(FTZ_LOG_WARNING, "KAFKA", "%s [%d]: stored offset %" PRId64 " does not belong "
                "to this log (%s; log %" PRId64 "..%" PRId64 "); reading it from its start, "
                "recorded in ftz.offset_moves", topic, (int)m->partition, from, cause, low,
                high);
    a->stats.gaps_skipped++;
    o->committed = low;
    restart_partition(a, topic, m->partition, low);
}

/* A consumer error event of one partition or of the client. */
static void handle_error(agg_t *a, const rd_kafka_message_t *m) {
    const char *topic = m->rkt ? rd_kafka_topic_name(m->rkt) : NULL;
    char what[600], fatal[256];
    switch (m->err) {
    case RD_KAFKA_RESP_ERR__PARTITION_EOF: {
        ftz_owned_t *o = topic ? ftz_assignment_find(&a->asg, topic, m->partition) : NULL;
        if (o)
            o->eof = 1;
        a->progress_at = ftz_clock_mono();
        trouble_over(a);
        return;
    }
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
        if (topic)
            handle_gap(a, m, 0);
        return;
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
        snprintf(what, sizeof(what), "topic %s does not exist (is the topic prefix right? "
                 "`ftz topics create` creates the pipeline's topics)",
                 topic ? topic : rd_kafka_message_errstr(m));
        /* A batch run must not wait for a topic that is not there; a
         * long-running member waits for it to be created. */
        if (a->conf->until_idle_s > 0)
            set_fatal(a, FTZ_ERR_FATAL, what);
        else
            trouble(a, what);
        return;
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
        snprintf(what, sizeof(what), "Kafka refused this user %s%s (%s: a missing ACL)",
                 m->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED ? "the group "
                 : topic ? "topic " : "",
                 m->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED ? a->conf->group
                 : topic ? topic : "",
                 rd_kafka_err2str(m->err));
        set_fatal(a, FTZ_ERR_FATAL, what);
        return;
    default:
        if (rd_kafka_fatal_error(a->rk, fatal, sizeof(fatal))) {
            snprintf(what, sizeof(what), "fatal Kafka error: %s", fatal);
            set_fatal(a, FTZ_ERR_FATAL, what);
            return;
        }
        snprintf(what, sizeof(what), "%s%s%s", topic ? topic : "", topic ? ": " : "",
                 rd_kafka_message_errstr(m));
        trouble(a, what);
    }
}

/* ---------------------------------------------------------------- loop */

/* Polls without consuming until `until`: the group keeps us while we
 * wait; what arrives is read again after the seek. */
static void publish(agg_t *a, double now, int force);
static void stats_line(agg_t *a, double now);

static void poll_idle(agg_t *a, double until) {
    while (ftz_clock_mono() < until && !*a->conf->stop && !a->fatal) {
        /* Operators keep seeing the figures while the member waits. */
        publish(a, ftz_clock_mono(), 0);
        stats_line(a, ftz_clock_mono());
        rd_kafka_message_t *m = rd_kafka_consumer_poll(a->rk, 100);
        if (m) {
            if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF &&
                m->err != RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET &&
                m->err != RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE)
                handle_error(a, m);
            rd_kafka_message_destroy(m);
        }
    }
}

/* How long a batch run (--until-idle) waits, owning nothing, for the
 * group to give it partitions before it ends. */
/* --connect-timeout, or its default. */
static double connect_limit(const agg_t *a) {
    return a->conf->connect_timeout_s > 0 ? a->conf->connect_timeout_s
                                          : FTZ_AGG_CONNECT_TIMEOUT_S;
}

static double owned_nothing_limit(const agg_t *a) {
    double limit = connect_limit(a);
    return a->conf->until_idle_s > limit ? a->conf->until_idle_s : limit;
}

static int batch_due(const agg_t *a, double now, int at_end) {
    const ftz_aggregator_conf_t *c = a->conf;
    return a->batch.messages &&
           ((int)a->batch.messages >= c->batch_max || a->batch.bytes >= a->batch_bytes ||
            (now - a->batch_started) * 1000 >= c->batch_ms || at_end);
}

/* A batch run (--until-idle) must end: with no partition assigned, or no
 * message and no end of partition seen, for the connect timeout, it fails
 * with what is wrong. */
static void check_stuck(agg_t *a, double now, int at_end) {
    double limit = connect_limit(a);
    char what[1200];
    if (a->conf->until_idle_s <= 0)
        return;
    if (a->pg_down_since && now - a->pg_down_since >= limit) {
        snprintf(what, sizeof(what), "cannot read the stored offsets for %.0f s: %s", limit,
                 a->pg_trouble);
        set_fatal(a, FTZ_ERR_FATAL, what);
    } else if (!a->asg.assigned_once && now - a->started >= limit) {
        /* A cluster short of nodes has no group coordinator either: say
         * that rather than suspect the topics. */
        const char *short_of_nodes = ftz_kafka_cluster_trouble(time(NULL));
        snprintf(what, sizeof(what), "no partition assigned within %.0f s: %s", limit,
                 a->trouble[0] ? a->trouble
                 : short_of_nodes
                     ? short_of_nodes
                     : "the group coordinator gave this member nothing (do the "
                       "topics exist? is another member holding them?)");
        set_fatal(a, FTZ_ERR_FATAL, what);
    } else if (a->asg.assigned_once && a->asg.n > 0 && !at_end && a->progress_at &&
               now - a->progress_at >= limit && !a->batch.messages) {
        snprintf(what, sizeof(what), "no progress for %.0f s: %s", limit,
                 a->trouble[0] ? a->trouble : "no message and no end of partition arrived");
        set_fatal(a, FTZ_ERR_FATAL, what);
    }
}

static ftz_err_t setup(agg_t *a, rd_kafka_conf_t **kconfp, char *errstr, size_t errstr_size) {
    const ftz_aggregator_conf_t *conf = a->conf;
    rd_kafka_conf_t *kconf;
    char why[512], dlq_topic[FTZ_TOPIC_MAX + 1];
    ftz_err_t err;

    /* Configuration first: a bad -X property is reported before anything
     * connects anywhere. Offsets out of range are ours to handle (see
     * --on-gap), never librdkafka's to reset silently. */
    if (ftz_props_get(conf->props, "auto.offset.reset"))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "-X auto.offset.reset is not allowed: ftz aggregate starts where "
                          "PostgreSQL says, at the log start when nothing is stored, and "
                          "stops on an offset outside the log (see --on-gap)");
    if (!(kconf = *kconfp = ftz_kafka_conf_new(FTZ_KAFKA_CONSUMER, conf->brokers, conf->props,
                                               errstr, errstr_size)))
        return FTZ_ERR_INVALID_ARG;
    if (rd_kafka_conf_set(kconf, "group.id", conf->group, why, sizeof(why)) ||
        rd_kafka_conf_set(kconf, "auto.offset.reset", "error", why, sizeof(why)))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "%s", why);
    /* The lag comes from librdkafka's statistics: every second when
     * someone looks at it, unless -X statistics.interval.ms says. */
    if ((conf->metrics_addr || conf->stats_interval_s > 0) &&
        !ftz_props_get(conf->props, "statistics.interval.ms") &&
        rd_kafka_conf_set(kconf, "statistics.interval.ms", "1000", why, sizeof(why)))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "%s", why);
    if (conf->n_topics > FTZ_AGG_TOPICS_MAX)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "at most %d topics per member", FTZ_AGG_TOPICS_MAX);
    if (conf->metrics_addr &&
        (err = ftz_metrics_server_start(conf->metrics_addr, &a->metrics, errstr, errstr_size)))
        return err;
    if (a->metrics)
        ftz_log(FTZ_LOG_INFO, "METRICS", "serving /metrics, /healthz and /readyz on port %d",
                ftz_metrics_server_port(a->metrics));
    ftz_avro_limits_t lim;
    ftz_avro_limits_default(&lim);
    if (conf->max_record_size)
        lim.max_record_size = conf->max_record_size;
    if (!(a->cat = ftz_catalog_new_embedded(errstr, errstr_size)) ||
        !(a->val = ftz_validator_new(a->cat, conf->topic_prefix, &lim, errstr, errstr_size)))
        return FTZ_ERR_FATAL;
    ftz_sink_conf_t sconf = {conf->pg_conninfo, conf->group, conf->pg_lock_timeout_ms,
                             conf->pg_statement_timeout_ms, conf->pg_idle_tx_timeout_ms};
    if (!(a->sink = ftz_sink_new(&sconf, errstr, errstr_size)))
        return FTZ_ERR_FATAL;
    for (int i = 0; i < conf->n_topics; i++)
        if ((err = ftz_sink_check_group(a->sink, conf->topics[i], errstr, errstr_size)))
            return err;
    ftz_topic_name(conf->topic_prefix, FTZ_TOPIC_DEADLETTER, dlq_topic, sizeof(dlq_topic));
    if (!(a->dlq = ftz_dlq_new(conf->brokers, conf->props, dlq_topic, errstr, errstr_size)))
        return FTZ_ERR_FATAL;
    rd_kafka_conf_set_rebalance_cb(kconf, rebalance_cb);
    rd_kafka_conf_set_error_cb(kconf, error_cb);
    rd_kafka_conf_set_stats_cb(kconf, stats_cb);
    rd_kafka_conf_set_offset_commit_cb(kconf, offset_commit_cb);
    rd_kafka_conf_set_opaque(kconf, a);
    if (!(a->rk = rd_kafka_new(RD_KAFKA_CONSUMER, kconf, why, sizeof(why))))
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "consumer: %s", why);
    *kconfp = NULL; /* owned by rk now */
    rd_kafka_poll_set_consumer(a->rk);
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new(conf->n_topics);
    for (int i = 0; i < conf->n_topics; i++)
        rd_kafka_topic_partition_list_add(subs, conf->topics[i], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t rerr = rd_kafka_subscribe(a->rk, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    if (rerr)
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "subscribe: %s",
                          rd_kafka_err2str(rerr));
    ftz_log(FTZ_LOG_INFO, "KAFKA", "group %s: consuming %d topic(s) from %s", conf->group,
            conf->n_topics, ftz_kafka_brokers(conf->brokers, conf->props));
    return FTZ_OK;
}

ftz_err_t ftz_aggregator_run(const ftz_aggregator_conf_t *conf,
                             ftz_aggregator_stats_t *stats, char *errstr,
                             size_t errstr_size) {
    agg_t a;
    char why[512];
    ftz_err_t err;
    rd_kafka_conf_t *kconf = NULL;

    memset(&a, 0, sizeof(a));
    a.conf = conf;
    ftz_agg_figures_init(&a.fig);
    a.batch_bytes = conf->batch_bytes ? conf->batch_bytes : FTZ_AGG_BATCH_BYTES;
    ftz_batch_init(&a.batch);
    ftz_batch_init(&a.flight);
    if ((err = setup(&a, &kconf, errstr, errstr_size)))
        goto cleanup;
    a.started = ftz_clock_mono();

    while (!*conf->stop && !a.fatal && !a.stop_err) {
        double now = ftz_clock_mono();
        if (now < a.retry_at) {
            poll_idle(&a, a.retry_at);
            continue;
        }
        if (a.asg.need_resync) {
            if (resync(&a, why, sizeof(why)) != FTZ_OK) {
                a.backoff = a.backoff ? (a.backoff * 2 > 5 ? 5 : a.backoff * 2) : 0.1;
                /* Said once per outage, not once per retry. */
                ftz_log(a.pg_down_since ? FTZ_LOG_DEBUG : FTZ_LOG_WARNING, "PG",
                        "cannot resume yet: %s; retrying", why);
                if (!a.pg_down_since) {
                    a.pg_down_since = ftz_clock_mono();
                    snprintf(a.pg_trouble, sizeof(a.pg_trouble), "%s", why);
                }
                a.retry_at = ftz_clock_mono() + a.backoff;
                check_stuck(&a, ftz_clock_mono(), 0);
                publish(&a, ftz_clock_mono(), 0);
                stats_line(&a, ftz_clock_mono());
                continue;
            }
            if (a.pg_down_since)
                ftz_log(FTZ_LOG_INFO, "PG", "resumed after %.0f s", ftz_clock_mono() - a.pg_down_since);
            a.pg_down_since = 0;
        }
        /* While a batch is in flight, poll briefly: its answer is looked
         * for between messages. */
        rd_kafka_message_t *m = rd_kafka_consumer_poll(a.rk, a.flying ? 2 : 100);
        now = ftz_clock_mono();
        if (m) {
            if (m->err) {
                handle_error(&a, m);
            } else if (!a.asg.need_resync) {
                a.progress_at = now;
                if (a.trouble_said)
                    trouble_over(&a);
                handle_message(&a, m);
            }
            rd_kafka_message_destroy(m);
        }
        if (a.fatal || a.stop_err)
            break;
        /* Look for the flight's answer now and then (a system call),
         * not after every message. */
        if (a.flying && now - a.flight_checked >= 0.002) {
            a.flight_checked = now;
            land(&a, 0);
        }
        /* Owning nothing is not being at the end: a member that lost its
         * partitions (a broker restart, a rebalance) gets them back. */
        int at_end = a.asg.assigned_once && a.asg.n > 0 && ftz_assignment_all_at_end(&a.asg);
        if (batch_due(&a, now, at_end))
            launch(&a);
        else if (at_end && a.flying)
            land(&a, 1);
        /* Caught up: nothing read is left uncommitted, and every owned
         * partition is at its end (owning none, once the group has
         * answered, is nothing to catch up with). */
        if ((at_end || (a.asg.assigned_once && a.asg.n == 0)) && !a.batch.messages &&
            !a.flying && !a.asg.need_resync) {
            a.fig.caught_up_unix = ftz_clock_unix();
            sync_kafka_offsets(&a);
            if (!conf->until_idle_s)
                ping_pg(&a, now);
        }
        publish(&a, now, 0);
        stats_line(&a, now);
        check_stuck(&a, now, at_end);
        if (conf->until_idle_s > 0 && a.asg.assigned_once && a.asg.n == 0 && !a.flying &&
            !a.batch.messages && now - a.rebalanced_at >= owned_nothing_limit(&a)) {
            ftz_log(FTZ_LOG_INFO, "KAFKA", "owned no partition for %.0f s: the group's other "
                    "members hold them all", owned_nothing_limit(&a));
            break;
        }
        if (conf->until_idle_s > 0 && at_end && !a.batch.messages && !a.flying &&
            !a.asg.need_resync) {
            if (!a.idle_since)
                a.idle_since = now;
            else if (now - a.idle_since >= conf->until_idle_s) {
                ftz_log(FTZ_LOG_INFO, "KAFKA", "idle for %.0fs at the end of every partition",
                        conf->until_idle_s);
                break;
            }
        }
    }
    /* A clean stop, or a gap in one partition, keeps what was read of the
     * others. */
    if (!a.fatal && !a.asg.need_resync)
        commit_batch(&a);
    else if (a.flying)
        land(&a, 1); /* never leave a transaction behind unanswered */
    if (a.fatal)
        err = ftz_seterr(a.fatal, errstr, errstr_size, "%s", a.fatal_str);
    else if (a.stop_err)
        err = ftz_seterr(a.stop_err, errstr, errstr_size, "%s", a.stop_str);
    publish(&a, ftz_clock_mono(), 1);

cleanup:
    if (a.rk) {
        rd_kafka_consumer_close(a.rk);
        rd_kafka_destroy(a.rk);
    }
    if (kconf)
        rd_kafka_conf_destroy(kconf);
    if (a.sink)
        a.stats.pg_reconnects = ftz_sink_reconnects(a.sink);
    if (stats)
        *stats = a.stats;
    ftz_metrics_server_stop(a.metrics);
    ftz_buf_free(&a.metrics_text);
    ftz_assignment_free(&a.asg);
    ftz_batch_free(&a.batch);
    ftz_batch_free(&a.flight);
    ftz_dlq_destroy(a.dlq);
    ftz_sink_destroy(a.sink);
    ftz_validator_destroy(a.val);
    ftz_catalog_destroy(a.cat);
    return err;
}
