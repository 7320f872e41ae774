/* ftz produce: JSON lines or CSV -> rules -> Avro single-object -> Kafka. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ftz/codec.h"
#include "ftz/csv_reader.h"
#include "ftz/csv_record.h"
#include "ftz/json.h"
#include "ftz/lines.h"
#include "ftz/log.h"
#include "ftz/metrics_server.h"
#include "ftz/produce_metrics.h"
#include "ftz/producer.h"
#include "ftz/rules.h"
#include "ftz/topics.h"
#include "produce_progress.h"

enum {
    OPT_SCHEMA_VERSION = FTZ_OPT__COMMON_END,
    OPT_REJECTS,
    OPT_PREFIX,
    OPT_SKIP_RULES,
    OPT_METRICS_ADDR,
    OPT_FORMAT,
    OPT_MAX_LINE_BYTES,
    OPT_TIMEOUT
};

#define DEFAULT_MAX_LINE_BYTES (1u << 20)
#define DEFAULT_TIMEOUT_S 30
#define FAILED_SHOWN 10 /* FILE:LINE of the first records not acknowledged */

static void help(FILE *out) {
    fprintf(out,
            "Usage: ftz produce -t TYPE [options] [FILE...]\n"
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
            "Options:\n"
            "  -t, --type TYPE          record type: customs, rail or registration\n"
            "      --topic-prefix P     send to P + the type's topic, e.g.\n"
            "                           P + ftz.customs.declarations (default:\n"
            "                           $FTZ_TOPIC_PREFIX, else none)\n"
            "  -f, --file FILE          an input file (repeatable; same as FILE...)\n"
            "      --format FMT         json or csv for every input (default: by each\n"
            "                           file's extension: .csv is CSV; .jsonl, .ndjson,\n"
            "                           .json, any other and standard input are JSON lines)\n"
            "      --max-line-bytes N   longest line (JSON) or record (CSV), bytes; a longer\n"
            "                           one is rejected (LINE_TOO_LONG) without being read\n"
            "                           into memory (default: %u)\n"
            "      --timeout SEC        how long a record may wait for the broker's\n"
            "                           acknowledgement (librdkafka's message.timeout.ms;\n"
            "                           -X message.timeout.ms wins); records not\n"
            "                           acknowledged by then are reported (default: %d)\n"
            "      --schema-version N   write schema version N (default: the newest)\n"
            "      --rejects FILE       also write rejected records, as read, to FILE (CSV\n"
            "                           ones after their file's header row; not those over\n"
            "                           --max-line-bytes)\n"
            "      --skip-rules         send records that break business rules (they\n"
            "                           must still map to the schema); for testing\n"
            "                           the consumers' dead-letter path only\n"
            "      --metrics-addr HOST:PORT  serve /metrics (Prometheus text format),\n"
            "                           /healthz and /readyz while sending (records\n"
            "                           read, rejected by code, sent, acknowledged,\n"
            "                           failed; delivery latency; docs/metrics.md)\n"
            "\n" FTZ_CLI_COMMON_HELP
            "\n"
            "On a terminal, a progress line; at the end, always one summary line (read,\n"
            "sent, acknowledged, rejected, failed, seconds; not with -q).\n"
            "\n"
            "Exit status: 0 every record sent and acknowledged; 3 some records rejected,\n"
            "the rest sent and acknowledged; 1 failure (records not acknowledged: their\n"
            "FILE:LINE are listed, and sending the same input again is safe; or a\n"
            "fatal error); 2 usage error.\n",
            DEFAULT_MAX_LINE_BYTES, DEFAULT_TIMEOUT_S);
}

typedef enum { FMT_AUTO, FMT_JSON, FMT_CSV } fmt_t;

typedef struct input_s {
    const char *path;  /* "-": standard input */
    const char *label; /* path, or "<stdin>" */
    fmt_t fmt;
    int fd;            /* owned unless standard input; -1 when not open */
    ftz_lines_t lines;
    ftz_csv_reader_t *csv;
    ftz_csv_map_t *map;
    char *header;      /* the CSV header row as read, for --rejects */
    size_t header_len;
    int header_written;
} input_t;

