/* ftz aggregate: the consumer-group member that validates and aggregates
 * into PostgreSQL, exactly once (lib/src/aggregator.c does the work). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"
#include "ftz/aggregator.h"
#include "ftz/array.h"
#include "ftz/log.h"
#include "ftz/prom.h"
#include "ftz/topics.h"

enum {
    OPT_UNTIL_IDLE = FTZ_OPT__COMMON_END,
    OPT_BATCH,
    OPT_BATCH_MS,
    OPT_BATCH_BYTES,
    OPT_PREFIX,
    OPT_MAX_RECORD,
    OPT_CONNECT_TIMEOUT,
    OPT_ON_GAP,
    OPT_LOCK_TIMEOUT,
    OPT_STATEMENT_TIMEOUT,
    OPT_IDLE_TX_TIMEOUT,
    OPT_METRICS_ADDR,
    OPT_READY_MAX_AGE,
    OPT_STATS_INTERVAL,
    OPT_LIST_METRICS,
};

static void help(FILE *out) {
    fprintf(out,
            "Usage: ftz aggregate [-g GROUP] [options]\n"
            "\n"
            "Joins consumer group GROUP, reads the FTZ topics, decodes and validates\n"
            "every record, and per batch, in ONE PostgreSQL transaction, updates the\n"
            "aggregates, writes rejected records to ftz.dead_letters and stores the next\n"
            "offset of each partition (compare-and-set) in ftz.consumer_offsets. On\n"
            "assignment it starts from the offsets stored in PostgreSQL (the beginning\n"
            "when none). Stops cleanly on SIGINT/SIGTERM, committing the open batch.\n"
            "\n"
            "Options:\n"
            "  -g, --group GROUP        consumer group (default: ftz-aggregate)\n"
            "  -t, --type TYPE          customs, rail or registration (repeatable;\n"
            "                           default: all)\n"
            "      --topic-prefix P     consume P + the types' topics (default:\n"
            "                           $FTZ_TOPIC_PREFIX, else none)\n"
            "      --until-idle SEC     exit 0 once every assigned partition has been at\n"
            "                           its end for SEC seconds (batch runs, tests)\n"
            "      --connect-timeout SEC  with --until-idle: fail when no partition is\n"
            "                           assigned, or nothing arrives, for SEC seconds\n"
            "                           (unreachable brokers, a missing topic; default\n"
            "                           30). Without --until-idle the member keeps\n"
            "                           retrying and says so once.\n"
            "      --batch N            most messages per transaction (default 5000)\n"
            "      --batch-ms MS        longest a batch stays open (default 500)\n"
            "      --batch-bytes B      most bytes of messages and records in one batch\n"
            "                           (default 33554432, 32 MiB); two batches may be in\n"
            "                           memory, one filling while the other commits\n"
            "      --max-record-size B  largest record (Avro datum) decoded, in bytes;\n"
            "                           larger ones are dead letters (default 1048576)\n"
            "      --on-gap fail|skip   a stored offset outside the partition's log\n"
            "                           (records deleted before they were counted, or\n"
            "                           the topic re-created): fail (default) stops\n"
            "                           with an error naming the partition and the\n"
            "                           log's bounds, after committing the other\n"
            "                           partitions' open batch; skip moves to the log\n"
            "                           start and records the move in ftz.offset_moves\n"
            "      --pg-lock-timeout MS       PostgreSQL lock_timeout (default 10000)\n"
            "      --pg-statement-timeout MS  statement_timeout (default 120000)\n"
            "      --pg-idle-timeout MS       idle_in_transaction_session_timeout\n"
            "                           (default 15000): a member stopped inside a\n"
            "                           transaction frees its locks after this\n"
            "\n"
            "Operations (docs/monitoring.md, docs/metrics.md):\n"
            "      --metrics-addr HOST:PORT  serve /metrics (Prometheus text format),\n"
            "                           /healthz and /readyz over HTTP (PORT 0: any free\n"
            "                           port, logged); off by default\n"
            "      --ready-max-age SEC  /readyz fails when the member owns no partition,\n"
            "                           or has neither committed nor been caught up for\n"
            "                           SEC seconds (default 60)\n"
            "      --stats-interval SEC one stats line (rate, dead letters, lag, last\n"
            "                           commit) every SEC seconds (default 10; 0 or -q:\n"
            "                           none)\n"
            "      --list-metrics       print the metrics served and exit\n"
            "After each PostgreSQL commit the same offsets are committed to Kafka,\n"
            "asynchronously and for information only (kafka-consumer-groups shows the\n"
            "group's lag); PostgreSQL stays the truth.\n"
            "\n" FTZ_CLI_COMMON_HELP
            "\n"
            "Exit status: 0 clean stop; 1 fatal error (configuration, missing tables,\n"
            "authentication, an offset outside the log, a batch run that cannot reach\n"
            "Kafka); 2 usage error.\n");
}

/* The numeric options: their ranges, and where each goes. */
static const struct {
    int id;
    const char *name;
    double min, max;
    const char *unit;
} number_options[] = {
    {OPT_UNTIL_IDLE, "--until-idle", 0, 1e9, "seconds"},
    {OPT_BATCH, "--batch", 1, INT_MAX, "messages"},
    {OPT_BATCH_MS, "--batch-ms", 0, INT_MAX, "milliseconds"},
    {OPT_MAX_RECORD, "--max-record-size", 16, 1e12, "bytes"},
    {OPT_BATCH_BYTES, "--batch-bytes", 65536, 1e15, "bytes"},
    {OPT_CONNECT_TIMEOUT, "--connect-timeout", 1, 1e9, "seconds"},
    {OPT_LOCK_TIMEOUT, "--pg-lock-timeout", 1, INT_MAX, "milliseconds"},
    {OPT_STATEMENT_TIMEOUT, "--pg-statement-timeout", 1, INT_MAX, "milliseconds"},
    {OPT_IDLE_TX_TIMEOUT, "--pg-idle-timeout", 1, INT_MAX, "milliseconds"},
    {OPT_READY_MAX_AGE, "--ready-max-age", 1, 1e9, "seconds"},
    {OPT_STATS_INTERVAL, "--stats-interval", 0, 1e9, "seconds"},
};

