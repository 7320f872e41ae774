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
    size_t limit; /* key + value bytes of one copy */
};

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
    if (!(q->prod = ftz_producer_new(brokers, props, errstr, errstr_size)))
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

size_t ftz_dlq_copy_limit(const ftz_dlq_t *q) { return q->limit; }

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
    if (ftz_producer_too_large(q->prod) > too_large && q->limit > FTZ_DLQ_MIN_COPY) {
        q->limit = q->limit / 4 > FTZ_DLQ_MIN_COPY ? q->limit / 4 : FTZ_DLQ_MIN_COPY;
        ftz_log(FTZ_LOG_WARNING, "KAFKA",
                "%s refused a dead-letter copy as too large: copies are now cut to %zu bytes "
                "(the table keeps every byte)",
                q->topic, q->limit);
    }
    return ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size,
                      "%llu of %zu dead letters not acknowledged by %s%s%s",
                      (unsigned long long)(ftz_producer_failed(q->prod) - failed), batch->n_dead,
                      q->topic, err == FTZ_ERR_RETRIABLE ? ": " : "",
                      err == FTZ_ERR_RETRIABLE ? why : "");
}