/* One run's state, shared by the steps below. */
typedef struct run_s {
    const ftz_record_type_t *rt;
    const char *topic;
    int skip_rules;
    int wait_ms;       /* how long a quiet input may keep the loop from polling */
    size_t max_line;
    FILE *rejects;
    const char *rejects_path;
    ftz_encoder_t *enc;
    ftz_producer_t *prod;
    ftz_metrics_server_t *metrics;
    time_t published;
    ftz_produce_counts_t counts;
    ftz_buf_t out;
    ftz_record_buf_t rec;
    /* Records not acknowledged: the first FAILED_SHOWN labels, and how many. */
    char *failed_labels[FAILED_SHOWN];
    unsigned long long failed_seen;
    int fatal;         /* a fatal error was reported: stop reading */
} run_t;

static void on_failure(const char *label, const char *reason, void *opaque) {
    run_t *r = opaque;
    (void)reason;
    if (r->failed_seen < FAILED_SHOWN)
        r->failed_labels[r->failed_seen] = strdup(label ? label : "?");
    r->failed_seen++;
}

/* The figures so far, for the metrics server (a busy server skips one). */
static void publish_metrics(run_t *r) {
    ftz_buf_t text = FTZ_BUF_INIT;
    ftz_health_t h;
    memset(&h, 0, sizeof(h));
    h.owned = -1;
    if (ftz_produce_render_metrics(&text, r->topic, &r->counts, r->prod) == FTZ_OK)
        ftz_metrics_server_publish(r->metrics, text.data ? text.data : "", text.len, &h);
    ftz_buf_free(&text);
}

/* Delivery reports, the figures and the progress line, now and then. */
static void tick(run_t *r, int poll) {
    if (poll)
        ftz_producer_poll(r->prod);
    if (r->metrics && time(NULL) != r->published) {
        publish_metrics(r);
        r->published = time(NULL);
    }
    ftz_progress_update(&r->counts, r->prod, 0);
}

/* Reports a rejected record and copies it (raw, may be NULL) to --rejects. */
static void reject(run_t *r, input_t *in, const char *where, ftz_code_t code,
                   const char *reason, const char *raw, size_t raw_len) {
    ftz_progress_printf("%s: %s %s\n", where, ftz_code_name(code), reason);
    r->counts.rejected++;
    r->counts.by_code[code]++;
    if (!r->rejects || !raw)
        return;
    if (in->header && !in->header_written) {
        fwrite(in->header, 1, in->header_len, r->rejects);
        fputc('\n', r->rejects);
        in->header_written = 1;
    }
    fwrite(raw, 1, raw_len, r->rejects);
    fputc('\n', r->rejects);
}

/* A record that mapped: rules, the schema version's fields, encoding,
 * sending. -1 after a fatal error (reported). */
static int send_record(run_t *r, input_t *in, const char *where, const char *raw,
                       size_t raw_len) {
    ftz_verdict_t v;
    char errstr[512];
    if ((!r->skip_rules && ftz_rules_check(r->rt, &r->rec, &v) != FTZ_OK) ||
        ftz_encoder_check_fields(r->enc, &r->rec, &v) != FTZ_OK) {
        reject(r, in, where, v.id, v.reason, raw, raw_len);
        return 0;
    }
    if (ftz_encoder_encode(r->enc, &r->rec, &r->out, errstr, sizeof(errstr)) != FTZ_OK) {
        ftz_progress_printf("ftz produce: %s: %s\n", where, errstr);
        return -1;
    }
    const char *key = ftz_record_key(r->rt, &r->rec);
    if (ftz_producer_send(r->prod, r->topic, key, strlen(key), r->out.data, r->out.len, where,
                          errstr, sizeof(errstr)) != FTZ_OK) {
        ftz_progress_printf("ftz produce: %s: %s\n", where, errstr);
        return -1;
    }
    r->counts.sent++;
    return 0;
}

/* Every line of a JSON lines input. -1 after a fatal error. */
static int run_json(run_t *r, input_t *in) {
    const char *line;
    size_t n;
    long lineno = 0;
    char errstr[512], where[600];
    ftz_lines_result_t got;
    while (!ftz_cli_stop && (got = ftz_lines_next(&in->lines, &line, &n, r->wait_ms, errstr,
                                                  sizeof(errstr))) != FTZ_LINES_EOF) {
        if (got == FTZ_LINES_ERROR) {
            ftz_progress_printf("ftz produce: %s:%ld: %s\n", in->label, lineno + 1, errstr);
            return -1;
        }
        if (got == FTZ_LINES_WAIT) {
            tick(r, 1);
            continue;
        }
        lineno++;
        snprintf(where, sizeof(where), "%s:%ld", in->label, lineno);
        if (got == FTZ_LINES_TOO_LONG) {
            char reason[200];
            snprintf(reason, sizeof(reason),
                     "a line longer than %zu bytes (--max-line-bytes): not read", r->max_line);
            r->counts.read++;
            reject(r, in, where, FTZ_V_LINE_TOO_LONG, reason, NULL, 0);
            tick(r, 0);
            continue;
        }
        size_t k = 0;
        while (k < n && (line[k] == ' ' || line[k] == '\t'))
            k++;
        if (k == n)
            continue; /* blank line */
        r->counts.read++;
        ftz_verdict_t v;
        if (ftz_json_to_record(r->rt, line, n, &r->rec, &v) != FTZ_OK)
            reject(r, in, where, v.id, v.reason, line, n);
        else if (send_record(r, in, where, line, n) != 0)
            return -1;
        tick(r, 0);
    }
    return 0;
}

