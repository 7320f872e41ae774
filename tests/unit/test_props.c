/* librdkafka properties from -X and -F FILE (kafka.c): the file's syntax
 * (comments, blank lines, CRLF, spaces around '=', '=' inside values, later
 * wins), errors naming FILE:LINE without showing what may be a secret, and
 * the precedence of the brokers (-b, then bootstrap.servers, then
 * $FTZ_BROKERS), and clients of every role that never ask a broker to
 * create a topic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ftz/array.h"
#include "ftz/kafka.h"

static char path[64];

static void write_file(const char *text) {
    strcpy(path, "/tmp/ftz-test-props.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void test_file_syntax(void **state) {
    (void)state;
    ftz_props_t p = {0};
    char errstr[256] = "";
    write_file("# a comment\n"
               "\n"
               "linger.ms=5\r\n"
               "  compression.type = zstd  \n"
               "sasl.jaas.config=a=b=c\n"
               "\t# an indented comment\n"
               "linger.ms=7\n");
    assert_int_equal(ftz_props_load_file(&p, path, errstr, sizeof(errstr)), FTZ_OK);
    unlink(path);
    assert_string_equal(ftz_props_get(&p, "linger.ms"), "7"); /* later wins */
    assert_string_equal(ftz_props_get(&p, "compression.type"), "zstd");
    assert_string_equal(ftz_props_get(&p, "sasl.jaas.config"), "a=b=c");
    assert_null(ftz_props_get(&p, "# a comment"));
    assert_null(ftz_props_get(&p, "nothing"));
    ftz_props_free(&p);
}

static void test_errors_hide_secrets(void **state) {
    (void)state;
    static const struct { const char *text, *want; } cases[] = {
        {"linger.ms=5\nsasl.password s3cr3t\n", ":2: \"sasl.password...\": expected property=value (the rest is not shown)"},
        {"=s3cr3t\n", ":1: expected property=value (the line is not shown"},
        /* A password alone on its line (a Java-style continuation, a
         * wrapped line): not quoted, though it has no space or '='. */
        {"s3cr3t\n", ":1: expected property=value (the line is not shown"},
        {"sasl.password=\\\n  dda9f6ab6096a81adef80875abcf3f1f\n", ":2: expected property=value (the line is not shown"},
        {"Zm9vYmFyYmF6cXV4\n", ":1: expected property=value (the line is not shown"},
        /* A bare word that looks like a property name is quoted. */
        {"acks\n", ":1: \"acks\": expected property=value"},
        {"enable.idempotence\n", ":1: \"enable.idempotence\": expected property=value"},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        ftz_props_t p = {0};
        char errstr[256] = "";
        write_file(cases[i].text);
        ftz_err_t err = ftz_props_load_file(&p, path, errstr, sizeof(errstr));
        unlink(path);
        assert_int_equal(err, FTZ_ERR_INVALID_ARG);
        if (!strstr(errstr, cases[i].want))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, errstr, cases[i].want);
        if (strstr(errstr, "s3cr3t") || strstr(errstr, "dda9f6") || strstr(errstr, "Zm9v"))
            fail_msg("case %zu: the error shows the secret: %s", i, errstr);
        ftz_props_free(&p);
    }
    ftz_props_t p = {0};
    char errstr[256] = "";
    assert_int_equal(ftz_props_load_file(&p, "/nonexistent/x.properties", errstr,
                                         sizeof(errstr)),
                     FTZ_ERR_IO);
    assert_non_null(strstr(errstr, "/nonexistent/x.properties: No such file"));
}

static void test_brokers_precedence(void **state) {
    (void)state;
    ftz_props_t p = {0};
    setenv("FTZ_BROKERS", "env:1", 1);
    assert_string_equal(ftz_kafka_brokers(NULL, NULL), "env:1");
    assert_string_equal(ftz_kafka_brokers("", &p), "env:1");
    assert_int_equal(ftz_props_set(&p, "bootstrap.servers", "prop:2"), FTZ_OK);
    assert_string_equal(ftz_kafka_brokers(NULL, &p), "prop:2");
    assert_string_equal(ftz_kafka_brokers("cli:3", &p), "cli:3");
    unsetenv("FTZ_BROKERS");
    assert_string_equal(ftz_kafka_brokers(NULL, NULL), "127.0.0.1:9092");

    /* The configuration librdkafka gets says the same. */
    char errstr[256], value[128];
    size_t size = sizeof(value);
    rd_kafka_conf_t *conf = ftz_kafka_conf_new(FTZ_KAFKA_PRODUCER, "cli:3", &p, errstr,
                                               sizeof(errstr));
    assert_non_null(conf);
    assert_int_equal(rd_kafka_conf_get(conf, "bootstrap.servers", value, &size),
                     RD_KAFKA_CONF_OK);
    assert_string_equal(value, "cli:3");
    rd_kafka_conf_destroy(conf);
    size = sizeof(value);
    conf = ftz_kafka_conf_new(FTZ_KAFKA_PRODUCER, NULL, &p, errstr, sizeof(errstr));
    assert_non_null(conf);
    assert_int_equal(rd_kafka_conf_get(conf, "bootstrap.servers", value, &size),
                     RD_KAFKA_CONF_OK);
    assert_string_equal(value, "prop:2");
    rd_kafka_conf_destroy(conf);
    ftz_props_free(&p);
}

/* A client made from either role's configuration never asks the broker to
 * create a topic (librdkafka's producer would by default: the property
 * reads false in a new configuration and becomes true in the handle).
 * Against a real broker: tests/stack/test_produce_autocreate.sh. */
static void test_no_topic_auto_creation(void **state) {
    (void)state;
    static const struct {
        ftz_kafka_role_t role;
        rd_kafka_type_t type;
    } roles[] = {{FTZ_KAFKA_PRODUCER, RD_KAFKA_PRODUCER}, {FTZ_KAFKA_CONSUMER, RD_KAFKA_CONSUMER}};
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(roles); i++) {
        char errstr[256], value[16];
        size_t size = sizeof(value);
        /* Port 1: nothing answers; the handle is only looked at. */
        rd_kafka_conf_t *conf =
            ftz_kafka_conf_new(roles[i].role, "127.0.0.1:1", NULL, errstr, sizeof(errstr));
        assert_non_null(conf);
        rd_kafka_t *rk = rd_kafka_new(roles[i].type, conf, errstr, sizeof(errstr));
        if (!rk) {
            rd_kafka_conf_destroy(conf);
            fail_msg("rd_kafka_new: %s", errstr);
        }
        assert_int_equal(rd_kafka_conf_get(rd_kafka_conf(rk), "allow.auto.create.topics", value,
                                           &size),
                         RD_KAFKA_CONF_OK);
        rd_kafka_destroy(rk);
        assert_string_equal(value, "false");
    }
}

FTZ_TEST_MAIN(cmocka_unit_test(test_file_syntax), cmocka_unit_test(test_errors_hide_secrets),
              cmocka_unit_test(test_brokers_precedence),
              cmocka_unit_test(test_no_topic_auto_creation))
