/* ftz consume: print a topic's records as JSON lines, kcat style, for
 * operators. Reads partitions directly (no consumer group, no offsets
 * stored anywhere). A record that cannot be decoded is printed with its
 * error, never skipped. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ftz/codec.h"
#include "ftz/json.h"
#include "ftz/log.h"
#include "ftz/utf8.h"
#include "ftz/topics.h"

enum { OPT_PREFIX = FTZ_OPT__COMMON_END, OPT_TOPIC };

#define HEX_MAX 256 /* bytes of an undecodable value shown in hex */

static void help(FILE *out) {
    fprintf(out,
            "Usage: ftz consume -t TYPE | --topic NAME [-o beginning|end|OFFSET]\n"
            "                   [-c COUNT] [-e]\n"
            "\n"
            "Prints every record of a topic as one JSON line: topic, partition, offset,\n"
            "key, timestamp and the decoded record, or, for bytes that do not decode,\n"
            "the error (code and reason) and the first bytes in hex. Reads partitions\n"
            "directly: no consumer group joins, no offset is stored.\n"
            "\n"
            "Options:\n"
            "  -t, --type TYPE        customs, rail, registration or deadletter\n"
            "      --topic NAME       any topic (records of every known type decode)\n"
            "      --topic-prefix P   with -t: read P + the type's topic (default:\n"
            "                         $FTZ_TOPIC_PREFIX, else none)\n"
            "  -p, --partition N      only partition N (default: all)\n"
            "  -o, --offset WHERE     beginning (default), end, or an offset in each\n"
            "                         partition; a negative number -N: the last N\n"
            "  -c, --count COUNT      stop after COUNT records\n"
            "  -e, --exit             stop at the end of every partition\n"
            "\n" FTZ_CLI_COMMON_HELP
            "\n"
            "Exit status: 0 done (or interrupted); 1 failure; 2 usage error.\n");
}

static void put_hex(json_t *o, const char *name, const void *data, size_t len) {
    static const char digits[] = "0123456789abcdef";
    char hex[2 * HEX_MAX + 1];
    const unsigned char *p = data;
    size_t n = len < HEX_MAX ? len : HEX_MAX;
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[p[i] >> 4];
        hex[2 * i + 1] = digits[p[i] & 15];
    }
    hex[2 * n] = '\0';
    json_object_set_new(o, name, json_string(hex));
}

/* One message as a JSON object; the caller prints and frees it. */
static json_t *message_json(ftz_decoder_t *dec, const rd_kafka_message_t *m) {
    json_t *o = json_object();
    ftz_record_buf_t rec;
    ftz_verdict_t v;
    const ftz_record_type_t *rt = NULL;
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(m, &tstype);

    json_object_set_new(o, "topic", json_string(rd_kafka_topic_name(m->rkt)));
    json_object_set_new(o, "partition", json_integer(m->partition));
    json_object_set_new(o, "offset", json_integer(m->offset));
    if (m->key && ftz_utf8_valid(m->key, m->key_len))
        json_object_set_new(o, "key", json_stringn(m->key, m->key_len));
    else if (m->key)
        put_hex(o, "key_hex", m->key, m->key_len);
    else
        json_object_set_new(o, "key", json_null());
    if (ts >= 0)
        json_object_set_new(o, "timestamp", json_integer(ts));

    rd_kafka_headers_t *hdrs = NULL;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        json_t *h = json_object();
        const char *name;
        const void *val;
        size_t size;
        for (size_t i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &val, &size); i++)
            json_object_set_new(h, name, val ? json_stringn(val, size) : json_null());
        json_object_set_new(o, "headers", h);
    }

    if (ftz_decoder_decode(dec, m->payload, m->payload ? m->len : 0, &rt, &rec, &v) == FTZ_OK) {
        ftz_buf_t b = FTZ_BUF_INIT;
        json_error_t jerr;
        json_t *r = NULL;
        if (ftz_json_from_record(rt, &rec, &b) == FTZ_OK)
            r = json_loadb(b.data, b.len, 0, &jerr);
        ftz_buf_free(&b);
        json_object_set_new(o, "type", json_string(rt->short_name));
        json_object_set_new(o, "record", r ? r : json_null());
    } else {
        json_t *e = json_object();
        json_object_set_new(e, "code", json_string(v.code));
        json_object_set_new(e, "reason", json_string(v.reason));
        json_object_set_new(o, "error", e);
        json_object_set_new(o, "value_size", json_integer(m->payload ? (json_int_t)m->len : -1));
        if (m->payload)
            put_hex(o, "value_hex", m->payload, m->len);
    }
    return o;
}

