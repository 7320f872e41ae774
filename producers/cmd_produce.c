/* ftz produce: JSON lines or CSV -> rules -> Avro single-object -> Kafka. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "settings.h"
#include "ftz/array.h"
#include "ftz/log.h"
#include "ftz/topics.h"
#include "produce_file.h"
#include "produce_progress.h"
#include "produce_spool.h"

enum {
    OPT_SCHEMA_VERSION = FTZ_OPT__COMMON_END,
    OPT_REJECTS,
    OPT_PREFIX,
    OPT_SKIP_RULES,
    OPT_METRICS_ADDR,
    OPT_FORMAT,
    OPT_MAX_LINE_BYTES,
    OPT_TIMEOUT,
    OPT_SPOOL,
    OPT_SETTLE,
    OPT_LIST_SETTINGS,
};

/* What the options say (the table below fills it). */
typedef struct produce_opts_s {
    int type;                 /* index of type_names; -1: none given */
    const char *prefix;       /* NULL: $FTZ_TOPIC_PREFIX */
    int format;               /* index of format_names; -1: by extension */
    size_t max_line;
    double timeout_s;
    int version;              /* 0: the newest */
    const char *rejects;
    int skip_rules;
    const char *metrics_addr;
    const char *spool;
    double settle_s;
} produce_opts_t;

static const char *const type_names[] = {"customs", "rail", "registration", NULL};
static const char *const format_names[] = {"json", "csv", NULL};

#define AT(member) FTZ_SETTING_AT(produce_opts_t, member)
/* The settings of ftz produce: --help, parsing, the defaults and
 * docs/configuration.md come from this table. */
static const ftz_setting_t settings[] = {
    {.id = 't', .name = "type", .arg = "TYPE", .type = FTZ_SETTING_ENUM, .def = -1,
     .values = type_names, .help = "record type: customs, rail or registration", AT(type)},
    {.id = OPT_PREFIX, .name = "topic-prefix", .arg = "P", .type = FTZ_SETTING_STRING,
     .def_text = "$FTZ_TOPIC_PREFIX, else none",
     .help = "send to P + the type's topic, e.g. P + ftz.customs.declarations", AT(prefix)},
    {.id = 'f', .name = "file", .arg = "FILE", .type = FTZ_SETTING_STRING,
     .help = "an input file (repeatable; same as FILE...)"},
    {.id = OPT_FORMAT, .name = "format", .arg = "FMT", .type = FTZ_SETTING_ENUM, .def = -1,
     .values = format_names,
     .def_text = "by each file's extension: .csv is CSV; .jsonl, .ndjson, .json, any other "
                 "and standard input are JSON lines",
     .help = "json or csv for every input", AT(format)},
    {.id = OPT_MAX_LINE_BYTES, .name = "max-line-bytes", .arg = "N", .type = FTZ_SETTING_BYTES,
     .def = 1u << 20, .min = 1, .max = FTZ_LINES_MAX,
     .help = "longest line (JSON) or record (CSV), bytes; a longer one is rejected "
             "(LINE_TOO_LONG) without being read into memory",
     AT(max_line)},
    {.id = OPT_TIMEOUT, .name = "timeout", .arg = "SEC", .type = FTZ_SETTING_SECONDS, .def = 30,
     .min = 0.001, .max = 2000000,
     .help = "how long a record may wait for the broker's acknowledgement (librdkafka's "
             "message.timeout.ms; -X message.timeout.ms wins); records not acknowledged by "
             "then are reported",
     AT(timeout_s)},
    {.id = OPT_SCHEMA_VERSION, .name = "schema-version", .arg = "N", .type = FTZ_SETTING_INT,
     .def = 0, .def_text = "the newest", .min = 1, .max = INT_MAX,
     .help = "write schema version N", AT(version)},
    {.id = OPT_REJECTS, .name = "rejects", .arg = "FILE", .type = FTZ_SETTING_STRING,
     .help = "also write rejected records, as read, to FILE (CSV ones after their file's "
             "header row; not those over --max-line-bytes)",
     AT(rejects)},
    {.id = OPT_SKIP_RULES, .name = "skip-rules", .type = FTZ_SETTING_FLAG,
     .help = "send records that break business rules (they must still map to the schema); "
             "for testing the consumers' dead-letter path only",
     AT(skip_rules)},
    {.id = OPT_METRICS_ADDR, .name = "metrics-addr", .arg = "HOST:PORT",
     .type = FTZ_SETTING_STRING, .def_text = "off",
     .help = "serve /metrics (Prometheus text format), /healthz and /readyz while sending "
             "(records read, rejected by code, sent, acknowledged, failed; delivery latency; "
             "docs/metrics.md)",
     AT(metrics_addr)},
    {.id = OPT_SPOOL, .name = "spool", .arg = "DIR", .type = FTZ_SETTING_STRING,
     .help = "ingest files dropped into DIR (above; no FILE, -f, --format or --rejects)",
     AT(spool)},
    {.id = OPT_SETTLE, .name = "settle", .arg = "SEC", .type = FTZ_SETTING_SECONDS, .def = 2,
     .min = 0, .max = 86400,
     .help = "--spool: how long a file written in place must stay unchanged to be taken",
     AT(settle_s)},
    FTZ_SETTINGS_LIST_ROW(OPT_LIST_SETTINGS),
};
#undef AT
#define N_SETTINGS (FTZ_ARRAY_SIZE(settings))

