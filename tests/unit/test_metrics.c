/* The Prometheus text format (prom.c), the metrics server's endpoints and
 * readiness (metrics_server.c), the statistics parser and the lag
 * (agg_metrics.c), and the table of verdict codes (verdict.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixtures.h"
#include "agg_metrics.h"
#include "ftz/array.h"
#include "ftz/metrics_server.h"
#include "ftz/prom.h"
#include "ftz/rules.h"
#include "ftz/verdict.h"

static void test_histogram_text(void **state) {
    (void)state;
    static const double bounds[] = {1, 5, 10};
    ftz_histogram_t h;
    ftz_buf_t b = FTZ_BUF_INIT;
    ftz_histogram_init(&h, bounds, 3);
    ftz_histogram_observe(&h, 0.5);
    ftz_histogram_observe(&h, 1); /* le is inclusive */
    ftz_histogram_observe(&h, 7);
    ftz_histogram_observe(&h, 100);
    assert_int_equal(ftz_prom_histogram(&b, "ftz_consumer_batch_messages", &h), FTZ_OK);
    assert_non_null(strstr(b.data, "# TYPE ftz_consumer_batch_messages histogram\n"));
    assert_non_null(strstr(b.data, "ftz_consumer_batch_messages_bucket{le=\"1\"} 2\n"));
    assert_non_null(strstr(b.data, "ftz_consumer_batch_messages_bucket{le=\"5\"} 2\n"));
    assert_non_null(strstr(b.data, "ftz_consumer_batch_messages_bucket{le=\"10\"} 3\n"));
    assert_non_null(strstr(b.data, "ftz_consumer_batch_messages_bucket{le=\"+Inf\"} 4\n"));
    assert_non_null(strstr(b.data, "ftz_consumer_batch_messages_sum 108.5\n"));
    assert_non_null(strstr(b.data, "ftz_consumer_batch_messages_count 4\n"));
    ftz_buf_free(&b);
}

static void test_samples_and_escaping(void **state) {
    (void)state;
    ftz_buf_t b = FTZ_BUF_INIT;
    const char *labels[] = {"topic", "a\"b\\c\nd", "code", "RULE_TEU"};
    assert_int_equal(ftz_prom_family(&b, "ftz_consumer_dead_letters_total"), FTZ_OK);
    assert_int_equal(ftz_prom_sample(&b, "ftz_consumer_dead_letters_total", labels, 2, 3),
                     FTZ_OK);
    assert_non_null(strstr(b.data, "# TYPE ftz_consumer_dead_letters_total counter\n"));
    assert_non_null(strstr(b.data, "ftz_consumer_dead_letters_total{topic=\"a\\\"b\\\\c\\nd\","
                                   "code=\"RULE_TEU\"} 3\n"));
    /* A name missing from the table is refused, not written. */
    size_t len = b.len;
    assert_int_equal(ftz_prom_family(&b, "ftz_no_such_metric"), FTZ_ERR_INVALID_ARG);
    assert_int_equal(b.len, len);
    ftz_buf_free(&b);
}

/* Every name follows the conventions: ftz_ or process_ prefix, counters
 * end in _total, base units; the table has no duplicate. */
static void test_metric_table(void **state) {
    (void)state;
    int n;
    const ftz_metric_def_t *d = ftz_metric_defs(&n);
    assert_true(n > 20);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(d[i].name);
        if (strncmp(d[i].name, "ftz_", 4) != 0 && strncmp(d[i].name, "process_", 8) != 0)
            fail_msg("%s: no ftz_ or process_ prefix", d[i].name);
        int total = len > 6 && strcmp(d[i].name + len - 6, "_total") == 0;
        if ((d[i].type == FTZ_PROM_COUNTER) != total)
            fail_msg("%s: counters and only counters end in _total", d[i].name);
        if (strstr(d[i].name, "_ms") || strstr(d[i].name, "milli") || strstr(d[i].name, "_kb"))
            fail_msg("%s: not a base unit", d[i].name);
        for (int j = 0; j < i; j++)
            if (strcmp(d[i].name, d[j].name) == 0)
                fail_msg("%s: defined twice", d[i].name);
    }
}

