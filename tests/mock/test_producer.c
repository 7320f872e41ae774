/* The producer (lib/src/producer.c) against librdkafka's in-process mock
 * cluster: a batch delivered and counted, broker errors retried without
 * duplicates, a lost Produce response resent and acknowledged once,
 * messages that time out reported as failed, and the counters that say
 * so.
 *
 * Each test has a topic of its own, with one partition led by broker 1;
 * what reached the log is read back as the partition's watermarks. A
 * plain producer handle (mock_cluster.c) asks for them, and its metadata
 * requests every 100 ms keep the mock cluster's thread awake (see
 * test_assignment.c). FTZ_MOCK_DEBUG=1 prints the library's log lines. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "mock_cluster.h"

#include "ftz/log.h"
#include "ftz/producer.h"

#define LEADER 1
enum { REQ_PRODUCE = 0 }; /* Kafka request type (rdkafka_mock.h has no names) */

static ftz_mock_t mock; /* the cluster, and a producer talking to it */
static ftz_producer_t *prod; /* the running test's: destroyed by teardown_test */
static ftz_props_t props;

/* What the failure callback saw. */
static int failures;
static char failure_label[64], failure_reason[128];

static void quiet_log(ftz_log_level_t level, const char *fac, const char *msg, void *opaque) {
    (void)opaque;
    (void)level;
    if (ftz_mock_debug())
        fprintf(stderr, "ftz %d %s: %s\n", (int)level, fac, msg);
}

static void on_failure(const char *label, const char *reason, void *opaque) {
    (void)opaque;
    if (!failures++) {
        snprintf(failure_label, sizeof(failure_label), "%s", label ? label : "(none)");
        snprintf(failure_reason, sizeof(failure_reason), "%s", reason);
    }
}

/* A topic of one partition led by LEADER, in the metadata. */
static void make_topic(const char *topic) {
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mock.cluster, topic, 1, 1);
    if (!err)
        err = rd_kafka_mock_partition_set_leader(mock.cluster, topic, 0, LEADER);
    if (err)
        fail_msg("%s: %s", topic, rd_kafka_err2str(err));
    const struct rd_kafka_metadata *md = NULL;
    err = rd_kafka_metadata(mock.producer, 1, NULL, &md, 5000);
    if (err)
        fail_msg("metadata: %s", rd_kafka_err2str(err));
    rd_kafka_metadata_destroy(md);
}

static void set_prop(const char *key, const char *value) {
    assert_int_equal(ftz_props_set(&props, key, value), FTZ_OK);
}

/* The producer under test, with props (the test's extra properties). */
static void start_producer(void) {
    char errstr[512];
    if (ftz_mock_rdkafka_debug())
        set_prop("debug", ftz_mock_rdkafka_debug());
    if (!(prod = ftz_producer_new(mock.bootstraps, &props, errstr, sizeof(errstr))))
        fail_msg("ftz_producer_new: %s", errstr);
    ftz_producer_on_failure(prod, on_failure, NULL);
}

/* Sends n messages "topic-i" to topic, labelled "line:i". */
static void send_n(const char *topic, int n) {
    for (int i = 0; i < n; i++) {
        char key[32], value[64], label[32], errstr[512];
        int klen = snprintf(key, sizeof(key), "k%d", i);
        int vlen = snprintf(value, sizeof(value), "%s-%d", topic, i);
        snprintf(label, sizeof(label), "line:%d", i + 1);
        ftz_err_t err = ftz_producer_send(prod, topic, key, (size_t)klen, value, (size_t)vlen,
                                          label, errstr, sizeof(errstr));
        if (err)
            fail_msg("send %d: %s: %s", i, ftz_err_name(err), errstr);
    }
}

/* The partition's high watermark: how many messages its log holds. */
static int64_t log_end(const char *topic) {
    int64_t lo = -1, hi = -1;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(mock.producer, topic, 0, &lo, &hi,
                                                               5000);
    if (err)
        fail_msg("watermarks of %s: %s", topic, rd_kafka_err2str(err));
    return hi;
}

static void flush_ok(void) {
    char errstr[512];
    ftz_err_t err = ftz_producer_flush(prod, 20000, errstr, sizeof(errstr));
    if (err)
        fail_msg("flush: %s: %s", ftz_err_name(err), errstr);
}

static size_t produce_errors_left(void) {
    size_t left = 0;
    rd_kafka_mock_broker_error_stack_cnt(mock.cluster, LEADER, REQ_PRODUCE, &left);
    return left;
}

