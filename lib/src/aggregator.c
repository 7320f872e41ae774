#include "ftz/aggregator.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ftz/batch.h"
#include "ftz/codec.h"
#include "ftz/log.h"
#include "ftz/producer.h"
#include "ftz/sink.h"
#include "ftz/topics.h"

/* A partition this member owns, and what PostgreSQL says about it. */
typedef struct owned_s {
    char *topic;
    int32_t partition;
    int64_t committed; /* next offset stored in consumer_offsets; -1: none */
    int eof;           /* at the end since the last message */
} owned_t;

typedef struct agg_s {
    const ftz_aggregator_conf_t *conf;
    rd_kafka_t *rk;
    ftz_sink_t *sink;
    ftz_producer_t *dlq;      /* copies dead letters to the dead-letter topic */
    char dlq_topic[FTZ_TOPIC_MAX + 1];
    ftz_catalog_t *cat;
    ftz_decoder_t *dec;
    ftz_batch_t batch;
    owned_t *owned;
    size_t n_owned, cap_owned;
    int assigned_once;
    int need_resync;    /* offsets must be re-read and partitions re-sought */
    double batch_started;
    double idle_since;  /* when every owned partition was last seen at its end */
    double first_assigned; /* when the first assignment arrived (0: none yet) */
    ftz_aggregator_stats_t stats;
    ftz_aggregator_stats_t batch_stats; /* counts of the open batch */
    ftz_err_t fatal;
    char fatal_str[512];
    ftz_record_buf_t rec;
} agg_t;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static owned_t *find_owned(agg_t *a, const char *topic, int32_t partition) {
    for (size_t i = 0; i < a->n_owned; i++)
        if (a->owned[i].partition == partition && strcmp(a->owned[i].topic, topic) == 0)
            return &a->owned[i];
    return NULL;
}

static void remove_owned(agg_t *a, const char *topic, int32_t partition) {
    for (size_t i = 0; i < a->n_owned; i++)
        if (a->owned[i].partition == partition && strcmp(a->owned[i].topic, topic) == 0) {
            free(a->owned[i].topic);
            a->owned[i] = a->owned[--a->n_owned];
            return;
        }
}

static ftz_err_t add_owned(agg_t *a, const char *topic, int32_t partition, int64_t committed) {
    owned_t *o = find_owned(a, topic, partition);
    if (!o) {
        if (a->n_owned == a->cap_owned) {
            size_t cap = a->cap_owned ? a->cap_owned * 2 : 16;
            owned_t *p = realloc(a->owned, cap * sizeof(*p));
            if (!p)
                return FTZ_ERR_NOMEM;
            a->owned = p;
            a->cap_owned = cap;
        }
        o = &a->owned[a->n_owned];
        if (!(o->topic = strdup(topic)))
            return FTZ_ERR_NOMEM;
        a->n_owned++;
    }
    o->partition = partition;
    o->committed = committed;
    o->eof = 0;
    return FTZ_OK;
}

static void set_fatal(agg_t *a, ftz_err_t err, const char *msg) {
    if (a->fatal)
        return;
    a->fatal = err;
    snprintf(a->fatal_str, sizeof(a->fatal_str), "%s", msg);
}

static void drop_batch(agg_t *a) {
    ftz_batch_clear(&a->batch);
    memset(&a->batch_stats, 0, sizeof(a->batch_stats));
}

static void count_code(ftz_aggregator_stats_t *s, const char *code, uint64_t n) {
    for (int i = 0; i < s->n_codes; i++)
        if (strcmp(s->by_code[i].code, code) == 0) {
            s->by_code[i].n += n;
            return;
        }
    if (s->n_codes < (int)(sizeof(s->by_code) / sizeof(s->by_code[0]))) {
        s->by_code[s->n_codes].code = code;
        s->by_code[s->n_codes++].n = n;
    }
}

