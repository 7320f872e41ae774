/* kafka_log.c against librdkafka itself (the in-process mock cluster): an
 * idempotent ftz producer whose InitProducerId is refused eight times in a
 * row (COORDINATOR_LOAD_IN_PROGRESS, what a cluster short of nodes
 * answers) logs librdkafka's GETPID warning, retried every 500 ms, as one
 * warning with the hint, the retries as debug lines; the message is then
 * delivered. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "ftz/kafka_log.h"
#include "ftz/log.h"
#include "ftz/producer.h"

#define REFUSALS 8
#define INIT_PRODUCER_ID 22 /* Kafka request type (rdkafka_mock.h has no names) */

/* librdkafka logs from its own threads. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int getpid_warnings, getpid_lines;
static char first[1024];

static void capture(ftz_log_level_t level, const char *fac, const char *msg, void *opaque) {
    (void)opaque;
    if (strcmp(fac, "KAFKA") != 0 || strncmp(msg, "GETPID:", 7) != 0)
        return;
    pthread_mutex_lock(&lock);
    getpid_lines++;
    if (level <= FTZ_LOG_WARNING && getpid_warnings++ == 0)
        snprintf(first, sizeof(first), "%s", msg);
    pthread_mutex_unlock(&lock);
}

static void test_getpid_refused(void **state) {
    (void)state;
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof(errstr)),
                     RD_KAFKA_CONF_OK);
    rd_kafka_t *mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    assert_non_null(mock_rk);
    rd_kafka_mock_cluster_t *mcluster = rd_kafka_mock_cluster_new(mock_rk, 1);
    assert_non_null(mcluster);
    assert_int_equal(rd_kafka_mock_topic_create(mcluster, "t", 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_resp_err_t refusals[REFUSALS];
    for (int i = 0; i < REFUSALS; i++)
        refusals[i] = RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS;
    rd_kafka_mock_push_request_errors_array(mcluster, INIT_PRODUCER_ID, REFUSALS, refusals);

    ftz_kafka_log_reset();
    ftz_log_set_debug("kafka", errstr, sizeof(errstr));
    ftz_log_set_callback(capture, NULL);
    ftz_producer_t *p = ftz_producer_new(rd_kafka_mock_cluster_bootstraps(mcluster), NULL, errstr,
                                         sizeof(errstr));
    assert_non_null(p);
    assert_int_equal(ftz_producer_send(p, "t", "k", 1, "v", 1, "m", errstr, sizeof(errstr)), FTZ_OK);
    ftz_err_t err = ftz_producer_flush(p, 30000, errstr, sizeof(errstr));
    ftz_producer_destroy(p);
    ftz_log_set_callback(NULL, NULL);
    ftz_log_set_level(FTZ_LOG_INFO);
    rd_kafka_mock_cluster_destroy(mcluster);
    rd_kafka_destroy(mock_rk);

    assert_int_equal(err, FTZ_OK);
    /* Every refusal reached the log callback, one of them as a warning. */
    assert_int_equal(getpid_lines, REFUSALS);
    assert_int_equal(getpid_warnings, 1);
    assert_non_null(strstr(first, "Coordinator load in progress"));
    assert_non_null(strstr(first, "Kafka is short of nodes"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_getpid_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
