/* ftz produce: JSON lines -> rules -> Avro single-object -> Kafka. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ftz/codec.h"
#include "ftz/json.h"
#include "ftz/lines.h"
#include "ftz/log.h"
#include "ftz/metrics_server.h"
#include "ftz/produce_metrics.h"
#include "ftz/producer.h"
#include "ftz/rules.h"
#include "ftz/topics.h"

enum {
    OPT_SCHEMA_VERSION = FTZ_OPT__COMMON_END,
    OPT_REJECTS,
    OPT_PREFIX,
    OPT_SKIP_RULES,
    OPT_METRICS_ADDR
};

static void help(FILE *out) {
    fprintf(out,
            "Usage: ftz produce -t TYPE [-f FILE] [options]\n"
            "\n"
            "Reads plain JSON lines (one record per line: enums as names, timestamps as\n"
            "RFC 3339 strings, money as decimal strings or numbers with at most two\n"
            "decimals), checks every rule of the record type, encodes each good line as\n"
            "Avro (single-object encoding) and sends it keyed by the record's id with\n"
            "the idempotent producer and acks=all. A bad line is reported on stderr as\n"
            "FILE:LINE: CODE field: reason and not sent.\n"
            "\n"
            "Options:\n"
            "  -t, --type TYPE          record type: customs, rail or registration\n"
            "      --topic-prefix P     send to P + the type's topic, e.g.\n"
            "                           P + ftz.customs.declarations (default:\n"
            "                           $FTZ_TOPIC_PREFIX, else none)\n"
            "  -f, --file FILE          input file (default: standard input)\n"
            "      --schema-version N   write schema version N (default: the newest)\n"
            "      --rejects FILE       also write rejected lines, as read, to FILE\n"
            "      --skip-rules         send records that break business rules (they\n"
            "                           must still map to the schema); for testing\n"
            "                           the consumers' dead-letter path only\n"
            "      --metrics-addr HOST:PORT  serve /metrics (Prometheus text format),\n"
            "                           /healthz and /readyz while sending (records\n"
            "                           read, rejected by code, sent, acknowledged,\n"
            "                           failed; delivery latency; docs/metrics.md)\n"
            "\n" FTZ_CLI_COMMON_HELP
            "\n"
            "Exit status: 0 every line sent and acknowledged; 3 some lines rejected,\n"
            "the rest sent and acknowledged; 1 failure (e.g. not acknowledged);\n"
            "2 usage error.\n");
}

/* The figures so far, for the metrics server (a busy server skips one). */
static void publish_metrics(ftz_metrics_server_t *m, const char *topic,
                            const ftz_produce_counts_t *c, const ftz_producer_t *p) {
    ftz_buf_t text = FTZ_BUF_INIT;
    ftz_health_t h;
    memset(&h, 0, sizeof(h));
    h.owned = -1;
    if (ftz_produce_render_metrics(&text, topic, c, p) == FTZ_OK)
        ftz_metrics_server_publish(m, text.data ? text.data : "", text.len, &h);
    ftz_buf_free(&text);
}