/* Runs inside rd_kafka_consumer_poll, on the aggregator's thread. */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    agg_t *a = opaque;
    int cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    char errstr[512];

    a->assigned_once = 1;
    a->idle_since = 0;
    if (!a->first_assigned)
        a->first_assigned = now_s();
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (int i = 0; i < parts->cnt; i++) {
            rd_kafka_topic_partition_t *p = &parts->elems[i];
            int64_t next = -1;
            if (ftz_sink_load_offset(a->sink, p->topic, p->partition, &next, errstr,
                                     sizeof(errstr)) != FTZ_OK) {
                /* Assign anyway to stay in the group; nothing is consumed
                 * until the offsets have been read (need_resync). */
                ftz_log(FTZ_LOG_WARNING, "PG", "%s [%d]: cannot read offset: %s", p->topic,
                        (int)p->partition, errstr);
                a->need_resync = 1;
            }
            p->offset = next >= 0 ? next : RD_KAFKA_OFFSET_BEGINNING;
            if (add_owned(a, p->topic, p->partition, next) != FTZ_OK)
                set_fatal(a, FTZ_ERR_NOMEM, "out of memory");
            if (next >= 0)
                ftz_log(FTZ_LOG_INFO, "KAFKA", "assigned %s [%d] at stored offset %" PRId64,
                        p->topic, (int)p->partition, next);
            else
                ftz_log(FTZ_LOG_INFO, "KAFKA", "assigned %s [%d] at the beginning (no stored offset)",
                        p->topic, (int)p->partition);
        }
        rd_kafka_error_t *e = NULL;
        rd_kafka_resp_err_t rerr = RD_KAFKA_RESP_ERR_NO_ERROR;
        if (cooperative)
            e = rd_kafka_incremental_assign(rk, parts);
        else
            rerr = rd_kafka_assign(rk, parts);
        if (e || rerr) {
            snprintf(errstr, sizeof(errstr), "assign failed: %s",
                     e ? rd_kafka_error_string(e) : rd_kafka_err2str(rerr));
            set_fatal(a, FTZ_ERR_FATAL, errstr);
        }
        if (e)
            rd_kafka_error_destroy(e);
        return;
    }
    /* Revoked or lost: the open batch's work is dropped, never committed.
     * The database fence would refuse it anyway if it were stale. */
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        int lost = rd_kafka_assignment_lost(rk);
        if (a->batch.messages)
            ftz_log(FTZ_LOG_INFO, "KAFKA", "partitions %s: dropping an open batch of %zu messages",
                    lost ? "lost" : "revoked", a->batch.messages);
        drop_batch(a);
        for (int i = 0; i < parts->cnt; i++)
            remove_owned(a, parts->elems[i].topic, parts->elems[i].partition);
        if (cooperative) {
            rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
            if (e)
                rd_kafka_error_destroy(e);
            /* Partitions kept may have had messages in the dropped batch. */
            if (a->n_owned)
                a->need_resync = 1;
        } else {
            rd_kafka_assign(rk, NULL);
        }
        return;
    }
    ftz_log(FTZ_LOG_ERROR, "KAFKA", "rebalance error: %s", rd_kafka_err2str(err));
    drop_batch(a);
    rd_kafka_assign(rk, NULL);
}

/* Re-reads every owned partition's offset and seeks there; the open batch
 * is dropped. Called after a fenced or failed commit, and when offsets
 * could not be read on assignment. */