/* Sets numeric option `opt` from arg: FTZ_EXIT_OK, or FTZ_EXIT_USAGE after
 * one line on stderr. */
static int number_option(ftz_aggregator_conf_t *conf, int opt, const char *arg) {
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(number_options); i++) {
        if (number_options[i].id != opt)
            continue;
        double v = ftz_cli_number("aggregate", number_options[i].name, arg);
        if (v < 0)
            return FTZ_EXIT_USAGE;
        /* Counts, bytes and milliseconds are whole; seconds may be 0.5. */
        if (strcmp(number_options[i].unit, "seconds") != 0 && v != (double)(long long)v) {
            fprintf(stderr, "ftz aggregate: %s must be a whole number of %s, not \"%s\"\n",
                    number_options[i].name, number_options[i].unit, arg);
            return FTZ_EXIT_USAGE;
        }
        if (v < number_options[i].min || v > number_options[i].max) {
            fprintf(stderr, "ftz aggregate: %s must be %.0f to %.0f %s\n", number_options[i].name,
                    number_options[i].min, number_options[i].max, number_options[i].unit);
            return FTZ_EXIT_USAGE;
        }
        switch (opt) {
        case OPT_UNTIL_IDLE: conf->until_idle_s = v; break;
        case OPT_BATCH: conf->batch_max = (int)v; break;
        case OPT_BATCH_MS: conf->batch_ms = (int)v; break;
        case OPT_MAX_RECORD: conf->max_record_size = (size_t)v; break;
        case OPT_BATCH_BYTES: conf->batch_bytes = (size_t)v; break;
        case OPT_CONNECT_TIMEOUT: conf->connect_timeout_s = v; break;
        case OPT_LOCK_TIMEOUT: conf->pg_lock_timeout_ms = (int)v; break;
        case OPT_STATEMENT_TIMEOUT: conf->pg_statement_timeout_ms = (int)v; break;
        case OPT_IDLE_TX_TIMEOUT: conf->pg_idle_tx_timeout_ms = (int)v; break;
        case OPT_READY_MAX_AGE: conf->ready_max_age_s = v; break;
        case OPT_STATS_INTERVAL: conf->stats_interval_s = v; break;
        }
        return FTZ_EXIT_OK;
    }
    return FTZ_EXIT_OK; /* not a numeric option: ftz_cli_next handled it */
}