static void help(FILE *out) {
    fprintf(out,
            "Usage: ftz produce -t TYPE [options] [FILE...]\n"
            "       ftz produce -t TYPE [options] --spool DIR\n"
            "\n"
            "Reads records from each FILE in turn (\"-\" or none: standard input), as\n"
            "JSON lines or CSV, checks every rule of the record type, encodes each good\n"
            "record as Avro (single-object encoding) and sends it keyed by the record's id\n"
            "with the idempotent producer and acks=all. A bad record is reported on\n"
            "stderr as FILE:LINE: CODE reason (LINE: where the record starts) and not sent.\n"
            "\n"
            "JSON lines: one object per line (enums as names, timestamps as RFC 3339\n"
            "strings, money as decimal strings or numbers with at most two decimals).\n"
            "CSV (RFC 4180): a header row of field names (any order; unknown or missing\n"
            "required columns stop the run before anything is sent), then one record per\n"
            "row; an empty cell is an absent field; quoted cells may hold commas, quotes\n"
            "(doubled) and line ends. Either may start with a UTF-8 BOM and end its lines\n"
            "with LF, CRLF or CR.\n"
            "\n"
            "--spool DIR: runs until SIGTERM or SIGINT, sending each complete file that\n"
            "appears in DIR (records of TYPE; one directory per type): a file renamed into\n"
            "DIR is taken at once, one written in place once its size and modification\n"
            "time have not changed for --settle seconds; names starting with \".\" or\n"
            "ending in .tmp or .part are left alone. Each file is moved to DIR/work/, sent,\n"
            "and once every record is acknowledged moved to DIR/done/ (with NAME.rejects\n"
            "beside it when records were rejected: FILE:LINE: CODE reason lines), else to\n"
            "DIR/failed/ with NAME.error saying why (an extension other than .csv, .jsonl,\n"
            ".ndjson or .json, a file that cannot be read, records not acknowledged).\n"
            "Files left in DIR/work/ by a run that stopped are sent again first. One line\n"
            "per file (read, sent, acknowledged, rejected, seconds, where it went).\n"
            "\n");
    ftz_settings_help(out, settings, N_SETTINGS);
    fprintf(out,
            "\n" FTZ_CLI_COMMON_HELP
            "\n"
            "On a terminal, a progress line; at the end, always one summary line (read,\n"
            "sent, acknowledged, rejected, failed, seconds; not with -q).\n"
            "\n"
            "Exit status: 0 every record sent and acknowledged; 3 some records rejected,\n"
            "the rest sent and acknowledged; 1 failure (records not acknowledged: their\n"
            "FILE:LINE are listed, and sending the same input again is safe; or a\n"
            "fatal error); 2 usage error. --spool: 0 stopped by SIGTERM or SIGINT (the file\n"
            "in progress finished within --timeout, else left in DIR/work/ for the next\n"
            "start); 1 DIR cannot be used, or the producer failed.\n");
}