static void test_verdict_table(void **state) {
    (void)state;
    for (int c = 0; c < FTZ_V__COUNT; c++) {
        const ftz_code_info_t *i = ftz_code_info((ftz_code_t)c);
        assert_non_null(i->code);
        assert_true(strlen(i->what) > 10);
        assert_true(i->where & FTZ_AT_BOTH);
        assert_int_equal(ftz_code_find(i->code), c);
    }
    assert_int_equal(ftz_code_find("NO_SUCH_CODE"), -1);
    /* The rules give rule codes only. */
    for (int t = 0; t < FTZ_REC__COUNT; t++) {
        int n;
        const ftz_rule_t *r = ftz_rules_table((ftz_rtype_t)t, &n);
        assert_true(n > 0);
        for (int k = 0; k < n; k++)
            assert_string_equal(ftz_code_info(r[k].code)->stage, "rules");
    }
    ftz_verdict_t v;
    assert_int_equal(ftz_verdict_set(&v, FTZ_V_RULE_TEU, "teu: %d", 9), FTZ_ERR_POISON);
    assert_string_equal(v.code, "RULE_TEU");
    assert_int_equal(v.id, FTZ_V_RULE_TEU);
}

static void test_readiness(void **state) {
    (void)state;
    char why[256];
    ftz_health_t h;
    memset(&h, 0, sizeof(h));
    h.max_age = 60;
    h.owned = -1; /* not a consumer */
    assert_int_equal(ftz_health_ready(&h, 1000, 5000, why, sizeof(why)), 1);
    h.owned = 0;
    assert_int_equal(ftz_health_ready(&h, 1000, 1001, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "owns no partition"));
    h.owned = 6;
    assert_int_equal(ftz_health_ready(&h, 1000, 1059, why, sizeof(why)), 1); /* grace */
    assert_int_equal(ftz_health_ready(&h, 1000, 1061, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "neither committed nor caught up with its 6 partitions for 61 s"));
    assert_non_null(strstr(why, "last commit: none since it started"));
    h.caught_up = 1050; /* quiet but caught up */
    assert_int_equal(ftz_health_ready(&h, 1000, 1100, why, sizeof(why)), 1);
    h.last_commit = 1090;
    assert_int_equal(ftz_health_ready(&h, 1000, 1140, why, sizeof(why)), 1);
    assert_int_equal(ftz_health_ready(&h, 1000, 1200, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "for 110 s (bound 60 s; last commit: 110 s ago)"));
    snprintf(h.trouble, sizeof(h.trouble), "PostgreSQL: connection refused");
    assert_int_equal(ftz_health_ready(&h, 1000, 1100, why, sizeof(why)), 0);
    assert_string_equal(why, "PostgreSQL: connection refused");
}

/* One HTTP/1.0 GET on 127.0.0.1:port; the whole answer in out. */
static void http_get(int port, const char *path, char *out, size_t out_size) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    char req[256];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: x\r\n\r\n", path);
    assert_int_equal(write(fd, req, (size_t)n), n);
    size_t got = 0;
    ssize_t r;
    while (got + 1 < out_size && (r = read(fd, out + got, out_size - 1 - got)) > 0)
        got += (size_t)r;
    out[got] = '\0';
    close(fd);
}

