#include "ftz/producer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ftz/array.h"
#include "ftz/kafka_log.h"
#include "ftz/log.h"

struct ftz_producer_s {
    rd_kafka_t *rk;
    uint64_t sent, acked, failed, too_large;
    int quiet;                     /* failures at DEBUG: the caller sums them up */
    rd_kafka_resp_err_t last_error; /* of the last failed delivery */
    ftz_histogram_t latency;       /* send to acknowledgement, seconds */
    ftz_producer_failure_cb_t on_failure;
    void *on_failure_opaque;
    char transport_error[512];     /* the last broker connection failure */
    char refused[768];             /* why Kafka refused us (login, TLS, ACL): final */
};

/* A refusal no retry can mend (a wrong password, an untrusted certificate,
 * a missing ACL): kept, the first only, and ends the run (see
 * ftz_producer_send and ftz_producer_flush). */
static void refuse(ftz_producer_t *p, const char *fmt, const char *a, const char *b) {
    if (!p->refused[0])
        snprintf(p->refused, sizeof(p->refused), fmt, a, b);
}

/* A write the broker refused for a missing ACL. */
static void refuse_write(ftz_producer_t *p, const char *topic, rd_kafka_resp_err_t err) {
    refuse(p, "Kafka refused to let this user write topic %s (%s: a missing ACL)", topic,
           rd_kafka_err2str(err));
}

static const double latency_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,  0.5,    1,     2.5,  5,     10,   30};

/* Runs inside rd_kafka_poll/flush, on the caller's thread. A quiet
 * producer's transport errors are debug lines: its caller reports them. */
static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    ftz_producer_t *p = opaque;
    (void)rk;
    /* "1/1 brokers are down" says less than the connection failure
     * before it: keep the failure. */
    if (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__RESOLVE ||
        err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR__SSL ||
        (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN && !p->transport_error[0]))
        snprintf(p->transport_error, sizeof(p->transport_error), "%s", reason);
    const char *what = ftz_kafka_refusal(err, reason);
    if (what) {
        refuse(p, "%s: %s", what, reason);
        ftz_log(FTZ_LOG_DEBUG, "KAFKA", "%s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err),
                reason);
        return;
    }
    ftz_kafka_log_error(err, reason, p->quiet);
}

/* Runs inside rd_kafka_poll/flush, on the caller's thread. */
static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    ftz_producer_t *p = opaque;
    char *label = m->_private;
    (void)rk;
    if (m->err) {
        p->failed++;
        if (m->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
            p->too_large++;
        p->last_error = m->err;
        if (m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
            m->err == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED)
            refuse_write(p, rd_kafka_topic_name(m->rkt), m->err);
        ftz_log(p->quiet || p->on_failure ? FTZ_LOG_DEBUG : FTZ_LOG_ERROR, "KAFKA",
                "%s: not delivered to %s: %s", label ? label : "message",
                rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
        if (p->on_failure)
            p->on_failure(label, rd_kafka_err2str(m->err), p->on_failure_opaque);
    } else {
        p->acked++;
        /* The message's timestamp is its CreateTime: when it was queued. */
        int64_t ts = rd_kafka_message_timestamp(m, NULL);
        struct timespec now;
        if (ts >= 0 && clock_gettime(CLOCK_REALTIME, &now) == 0) {
            double dt = (double)now.tv_sec + now.tv_nsec / 1e9 - (double)ts / 1000;
            ftz_histogram_observe(&p->latency, dt > 0 ? dt : 0);
        }
    }
    free(label);
}

ftz_producer_t *ftz_producer_new(const char *brokers, const ftz_props_t *props,
                                 char *errstr, size_t errstr_size) {
    char why[512];
    ftz_producer_t *p = calloc(1, sizeof(*p));
    rd_kafka_conf_t *conf = NULL;
    if (!p) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        return NULL;
    }
    ftz_histogram_init(&p->latency, latency_bounds,
                       (int)FTZ_ARRAY_SIZE(latency_bounds));
    if (!(conf = ftz_kafka_conf_new(FTZ_KAFKA_PRODUCER, brokers, props, errstr, errstr_size)))
        goto fail;
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    rd_kafka_conf_set_opaque(conf, p);
    if (!(p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why)))) {
        ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "producer: %s", why);
        goto fail;
    }
    return p;
