/* offsets.c's ftz_offsets_logs against librdkafka itself (the in-process
 * mock cluster, two brokers): every partition's log read in one batch per
 * leader; a leader answering "not leader" a few times is asked again until
 * it answers; one that keeps answering so costs only its own partitions,
 * which carry the error, while the others are read. (`ftz offsets show`
 * ended with exit 1 at the first "not leader" of any partition.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "../unit/fixtures.h"
#include "ftz/offsets.h"

#define LIST_OFFSETS 2 /* Kafka request type (rdkafka_mock.h has no names) */
#define PARTITIONS 4
#define SLOW 3 /* the partition led by broker 2 */

typedef struct cluster_s {
    rd_kafka_t *owner, *rk;
    rd_kafka_mock_cluster_t *mc;
} cluster_t;

/* Two brokers; topic "t" with partitions 0 .. 2 led by broker 1, SLOW by
 * broker 2; partition p holds p + 1 records. rk: a client of the cluster. */
static void cluster_start(cluster_t *c) {
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr)),
                     RD_KAFKA_CONF_OK);
    c->owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    assert_non_null(c->owner);
    c->mc = rd_kafka_mock_cluster_new(c->owner, 2);
    assert_non_null(c->mc);
    assert_int_equal(rd_kafka_mock_topic_create(c->mc, "t", PARTITIONS, 1), 0);
    for (int32_t p = 0; p < PARTITIONS; p++)
        assert_int_equal(rd_kafka_mock_partition_set_leader(c->mc, "t", p, p == SLOW ? 2 : 1), 0);

    conf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers",
                                       rd_kafka_mock_cluster_bootstraps(c->mc), errstr,
                                       sizeof(errstr)),
                     RD_KAFKA_CONF_OK);
    assert_int_equal(rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr)),
                     RD_KAFKA_CONF_OK);
    assert_int_equal(rd_kafka_conf_set(conf, "linger.ms", "0", errstr, sizeof(errstr)),
                     RD_KAFKA_CONF_OK);
    c->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    assert_non_null(c->rk);
    for (int32_t p = 0; p < PARTITIONS; p++)
        for (int i = 0; i <= p; i++)
            assert_int_equal(rd_kafka_producev(c->rk, RD_KAFKA_V_TOPIC("t"),
                                               RD_KAFKA_V_PARTITION(p),
                                               RD_KAFKA_V_VALUE("v", 1), RD_KAFKA_V_END),
                             0);
    assert_int_equal(rd_kafka_flush(c->rk, 10000), 0);
}

static void cluster_stop(cluster_t *c) {
    rd_kafka_destroy(c->rk);
    rd_kafka_mock_cluster_destroy(c->mc);
    rd_kafka_destroy(c->owner);
}

/* Reads every partition's log with `attempts` tries while broker 2 answers
 * its next `refusals` ListOffsets requests "not leader"; the partitions
 * listed in `failing` (bits) must carry that error, the others be read. */
static void read_all(int refusals, int attempts, unsigned failing) {
    cluster_t c;
    ftz_offsets_log_t logs[PARTITIONS];
    char errstr[512];
    cluster_start(&c);
    for (int i = 0; i < refusals; i++)
        assert_int_equal(rd_kafka_mock_broker_push_request_error_rtts(
                             c.mc, 2, LIST_OFFSETS, 1,
                             RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, 0),
                         0);
    for (int32_t p = 0; p < PARTITIONS; p++)
        logs[p] = (ftz_offsets_log_t){.topic = "t", .partition = p};
    assert_int_equal(ftz_offsets_logs(c.rk, logs, PARTITIONS, 5000, attempts, errstr,
                                      sizeof(errstr)),
                     FTZ_OK);
    for (int32_t p = 0; p < PARTITIONS; p++) {
        int fails = (failing >> p) & 1;
        assert_int_equal(logs[p].err, fails ? RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION : 0);
        assert_int_equal(logs[p].log_start, fails ? -1 : 0);
        assert_int_equal(logs[p].log_end, fails ? -1 : p + 1);
    }
    cluster_stop(&c);
}

static void test_every_partition_read(void **state) {
    (void)state;
    read_all(0, 1, 0);
}

/* Three refusals, six tries: everything is read in the end. */
static void test_not_leader_for_a_while(void **state) {
    (void)state;
    read_all(3, 6, 0);
}

/* Refused for good: only SLOW's log is unknown. */
static void test_not_leader_for_good(void **state) {
    (void)state;
    read_all(40, 3, 1u << SLOW);
}

static void test_bad_arguments(void **state) {
    (void)state;
    char errstr[256];
    ftz_offsets_log_t log = {.topic = "t"};
    assert_int_equal(ftz_offsets_logs(NULL, &log, 0, 1000, 1, errstr, sizeof(errstr)),
                     FTZ_ERR_INVALID_ARG);
    assert_int_equal(ftz_offsets_logs(NULL, &log, 1, 1000, 0, errstr, sizeof(errstr)),
                     FTZ_ERR_INVALID_ARG);
}

FTZ_TEST_MAIN(cmocka_unit_test(test_every_partition_read),
              cmocka_unit_test(test_not_leader_for_a_while),
              cmocka_unit_test(test_not_leader_for_good), cmocka_unit_test(test_bad_arguments))
