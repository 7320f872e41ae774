#include "ftz/dlq.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/log.h"
#include "ftz/producer.h"

struct ftz_dlq_s {
    ftz_producer_t *prod;
    char *topic;
    size_t limit;              /* key + value bytes of one copy */
    const char *brokers;       /* borrowed: to make the producer again */
    const ftz_props_t *props;
    int one_per_request;       /* after a refusal: no two copies in one record batch */
};

/* The broker's limit (the topic's max.message.bytes) applies to a whole
 * record batch: after a refusal the producer is made again with one
 * message per batch, so that only a copy's own size matters. */
static ftz_err_t make_producer(ftz_dlq_t *q, char *errstr, size_t errstr_size) {
    ftz_props_t props = {0};
    ftz_producer_t *p = NULL;
    ftz_err_t err = FTZ_OK;
    for (size_t i = 0; q->props && i < q->props->n && !err; i++)
        err = ftz_props_set(&props, q->props->keys[i], q->props->values[i]);
    if (!err && q->one_per_request)
        err = ftz_props_set(&props, "batch.num.messages", "1");
    if (err)
        err = ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
    else if (!(p = ftz_producer_new(q->brokers, &props, errstr, errstr_size)))
        err = FTZ_ERR_FATAL;
    ftz_props_free(&props);
    if (err)
        return err;
    ftz_producer_set_quiet(p, 1);
    ftz_producer_destroy(q->prod);
    q->prod = p;
    return FTZ_OK;
}

ftz_dlq_t *ftz_dlq_new(const char *brokers, const ftz_props_t *props, const char *topic,
                       char *errstr, size_t errstr_size) {
    ftz_dlq_t *q = calloc(1, sizeof(*q));
    const char *max = ftz_props_get(props, "message.max.bytes");
    long long m = max ? strtoll(max, NULL, 10) : 1000000;
    if (!q || !(q->topic = strdup(topic))) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        goto fail;
    }
    q->limit = m > FTZ_DLQ_OVERHEAD + FTZ_DLQ_MIN_COPY ? (size_t)(m - FTZ_DLQ_OVERHEAD)
                                                       : FTZ_DLQ_MIN_COPY;
    q->brokers = brokers;
    q->props = props;
    if (make_producer(q, errstr, errstr_size))
        goto fail;
    return q;
fail:
    ftz_dlq_destroy(q);
    return NULL;
}

void ftz_dlq_destroy(ftz_dlq_t *q) {
    if (!q)
        return;
    ftz_producer_destroy(q->prod);
    free(q->topic);
    free(q);
}

static ftz_err_t send_one(ftz_dlq_t *q, const ftz_dead_letter_t *d, size_t limit,
                          char *errstr, size_t errstr_size) {
    char partition[16], offset[24], key_cut[48], value_cut[48];
    const char *names[7] = {"ftz.error.code", "ftz.error.reason", "ftz.source.topic",
                            "ftz.source.partition", "ftz.source.offset"};
    const char *values[7] = {d->code, d->reason, d->topic, partition, offset};
    int n = 5;
    size_t key_len = d->key_len, value_len = d->payload_len;

    snprintf(partition, sizeof(partition), "%d", (int)d->partition);
    snprintf(offset, sizeof(offset), "%" PRId64, d->offset);
    /* The value goes first; a key alone too large for a copy is cut to a
     * quarter of the bound. */
    if (key_len > limit / 4 && key_len + value_len > limit)
        key_len = limit / 4;
    if (key_len + value_len > limit)
        value_len = limit - key_len;
    if (key_len < d->key_len) {
        snprintf(key_cut, sizeof(key_cut), "%zu", d->key_len);
        names[n] = "ftz.key.truncated";
        values[n++] = key_cut;
    }
    if (value_len < d->payload_len) {
        snprintf(value_cut, sizeof(value_cut), "%zu", d->payload_len);
        names[n] = "ftz.payload.truncated";
        values[n++] = value_cut;
    }
    return ftz_producer_send_headers(q->prod, q->topic, d->key, key_len, d->payload, value_len,
                                     names, values, n, NULL, errstr, errstr_size);
}

ftz_err_t ftz_dlq_send(ftz_dlq_t *q, const ftz_batch_t *batch, int timeout_ms, char *errstr,
                       size_t errstr_size) {
    uint64_t failed = ftz_producer_failed(q->prod);
    uint64_t too_large = ftz_producer_too_large(q->prod);
    char why[512];
    ftz_err_t err = FTZ_OK;

    for (size_t i = 0; i < batch->n_dead && !err; i++) {
        size_t limit = q->limit;
        /* Refused locally as too large (the headers did not fit the
         * room kept for them): shrink this copy until it fits. */
        while ((err = send_one(q, &batch->dead[i], limit, why, sizeof(why))) == FTZ_ERR_POISON &&
               limit > FTZ_DLQ_MIN_COPY)
            limit = limit / 4 > FTZ_DLQ_MIN_COPY ? limit / 4 : FTZ_DLQ_MIN_COPY;
        if (err == FTZ_ERR_POISON)
            err = FTZ_ERR_RETRIABLE;
    }
    if (err) {
        /* What was queued is flushed anyway; the whole set goes again. */
        ftz_producer_flush(q->prod, timeout_ms, NULL, 0);
        return ftz_seterr(err, errstr, errstr_size, "dead letters to %s: %s", q->topic, why);
    }
    err = ftz_producer_flush(q->prod, timeout_ms, why, sizeof(why));
    if (err != FTZ_ERR_RETRIABLE && ftz_producer_failed(q->prod) == failed)
        return FTZ_OK;
    if (ftz_producer_too_large(q->prod) > too_large) {
        /* First one copy per record batch, then smaller copies. */
        if (!q->one_per_request) {
            q->one_per_request = 1;
            ftz_log(FTZ_LOG_WARNING, "KAFKA",
                    "%s refused a batch of dead-letter copies as too large: sending them one "
                    "per request from now on",
                    q->topic);
        } else if (q->limit > FTZ_DLQ_MIN_COPY) {
            q->limit = q->limit / 4 > FTZ_DLQ_MIN_COPY ? q->limit / 4 : FTZ_DLQ_MIN_COPY;
            ftz_log(FTZ_LOG_WARNING, "KAFKA",
                    "%s refused a dead-letter copy as too large: copies are now cut to %zu "
                    "bytes (the table keeps every byte)",
                    q->topic, q->limit);
        }
        /* What is still queued was batched for the old limits. */
        char why2[512];
        uint64_t lost = ftz_producer_failed(q->prod) - failed;
        if (make_producer(q, why2, sizeof(why2)))
            return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "%s", why2);
        return ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size,
                          "%llu of %zu dead letters not acknowledged by %s: too large",
                          (unsigned long long)lost, batch->n_dead, q->topic);
    }
    return ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size,
                      "%llu of %zu dead letters not acknowledged by %s: %s",
                      (unsigned long long)(ftz_producer_failed(q->prod) - failed), batch->n_dead,
                      q->topic,
                      err == FTZ_ERR_RETRIABLE ? why : ftz_producer_last_error(q->prod));
}