fail:
    if (conf)
        rd_kafka_conf_destroy(conf);
    free(p);
    return NULL;
}

void ftz_producer_destroy(ftz_producer_t *p) {
    if (!p)
        return;
    if (p->rk) {
        /* Drop what is queued: the caller flushed what it cared about. Labels
         * of dropped messages are freed by their (failed) delivery reports. */
        rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(p->rk, 1000);
        rd_kafka_destroy(p->rk);
    }
    free(p);
}

ftz_err_t ftz_producer_has_topic(ftz_producer_t *p, const char *topic, int timeout_ms,
                                 char *errstr, size_t errstr_size) {
    const struct rd_kafka_metadata *md = NULL;
    /* This topic only: Kafka leaves topics a user may not describe out of
     * a listing of all, but names them when asked. */
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(p->rk, topic, NULL);
    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__INVALID_ARG;
    /* In slices of at most a second, serving the error events between
     * them: a refusal (login, certificate) ends the wait at once. */
    for (int left = timeout_ms; rkt;) {
        int slice = left < 1000 ? left : 1000;
        e = rd_kafka_metadata(p->rk, 0, rkt, &md, slice);
        left -= slice;
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR || left <= 0)
            break;
        rd_kafka_poll(p->rk, 0);
        if (p->refused[0])
            break;
    }
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    if (p->refused[0]) {
        if (md)
            rd_kafka_metadata_destroy(md);
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "%s", p->refused);
    }
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
        return ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size, "%s", rd_kafka_err2str(e));
    for (int i = 0; i < md->topic_cnt; i++)
        if (strcmp(md->topics[i].topic, topic) == 0 &&
            md->topics[i].err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) {
            rd_kafka_metadata_destroy(md);
            return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                              "Kafka refused to let this user describe topic %s (%s: a "
                              "missing ACL)", topic,
                              rd_kafka_err2str(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED));
        }
    ftz_err_t err = ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                               "topic %s does not exist (ftz topics create makes the "
                               "pipeline's topics; --topic-prefix picks which)", topic);
    for (int i = 0; i < md->topic_cnt; i++)
        if (strcmp(md->topics[i].topic, topic) == 0 && !md->topics[i].err) {
            err = FTZ_OK;
            break;
        }
    rd_kafka_metadata_destroy(md);
    return err;
}

ftz_err_t ftz_producer_send(ftz_producer_t *p, const char *topic, const void *key,
                            size_t key_len, const void *value, size_t value_len,
                            const char *label, char *errstr, size_t errstr_size) {
    return ftz_producer_send_headers(p, topic, key, key_len, value, value_len, NULL, NULL, 0,
                                     label, errstr, errstr_size);
}