static void test_server(void **state) {
    (void)state;
    char errstr[256], out[65536];
    ftz_metrics_server_t *s = NULL, *s2 = NULL;
    assert_int_equal(ftz_metrics_server_start("nonsense", &s, errstr, sizeof(errstr)),
                     FTZ_ERR_INVALID_ARG);
    assert_non_null(strstr(errstr, "HOST:PORT"));
    /* getaddrinfo would cut these to 16 bits and serve elsewhere. */
    static const char *const bad[] = {"localhost:99999", "127.0.0.1:65536", "127.0.0.1: 80",
                                      "127.0.0.1:-1", "127.0.0.1:80x", ":9464"};
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(bad); i++) {
        if (ftz_metrics_server_start(bad[i], &s, errstr, sizeof(errstr)) != FTZ_ERR_INVALID_ARG)
            fail_msg("%s accepted", bad[i]);
        assert_null(s);
    }
    assert_int_equal(ftz_metrics_server_start("127.0.0.1:0", &s, errstr, sizeof(errstr)), FTZ_OK);
    assert_non_null(s);
    int port = ftz_metrics_server_port(s);
    assert_true(port > 0);
    /* The same port twice: refused with a clear error. */
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
    assert_int_equal(ftz_metrics_server_start(addr, &s2, errstr, sizeof(errstr)), FTZ_ERR_FATAL);
    assert_null(s2);
    assert_non_null(strstr(errstr, "cannot serve metrics"));

    ftz_health_t h;
    memset(&h, 0, sizeof(h));
    h.owned = 0;
    h.max_age = 60;
    const char text[] = "# HELP ftz_consumer_owned_partitions x\nftz_consumer_owned_partitions 0\n";
    assert_int_equal(ftz_metrics_server_publish(s, text, strlen(text), &h), 1);
    http_get(port, "/metrics", out, sizeof(out));
    assert_non_null(strstr(out, "HTTP/1.0 200") ? strstr(out, "HTTP/1.0 200")
                                                : strstr(out, "HTTP/1.1 200"));
    assert_non_null(strstr(out, "text/plain; version=0.0.4"));
    assert_non_null(strstr(out, "ftz_consumer_owned_partitions 0\n"));
    assert_non_null(strstr(out, "ftz_consumer_ready 0\n"));
    assert_non_null(strstr(out, "process_resident_memory_bytes "));
    assert_non_null(strstr(out, "ftz_build_info{version=\"" FTZ_VERSION "\"} 1\n"));
    http_get(port, "/readyz", out, sizeof(out));
    assert_non_null(strstr(out, " 503 "));
    assert_non_null(strstr(out, "not ready: owns no partition"));
    http_get(port, "/healthz", out, sizeof(out));
    assert_non_null(strstr(out, " 200 "));
    http_get(port, "/nowhere", out, sizeof(out));
    assert_non_null(strstr(out, " 404 "));

    h.owned = 3;
    h.last_commit = 1e10; /* in the future: just committed */
    assert_int_equal(ftz_metrics_server_publish(s, text, strlen(text), &h), 1);
    http_get(port, "/readyz", out, sizeof(out));
    assert_non_null(strstr(out, " 200 "));
    http_get(port, "/metrics", out, sizeof(out));
    assert_non_null(strstr(out, "ftz_consumer_ready 1\n"));
    ftz_metrics_server_stop(s);
}

static void test_statistics_lag(void **state) {
    (void)state;
    ftz_assignment_t asg;
    memset(&asg, 0, sizeof(asg));
    ftz_owned_t v[3];
    memset(v, 0, sizeof(v));
    char t[] = "p.ftz.rail.events";
    v[0] = (ftz_owned_t){.topic = t, .partition = 0, .committed = 40};
    v[1] = (ftz_owned_t){.topic = t, .partition = 1, .committed = -1};
    v[2] = (ftz_owned_t){.topic = t, .partition = 2, .committed = 5};
    asg.v = v;
    asg.n = 3;
    assert_int_equal(ftz_agg_total_lag(&asg), -1);
    const char json[] =
        "{\"name\":\"x\",\"topics\":{\"p.ftz.rail.events\":{\"partitions\":{"
        "\"0\":{\"partition\":0,\"hi_offset\":100,\"ls_offset\":90,\"lo_offset\":0},"
        "\"1\":{\"partition\":1,\"hi_offset\":50,\"ls_offset\":-1001,\"lo_offset\":10},"
        "\"2\":{\"partition\":2,\"hi_offset\":-1001,\"ls_offset\":-1001,\"lo_offset\":-1001},"
        "\"-1\":{\"partition\":-1}}}}}";
    ftz_agg_apply_statistics(&asg, json, strlen(json));
    assert_int_equal(ftz_agg_partition_lag(&v[0]), 50); /* ls_offset 90 - 40 */
    assert_int_equal(ftz_agg_partition_lag(&v[1]), 40); /* hi 50 - log start 10 */
    assert_int_equal(ftz_agg_partition_lag(&v[2]), -1); /* not fetched yet */
    assert_int_equal(ftz_agg_total_lag(&asg), 90);
    /* Garbage leaves what was known. */
    ftz_agg_apply_statistics(&asg, "{nope", 5);
    assert_int_equal(ftz_agg_total_lag(&asg), 90);
}

FTZ_TEST_MAIN(cmocka_unit_test(test_histogram_text),   cmocka_unit_test(test_samples_and_escaping),
              cmocka_unit_test(test_metric_table),     cmocka_unit_test(test_verdict_table),
              cmocka_unit_test(test_readiness),        cmocka_unit_test(test_server),
              cmocka_unit_test(test_statistics_lag))
