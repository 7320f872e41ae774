#include "mock_cluster.h"

#include "ftz/array.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

/* On failure conf is destroyed. */
static int conf_set(rd_kafka_conf_t *conf, const char *name, const char *value) {
    char errstr[512];
    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) == RD_KAFKA_CONF_OK)
        return 0;
    fprintf(stderr, "mock cluster: %s=%s: %s\n", name, value, errstr);
    rd_kafka_conf_destroy(conf);
    return -1;
}

int ftz_mock_start(ftz_mock_t *m, int nbrokers, ftz_log_cb_t log_cb, const char *rdkafka_debug,
                   void (*dr_msg_cb)(rd_kafka_t *rk, const rd_kafka_message_t *msg,
                                     void *opaque)) {
    char errstr[512];
    memset(m, 0, sizeof(*m));
    ftz_log_set_callback(log_cb, NULL);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* It only carries the cluster: no bootstrap.servers, no warning. */
    if ((rdkafka_debug && conf_set(conf, "debug", "mock")) || conf_set(conf, "log_level", "4"))
        return -1;
    if (!(m->owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)))) {
        fprintf(stderr, "mock cluster: rd_kafka_new: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    if (!(m->cluster = rd_kafka_mock_cluster_new(m->owner, nbrokers))) {
        fprintf(stderr, "mock cluster: rd_kafka_mock_cluster_new failed\n");
        return -1;
    }
    m->bootstraps = rd_kafka_mock_cluster_bootstraps(m->cluster);
    conf = rd_kafka_conf_new();
    if (conf_set(conf, "bootstrap.servers", m->bootstraps) || conf_set(conf, "linger.ms", "0") ||
        conf_set(conf, "topic.metadata.refresh.interval.ms", "100"))
        return -1;
    if (dr_msg_cb)
        rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
    if (!(m->producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)))) {
        fprintf(stderr, "mock cluster: producer: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    return 0;
}

void ftz_mock_stop(ftz_mock_t *m) {
    if (m->producer)
        rd_kafka_destroy(m->producer);
    if (m->cluster)
        rd_kafka_mock_cluster_destroy(m->cluster);
    if (m->owner)
        rd_kafka_destroy(m->owner);
    memset(m, 0, sizeof(*m));
    ftz_log_set_callback(NULL, NULL);
}

int ftz_mock_group_teardown(void **state) {
    if (*state)
        ftz_mock_stop(*state);
    return 0;
}

int ftz_mock_poll_until(int (*done)(void *arg), void (*poll)(void *arg), void *arg,
                        int timeout_ms) {
    int64_t deadline = ftz_mock_now_ms() + timeout_ms;
    while (!done(arg)) {
        if (ftz_mock_now_ms() > deadline)
            return 0;
        poll(arg);
    }
    return 1;
}

int ftz_mock_debug(void) { return getenv("FTZ_MOCK_DEBUG") != NULL; }

const char *ftz_mock_rdkafka_debug(void) {
    const char *d = getenv("FTZ_MOCK_DEBUG");
    return d && strcmp(d, "1") != 0 ? d : NULL;
}

int64_t ftz_mock_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ftz_mock_log(ftz_log_level_t level, const char *fac, const char *msg, void *opaque) {
    (void)opaque;
    if (level <= FTZ_LOG_WARNING || ftz_mock_debug())
        fprintf(stderr, "ftz %d %s: %s\n", (int)level, fac, msg);
}

void ftz_mock_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value) {
    char errstr[512];
    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        fail_msg("%s=%s: %s", name, value, errstr);
    }
}

rd_kafka_conf_t *ftz_mock_consumer_conf(const ftz_mock_t *m, const char *group,
                                        const char *client_id, const char *strategy) {
    static const char *const settings[][2] = {
        {"enable.partition.eof", "true"},  {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"}, {"session.timeout.ms", "3500"},
        {"heartbeat.interval.ms", "250"},  {"fetch.wait.max.ms", "50"},
        {"fetch.error.backoff.ms", "50"},
    };
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    ftz_mock_conf_set(conf, "bootstrap.servers", m->bootstraps);
    ftz_mock_conf_set(conf, "group.id", group);
    ftz_mock_conf_set(conf, "client.id", client_id);
    ftz_mock_conf_set(conf, "partition.assignment.strategy", strategy);
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(settings); i++)
        ftz_mock_conf_set(conf, settings[i][0], settings[i][1]);
    if (ftz_mock_rdkafka_debug())
        ftz_mock_conf_set(conf, "debug", ftz_mock_rdkafka_debug());
    return conf;
}

rd_kafka_t *ftz_mock_consumer_new(rd_kafka_conf_t *conf, const char *topic) {
    char errstr[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        fail_msg("%s: rd_kafka_new: %s", topic, errstr);
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (err)
        fail_msg("%s: subscribe: %s", topic, rd_kafka_err2str(err));
    return rk;
}