/* ------------------------------------------------------------ the tests */

/* Every message acknowledged and counted once; the latency histogram has
 * one observation per acknowledgement; the log holds exactly them. */
static void test_delivery(void **state) {
    (void)state;
    char errstr[512];
    const int n = 300;
    make_topic("p-delivery");
    start_producer();
    assert_int_equal(ftz_producer_has_topic(prod, "p-delivery", 5000, errstr, sizeof(errstr)),
                     FTZ_OK);
    /* A topic the cluster says it does not have. (Not a name it never
     * heard of: the mock cluster of librdkafka 2.0.2 answers Metadata v2,
     * which has no AllowAutoTopicCreation field, and creates any topic it
     * is asked about.) */
    rd_kafka_mock_topic_set_error(mock.cluster, "p-missing",
                                  RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    ftz_err_t err = ftz_producer_has_topic(prod, "p-missing", 5000, errstr, sizeof(errstr));
    if (err != FTZ_ERR_INVALID_ARG)
        fail_msg("has_topic of a missing topic: %s (%s), want FTZ_ERR_INVALID_ARG",
                 ftz_err_name(err), errstr);
    assert_non_null(strstr(errstr, "does not exist"));
    send_n("p-delivery", n - 1);
    /* One with headers. */
    const char *names[] = {"h1", "h2"}, *values[] = {"v1", "v2"};
    assert_int_equal(ftz_producer_send_headers(prod, "p-delivery", "kh", 2, "vh", 2, names,
                                               values, 2, "line:last", errstr, sizeof(errstr)),
                     FTZ_OK);
    flush_ok();
    assert_int_equal(ftz_producer_acked(prod), n);
    assert_int_equal(ftz_producer_failed(prod), 0);
    assert_int_equal(ftz_producer_too_large(prod), 0);
    assert_int_equal(ftz_producer_outq(prod), 0);
    assert_int_equal(failures, 0);
    assert_string_equal(ftz_producer_last_error(prod), "no error");
    assert_string_equal(ftz_producer_refused(prod), "");
    const ftz_histogram_t *h = ftz_producer_latency(prod);
    assert_int_equal(h->count, n);
    assert_int_equal(log_end("p-delivery"), n);
}

/* Retriable errors from the partition's leader: the producer retries,
 * every message is acknowledged once and appended once. */
static void test_broker_errors_retried(void **state) {
    (void)state;
    const int n = 100;
    make_topic("p-errors");
    start_producer();
    rd_kafka_resp_err_t err = rd_kafka_mock_broker_push_request_error_rtts(
        mock.cluster, LEADER, REQ_PRODUCE, 3, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, 0,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, 0, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, 0);
    if (err)
        fail_msg("push errors: %s", rd_kafka_err2str(err));
    send_n("p-errors", n);
    flush_ok();
    /* The broker really refused three times. */
    assert_int_equal(produce_errors_left(), 0);
    assert_int_equal(ftz_producer_acked(prod), n);
    assert_int_equal(ftz_producer_failed(prod), 0);
    assert_int_equal(failures, 0);
    assert_int_equal(log_end("p-errors"), n);
}

/* The leader appends a batch but its answer comes after the request has
 * timed out (socket.timeout.ms; librdkafka bounds a Produce request by it,
 * not by request.timeout.ms): the producer resends the batch, with the
 * same producer id and sequence (idempotence), and each message is
 * acknowledged once, counted once.
 *
 * What the broker then does with the resent batch is not the producer's:
 * a real broker drops it as a duplicate sequence, but the mock cluster of
 * librdkafka 2.0.2 does not check sequences and appends it again, so the
 * log holds the batch twice here, which shows the resend happened.
 * tests/stack/test_produce_broker_restart.sh and
 * tests/cluster/test_leader_kill_coordinator_restart.sh check the real broker's side. */
static void test_lost_response_acknowledged_once(void **state) {
    (void)state;
    const int n = 50;
    make_topic("p-lost");
    set_prop("socket.timeout.ms", "500");
    set_prop("retry.backoff.ms", "50");
    start_producer();
    rd_kafka_resp_err_t err = rd_kafka_mock_broker_push_request_error_rtts(
        mock.cluster, LEADER, REQ_PRODUCE, 1, RD_KAFKA_RESP_ERR_NO_ERROR, 1500);
    if (err)
        fail_msg("push delay: %s", rd_kafka_err2str(err));
    send_n("p-lost", n);
    flush_ok();
    assert_int_equal(produce_errors_left(), 0);
    assert_int_equal(ftz_producer_acked(prod), n);
    assert_int_equal(ftz_producer_failed(prod), 0);
    assert_int_equal(ftz_producer_latency(prod)->count, n);
    assert_int_equal(failures, 0);
    assert_int_equal(log_end("p-lost"), 2 * n);
}

/* No leader for the partition: the messages wait, a flush shorter than
 * message.timeout.ms says they are unacknowledged (retriable), then each
 * one times out and is reported failed, by label, and counted failed. */
static void test_message_timeout(void **state) {
    (void)state;
    char errstr[512];
    const int n = 20;
    make_topic("p-timeout");
    set_prop("message.timeout.ms", "1000");
    start_producer();
    rd_kafka_resp_err_t err = rd_kafka_mock_partition_set_leader(mock.cluster, "p-timeout", 0, -1);
    if (err)
        fail_msg("no leader: %s", rd_kafka_err2str(err));
    send_n("p-timeout", n);
    ftz_err_t e = ftz_producer_flush(prod, 100, errstr, sizeof(errstr));
    if (e != FTZ_ERR_RETRIABLE)
        fail_msg("short flush: %s (%s), want FTZ_ERR_RETRIABLE", ftz_err_name(e), errstr);
    assert_non_null(strstr(errstr, "unacknowledged"));
    assert_int_equal(ftz_producer_outq(prod), n);
    int64_t start = ftz_mock_now_ms();
    e = ftz_producer_flush(prod, 10000, errstr, sizeof(errstr));
    if (e != FTZ_ERR_FATAL)
        fail_msg("flush: %s (%s), want FTZ_ERR_FATAL", ftz_err_name(e), errstr);
    if (ftz_mock_now_ms() - start > 5000)
        fail_msg("the messages took %" PRId64 " ms to time out", ftz_mock_now_ms() - start);
    char want[64];
    snprintf(want, sizeof(want), "%d of %d messages were not delivered", n, n);
    assert_string_equal(errstr, want);
    assert_int_equal(ftz_producer_acked(prod), 0);
    assert_int_equal(ftz_producer_failed(prod), n);
    assert_int_equal(ftz_producer_outq(prod), 0);
    assert_int_equal(ftz_producer_latency(prod)->count, 0);
    assert_string_equal(ftz_producer_last_error(prod),
                        rd_kafka_err2str(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT));
    assert_int_equal(failures, n);
    assert_string_equal(failure_label, "line:1");
    assert_string_equal(failure_reason, rd_kafka_err2str(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT));
    /* Nothing reached the log (read once the partition has a leader). */
    assert_int_equal(rd_kafka_mock_partition_set_leader(mock.cluster, "p-timeout", 0, LEADER), 0);
    assert_int_equal(log_end("p-timeout"), 0);
}

/* ------------------------------------------------------------ fixtures */

static int setup_test(void **state) {
    (void)state;
    memset(&props, 0, sizeof(props));
    failures = 0;
    failure_label[0] = failure_reason[0] = '\0';
    return 0;
}

static int teardown_test(void **state) {
    (void)state;
    ftz_producer_destroy(prod);
    prod = NULL;
    ftz_props_free(&props);
    rd_kafka_mock_clear_request_errors(mock.cluster, REQ_PRODUCE);
    return 0;
}

static int setup(void **state) {
    *state = &mock;
    char errstr[512];
    if (ftz_mock_debug() && ftz_log_set_debug("all", errstr, sizeof(errstr)))
        fprintf(stderr, "%s\n", errstr);
    return ftz_mock_start(&mock, 3, quiet_log, NULL, NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_delivery, setup_test, teardown_test),
        cmocka_unit_test_setup_teardown(test_broker_errors_retried, setup_test, teardown_test),
        cmocka_unit_test_setup_teardown(test_lost_response_acknowledged_once, setup_test,
                                        teardown_test),
        cmocka_unit_test_setup_teardown(test_message_timeout, setup_test, teardown_test),
    };
    if (getenv("FTZ_MOCK_ONLY"))
        cmocka_set_test_filter(getenv("FTZ_MOCK_ONLY"));
    return cmocka_run_group_tests(tests, setup, ftz_mock_group_teardown) ? 1 : 0;
}