/* Every record of a CSV input after its header (read by open_input). */
static int run_csv(run_t *r, input_t *in) {
    ftz_csv_row_t row;
    char errstr[512], where[600];
    ftz_csv_result_t got;
    while (!ftz_cli_stop && (got = ftz_csv_reader_next(in->csv, &row, r->wait_ms, errstr,
                                                       sizeof(errstr))) != FTZ_CSV_EOF) {
        if (got == FTZ_CSV_ERROR) {
            ftz_progress_printf("ftz produce: %s: %s\n", in->label, errstr);
            return -1;
        }
        if (got == FTZ_CSV_WAIT) {
            tick(r, 1);
            continue;
        }
        snprintf(where, sizeof(where), "%s:%ld", in->label, row.line);
        if (got == FTZ_CSV_TOO_LONG) {
            char reason[200];
            snprintf(reason, sizeof(reason),
                     "a record longer than %zu bytes (--max-line-bytes): not read",
                     r->max_line);
            r->counts.read++;
            reject(r, in, where, FTZ_V_LINE_TOO_LONG, reason, NULL, 0);
        } else if (got == FTZ_CSV_BAD) {
            r->counts.read++;
            reject(r, in, where, FTZ_V_BAD_CSV, errstr, row.raw, row.raw_len);
        } else if (!ftz_csv_row_blank(&row)) {
            ftz_verdict_t v;
            ftz_err_t err = ftz_csv_map_record(in->map, &row, &r->rec, &v);
            r->counts.read++;
            if (err == FTZ_ERR_POISON) {
                reject(r, in, where, v.id, v.reason, row.raw, row.raw_len);
            } else if (err != FTZ_OK) {
                ftz_progress_printf("ftz produce: %s: %s\n", where, v.reason);
                return -1;
            } else if (send_record(r, in, where, row.raw, row.raw_len) != 0) {
                return -1;
            }
        }
        tick(r, 0);
    }
    return 0;
}

static fmt_t format_of(const char *path, fmt_t given) {
    if (given != FMT_AUTO)
        return given;
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash) && strcasecmp(dot, ".csv") == 0)
        return FMT_CSV;
    return FMT_JSON; /* .jsonl, .ndjson, .json, anything else, standard input */
}

/* Opens an input; a CSV one's header is read and checked here, so that a
 * wrong column stops the run before any record is sent. -1 (reported). */
static int open_input(input_t *in, const ftz_record_type_t *rt, size_t max_line) {
    char errstr[512];
    in->fd = strcmp(in->path, "-") == 0 ? STDIN_FILENO : open(in->path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0) {
        fprintf(stderr, "ftz produce: %s: %s\n", in->path, strerror(errno));
        return -1;
    }
    if (in->fmt == FMT_JSON) {
        ftz_lines_init(&in->lines, in->fd);
        ftz_lines_set_max(&in->lines, max_line);
        return 0;
    }
    if (!(in->csv = ftz_csv_reader_new(in->fd, max_line, errstr, sizeof(errstr)))) {
        fprintf(stderr, "ftz produce: %s: %s\n", in->label, errstr);
        return -1;
    }
    ftz_csv_row_t row;
    ftz_csv_result_t got;
    do
        got = ftz_csv_reader_next(in->csv, &row, -1, errstr, sizeof(errstr));
    while (got == FTZ_CSV_ROW && ftz_csv_row_blank(&row));
    switch (got) {
    case FTZ_CSV_ROW:
        break;
    case FTZ_CSV_EOF:
        return 0; /* empty: no records (in->map stays NULL) */
    case FTZ_CSV_TOO_LONG:
    case FTZ_CSV_BAD:
        fprintf(stderr, "ftz produce: %s:%ld: header: %s\n", in->label, row.line, errstr);
        return -1;
    default:
        fprintf(stderr, "ftz produce: %s: %s\n", in->label, errstr);
        return -1;
    }
    if (!(in->map = ftz_csv_map_new(rt, &row, errstr, sizeof(errstr)))) {
        fprintf(stderr, "ftz produce: %s:%ld: %s\n", in->label, row.line, errstr);
        return -1;
    }
    if (!(in->header = malloc(row.raw_len + 1))) {
        fprintf(stderr, "ftz produce: out of memory\n");
        return -1;
    }
    memcpy(in->header, row.raw, row.raw_len);
    in->header_len = row.raw_len;
    return 0;
}

