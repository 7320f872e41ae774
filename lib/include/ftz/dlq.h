/* The dead-letter topic copy: every dead letter of a batch is sent to the
 * dead-letter topic, with its reason in ftz.* headers, and acknowledged
 * before the batch commits (the table row is exact, in the batch's
 * transaction; the topic copy is at least once: docs/exactly-once.md).
 *
 * A copy never stops the consumer: it is bounded so that it fits the
 * producer's and the broker's message size limits (the value, then the
 * key, cut, with a header giving the original length; the table keeps
 * every byte), and a failed delivery is the caller's to retry with
 * backoff. Used by one thread. */
#ifndef FTZ_DLQ_H
#define FTZ_DLQ_H

#include <stddef.h>

#include "ftz/batch.h"
#include "ftz/kafka.h"

/* Room kept for the ftz.* headers and the record's framing. */
#define FTZ_DLQ_OVERHEAD 16384
/* Smallest copy the bound shrinks to after the broker refuses one. */
#define FTZ_DLQ_MIN_COPY 4096

typedef struct ftz_dlq_s ftz_dlq_t;

/* brokers and props borrowed, for the queue's lifetime; topic copied. The copy bound starts at the
 * producer's message.max.bytes (librdkafka's 1000000 unless set with -X)
 * minus FTZ_DLQ_OVERHEAD. NULL with errstr. */
ftz_dlq_t *ftz_dlq_new(const char *brokers, const ftz_props_t *props, const char *topic,
                       char *errstr, size_t errstr_size);
void ftz_dlq_destroy(ftz_dlq_t *q);

/* Sends the batch's dead letters (borrowed) and waits up to timeout_ms for
 * every one to be acknowledged. FTZ_OK when all are; FTZ_ERR_RETRIABLE
 * with the reason otherwise (send them all again later: the topic copy is
 * at least once). When the broker found copies too large (its limit is on
 * a whole record batch), the next attempt sends one copy per request, and
 * after that smaller copies. FTZ_ERR_FATAL for a fatal producer
 * error. */
ftz_err_t ftz_dlq_send(ftz_dlq_t *q, const ftz_batch_t *batch, int timeout_ms, char *errstr,
                       size_t errstr_size);

#endif
