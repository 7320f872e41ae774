/* A Kafka producer that knows whether every message it was given has been
 * acknowledged: idempotent, acks=all, with delivery reports counted.
 * One thread at a time. */
#ifndef FTZ_PRODUCER_H
#define FTZ_PRODUCER_H

#include <stddef.h>
#include <stdint.h>

#include "ftz/kafka.h"
#include "ftz/prom.h"

typedef struct ftz_producer_s ftz_producer_t;

/* brokers and props are borrowed (props may be NULL). NULL with errstr. */
ftz_producer_t *ftz_producer_new(const char *brokers, const ftz_props_t *props,
                                 char *errstr, size_t errstr_size);
/* Flushes (see ftz_producer_flush) is the caller's job; destroy drops what
 * is still queued. */
void ftz_producer_destroy(ftz_producer_t *p);

/* Queues one message (key and value copied). Waits while the local queue
 * is full. `label` (copied, may be NULL) names the message in a delivery
 * failure, e.g. "FILE:LINE". */
ftz_err_t ftz_producer_send(ftz_producer_t *p, const char *topic, const void *key,
                            size_t key_len, const void *value, size_t value_len,
                            const char *label, char *errstr, size_t errstr_size);

/* Same, with Kafka headers: n (name, value) pairs of strings (copied). */
ftz_err_t ftz_producer_send_headers(ftz_producer_t *p, const char *topic, const void *key,
                                    size_t key_len, const void *value, size_t value_len,
                                    const char *const *names, const char *const *values,
                                    int n, const char *label, char *errstr,
                                    size_t errstr_size);

/* Waits up to timeout_ms for every queued message to be acknowledged or
 * failed. Returns FTZ_OK when all sent messages were acknowledged. */
ftz_err_t ftz_producer_flush(ftz_producer_t *p, int timeout_ms, char *errstr,
                             size_t errstr_size);

/* Serves the delivery reports that arrived, without waiting. */
void ftz_producer_poll(ftz_producer_t *p);

/* Whether the cluster has `topic`, asked once for that topic's metadata
 * (a listing of all topics would leave out one this user may not
 * describe). Asking never creates it: the producer's handle has
 * allow.auto.create.topics=false (lib/src/kafka.c), unless -X turns it
 * on. FTZ_OK it has; FTZ_ERR_INVALID_ARG it answered without it, or
 * refused to describe it (errstr says which); FTZ_ERR_RETRIABLE no answer
 * within timeout_ms (the caller goes on: sending says what is wrong). */
ftz_err_t ftz_producer_has_topic(ftz_producer_t *p, const char *topic, int timeout_ms,
                                 char *errstr, size_t errstr_size);

/* Messages acknowledged / failed so far. */
uint64_t ftz_producer_acked(const ftz_producer_t *p);
uint64_t ftz_producer_failed(const ftz_producer_t *p);
/* Of those failed, how many the broker found too large for the topic. */
uint64_t ftz_producer_too_large(const ftz_producer_t *p);
/* quiet != 0: a failed delivery is a debug line, for callers that report a
 * summary themselves. */
void ftz_producer_set_quiet(ftz_producer_t *p, int quiet);
/* Send-to-acknowledgement seconds of the acknowledged messages (borrowed;
 * delivery reports update it inside the producer's polls). */
const ftz_histogram_t *ftz_producer_latency(const ftz_producer_t *p);
/* Why the last failed delivery failed (static string). */
const char *ftz_producer_last_error(const ftz_producer_t *p);

/* Called for each message whose delivery failed, from the delivery report
 * (inside the producer's polls and flushes, on the caller's thread), with
 * the label given to send (borrowed for the call; may be NULL) and the
 * reason (static). With a callback set the failure is a debug line, not an
 * error line: the caller reports it. opaque is borrowed. */
typedef void (*ftz_producer_failure_cb_t)(const char *label, const char *reason, void *opaque);
void ftz_producer_on_failure(ftz_producer_t *p, ftz_producer_failure_cb_t cb, void *opaque);

/* librdkafka's last report of a broker it could not connect to, e.g.
 * "127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection
 * refused ..."; "" when none (borrowed, updated inside polls). With
 * nodes of a cluster down, others may still answer: see
 * ftz_producer_brokers_answered. */
const char *ftz_producer_transport_error(const ftz_producer_t *p);
/* 1 when some broker has answered this producer (its metadata), else 0:
 * tells "not reachable" from "reachable, but the records were not
 * acknowledged" (nodes of a cluster down, too few in sync for
 * min.insync.replicas). Never blocks. */
int ftz_producer_brokers_answered(ftz_producer_t *p);
/* Why Kafka refused this producer (a wrong password, an untrusted
 * certificate, a missing ACL), or "": once set, sends and flushes fail
 * at once with it. */
const char *ftz_producer_refused(const ftz_producer_t *p);

/* Messages handed to the producer and not yet acknowledged or failed. */
int ftz_producer_outq(const ftz_producer_t *p);

#endif