static void close_input(input_t *in) {
    ftz_lines_free(&in->lines);
    ftz_csv_reader_destroy(in->csv);
    ftz_csv_map_destroy(in->map);
    free(in->header);
    in->csv = NULL;
    in->map = NULL;
    in->header = NULL;
    if (in->fd > STDIN_FILENO)
        close(in->fd);
    in->fd = -1;
}

/* Waits for the last acknowledgements: each record is acknowledged or
 * failed within the message timeout of being sent; a little more is
 * allowed for the reports to arrive. */
static void flush_all(run_t *r, long timeout_ms) {
    char errstr[256];
    double until = ftz_progress_elapsed() + (timeout_ms > 0 ? timeout_ms / 1000.0 + 5 : 1e18);
    while (ftz_producer_flush(r->prod, 250, errstr, sizeof(errstr)) == FTZ_ERR_RETRIABLE &&
           ftz_progress_elapsed() < until) {
        if (r->metrics)
            publish_metrics(r);
        ftz_progress_update(&r->counts, r->prod, 0);
    }
    if (r->metrics)
        publish_metrics(r);
}

/* The line about records not acknowledged: how many, the brokers, why,
 * and the first FILE:LINE. */
static void report_unacknowledged(run_t *r, const char *brokers, const char *within,
                                  unsigned long long missing) {
    ftz_buf_t msg = FTZ_BUF_INIT;
    unsigned long long acked = ftz_producer_acked(r->prod);
    const char *transport = ftz_producer_transport_error(r->prod);
    if (acked == 0 && transport[0])
        ftz_buf_printf(&msg, "%llu records not sent: broker(s) %s not reachable within %s (%s)",
                       missing, brokers, within, transport);
    else
        ftz_buf_printf(&msg, "%llu of %llu records sent were not acknowledged by broker(s) %s "
                       "within %s (%s)", missing, (unsigned long long)r->counts.sent, brokers,
                       within, ftz_producer_failed(r->prod) ? ftz_producer_last_error(r->prod)
                                                            : "still waiting at the end");
    unsigned long long listed = 0;
    for (unsigned long long i = 0; i < r->failed_seen && i < FAILED_SHOWN; i++, listed++)
        ftz_buf_printf(&msg, "%s%s", i ? ", " : ": ", r->failed_labels[i]);
    if (missing > listed)
        ftz_buf_printf(&msg, "%s%llu more", listed ? " and " : ": ", missing - listed);
    ftz_progress_printf("ftz produce: %s\n", msg.data ? msg.data : "");
    ftz_buf_free(&msg);
}