int ftz_cmd_consume(int argc, char **argv) {
    static const struct option longopts[] = {
        FTZ_CLI_COMMON_LONG,
        {"type", required_argument, NULL, 't'},
        {"topic", required_argument, NULL, OPT_TOPIC},
        {"topic-prefix", required_argument, NULL, OPT_PREFIX},
        {"partition", required_argument, NULL, 'p'},
        {"offset", required_argument, NULL, 'o'},
        {"count", required_argument, NULL, 'C'},
        {"exit", no_argument, NULL, 'e'},
        {NULL, 0, NULL, 0},
    };
    ftz_cli_t cli = {0};
    int opt, rc = FTZ_EXIT_FAILURE, exit_at_end = 0, only_partition = -1;
    const char *type = NULL, *topic_arg = NULL, *prefix = NULL, *where = "beginning";
    long long count = -1, printed = 0;
    char topic[FTZ_TOPIC_MAX + 1], errstr[512], why[512];
    ftz_catalog_t *cat = NULL;
    ftz_decoder_t *dec = NULL;
    rd_kafka_t *rk = NULL;
    rd_kafka_conf_t *conf = NULL;
    rd_kafka_topic_partition_list_t *parts = NULL;
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = NULL;
    int *at_end = NULL;

    /* -c COUNT as in kcat; the properties file is -F, as in kcat. */
    while ((opt = ftz_cli_next(&cli, argc, argv, FTZ_CLI_COMMON_SHORT "t:p:o:C:ec:", longopts, help, &rc)) >= 0) {
        switch (opt) {
        case 't': type = optarg; break;
        case OPT_TOPIC: topic_arg = optarg; break;
        case OPT_PREFIX: prefix = optarg; break;
        case 'o': where = optarg; break;
        case 'e': exit_at_end = 1; break;
        case 'p':
        case 'c': /* kcat's -c COUNT */
        case 'C': {
            char *end;
            long long n = strtoll(optarg, &end, 10);
            if (!*optarg || *end || n < 0) {
                rc = ftz_cli_usage_error("consume", "-%c: \"%s\" is not a non-negative number",
                                         opt, optarg);
                goto cleanup;
            }
            if (opt == 'p')
                only_partition = (int)n;
            else
                count = n;
            break;
        }
        }
    }
    if (opt == FTZ_CLI_STOP)
        goto cleanup;
    if (optind < argc || (!type == !topic_arg)) {
        rc = ftz_cli_usage_error("consume", "give exactly one of -t TYPE or --topic NAME");
        goto cleanup;
    }
    if (topic_arg) {
        snprintf(topic, sizeof(topic), "%s", topic_arg);
    } else if (strcmp(type, "deadletter") == 0) {
        ftz_topic_name(prefix, FTZ_TOPIC_DEADLETTER, topic, sizeof(topic));
    } else {
        const ftz_record_type_t *rt = ftz_record_type_by_name(type);
        if (!rt) {
            rc = ftz_cli_usage_error("consume", "unknown type \"%s\" (customs, rail, "
                                     "registration, deadletter)", type);
            goto cleanup;
        }
        ftz_topic_name(prefix, rt->topic, topic, sizeof(topic));
    }
    int64_t start;
    char *end;
    if (strcmp(where, "beginning") == 0)
        start = RD_KAFKA_OFFSET_BEGINNING;
    else if (strcmp(where, "end") == 0)
        start = RD_KAFKA_OFFSET_END;
    else {
        long long n = strtoll(where, &end, 10);
        if (!*where || *end) {
            rc = ftz_cli_usage_error("consume", "-o %s: expected beginning, end or a number",
                                     where);
            goto cleanup;
        }
        start = n >= 0 ? n : RD_KAFKA_OFFSET_TAIL(-n);
    }

    if (!(cat = ftz_catalog_new_embedded(errstr, sizeof(errstr))) ||
        !(dec = ftz_decoder_new(cat, errstr, sizeof(errstr))) ||
        !(conf = ftz_kafka_conf_new(FTZ_KAFKA_CONSUMER, cli.brokers, &cli.props, errstr,
                                    sizeof(errstr)))) {
        ftz_cli_error("consume", NULL, "%s", errstr);
        goto cleanup;
    }
    /* A group id is required by the consumer API; no offset is ever stored. */
    rd_kafka_conf_set(conf, "group.id", "ftz-consume-cli", why, sizeof(why));
    if (!(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why)))) {
        ftz_cli_error("consume", NULL, "%s", why);
        goto cleanup;
    }
    conf = NULL;
    rkt = rd_kafka_topic_new(rk, topic, NULL);
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
    if (err || md->topic_cnt != 1 || md->topics[0].err) {
        ftz_cli_error("consume", NULL, "topic %s: %s", topic,
                      rd_kafka_err2str(err              ? err
                                       : md->topic_cnt ? md->topics[0].err
                                                       : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC));
        goto cleanup;
    }
    int nparts = md->topics[0].partition_cnt;
    parts = rd_kafka_topic_partition_list_new(nparts);
    for (int i = 0; i < nparts; i++) {
        int32_t p = md->topics[0].partitions[i].id;
        if (only_partition < 0 || p == only_partition)
            rd_kafka_topic_partition_list_add(parts, topic, p)->offset = start;
    }
    if (parts->cnt == 0) {
        ftz_cli_error("consume", NULL, "topic %s has no partition %d", topic, only_partition);
        rc = FTZ_EXIT_USAGE;
        goto cleanup;
    }
    if (!(at_end = calloc((size_t)nparts + 1, sizeof(*at_end)))) {
        ftz_cli_error("consume", NULL, "out of memory");
        goto cleanup;
    }
    rd_kafka_poll_set_consumer(rk);
    if ((err = rd_kafka_assign(rk, parts))) {
        ftz_cli_error("consume", NULL, "assign: %s", rd_kafka_err2str(err));
        goto cleanup;
    }
    ftz_cli_catch_signals();
    int ends = 0;
    while (!ftz_cli_stop && (count < 0 || printed < count)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (m->partition >= 0 && m->partition < nparts && !at_end[m->partition]++)
                ends++;
            rd_kafka_message_destroy(m);
            if (exit_at_end && ends >= parts->cnt)
                break;
            continue;
        }
        if (m->err) {
            ftz_log(FTZ_LOG_WARNING, "KAFKA", "%s", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        if (m->partition >= 0 && m->partition < nparts && at_end[m->partition]) {
            at_end[m->partition] = 0;
            ends--;
        }
        json_t *o = message_json(dec, m);
        rd_kafka_message_destroy(m);
        char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (!line || fprintf(stdout, "%s\n", line) < 0) {
            free(line);
            ftz_cli_error("consume", NULL, "write: %s", strerror(errno));
            goto cleanup;
        }
        free(line);
        printed++;
    }
    if (fflush(stdout) != 0) {
        ftz_cli_error("consume", NULL, "write: %s", strerror(errno));
        goto cleanup;
    }
    rc = FTZ_EXIT_OK;
cleanup:
    free(at_end);
    if (parts)
        rd_kafka_topic_partition_list_destroy(parts);
    if (md)
        rd_kafka_metadata_destroy(md);
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    if (rk) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    if (conf)
        rd_kafka_conf_destroy(conf);
    ftz_decoder_destroy(dec);
    ftz_catalog_destroy(cat);
    ftz_cli_free(&cli);
    return rc;
}
