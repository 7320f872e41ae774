/* librdkafka's log lines and error events through ftz_log (kafka_log.c):
 * a producer id refused every 500 ms (two of three nodes down) is one
 * warning with a hint that names the likely cause, then one line a minute
 * with how many were held back; error events once a minute per kind;
 * other lines pass at their level. The clock is the tests'. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ftz/kafka_log.h"
#include "ftz/log.h"

static int warnings;
static char last[1024];

static void capture(ftz_log_level_t level, const char *fac, const char *msg, void *opaque) {
    (void)opaque;
    if (level <= FTZ_LOG_WARNING && strcmp(fac, "KAFKA") == 0) {
        warnings++;
        snprintf(last, sizeof(last), "%s", msg);
    }
}

static int setup(void **state) {
    (void)state;
    warnings = 0;
    last[0] = '\0';
    ftz_kafka_log_reset();
    ftz_log_set_level(FTZ_LOG_INFO);
    ftz_log_set_callback(capture, NULL);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    ftz_log_set_callback(NULL, NULL);
    return 0;
}

static const char getpid_line[] =
    "[thrd:main]: Failed to acquire idempotence PID from broker 127.0.0.1:9092/1: "
    "Broker: Coordinator load in progress: retrying";

static void test_getpid_throttled(void **state) {
    (void)state;
    const time_t t0 = 1000000;
    assert_null(ftz_kafka_cluster_trouble(t0));
    /* Every 500 ms for a minute: 121 lines from librdkafka. */
    for (int i = 0; i <= 120; i++) {
        ftz_kafka_log_line(4, "GETPID", getpid_line, t0 + i / 2);
        if (i == 0) {
            assert_int_equal(warnings, 1);
            assert_non_null(strstr(last, "Coordinator load in progress"));
            assert_non_null(strstr(last, "Kafka is short of nodes"));
            assert_non_null(strstr(last, "min.insync.replicas"));
            assert_null(strstr(last, "more in the last"));
        }
    }
    /* Said at t0 and again at t0 + 60 s with the 119 held back. */
    assert_int_equal(warnings, 2);
    assert_non_null(strstr(last, "(119 more in the last 60 s)"));
    const char *hint = ftz_kafka_cluster_trouble(t0 + 61);
    assert_non_null(hint);
    assert_non_null(strstr(hint, "short of nodes"));
    /* Once librdkafka stops complaining, the hint goes stale. */
    assert_null(ftz_kafka_cluster_trouble(t0 + 60 + FTZ_KAFKA_REPEAT_S));
}

static void test_getpid_debug_not_counted(void **state) {
    (void)state;
    /* librdkafka's own debug lines of the facility are not the warning. */
    ftz_kafka_log_line(7, "GETPID", "Acquiring PID", 2000);
    assert_int_equal(warnings, 0);
    assert_null(ftz_kafka_cluster_trouble(2000));
}

static void test_error_events(void **state) {
    (void)state;
    const time_t t0 = 3000;
    for (int i = 0; i < 30; i++)
        ftz_kafka_log_error_at(-195 /* __TRANSPORT */, "Connection refused", 0, t0 + i);
    assert_int_equal(warnings, 1);
    /* Another kind is said at once. */
    ftz_kafka_log_error_at(-187 /* __ALL_BROKERS_DOWN */, "3/3 brokers are down", 0, t0 + 30);
    assert_int_equal(warnings, 2);
    ftz_kafka_log_error_at(-195, "Connection refused", 0, t0 + 60);
    assert_int_equal(warnings, 3);
    assert_non_null(strstr(last, "Connection refused (29 more in the last 60 s)"));
    /* Quiet: never a warning; fatal: always an error. */
    ftz_kafka_log_error_at(-190, "quiet one", 1, t0 + 200);
    assert_int_equal(warnings, 3);
    ftz_kafka_log_error_at(-150 /* __FATAL */, "fenced", 0, t0 + 201);
    ftz_kafka_log_error_at(-150, "fenced", 0, t0 + 201);
    assert_int_equal(warnings, 5);
    /* Kinds 64 apart (3 UNKNOWN_TOPIC_OR_PART, -195 __TRANSPORT... 67)
     * are told apart: one does not hold the other back. */
    ftz_kafka_log_error_at(-195, "Connection refused", 0, t0 + 300);
    ftz_kafka_log_error_at(3, "Unknown topic or partition", 0, t0 + 301);
    ftz_kafka_log_error_at(67, "kind 67", 0, t0 + 302);
    ftz_kafka_log_error_at(-131, "kind -131", 0, t0 + 303);
    assert_int_equal(warnings, 9);
}

static void test_other_lines(void **state) {
    (void)state;
    /* Other warnings pass every time; FAIL (also an error event) is debug. */
    ftz_kafka_log_line(4, "REQTMOUT", "Timed out 1 in-flight", 4000);
    ftz_kafka_log_line(4, "REQTMOUT", "Timed out 1 in-flight", 4000);
    assert_int_equal(warnings, 2);
    assert_string_equal(last, "REQTMOUT: Timed out 1 in-flight");
    ftz_kafka_log_line(3, "FAIL", "Connect failed", 4000);
    ftz_kafka_log_line(4, "CONFWARN", "group.id is a consumer property and will be ignored", 4000);
    assert_int_equal(warnings, 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_getpid_throttled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_getpid_debug_not_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_lines, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