static ftz_err_t resync(agg_t *a, char *errstr, size_t errstr_size) {
    ftz_err_t err = FTZ_OK;
    rd_kafka_topic_partition_list_t *list =
        rd_kafka_topic_partition_list_new(a->n_owned ? (int)a->n_owned : 1);
    drop_batch(a);
    for (size_t i = 0; i < a->n_owned && !err; i++) {
        owned_t *o = &a->owned[i];
        int64_t next = -1;
        if ((err = ftz_sink_load_offset(a->sink, o->topic, o->partition, &next, errstr,
                                        errstr_size)))
            break;
        o->committed = next;
        o->eof = 0;
        rd_kafka_topic_partition_list_add(list, o->topic, o->partition)->offset =
            next >= 0 ? next : RD_KAFKA_OFFSET_BEGINNING;
    }
    if (!err && list->cnt) {
        rd_kafka_error_t *e = rd_kafka_seek_partitions(a->rk, list, 10000);
        if (e) {
            err = ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size, "seek: %s",
                             rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        }
        for (int i = 0; !err && i < list->cnt; i++)
            if (list->elems[i].err)
                err = ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size, "seek %s [%d]: %s",
                                 list->elems[i].topic, (int)list->elems[i].partition,
                                 rd_kafka_err2str(list->elems[i].err));
    }
    rd_kafka_topic_partition_list_destroy(list);
    if (!err) {
        a->need_resync = 0;
        a->idle_since = 0;
        ftz_log(FTZ_LOG_INFO, "PG", "resumed %zu partitions from stored offsets", a->n_owned);
    }
    return err;
}

static void handle_message(agg_t *a, const rd_kafka_message_t *m) {
    const char *topic = rd_kafka_topic_name(m->rkt);
    owned_t *o = find_owned(a, topic, m->partition);
    ftz_verdict_t v;
    const ftz_record_type_t *rt = NULL;

    if (!o || (o->committed >= 0 && m->offset < o->committed))
        return; /* not ours any more, or from before a seek: already counted */
    o->eof = 0;
    a->idle_since = 0;
    if (a->batch.messages == 0)
        a->batch_started = now_s();
    if (ftz_batch_note_offset(&a->batch, topic, m->partition, o->committed, m->offset)) {
        set_fatal(a, FTZ_ERR_NOMEM, "out of memory");
        return;
    }
    ftz_err_t err = ftz_decoder_decode(a->dec, m->payload, m->payload ? m->len : 0, &rt,
                                       &a->rec, &v);
    if (!err && ftz_topic_record_type(a->conf->topic_prefix, topic) != rt)
        err = ftz_verdict_set(&v, FTZ_CODE_UNKNOWN_SCHEMA,
                              "a %s record does not belong on topic %s", rt->fullname, topic);
    if (!err) {
        const char *key = ftz_record_key(rt, &a->rec);
        if (!m->key || m->key_len != strlen(key) || memcmp(m->key, key, m->key_len) != 0)
            err = ftz_verdict_set(&v, "RULE_KEY_MISMATCH",
                                  "%s: the message key must equal the record's %s \"%s\"",
                                  rt->fields[rt->key_field].name,
                                  rt->fields[rt->key_field].name, key);
    }
    if (!err)
        err = ftz_rules_check(rt, &a->rec, &v);
    if (!err) {
        if (ftz_batch_add_record(&a->batch, rt, &a->rec, m->partition, m->offset, m->key,
                                 m->key_len, m->payload, m->len))
            set_fatal(a, FTZ_ERR_NOMEM, "out of memory");
        a->batch_stats.counted++;
        return;
    }
    ftz_log(FTZ_LOG_WARNING, "RULES", "%s [%d] @%" PRId64 ": %s %s", topic, (int)m->partition,
            m->offset, v.code, v.reason);
    if (ftz_batch_add_dead(&a->batch, topic, m->partition, m->offset, m->key, m->key_len,
                           m->payload, m->len, v.code, v.reason))
        set_fatal(a, FTZ_ERR_NOMEM, "out of memory");
    a->batch_stats.rejected++;
    count_code(&a->batch_stats, v.code, 1);
}

/* Copies the batch's dead letters to the dead-letter topic and waits for
 * them to be acknowledged, BEFORE the batch commits: a crash between the
 * two redoes the batch and sends them again, so the topic copy is at least
 * once (the table is exactly once). */