int ftz_cmd_produce(int argc, char **argv) {
    ftz_cli_t cli = {0};
    ftz_settings_t set;
    produce_opts_t o;
    char topic[FTZ_TOPIC_MAX + 1];
    int opt, rc = FTZ_EXIT_FAILURE, ninputs = 0, stdin_inputs = 0;
    ftz_produce_fmt_t given;
    ftz_produce_input_t *inputs = NULL;
    FILE *rejects = NULL;
    ftz_catalog_t *cat = NULL;
    ftz_props_t props = {0};
    char errstr[512];
    ftz_produce_run_t r;
    memset(&r, 0, sizeof(r));
    memset(&o, 0, sizeof(o));

    /* -f FILE and FILE... in the order given. */
    if (!(inputs = calloc((size_t)argc + 1, sizeof(*inputs)))) {
        ftz_cli_error("produce", NULL, "out of memory");
        goto cleanup;
    }
    if (ftz_settings_init(&set, "produce", settings, N_SETTINGS, &o, errstr, sizeof(errstr)) !=
        FTZ_OK) {
        ftz_cli_error("produce", NULL, "%s", errstr);
        goto cleanup;
    }
    while ((opt = ftz_settings_next(&set, &cli, argc, argv, help, &rc)) >= 0) {
        switch (opt) {
        case 'f': inputs[ninputs++].path = optarg; break;
        case OPT_LIST_SETTINGS:
            ftz_settings_list(stdout, settings, N_SETTINGS, FTZ_KAFKA_PRODUCER);
            rc = FTZ_EXIT_OK;
            goto cleanup;
        }
    }
    if (opt == FTZ_CLI_STOP)
        goto cleanup;
    while (optind < argc)
        inputs[ninputs++].path = argv[optind++];
    r.rt = o.type >= 0 ? ftz_record_type_by_name(type_names[o.type]) : NULL;
    if (!r.rt) {
        rc = ftz_cli_usage_error("produce", "-t TYPE is required: customs, rail or "
                                            "registration");
        goto cleanup;
    }
    given = o.format == 0 ? FTZ_PRODUCE_FMT_JSON
            : o.format == 1 ? FTZ_PRODUCE_FMT_CSV
                            : FTZ_PRODUCE_FMT_AUTO;
    r.max_line = o.max_line;
    r.skip_rules = o.skip_rules;
    if (o.spool && (ninputs || o.rejects || given != FTZ_PRODUCE_FMT_AUTO)) {
        rc = ftz_cli_usage_error("produce", "--spool DIR takes no FILE, -f, --rejects or "
                                            "--format (each file's rejects go beside it)");
        goto cleanup;
    }
    if (!o.spool && ftz_settings_given(&set, OPT_SETTLE)) {
        rc = ftz_cli_usage_error("produce", "--settle applies to --spool DIR only");
        goto cleanup;
    }
    /* The spool directory before anything connects: a typo is one line,
     * not broker warnings first. */
    if (o.spool) {
        struct stat st;
        const char *why = NULL;
        if (stat(o.spool, &st) != 0)
            why = strerror(errno);
        else if (!S_ISDIR(st.st_mode))
            why = "not a directory";
        else if (access(o.spool, R_OK | W_OK | X_OK) != 0)
            why = strerror(errno);
        if (why) {
            ftz_cli_error("produce", NULL, "--spool %s: %s", o.spool, why);
            rc = FTZ_EXIT_FAILURE;
            goto cleanup;
        }
    }
    if (!o.spool && !ninputs)
        inputs[ninputs++].path = "-";
    for (int i = 0; i < ninputs; i++) {
        ftz_produce_input_t *in = &inputs[i];
        in->fd = -1;
        stdin_inputs += strcmp(in->path, "-") == 0;
        in->label = strcmp(in->path, "-") == 0 ? "<stdin>" : in->path;
        in->fmt = ftz_produce_format_of(strcmp(in->path, "-") == 0 ? "" : in->path, given);
    }
    if (stdin_inputs > 1) {
        rc = ftz_cli_usage_error("produce", "standard input (\"-\") can be read only once");
        goto cleanup;
    }
    ftz_topic_name(o.prefix, r.rt->topic, topic, sizeof(topic));
    r.topic = topic;
    if (strlen(ftz_topic_prefix(o.prefix)) + strlen(r.rt->topic) >= sizeof(topic) ||
        !ftz_topic_name_valid(topic)) {
        rc = ftz_cli_usage_error("produce", "--topic-prefix: \"%.60s%s\" is not a Kafka topic "
                                 "name (at most 249 of A-Z a-z 0-9 . _ -)", topic,
                                 strlen(topic) > 60 ? "..." : "");
        goto cleanup;
    }

    /* Every input opened, and every CSV header checked, before anything
     * is sent. */
    for (int i = 0; i < ninputs; i++)
        if (ftz_produce_input_open(&inputs[i], r.rt, r.max_line, errstr, sizeof(errstr)) !=
            FTZ_OK) {
            ftz_cli_error("produce", NULL, "%s", errstr);
            goto cleanup;
        }
    /* --rejects must not be one of the inputs: opening it would empty it. */
    struct stat rst;
    if (o.rejects && stat(o.rejects, &rst) == 0)
        for (int i = 0; i < ninputs; i++) {
            struct stat ist;
            if (fstat(inputs[i].fd, &ist) == 0 && ist.st_dev == rst.st_dev &&
                ist.st_ino == rst.st_ino && S_ISREG(ist.st_mode)) {
                rc = ftz_cli_usage_error("produce", "--rejects %s is also an input (%s): "
                                         "writing it would destroy it", o.rejects,
                                         inputs[i].label);
                goto cleanup;
            }
        }
    if (o.rejects && !(r.rejects = rejects = fopen(o.rejects, "w"))) {
        ftz_cli_error("produce", NULL, "%s: %s", o.rejects, strerror(errno));
        goto cleanup;
    }
    ftz_err_t merr;
    if (o.metrics_addr &&
        (merr = ftz_metrics_server_start(o.metrics_addr, &r.metrics, errstr, sizeof(errstr)))) {
        ftz_cli_error("produce", NULL, "%s", errstr);
        rc = merr == FTZ_ERR_INVALID_ARG ? FTZ_EXIT_USAGE : FTZ_EXIT_FAILURE;
        goto cleanup;
    }
    /* --timeout is librdkafka's message.timeout.ms, unless -X sets it. */
    char timeout_ms_text[32];
    long timeout_ms = (long)(o.timeout_s * 1000 + 0.5);
    snprintf(timeout_ms_text, sizeof(timeout_ms_text), "%ld", timeout_ms);
    if (ftz_props_set(&props, "message.timeout.ms", timeout_ms_text) != FTZ_OK) {
        ftz_cli_error("produce", NULL, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < cli.props.n; i++)
        if (ftz_props_set(&props, cli.props.keys[i], cli.props.values[i]) != FTZ_OK) {
            ftz_cli_error("produce", NULL, "out of memory");
            goto cleanup;
        }
    char within[80];
    const char *x_timeout = ftz_props_get(&cli.props, "message.timeout.ms");
    if (x_timeout) {
        timeout_ms = strtol(x_timeout, NULL, 10);
        snprintf(within, sizeof(within), "message.timeout.ms %s", x_timeout);
    } else {
        snprintf(within, sizeof(within), "--timeout %g s", o.timeout_s);
    }
    if (!(cat = ftz_catalog_new_embedded(errstr, sizeof(errstr))) ||
        !(r.enc = ftz_encoder_new(cat, r.rt->id, o.version, errstr, sizeof(errstr))) ||
        !(r.prod = ftz_producer_new(cli.brokers, &props, errstr, sizeof(errstr)))) {
        ftz_cli_error("produce", NULL, "%s", errstr);
        rc = o.version ? FTZ_EXIT_USAGE : FTZ_EXIT_FAILURE;
        goto cleanup;
    }
    /* The spool, a long-running service, says a missing topic at once
     * rather than filing every file away as failed. */
    if (o.spool && ftz_producer_has_topic(r.prod, topic, 10000, errstr, sizeof(errstr)) ==
                     FTZ_ERR_INVALID_ARG) {
        ftz_cli_error("produce", NULL, "%s", errstr);
        goto cleanup;
    }
    ftz_produce_run_attach(&r);
    ftz_cli_catch_signals();
    if (o.spool) {
        ftz_produce_spool_opts_t so = {
            .dir = o.spool,
            .settle_s = o.settle_s,
            .timeout_ms = timeout_ms,
            .brokers = ftz_kafka_brokers(cli.brokers, &cli.props),
            .within = within,
        };
        r.wait_ms = 1000;
        r.quiet_rejects = 1;
        /* After SIGTERM the file in progress may still be finished, within
         * the time a record may wait for its acknowledgement. */
        r.stop_grace_s = timeout_ms / 1000.0;
        ftz_progress_start(0);
        if (ftz_produce_spool(&r, &so, errstr, sizeof(errstr)) != FTZ_OK) {
            ftz_cli_error("produce", NULL, "%s", errstr);
            goto cleanup;
        }
        rc = FTZ_EXIT_OK;
        goto cleanup;
    }
    r.stop_grace_s = -1;
    int progress = isatty(STDERR_FILENO) && ftz_log_get_level() >= FTZ_LOG_INFO;
    /* A quiet input (a pipe) never keeps the delivery reports, the
     * figures or the progress line waiting long. */
    r.wait_ms = progress ? 250 : 1000;
    ftz_progress_start(progress);

    /* An input that cannot be read to its end (said) fails the run but
     * not the other inputs; a producer that fails stops it. */
    int fatal = 0, failed_inputs = 0, next;
    for (next = 0; next < ninputs && !ftz_cli_stop && !fatal; next++) {
        ftz_err_t ierr = ftz_produce_input_send(&r, &inputs[next]);
        if (ierr == FTZ_ERR_FATAL)
            fatal = 1;
        else if (ierr != FTZ_OK)
            failed_inputs++;
        ftz_produce_input_close(&inputs[next]);
    }
    /* Inputs an error kept from being read are named. */
    if (fatal && next < ninputs && !ftz_producer_refused(r.prod)[0]) {
        ftz_buf_t msg = FTZ_BUF_INIT;
        for (int k = next; k < ninputs; k++)
            ftz_buf_printf(&msg, "%s%s", k > next ? ", " : "", inputs[k].label);
        ftz_cli_error("produce", NULL, "not read: %s", msg.data ? msg.data : "");
        ftz_buf_free(&msg);
    }
    ftz_produce_flush(&r, timeout_ms);
    ftz_progress_update(&r.counts, r.prod, 1);
    /* Refused after the last record was sent (an ACL, say): said once. */
    const char *refused = ftz_producer_refused(r.prod);
    if (refused[0] && !fatal) {
        ftz_cli_error("produce", NULL, "%s", refused);
        fatal = 1;
    }
    ftz_progress_stop();

    unsigned long long acked = ftz_producer_acked(r.prod);
    unsigned long long missing = r.counts.sent > acked ? r.counts.sent - acked : 0;
    ftz_cli_info("produce",
                 "%llu records read, %llu sent, %llu acknowledged, %llu rejected, %llu failed in "
                 "%.1f s (%s)",
                 (unsigned long long)r.counts.read, (unsigned long long)r.counts.sent, acked,
                 (unsigned long long)r.counts.rejected, missing, ftz_progress_elapsed(), topic);
    if (missing && !refused[0]) {
        ftz_buf_t msg = FTZ_BUF_INIT;
        ftz_produce_describe_unacknowledged(&r, &msg, ftz_kafka_brokers(cli.brokers, &cli.props), within,
                                            missing, (unsigned long long)r.counts.sent, acked);
        ftz_cli_error("produce", NULL, "%s", msg.data ? msg.data : "");
        ftz_buf_free(&msg);
        /* Nothing acknowledged although the brokers answer: a topic that
         * does not exist is the likely reason; say so. */
        if (!acked && !ftz_producer_transport_error(r.prod)[0] &&
            ftz_producer_has_topic(r.prod, topic, 2000, errstr, sizeof(errstr)) ==
                FTZ_ERR_INVALID_ARG)
            ftz_cli_error("produce", NULL, "%s", errstr);
    }
    if (ftz_cli_stop)
        ftz_cli_error("produce", NULL, "interrupted: the rest of the input was not read");
    rc = fatal || failed_inputs || missing || ftz_cli_stop ? FTZ_EXIT_FAILURE
         : r.counts.rejected                ? FTZ_EXIT_REJECTED
                                            : FTZ_EXIT_OK;
cleanup:
    ftz_progress_stop();
    ftz_metrics_server_stop(r.metrics);
    for (int i = 0; inputs && i < ninputs; i++)
        ftz_produce_input_close(&inputs[i]);
    free(inputs);
    ftz_producer_destroy(r.prod);
    ftz_encoder_destroy(r.enc);
    ftz_catalog_destroy(cat);
    ftz_props_free(&props);
    ftz_produce_run_free(&r);
    if (rejects && fclose(rejects) != 0 && rc != FTZ_EXIT_FAILURE) {
        ftz_cli_error("produce", NULL, "%s: %s", o.rejects, strerror(errno));
        rc = FTZ_EXIT_FAILURE;
    }
    ftz_cli_free(&cli);
    return rc;
}