int ftz_cmd_aggregate(int argc, char **argv) {
    static const struct option longopts[] = {
        FTZ_CLI_COMMON_LONG,
        {"group", required_argument, NULL, 'g'},
        {"type", required_argument, NULL, 't'},
        {"topic-prefix", required_argument, NULL, OPT_PREFIX},
        {"until-idle", required_argument, NULL, OPT_UNTIL_IDLE},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"batch-ms", required_argument, NULL, OPT_BATCH_MS},
        {"max-record-size", required_argument, NULL, OPT_MAX_RECORD},
        {"batch-bytes", required_argument, NULL, OPT_BATCH_BYTES},
        {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
        {"on-gap", required_argument, NULL, OPT_ON_GAP},
        {"pg-lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
        {"pg-statement-timeout", required_argument, NULL, OPT_STATEMENT_TIMEOUT},
        {"pg-idle-timeout", required_argument, NULL, OPT_IDLE_TX_TIMEOUT},
        {"metrics-addr", required_argument, NULL, OPT_METRICS_ADDR},
        {"ready-max-age", required_argument, NULL, OPT_READY_MAX_AGE},
        {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
        {"list-metrics", no_argument, NULL, OPT_LIST_METRICS},
        {NULL, 0, NULL, 0},
    };
    ftz_cli_t cli = {0};
    const char *topics[FTZ_REC__COUNT];
    char names[FTZ_REC__COUNT][FTZ_TOPIC_MAX + 1];
    int types[FTZ_REC__COUNT] = {0};
    const char *prefix = NULL;
    int n_topics = 0, opt, rc = FTZ_EXIT_FAILURE;
    ftz_aggregator_conf_t conf = {0};
    ftz_aggregator_stats_t stats;
    char errstr[512];

    /* First: a SIGTERM that comes while starting is a clean stop too. */
    ftz_cli_catch_signals();
    conf.group = "ftz-aggregate";
    conf.batch_max = 5000;
    conf.batch_ms = 500;
    conf.stats_interval_s = FTZ_AGG_STATS_INTERVAL_S;
    while ((opt = ftz_cli_next(&cli, argc, argv, FTZ_CLI_COMMON_SHORT "g:t:", longopts, help, &rc)) >= 0) {
        switch (opt) {
        case 'g':
            conf.group = optarg;
            break;
        case 't': {
            const ftz_record_type_t *rt = ftz_record_type_by_name(optarg);
            if (!rt) {
                fprintf(stderr, "ftz aggregate: unknown type \"%s\" (customs, rail, registration)\n", optarg);
                rc = FTZ_EXIT_USAGE;
                goto cleanup;
            }
            types[rt->id] = 1;
            break;
        }
        case OPT_PREFIX:
            prefix = optarg;
            break;
        case OPT_METRICS_ADDR:
            conf.metrics_addr = optarg;
            break;
        case OPT_LIST_METRICS: {
            ftz_buf_t md = FTZ_BUF_INIT;
            rc = ftz_prom_markdown(&md) ? FTZ_EXIT_FAILURE : FTZ_EXIT_OK;
            if (md.data)
                fputs(md.data, stdout);
            ftz_buf_free(&md);
            goto cleanup;
        }
        case OPT_ON_GAP:
            if (strcmp(optarg, "fail") == 0)
                conf.on_gap = FTZ_ON_GAP_FAIL;
            else if (strcmp(optarg, "skip") == 0)
                conf.on_gap = FTZ_ON_GAP_SKIP;
            else {
                fprintf(stderr, "ftz aggregate: --on-gap takes fail or skip, not \"%s\"\n",
                        optarg);
                rc = FTZ_EXIT_USAGE;
                goto cleanup;
            }
            break;
        default:
            if ((rc = number_option(&conf, opt, optarg)) != FTZ_EXIT_OK)
                goto cleanup;
            rc = FTZ_EXIT_FAILURE;
        }
    }
    if (opt == FTZ_CLI_STOP)
        goto cleanup;
    if (optind < argc) {
        fprintf(stderr, "ftz aggregate: unexpected argument \"%s\"\n", argv[optind]);
        rc = FTZ_EXIT_USAGE;
        goto cleanup;
    }
    int any = 0;
    for (int t = 0; t < FTZ_REC__COUNT; t++)
        any |= types[t];
    for (int t = 0; t < FTZ_REC__COUNT; t++)
        if (types[t] || !any) {
            ftz_topic_name(prefix, ftz_record_type((ftz_rtype_t)t)->topic, names[n_topics],
                           sizeof(names[n_topics]));
            topics[n_topics] = names[n_topics];
            n_topics++;
        }

    /* -q: no stats line, so no statistics either (unless --metrics-addr). */
    if (ftz_log_get_level() < FTZ_LOG_INFO)
        conf.stats_interval_s = 0;
    conf.brokers = cli.brokers;
    conf.props = &cli.props;
    conf.pg_conninfo = cli.pg;
    conf.topic_prefix = ftz_topic_prefix(prefix);
    conf.topics = topics;
    conf.n_topics = n_topics;
    conf.stop = &ftz_cli_stop;
    ftz_err_t err = ftz_aggregator_run(&conf, &stats, errstr, sizeof(errstr));
    if (err == FTZ_OK || stats.messages > 0) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        ftz_log(FTZ_LOG_INFO, "PG",
                "%llu messages in %llu batches: %llu counted, %llu rejected, %llu batches "
                "redone; peak memory %ld MiB",
                (unsigned long long)stats.messages, (unsigned long long)stats.batches,
                (unsigned long long)stats.counted, (unsigned long long)stats.rejected,
                (unsigned long long)stats.redone, ru.ru_maxrss / 1024);
        if (stats.drain_s > 0)
            ftz_log(FTZ_LOG_INFO, "PG",
                    "drain: %llu messages from first assignment to last commit in %.3f s "
                    "(%.0f messages/s)",
                    (unsigned long long)stats.messages, stats.drain_s,
                    stats.messages / stats.drain_s);
        for (int c = 0; c < FTZ_V__COUNT; c++) {
            uint64_t n = 0;
            for (int t = 0; t < n_topics; t++)
                n += stats.topic[t].by_code[c];
            if (n)
                ftz_log(FTZ_LOG_INFO, "RULES", "rejected %s: %llu",
                        ftz_code_name((ftz_code_t)c), (unsigned long long)n);
        }
    }
    if (err) {
        fprintf(stderr, "ftz aggregate: %s\n", errstr);
        rc = err == FTZ_ERR_INVALID_ARG ? FTZ_EXIT_USAGE : FTZ_EXIT_FAILURE;
        goto cleanup;
    }
    rc = FTZ_EXIT_OK;
cleanup:
    ftz_cli_free(&cli);
    return rc;
}