int ftz_cmd_produce(int argc, char **argv) {
    static const struct option longopts[] = {
        FTZ_CLI_COMMON_LONG,
        {"type", required_argument, NULL, 't'},
        {"topic-prefix", required_argument, NULL, OPT_PREFIX},
        {"file", required_argument, NULL, 'f'},
        {"schema-version", required_argument, NULL, OPT_SCHEMA_VERSION},
        {"rejects", required_argument, NULL, OPT_REJECTS},
        {"skip-rules", no_argument, NULL, OPT_SKIP_RULES},
        {"metrics-addr", required_argument, NULL, OPT_METRICS_ADDR},
        {NULL, 0, NULL, 0},
    };
    ftz_cli_t cli = {0};
    const char *type = NULL, *file = NULL, *rejects_path = NULL, *prefix = NULL;
    const char *metrics_addr = NULL;
    ftz_metrics_server_t *metrics = NULL;
    ftz_produce_counts_t counts;
    time_t published = 0;
    char topic[FTZ_TOPIC_MAX + 1];
    int version = 0, skip_rules = 0, opt, rc = FTZ_EXIT_FAILURE;
    FILE *in = NULL, *rejects = NULL;
    ftz_catalog_t *cat = NULL;
    ftz_encoder_t *enc = NULL;
    ftz_producer_t *prod = NULL;
    ftz_buf_t out = FTZ_BUF_INIT;
    ftz_lines_t lines = {0};
    const char *line = NULL;
    char errstr[512];
    unsigned long long sent = 0, rejected = 0;

    while ((opt = ftz_cli_next(&cli, argc, argv, FTZ_CLI_COMMON_SHORT "t:f:", longopts, help, &rc)) >= 0) {
        switch (opt) {
        case 't': type = optarg; break;
        case 'f': file = optarg; break;
        case OPT_PREFIX: prefix = optarg; break;
        case OPT_REJECTS: rejects_path = optarg; break;
        case OPT_SKIP_RULES: skip_rules = 1; break;
        case OPT_METRICS_ADDR: metrics_addr = optarg; break;
        case OPT_SCHEMA_VERSION: {
            double v = ftz_cli_number("produce", "--schema-version", optarg);
            if (v < 1 || v != (int)v) {
                fprintf(stderr, "ftz produce: --schema-version must be a version number >= 1\n");
                rc = FTZ_EXIT_USAGE;
                goto cleanup;
            }
            version = (int)v;
            break;
        }
        }
    }
    if (opt == FTZ_CLI_STOP)
        goto cleanup;
    if (optind < argc) {
        fprintf(stderr, "ftz produce: unexpected argument \"%s\"\n", argv[optind]);
        rc = FTZ_EXIT_USAGE;
        goto cleanup;
    }
    const ftz_record_type_t *rt = type ? ftz_record_type_by_name(type) : NULL;
    if (!rt) {
        fprintf(stderr, "ftz produce: -t TYPE is required: customs, rail or registration\n");
        rc = FTZ_EXIT_USAGE;
        goto cleanup;
    }
    ftz_topic_name(prefix, rt->topic, topic, sizeof(topic));
    const char *label = file ? file : "<stdin>";
    if (file && !(in = fopen(file, "r"))) {
        fprintf(stderr, "ftz produce: %s: %s\n", file, strerror(errno));
        goto cleanup;
    }
    if (rejects_path && !(rejects = fopen(rejects_path, "w"))) {
        fprintf(stderr, "ftz produce: %s: %s\n", rejects_path, strerror(errno));
        goto cleanup;
    }
    memset(&counts, 0, sizeof(counts));
    ftz_err_t merr;
    if (metrics_addr &&
        (merr = ftz_metrics_server_start(metrics_addr, &metrics, errstr, sizeof(errstr)))) {
        fprintf(stderr, "ftz produce: %s\n", errstr);
        rc = merr == FTZ_ERR_INVALID_ARG ? FTZ_EXIT_USAGE : FTZ_EXIT_FAILURE;
        goto cleanup;
    }
    if (!(cat = ftz_catalog_new_embedded(errstr, sizeof(errstr))) ||
        !(enc = ftz_encoder_new(cat, rt->id, version, errstr, sizeof(errstr))) ||
        !(prod = ftz_producer_new(cli.brokers, &cli.props, errstr, sizeof(errstr)))) {
        fprintf(stderr, "ftz produce: %s\n", errstr);
        rc = version ? FTZ_EXIT_USAGE : FTZ_EXIT_FAILURE;
        goto cleanup;
    }

    ftz_record_buf_t recbuf;
    void *rec = &recbuf;
    long lineno = 0;
    ftz_lines_result_t got;
    ftz_lines_init(&lines, in ? fileno(in) : STDIN_FILENO);
    size_t n;
    /* With a metrics endpoint, a quiet input (a pipe) does not stop the
     * delivery reports and the figures: wait for it a second at a time. */
    while ((got = ftz_lines_next(&lines, &line, &n, metrics ? 1000 : -1, errstr,
                                 sizeof(errstr))) != FTZ_LINES_EOF) {
        ftz_verdict_t v;
        char where[300];
        if (got == FTZ_LINES_ERROR) {
            fprintf(stderr, "ftz produce: %s: line %ld: %s\n", label, lineno + 1, errstr);
            goto cleanup;
        }
        if (got == FTZ_LINES_WAIT) {
            ftz_producer_poll(prod);
            publish_metrics(metrics, topic, &counts, prod);
            continue;
        }
        lineno++;
        size_t len = n;
        while (len && line[len - 1] == '\r')
            len--;
        size_t k = 0;
        while (k < len && (line[k] == ' ' || line[k] == '\t'))
            k++;
        if (k == len)
            continue; /* blank line */
        snprintf(where, sizeof(where), "%s:%ld", label, lineno);
        counts.read++;
        if (metrics && time(NULL) != published) {
            publish_metrics(metrics, topic, &counts, prod);
            published = time(NULL);
        }
        if (ftz_json_to_record(rt, line, len, rec, &v) != FTZ_OK ||
            (!skip_rules && ftz_rules_check(rt, rec, &v) != FTZ_OK)) {
            fprintf(stderr, "%s: %s %s\n", where, v.code, v.reason);
            if (rejects) {
                fwrite(line, 1, n, rejects);
                fputc('\n', rejects);
            }
            rejected++;
            counts.rejected++;
            counts.by_code[v.id]++;
            continue;
        }
        if (ftz_encoder_encode(enc, rec, &out, errstr, sizeof(errstr)) != FTZ_OK) {
            fprintf(stderr, "%s: %s\n", where, errstr);
            goto cleanup;
        }
        const char *key = ftz_record_key(rt, rec);
        if (ftz_producer_send(prod, topic, key, strlen(key), out.data, out.len, where, errstr,
                              sizeof(errstr)) != FTZ_OK) {
            fprintf(stderr, "ftz produce: %s: %s\n", where, errstr);
            goto cleanup;
        }
        sent++;
        counts.sent++;
    }
    /* Up to two minutes for the last acknowledgements; the figures are
     * published each second meanwhile. */
    ftz_err_t ferr = FTZ_ERR_RETRIABLE;
    for (int waited = 0; ferr == FTZ_ERR_RETRIABLE && waited < 120; waited++) {
        ferr = ftz_producer_flush(prod, 1000, errstr, sizeof(errstr));
        if (metrics)
            publish_metrics(metrics, topic, &counts, prod);
    }
    if (ferr != FTZ_OK) {
        fprintf(stderr, "ftz produce: %s\n", errstr);
        goto cleanup;
    }
    ftz_log(FTZ_LOG_INFO, "KAFKA", "%s: %llu records sent to %s and acknowledged, %llu rejected",
            label, sent, topic, rejected);
    if (metrics)
        publish_metrics(metrics, topic, &counts, prod);
    rc = rejected ? FTZ_EXIT_REJECTED : FTZ_EXIT_OK;
cleanup:
    ftz_metrics_server_stop(metrics);
    ftz_lines_free(&lines);
    ftz_buf_free(&out);
    ftz_producer_destroy(prod);
    ftz_encoder_destroy(enc);
    ftz_catalog_destroy(cat);
    if (in)
        fclose(in);
    if (rejects && fclose(rejects) != 0 && rc != FTZ_EXIT_FAILURE) {
        fprintf(stderr, "ftz produce: %s: %s\n", rejects_path, strerror(errno));
        rc = FTZ_EXIT_FAILURE;
    }
    ftz_cli_free(&cli);
    return rc;
}