static ftz_err_t send_dead_letters(agg_t *a, char *errstr, size_t errstr_size) {
    uint64_t failed = ftz_producer_failed(a->dlq);
    for (size_t i = 0; i < a->batch.n_dead; i++) {
        const ftz_dead_letter_t *d = &a->batch.dead[i];
        char partition[16], offset[24];
        snprintf(partition, sizeof(partition), "%d", (int)d->partition);
        snprintf(offset, sizeof(offset), "%" PRId64, d->offset);
        const char *names[] = {"ftz.error.code", "ftz.error.reason", "ftz.source.topic",
                               "ftz.source.partition", "ftz.source.offset"};
        const char *values[] = {d->code, d->reason, d->topic, partition, offset};
        ftz_err_t err = ftz_producer_send_headers(a->dlq, a->dlq_topic, d->key, d->key_len,
                                                  d->payload, d->payload_len, names, values, 5,
                                                  NULL, errstr, errstr_size);
        if (err)
            return err;
    }
    /* Only this batch's outcome counts: earlier failures were redone. */
    ftz_err_t err = ftz_producer_flush(a->dlq, 30000, errstr, errstr_size);
    if (err != FTZ_ERR_RETRIABLE && ftz_producer_failed(a->dlq) == failed)
        return FTZ_OK;
    return ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size,
                      "dead letters not acknowledged by %s", a->dlq_topic);
}

/* PostgreSQL refused the batch's data (a constraint, a value it cannot
 * store) although every rule passed: find the records it refuses, one by
 * one in rolled-back transactions, and make them dead letters, so that one
 * record never stops the pipeline. Returns how many were found. */
static size_t isolate_refused(agg_t *a, const char *batch_error) {
    size_t found = 0;
    for (int t = 0; t < FTZ_REC__COUNT; t++) {
        const ftz_record_type_t *rt = ftz_record_type((ftz_rtype_t)t);
        char topic[FTZ_TOPIC_MAX + 1], why[512], reason[600];
        ftz_topic_name(a->conf->topic_prefix, rt->topic, topic, sizeof(topic));
        for (size_t i = 0; i < a->batch.rows[t].n;) {
            ftz_err_t err = ftz_sink_probe(a->sink, &a->batch, (ftz_rtype_t)t, i, why,
                                           sizeof(why));
            if (err != FTZ_ERR_POISON) {
                i++;
                continue;
            }
            snprintf(reason, sizeof(reason), "PostgreSQL refused it: %s", why);
            ftz_log(FTZ_LOG_WARNING, "PG", "%s [%d] @%" PRId64 ": SINK_REJECTED %s", topic,
                    (int)a->batch.rows[t].meta[i].partition, a->batch.rows[t].meta[i].offset,
                    reason);
            if (ftz_batch_reject_record(&a->batch, rt, i, topic, "SINK_REJECTED", reason)) {
                set_fatal(a, FTZ_ERR_NOMEM, "out of memory");
                return found;
            }
            a->batch_stats.counted--;
            a->batch_stats.rejected++;
            count_code(&a->batch_stats, "SINK_REJECTED", 1);
            found++;
        }
    }
    if (!found)
        ftz_log(FTZ_LOG_ERROR, "PG", "no single record explains the refused batch: %s",
                batch_error);
    return found;
}