ftz_err_t ftz_producer_send_headers(ftz_producer_t *p, const char *topic, const void *key,
                                    size_t key_len, const void *value, size_t value_len,
                                    const char *const *names, const char *const *values,
                                    int n, const char *label, char *errstr,
                                    size_t errstr_size) {
    if (p->refused[0])
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "%s", p->refused);
    char *lab = label ? strdup(label) : NULL;
    for (;;) {
        /* producev takes the headers only on success. */
        rd_kafka_headers_t *hdrs = n > 0 ? rd_kafka_headers_new((size_t)n) : NULL;
        for (int i = 0; i < n; i++)
            rd_kafka_header_add(hdrs, names[i], -1, values[i], -1);
        rd_kafka_resp_err_t err =
            hdrs ? rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, key_len),
                                     RD_KAFKA_V_VALUE((void *)value, value_len),
                                     RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                     RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(lab),
                                     RD_KAFKA_V_END)
                 : rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, key_len),
                                     RD_KAFKA_V_VALUE((void *)value, value_len),
                                     RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                     RD_KAFKA_V_OPAQUE(lab), RD_KAFKA_V_END);
        if (err && hdrs)
            rd_kafka_headers_destroy(hdrs);
        if (!err) {
            /* Delivery reports are served every 64 messages (and when the
             * queue is full): a poll per message costs more than the rest. */
            if ((++p->sent & 63) == 0)
                rd_kafka_poll(p->rk, 0);
            return FTZ_OK;
        }
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(p->rk, 100);
            continue;
        }
        free(lab);
        if (err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) {
            refuse_write(p, topic, err);
            return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "%s", p->refused);
        }
        char fatal[256];
        if (rd_kafka_fatal_error(p->rk, fatal, sizeof(fatal)))
            return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "producer: %s", fatal);
        /* Too large for the producer's message.max.bytes: this message
         * can never be sent as it is. */
        if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
            return ftz_seterr(FTZ_ERR_POISON, errstr, errstr_size,
                              "produce to %s: %s (key %zu + value %zu bytes)", topic,
                              rd_kafka_err2str(err), key_len, value_len);
        return ftz_seterr(err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
                                  err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION
                              ? FTZ_ERR_FATAL
                              : FTZ_ERR_RETRIABLE,
                          errstr, errstr_size, "produce to %s: %s", topic,
                          rd_kafka_err2str(err));
    }
}

ftz_err_t ftz_producer_flush(ftz_producer_t *p, int timeout_ms, char *errstr,
                             size_t errstr_size) {
    rd_kafka_resp_err_t err = rd_kafka_flush(p->rk, timeout_ms);
    if (p->refused[0]) {
        /* Nothing queued can be delivered: drop it (failed reports). */
        rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(p->rk, 1000);
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "%s", p->refused);
    }
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT)
        return ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size,
                          "%d messages still unacknowledged after %d ms",
                          rd_kafka_outq_len(p->rk), timeout_ms);
    if (p->failed)
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                          "%llu of %llu messages were not delivered",
                          (unsigned long long)p->failed, (unsigned long long)p->sent);
    return FTZ_OK;
}

uint64_t ftz_producer_acked(const ftz_producer_t *p) { return p->acked; }
uint64_t ftz_producer_failed(const ftz_producer_t *p) { return p->failed; }
uint64_t ftz_producer_too_large(const ftz_producer_t *p) { return p->too_large; }
void ftz_producer_set_quiet(ftz_producer_t *p, int quiet) { p->quiet = quiet; }
const char *ftz_producer_last_error(const ftz_producer_t *p) {
    return p->last_error ? rd_kafka_err2str(p->last_error) : "no error";
}

const ftz_histogram_t *ftz_producer_latency(const ftz_producer_t *p) {
    return &p->latency;
}

void ftz_producer_poll(ftz_producer_t *p) {
    rd_kafka_poll(p->rk, 0);
}

void ftz_producer_on_failure(ftz_producer_t *p, ftz_producer_failure_cb_t cb, void *opaque) {
    p->on_failure = cb;
    p->on_failure_opaque = opaque;
}

const char *ftz_producer_transport_error(const ftz_producer_t *p) { return p->transport_error; }

int ftz_producer_brokers_answered(ftz_producer_t *p) {
    /* A controller id is known once some broker has answered a metadata
     * request; timeout 0: the cached value only, never a wait. */
    return rd_kafka_controllerid(p->rk, 0) >= 0;
}

const char *ftz_producer_refused(const ftz_producer_t *p) { return p->refused; }

int ftz_producer_outq(const ftz_producer_t *p) { return rd_kafka_outq_len(p->rk); }
