#include "ftz/topics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ftz/log.h"

const char *ftz_topic_prefix(const char *prefix) {
    if (prefix)
        return prefix;
    const char *env = getenv("FTZ_TOPIC_PREFIX");
    return env ? env : "";
}

const char *ftz_topic_name(const char *prefix, const char *name, char *out, size_t out_size) {
    snprintf(out, out_size, "%s%s", ftz_topic_prefix(prefix), name);
    return out;
}

int ftz_topic_name_valid(const char *topic) {
    size_t n = strlen(topic);
    return n >= 1 && n <= 249 &&
           strspn(topic, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
               n;
}

const ftz_record_type_t *ftz_topic_record_type(const char *prefix, const char *topic) {
    const char *p = ftz_topic_prefix(prefix);
    size_t n = strlen(p);
    if (strncmp(topic, p, n) != 0)
        return NULL;
    return ftz_record_type_by_topic(topic + n);
}

int ftz_topics_default_rf(int brokers) { return brokers >= 3 ? 3 : brokers < 1 ? 1 : brokers; }

int ftz_topics_default_min_isr(int rf) { return rf >= 3 ? 2 : 1; }

/* The brokers a metadata listing names: those up, and those holding a
 * replica of some partition (up or not). */
static int count_brokers(const struct rd_kafka_metadata *md) {
    int32_t ids[64];
    int n = 0;
    for (int b = 0; b < md->broker_cnt && n < 64; b++)
        ids[n++] = md->brokers[b].id;
    for (int t = 0; t < md->topic_cnt; t++)
        for (int p = 0; p < md->topics[t].partition_cnt; p++)
            for (int r = 0; r < md->topics[t].partitions[p].replica_cnt; r++) {
                int32_t id = md->topics[t].partitions[p].replicas[r];
                int seen = 0;
                for (int k = 0; k < n && !seen; k++)
                    seen = ids[k] == id;
                if (!seen && n < 64)
                    ids[n++] = id;
            }
    return n;
}

ftz_err_t ftz_topics_create(const char *brokers, const ftz_props_t *props, const char *prefix,
                            int partitions, int rf, int min_isr, char *errstr,
                            size_t errstr_size) {
    char names[FTZ_REC__COUNT + 1][FTZ_TOPIC_MAX + 1];
    rd_kafka_NewTopic_t *nt[FTZ_REC__COUNT + 1] = {0};
    int n = 0;
    rd_kafka_t *rk = NULL;
    rd_kafka_queue_t *q = NULL;
    rd_kafka_event_t *ev = NULL;
    ftz_err_t err = FTZ_OK;
    char why[512];

    rd_kafka_conf_t *conf = ftz_kafka_conf_new(FTZ_KAFKA_PRODUCER, brokers, props, errstr,
                                               errstr_size);
    if (!conf)
        return FTZ_ERR_INVALID_ARG;
    /* The handle only sends admin requests: an idempotent producer would
     * first ask the transaction coordinator for a producer id, and warn
     * while that is not ready (a new cluster, two nodes of three down). */
    rd_kafka_conf_set(conf, "enable.idempotence", "false", why, sizeof(why));
    if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why)))) {
        rd_kafka_conf_destroy(conf);
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "admin client: %s", why);
    }
    if (rf == 0) {
        /* As many replicas as the cluster has brokers, up to 3. The
         * metadata lists the brokers up now; a broker just started, or
         * slow to heartbeat, is left out for a moment, but the partitions
         * it holds replicas of still name it. So the cluster's size is the
         * brokers up and the brokers holding replicas, together; while
         * fewer are up than the replication factor needs, it is asked
         * again for a few seconds (then Kafka itself refuses, naming the
         * brokers available), so that a passing gap never makes topics
         * with fewer replicas for good. */
        int known = 0, up = 0;
        for (int tries = 0; tries < 10; tries++) {
            const struct rd_kafka_metadata *md = NULL;
            rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, tries ? 2000 : 30000);
            if (e && !tries) {
                err = ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size,
                                 "cannot count the brokers of %s: %s",
                                 ftz_kafka_brokers(brokers, props), rd_kafka_err2str(e));
                goto cleanup;
            }
            if (!e) {
                up = md->broker_cnt;
                int named = count_brokers(md); /* the brokers up among them */
                known = named > known ? named : known;
            }
            if (md)
                rd_kafka_metadata_destroy(md);
            if (up >= ftz_topics_default_rf(known))
                break;
            usleep(500 * 1000);
        }
        rf = ftz_topics_default_rf(known);
        ftz_log(up < rf ? FTZ_LOG_WARNING : FTZ_LOG_DEBUG, "KAFKA",
                "%d broker(s), %d up: replication factor %d", known, up, rf);
    }
    if (min_isr == 0)
        min_isr = ftz_topics_default_min_isr(rf);
    if (min_isr > rf) {
        err = ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                         "--min-insync-replicas %d is more than the replication factor %d: "
                         "no write with acks=all could succeed",
                         min_isr, rf);
        goto cleanup;
    }
    char isr[16];
    snprintf(isr, sizeof(isr), "%d", min_isr);
    for (int t = 0; t <= FTZ_REC__COUNT; t++) {
        const char *base = t < FTZ_REC__COUNT ? ftz_record_type((ftz_rtype_t)t)->topic
                                              : FTZ_TOPIC_DEADLETTER;
        ftz_topic_name(prefix, base, names[n], sizeof(names[n]));
        if (!(nt[n] = rd_kafka_NewTopic_new(names[n], partitions, rf, why, sizeof(why)))) {
            err = ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "%s: %s", names[n], why);
            goto cleanup;
        }
        n++;
        if (rd_kafka_NewTopic_set_config(nt[n - 1], "min.insync.replicas", isr)) {
            err = ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                             "%s: cannot set min.insync.replicas", names[n - 1]);
            goto cleanup;
        }
    }
    q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(opts, 30000, why, sizeof(why));
    rd_kafka_AdminOptions_set_request_timeout(opts, 30000, why, sizeof(why));
    rd_kafka_CreateTopics(rk, nt, (size_t)n, opts, q);
    rd_kafka_AdminOptions_destroy(opts);
    ev = rd_kafka_queue_poll(q, 60000);
    if (!ev) {
        err = ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size,
                         "no answer from %s within 60 s", ftz_kafka_brokers(brokers, props));
        goto cleanup;
    }
    if (rd_kafka_event_error(ev)) {
        err = ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size, "create topics: %s",
                         rd_kafka_event_error_string(ev));
        goto cleanup;
    }
    size_t cnt = 0;
    const rd_kafka_topic_result_t **res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
    for (size_t i = 0; i < cnt; i++) {
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
        const char *name = rd_kafka_topic_result_name(res[i]);
        if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            ftz_log(FTZ_LOG_DEBUG, "KAFKA", "topic %s exists", name);
        } else if (e) {
            err = ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "create topic %s: %s", name,
                             rd_kafka_topic_result_error_string(res[i]));
            goto cleanup;
        } else {
            ftz_log(FTZ_LOG_INFO, "KAFKA",
                    "created topic %s (%d partitions, replication factor %d, "
                    "min.insync.replicas %d)",
                    name, partitions, rf, min_isr);
        }
    }
cleanup:
    if (ev)
        rd_kafka_event_destroy(ev);
    if (q)
        rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy_array(nt, (size_t)n);
    rd_kafka_destroy(rk);
    return err;
}