int ftz_cmd_produce(int argc, char **argv) {
    static const struct option longopts[] = {
        FTZ_CLI_COMMON_LONG,
        {"type", required_argument, NULL, 't'},
        {"topic-prefix", required_argument, NULL, OPT_PREFIX},
        {"file", required_argument, NULL, 'f'},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"max-line-bytes", required_argument, NULL, OPT_MAX_LINE_BYTES},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"schema-version", required_argument, NULL, OPT_SCHEMA_VERSION},
        {"rejects", required_argument, NULL, OPT_REJECTS},
        {"skip-rules", no_argument, NULL, OPT_SKIP_RULES},
        {"metrics-addr", required_argument, NULL, OPT_METRICS_ADDR},
        {NULL, 0, NULL, 0},
    };
    ftz_cli_t cli = {0};
    const char *type = NULL, *prefix = NULL, *metrics_addr = NULL;
    char topic[FTZ_TOPIC_MAX + 1];
    int version = 0, opt, rc = FTZ_EXIT_FAILURE, ninputs = 0, stdin_inputs = 0;
    double timeout_s = DEFAULT_TIMEOUT_S;
    fmt_t given = FMT_AUTO;
    input_t *inputs = NULL;
    ftz_catalog_t *cat = NULL;
    ftz_props_t props = {0};
    char errstr[512];
    run_t r;
    memset(&r, 0, sizeof(r));
    r.max_line = DEFAULT_MAX_LINE_BYTES;

    /* -f FILE and FILE... in the order given. */
    if (!(inputs = calloc((size_t)argc + 1, sizeof(*inputs)))) {
        fprintf(stderr, "ftz produce: out of memory\n");
        goto cleanup;
    }
    while ((opt = ftz_cli_next(&cli, argc, argv, FTZ_CLI_COMMON_SHORT "t:f:", longopts, help,
                               &rc)) >= 0) {
        switch (opt) {
        case 't': type = optarg; break;
        case 'f': inputs[ninputs++].path = optarg; break;
        case OPT_PREFIX: prefix = optarg; break;
        case OPT_REJECTS: r.rejects_path = optarg; break;
        case OPT_SKIP_RULES: r.skip_rules = 1; break;
        case OPT_METRICS_ADDR: metrics_addr = optarg; break;
        case OPT_FORMAT:
            if (strcmp(optarg, "json") == 0) {
                given = FMT_JSON;
            } else if (strcmp(optarg, "csv") == 0) {
                given = FMT_CSV;
            } else {
                rc = ftz_cli_usage_error("produce", "--format must be json or csv, not \"%s\"",
                                         optarg);
                goto cleanup;
            }
            break;
        case OPT_MAX_LINE_BYTES: {
            double v = ftz_cli_number("produce", "--max-line-bytes", optarg);
            if (v < 1 || v != (double)(size_t)v || v > (double)FTZ_LINES_MAX) {
                if (v >= 0)
                    fprintf(stderr, "ftz produce: --max-line-bytes must be a whole number of "
                                    "bytes, 1 to %u\n", FTZ_LINES_MAX);
                rc = FTZ_EXIT_USAGE;
                goto cleanup;
            }
            r.max_line = (size_t)v;
            break;
        }
        case OPT_TIMEOUT: {
            double v = ftz_cli_number("produce", "--timeout", optarg);
            if (!(v >= 0.001) || v > 2000000) {
                if (v >= 0)
                    fprintf(stderr, "ftz produce: --timeout must be 0.001 to 2000000 seconds\n");
                rc = FTZ_EXIT_USAGE;
                goto cleanup;
            }
            timeout_s = v;
            break;
        }
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
    while (optind < argc)
        inputs[ninputs++].path = argv[optind++];
    if (!ninputs)
        inputs[ninputs++].path = "-";
    r.rt = type ? ftz_record_type_by_name(type) : NULL;
    if (!r.rt) {
        rc = ftz_cli_usage_error("produce", "-t TYPE is required: customs, rail or registration");
        goto cleanup;
    }
    for (int i = 0; i < ninputs; i++) {
        input_t *in = &inputs[i];
        in->fd = -1;
        stdin_inputs += strcmp(in->path, "-") == 0;
        in->label = strcmp(in->path, "-") == 0 ? "<stdin>" : in->path;
        in->fmt = format_of(strcmp(in->path, "-") == 0 ? "" : in->path, given);
    }
    if (stdin_inputs > 1) {
        rc = ftz_cli_usage_error("produce", "standard input (\"-\") can be read only once");
        goto cleanup;
    }
    ftz_topic_name(prefix, r.rt->topic, topic, sizeof(topic));
    r.topic = topic;

    /* Every input opened, and every CSV header checked, before anything
     * is sent. */
    for (int i = 0; i < ninputs; i++)
        if (open_input(&inputs[i], r.rt, r.max_line) != 0)
            goto cleanup;
    if (r.rejects_path && !(r.rejects = fopen(r.rejects_path, "w"))) {
        fprintf(stderr, "ftz produce: %s: %s\n", r.rejects_path, strerror(errno));
        goto cleanup;
    }
    ftz_err_t merr;
    if (metrics_addr &&
        (merr = ftz_metrics_server_start(metrics_addr, &r.metrics, errstr, sizeof(errstr)))) {
        fprintf(stderr, "ftz produce: %s\n", errstr);
        rc = merr == FTZ_ERR_INVALID_ARG ? FTZ_EXIT_USAGE : FTZ_EXIT_FAILURE;
        goto cleanup;
    }
    /* --timeout is librdkafka's message.timeout.ms, unless -X sets it. */
    char timeout_ms_text[32];
    long timeout_ms = (long)(timeout_s * 1000 + 0.5);
    snprintf(timeout_ms_text, sizeof(timeout_ms_text), "%ld", timeout_ms);
    if (ftz_props_set(&props, "message.timeout.ms", timeout_ms_text) != FTZ_OK) {
        fprintf(stderr, "ftz produce: out of memory\n");
        goto cleanup;
    }
    for (size_t i = 0; i < cli.props.n; i++)
        if (ftz_props_set(&props, cli.props.keys[i], cli.props.values[i]) != FTZ_OK) {
            fprintf(stderr, "ftz produce: out of memory\n");
            goto cleanup;
        }
    char within[80];
    const char *x_timeout = ftz_props_get(&cli.props, "message.timeout.ms");
    if (x_timeout) {
        timeout_ms = strtol(x_timeout, NULL, 10);
        snprintf(within, sizeof(within), "message.timeout.ms %s", x_timeout);
    } else {
        snprintf(within, sizeof(within), "--timeout %g s", timeout_s);
    }
    if (!(cat = ftz_catalog_new_embedded(errstr, sizeof(errstr))) ||
        !(r.enc = ftz_encoder_new(cat, r.rt->id, version, errstr, sizeof(errstr))) ||
        !(r.prod = ftz_producer_new(cli.brokers, &props, errstr, sizeof(errstr)))) {
        fprintf(stderr, "ftz produce: %s\n", errstr);
        rc = version ? FTZ_EXIT_USAGE : FTZ_EXIT_FAILURE;
        goto cleanup;
    }
    ftz_producer_on_failure(r.prod, on_failure, &r);
    ftz_cli_catch_signals();
    int progress = isatty(STDERR_FILENO) && ftz_log_get_level() >= FTZ_LOG_INFO;
    /* A quiet input (a pipe) never keeps the delivery reports, the
     * figures or the progress line waiting long. */
    r.wait_ms = progress ? 250 : 1000;
    ftz_progress_start(progress);

    for (int i = 0; i < ninputs && !ftz_cli_stop && !r.fatal; i++) {
        input_t *in = &inputs[i];
        if (in->fmt == FMT_CSV && !in->map)
            continue; /* an empty CSV file */
        if ((in->fmt == FMT_CSV ? run_csv(&r, in) : run_json(&r, in)) != 0)
            r.fatal = 1;
        close_input(in);
    }
    flush_all(&r, timeout_ms);
    ftz_progress_update(&r.counts, r.prod, 1);
    ftz_progress_stop();

    unsigned long long acked = ftz_producer_acked(r.prod);
    unsigned long long missing = r.counts.sent > acked ? r.counts.sent - acked : 0;
    if (ftz_log_get_level() >= FTZ_LOG_INFO)
        fprintf(stderr,
                "ftz produce: %llu records read, %llu sent, %llu acknowledged, %llu rejected, "
                "%llu failed in %.1f s (%s)\n",
                (unsigned long long)r.counts.read, (unsigned long long)r.counts.sent, acked,
                (unsigned long long)r.counts.rejected, missing, ftz_progress_elapsed(), topic);
    if (missing)
        report_unacknowledged(&r, ftz_kafka_brokers(cli.brokers), within, missing);
    if (ftz_cli_stop)
        fprintf(stderr, "ftz produce: interrupted: the rest of the input was not read\n");
    rc = r.fatal || missing || ftz_cli_stop ? FTZ_EXIT_FAILURE
         : r.counts.rejected                ? FTZ_EXIT_REJECTED
                                            : FTZ_EXIT_OK;
cleanup:
    ftz_progress_stop();
    ftz_metrics_server_stop(r.metrics);
    for (int i = 0; inputs && i < ninputs; i++)
        close_input(&inputs[i]);
    free(inputs);
    for (int i = 0; i < FAILED_SHOWN; i++)
        free(r.failed_labels[i]);
    ftz_buf_free(&r.out);
    ftz_producer_destroy(r.prod);
    ftz_encoder_destroy(r.enc);
    ftz_catalog_destroy(cat);
    ftz_props_free(&props);
    if (r.rejects && fclose(r.rejects) != 0 && rc != FTZ_EXIT_FAILURE) {
        fprintf(stderr, "ftz produce: %s: %s\n", r.rejects_path, strerror(errno));
        rc = FTZ_EXIT_FAILURE;
    }
    ftz_cli_free(&cli);
    return rc;
}
