/* The mock cluster a test program of tests/mock/ runs against: librdkafka's
 * in-process cluster (rdkafka_mock.h) and a plain producer handle talking
 * to it, shared by every test of the program. */
#ifndef FTZ_TEST_MOCK_CLUSTER_H
#define FTZ_TEST_MOCK_CLUSTER_H

#include <stdint.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "ftz/log.h"

typedef struct ftz_mock_s {
    rd_kafka_t *owner;                 /* the handle that owns the cluster */
    rd_kafka_mock_cluster_t *cluster;
    const char *bootstraps;            /* owned by the cluster */
    /* linger.ms 0; its metadata requests every 100 ms also wake the mock
     * cluster's thread, which otherwise serves a command (topic creation,
     * pushed errors) only up to a second later when no client talks to
     * it. */
    rd_kafka_t *producer;
} ftz_mock_t;

/* Starts a cluster of nbrokers, with the library's log lines going to
 * log_cb; rdkafka_debug (may be NULL) turns on the cluster's "mock" debug
 * output; dr_msg_cb (may be NULL) is the producer's delivery report
 * callback. 0, or -1 with the reason on stderr (what is made by then is
 * freed by ftz_mock_stop). */
int ftz_mock_start(ftz_mock_t *m, int nbrokers, ftz_log_cb_t log_cb, const char *rdkafka_debug,
                   void (*dr_msg_cb)(rd_kafka_t *rk, const rd_kafka_message_t *msg,
                                     void *opaque));
/* Stops it; the library logs to stderr again. */
void ftz_mock_stop(ftz_mock_t *m);
/* A cmocka group teardown: ftz_mock_stop of the cluster the group setup
 * left in *state. */
int ftz_mock_group_teardown(void **state);

/* Calls poll(arg) until done(arg) holds, for at most timeout_ms: whether
 * it held. */
int ftz_mock_poll_until(int (*done)(void *arg), void (*poll)(void *arg), void *arg,
                        int timeout_ms);

/* FTZ_MOCK_DEBUG set: the tests say more (rebalances, every log line);
 * a value other than "1" is also a list of librdkafka debug contexts
 * (ftz_mock_rdkafka_debug, NULL otherwise) for the clients. */
int ftz_mock_debug(void);
const char *ftz_mock_rdkafka_debug(void);

int64_t ftz_mock_now_ms(void); /* monotonic */

/* An ftz_log callback: warnings and errors only (the INFO lines of every
 * assignment would drown a failure), everything with FTZ_MOCK_DEBUG. */
void ftz_mock_log(ftz_log_level_t level, const char *fac, const char *msg, void *opaque);

/* rd_kafka_conf_set, failing the running test (conf destroyed) on error. */
void ftz_mock_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value);

/* A consumer's configuration for `group` on the cluster (the caller owns
 * it): client.id, partition.assignment.strategy, partition EOFs, no
 * offsets committed or stored by librdkafka, quick heartbeats and fetches,
 * librdkafka debug contexts from FTZ_MOCK_DEBUG. session.timeout.ms 3500:
 * the mock coordinator of librdkafka 2.0.2 waits 3 s before a group's
 * first leader election and session.timeout.ms - 1 s before each later
 * one, and a session shorter than 3 s times the first member out before
 * it is ever elected. */
rd_kafka_conf_t *ftz_mock_consumer_conf(const ftz_mock_t *m, const char *group,
                                        const char *client_id, const char *strategy);
/* A consumer made from conf (taken), subscribed to topic, its rebalances
 * and messages served by rd_kafka_consumer_poll; fails the running test
 * otherwise. */
rd_kafka_t *ftz_mock_consumer_new(rd_kafka_conf_t *conf, const char *topic);

#endif