static void commit_batch(agg_t *a) {
    char errstr[512];
    ftz_err_t err = FTZ_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        err = a->batch.n_dead ? send_dead_letters(a, errstr, sizeof(errstr)) : FTZ_OK;
        if (err == FTZ_OK)
            err = ftz_sink_commit(a->sink, &a->batch, errstr, sizeof(errstr));
        if (err != FTZ_ERR_POISON || attempt > 0 || !isolate_refused(a, errstr))
            break;
    }
    if (err == FTZ_OK) {
        for (size_t i = 0; i < a->batch.n_parts; i++) {
            owned_t *o = find_owned(a, a->batch.parts[i].topic, a->batch.parts[i].partition);
            if (o)
                o->committed = a->batch.parts[i].last + 1;
        }
        a->stats.messages += a->batch.messages;
        a->stats.counted += a->batch_stats.counted;
        a->stats.rejected += a->batch_stats.rejected;
        for (int i = 0; i < a->batch_stats.n_codes; i++)
            count_code(&a->stats, a->batch_stats.by_code[i].code, a->batch_stats.by_code[i].n);
        a->stats.batches++;
        a->stats.drain_s = now_s() - a->first_assigned;
        ftz_log(FTZ_LOG_DEBUG, "PG", "committed a batch of %zu messages", a->batch.messages);
        drop_batch(a);
        return;
    }
    if (err == FTZ_ERR_POISON)
        err = FTZ_ERR_FATAL; /* refused, and no record to blame: stop, say why */
    if (err == FTZ_ERR_FENCED || err == FTZ_ERR_RETRIABLE) {
        ftz_log(FTZ_LOG_WARNING, "PG", "batch of %zu messages not committed, redoing: %s",
                a->batch.messages, errstr);
        a->stats.redone++;
        a->need_resync = 1;
        drop_batch(a);
        return;
    }
    set_fatal(a, err, errstr);
}

static int all_at_end(const agg_t *a) {
    for (size_t i = 0; i < a->n_owned; i++)
        if (!a->owned[i].eof)
            return 0;
    return 1;
}

