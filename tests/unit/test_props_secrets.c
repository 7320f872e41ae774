/* Properties files (-F, lib/src/kafka.c): a file holding a secret
 * (sasl.password, ssl.key.password, ...) must be readable by its owner
 * only; the refusal names the file, the property and the fix, never the
 * value. A file without secrets may be readable by others. And which
 * librdkafka errors are refusals (ftz_kafka_refusal). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ftz/kafka.h"

/* Writes `text` to a new temporary file of mode `mode`; its path in `path`. */
static void write_file(char *path, const char *text, mode_t mode) {
    strcpy(path, "/tmp/ftz-test-props.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(close(fd), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static ftz_err_t load(const char *text, mode_t mode, char *errstr, size_t size) {
    char path[64];
    ftz_props_t props = {0};
    write_file(path, text, mode);
    ftz_err_t err = ftz_props_load_file(&props, path, errstr, size);
    unlink(path);
    ftz_props_free(&props);
    return err;
}

static void test_secret_needs_owner_only(void **state) {
    (void)state;
    char errstr[512];
    const char *text = "security.protocol=SASL_SSL\nsasl.username=u\nsasl.password=hunter2-secret\n";
    assert_int_equal(load(text, 0600, errstr, sizeof(errstr)), FTZ_OK);
    assert_int_equal(load(text, 0400, errstr, sizeof(errstr)), FTZ_OK);
    assert_int_equal(load(text, 0640, errstr, sizeof(errstr)), FTZ_ERR_INVALID_ARG);
    assert_non_null(strstr(errstr, "holds sasl.password but group or others may read it (mode 0640)"));
    assert_non_null(strstr(errstr, "chmod 600"));
    assert_null(strstr(errstr, "hunter2"));
    assert_int_equal(load(text, 0604, errstr, sizeof(errstr)), FTZ_ERR_INVALID_ARG);
    assert_int_equal(load("ssl.key.password=k3y\n", 0644, errstr, sizeof(errstr)),
                     FTZ_ERR_INVALID_ARG);
    assert_non_null(strstr(errstr, "ssl.key.password"));
    assert_null(strstr(errstr, "k3y"));
}

static void test_no_secret_any_mode(void **state) {
    (void)state;
    char errstr[512];
    assert_int_equal(load("security.protocol=SASL_SSL\nssl.ca.location=/etc/ftz/ca.crt\n", 0644,
                          errstr, sizeof(errstr)),
                     FTZ_OK);
    /* A commented-out password is no password. */
    assert_int_equal(load("# sasl.password=old\n", 0644, errstr, sizeof(errstr)), FTZ_OK);
}

/* A line "PASSWORD=" (base64 ends in '=') reaches librdkafka as a property
 * name it does not know: the error does not quote that name. */
static void test_unknown_name_not_shown(void **state) {
    (void)state;
    char errstr[512];
    ftz_props_t props = {0};
    assert_int_equal(ftz_props_add(&props, "S3cr3tPassw0rdZm9vYmFy=", errstr, sizeof(errstr)),
                     FTZ_OK);
    rd_kafka_conf_t *conf =
        ftz_kafka_conf_new(FTZ_KAFKA_PRODUCER, "127.0.0.1:1", &props, errstr, sizeof(errstr));
    assert_null(conf);
    assert_null(strstr(errstr, "S3cr3t"));
    assert_non_null(strstr(errstr, "no such configuration property"));
    ftz_props_free(&props);
    /* A mistyped property name is still named. */
    assert_int_equal(ftz_props_add(&props, "sasl.pasword=x", errstr, sizeof(errstr)), FTZ_OK);
    conf = ftz_kafka_conf_new(FTZ_KAFKA_PRODUCER, "127.0.0.1:1", &props, errstr, sizeof(errstr));
    assert_null(conf);
    assert_non_null(strstr(errstr, "-X sasl.pasword: No such configuration property"));
    ftz_props_free(&props);
    assert_true(ftz_props_is_secret("sasl.password"));
    assert_false(ftz_props_is_secret("sasl.username"));
}

static void test_refusals(void **state) {
    (void)state;
    assert_non_null(ftz_kafka_refusal(RD_KAFKA_RESP_ERR__AUTHENTICATION, "SASL authentication error"));
    const char *ssl = ftz_kafka_refusal(RD_KAFKA_RESP_ERR__SSL,
                                        "SSL handshake failed: certificate verify failed");
    assert_non_null(ssl);
    /* OpenSSL's words are the same for a wrong CA and a wrong host name. */
    assert_non_null(strstr(ssl, "not trusted (ssl.ca.location)"));
    assert_non_null(strstr(ssl, "does not name the host it was reached by (-b"));
    /* librdkafka < 2.6.1's SCRAM fails with Kafka 4 whatever the password. */
    const char *scram = ftz_kafka_refusal(
        RD_KAFKA_RESP_ERR__AUTHENTICATION,
        "SASL authentication error: Authentication failed during authentication due to "
        "invalid credentials with SASL mechanism SCRAM-SHA-512");
    assert_non_null(scram);
    assert_int_equal(strstr(scram, "sasl.mechanisms=PLAIN") != NULL,
                     rd_kafka_version() < 0x020601ff);
    const char *plain = ftz_kafka_refusal(RD_KAFKA_RESP_ERR__AUTHENTICATION,
                                          "SASL authentication error: Invalid username or password");
    assert_string_equal(plain, "Kafka refused the login (sasl.username/sasl.password)");
    assert_non_null(ftz_kafka_refusal(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, "x"));
    assert_non_null(ftz_kafka_refusal(RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED, "x"));
    /* Transport trouble is retried, not a refusal. */
    assert_null(ftz_kafka_refusal(RD_KAFKA_RESP_ERR__TRANSPORT, "Connection refused"));
    assert_null(ftz_kafka_refusal(RD_KAFKA_RESP_ERR__SSL, "SSL handshake failed: Disconnected"));
    assert_null(ftz_kafka_refusal(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, "1/1 brokers are down"));
}

FTZ_TEST_MAIN(cmocka_unit_test(test_secret_needs_owner_only),
              cmocka_unit_test(test_no_secret_any_mode),
              cmocka_unit_test(test_unknown_name_not_shown), cmocka_unit_test(test_refusals))