ftz_err_t ftz_aggregator_run(const ftz_aggregator_conf_t *conf,
                             ftz_aggregator_stats_t *stats, char *errstr,
                             size_t errstr_size) {
    agg_t a;
    char why[512];
    ftz_err_t err = FTZ_OK;
    rd_kafka_conf_t *kconf = NULL;
    rd_kafka_topic_partition_list_t *subs = NULL;
    double backoff = 0.1;

    memset(&a, 0, sizeof(a));
    a.conf = conf;
    ftz_batch_init(&a.batch);
    /* Configuration first: a bad -X property is reported before anything
     * connects anywhere. */
    if (!(kconf = ftz_kafka_conf_new(FTZ_KAFKA_CONSUMER, conf->brokers, conf->props, errstr,
                                     errstr_size))) {
        err = FTZ_ERR_INVALID_ARG;
        goto cleanup;
    }
    if (rd_kafka_conf_set(kconf, "group.id", conf->group, why, sizeof(why)) !=
        RD_KAFKA_CONF_OK) {
        err = ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "%s", why);
        goto cleanup;
    }
    if (!(a.cat = ftz_catalog_new_embedded(errstr, errstr_size)) ||
        !(a.dec = ftz_decoder_new(a.cat, errstr, errstr_size))) {
        err = FTZ_ERR_FATAL;
        goto cleanup;
    }
    ftz_avro_limits_t lim;
    ftz_avro_limits_default(&lim);
    if (conf->max_record_size)
        lim.max_record_size = conf->max_record_size;
    ftz_decoder_set_limits(a.dec, &lim);
    if (!(a.sink = ftz_sink_new(conf->pg_conninfo, conf->group, errstr, errstr_size))) {
        err = FTZ_ERR_FATAL;
        goto cleanup;
    }
    for (int i = 0; i < conf->n_topics; i++)
        if ((err = ftz_sink_check_group(a.sink, conf->topics[i], errstr, errstr_size)))
            goto cleanup;
    ftz_topic_name(conf->topic_prefix, FTZ_TOPIC_DEADLETTER, a.dlq_topic, sizeof(a.dlq_topic));
    if (!(a.dlq = ftz_producer_new(conf->brokers, conf->props, errstr, errstr_size))) {
        err = FTZ_ERR_FATAL;
        goto cleanup;
    }
    rd_kafka_conf_set_rebalance_cb(kconf, rebalance_cb);
    rd_kafka_conf_set_opaque(kconf, &a);
    if (!(a.rk = rd_kafka_new(RD_KAFKA_CONSUMER, kconf, why, sizeof(why)))) {
        err = ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "consumer: %s", why);
        goto cleanup;
    }
    kconf = NULL; /* owned by rk now */
    rd_kafka_poll_set_consumer(a.rk);
    subs = rd_kafka_topic_partition_list_new(conf->n_topics);
    for (int i = 0; i < conf->n_topics; i++)
        rd_kafka_topic_partition_list_add(subs, conf->topics[i], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t rerr = rd_kafka_subscribe(a.rk, subs);
    if (rerr) {
        err = ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "subscribe: %s",
                         rd_kafka_err2str(rerr));
        goto cleanup;
    }
    ftz_log(FTZ_LOG_INFO, "KAFKA", "group %s: consuming %d topic(s) from %s", conf->group,
            conf->n_topics, ftz_kafka_brokers(conf->brokers));

    while (!*conf->stop && !a.fatal) {
        if (a.need_resync) {
            if (resync(&a, why, sizeof(why)) != FTZ_OK) {
                ftz_log(FTZ_LOG_WARNING, "PG", "cannot resume yet (retrying in %.1fs): %s",
                        backoff, why);
                /* Keep polling so the group keeps us; what arrives meanwhile
                 * is read again after the seek. */
                double until = now_s() + backoff;
                while (now_s() < until && !*conf->stop) {
                    rd_kafka_message_t *m = rd_kafka_consumer_poll(a.rk, 100);
                    if (m)
                        rd_kafka_message_destroy(m);
                }
                backoff = backoff * 2 > 5 ? 5 : backoff * 2;
                continue;
            }
            backoff = 0.1;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(a.rk, 100);
        double now = now_s();
        if (m) {
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                owned_t *o = find_owned(&a, rd_kafka_topic_name(m->rkt), m->partition);
                if (o)
                    o->eof = 1;
            } else if (m->err) {
                char fatal_why[256];
                if (rd_kafka_fatal_error(a.rk, fatal_why, sizeof(fatal_why)))
                    set_fatal(&a, FTZ_ERR_FATAL, fatal_why);
                else
                    ftz_log(FTZ_LOG_WARNING, "KAFKA", "%s", rd_kafka_message_errstr(m));
            } else if (!a.need_resync) {
                handle_message(&a, m);
            }
            rd_kafka_message_destroy(m);
        }
        if (a.fatal)
            break;
        int at_end = a.assigned_once && all_at_end(&a);
        if (a.batch.messages &&
            ((int)a.batch.messages >= conf->batch_max ||
             (now - a.batch_started) * 1000 >= conf->batch_ms || at_end))
            commit_batch(&a);
        if (conf->until_idle_s > 0 && at_end && !a.batch.messages && !a.need_resync) {
            if (!a.idle_since)
                a.idle_since = now;
            else if (now - a.idle_since >= conf->until_idle_s) {
                ftz_log(FTZ_LOG_INFO, "KAFKA", "idle for %.0fs at the end of every partition",
                        conf->until_idle_s);
                break;
            }
        }
    }
    if (a.fatal)
        err = ftz_seterr(a.fatal, errstr, errstr_size, "%s", a.fatal_str);
    else if (a.batch.messages && !a.need_resync)
        commit_batch(&a); /* a clean stop keeps what was read */
    if (a.fatal && !err)
        err = ftz_seterr(a.fatal, errstr, errstr_size, "%s", a.fatal_str);

cleanup:
    if (a.rk) {
        rd_kafka_consumer_close(a.rk);
        rd_kafka_destroy(a.rk);
    }
    if (kconf)
        rd_kafka_conf_destroy(kconf);
    if (subs)
        rd_kafka_topic_partition_list_destroy(subs);
    if (stats)
        *stats = a.stats;
    for (size_t i = 0; i < a.n_owned; i++)
        free(a.owned[i].topic);
    free(a.owned);
    ftz_batch_free(&a.batch);
    ftz_producer_destroy(a.dlq);
    ftz_sink_destroy(a.sink);
    ftz_decoder_destroy(a.dec);
    ftz_catalog_destroy(a.cat);
    return err;
}
