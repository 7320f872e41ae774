/* ftz aggregate: the consumer-group member that validates and aggregates
 * into PostgreSQL, exactly once (lib/src/aggregator.c does the work). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"
#include "settings.h"
#include "ftz/aggregator.h"
#include "ftz/avro_check.h"
#include "ftz/array.h"
#include "ftz/log.h"
#include "ftz/prom.h"
#include "ftz/sink.h"
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
    OPT_LIST_SETTINGS,
};

#define DEFAULT_GROUP "ftz-aggregate"

static const char *const type_names[] = {"customs", "rail", "registration", NULL};
/* --on-gap stores the index of its value: fail, skip. */
static const char *const on_gap_names[] = {"fail", "skip", NULL};
_Static_assert(FTZ_ON_GAP_FAIL == 0 && FTZ_ON_GAP_SKIP == 1, "on_gap_names");

#define AT(member) FTZ_SETTING_AT(ftz_aggregator_conf_t, member)
/* The settings of ftz aggregate: --help, parsing, the defaults and
 * docs/configuration.md come from this table. Rows of no member (AT) are
 * handled by the command below. */
static const ftz_setting_t settings[] = {
    {.id = 'g', .name = "group", .arg = "GROUP", .type = FTZ_SETTING_STRING,
     .def_text = DEFAULT_GROUP, .help = "consumer group", AT(group)},
    {.id = 't', .name = "type", .arg = "TYPE", .type = FTZ_SETTING_ENUM, .def = -1,
     .def_text = "all", .values = type_names, .help = "customs, rail or registration; repeatable"},
    {.id = OPT_PREFIX, .name = "topic-prefix", .arg = "P", .type = FTZ_SETTING_STRING,
     .def_text = "$FTZ_TOPIC_PREFIX, else none", .help = "consume P + the types' topics",
     AT(topic_prefix)},
    {.id = OPT_UNTIL_IDLE, .name = "until-idle", .arg = "SEC", .type = FTZ_SETTING_SECONDS,
     .def = 0, .def_text = "none: run until stopped", .min = 0, .max = 1e9,
     .help = "exit 0 once every assigned partition has been at its end for SEC seconds "
             "(batch runs, tests)",
     AT(until_idle_s)},
    {.id = OPT_CONNECT_TIMEOUT, .name = "connect-timeout", .arg = "SEC",
     .type = FTZ_SETTING_SECONDS, .def = FTZ_AGG_CONNECT_TIMEOUT_S, .min = 1, .max = 1e9,
     .help = "with --until-idle: fail when no partition is assigned, or nothing arrives, for "
             "SEC seconds (unreachable brokers, a missing topic); without --until-idle the "
             "member keeps retrying and says so once",
     AT(connect_timeout_s)},
    {.id = OPT_BATCH, .name = "batch", .arg = "N", .type = FTZ_SETTING_INT, .def = 5000,
     .min = 1, .max = INT_MAX, .help = "most messages per transaction", AT(batch_max)},
    {.id = OPT_BATCH_MS, .name = "batch-ms", .arg = "MS", .type = FTZ_SETTING_MS, .def = 500,
     .min = 0, .max = INT_MAX, .help = "longest a batch stays open", AT(batch_ms)},
    {.id = OPT_BATCH_BYTES, .name = "batch-bytes", .arg = "B", .type = FTZ_SETTING_BYTES,
     .def = FTZ_AGG_BATCH_BYTES, .min = 65536, .max = 1e15,
     .help = "most bytes of messages and records in one batch; two batches may be in memory, "
             "one filling while the other commits",
     AT(batch_bytes)},
    {.id = OPT_MAX_RECORD, .name = "max-record-size", .arg = "B", .type = FTZ_SETTING_BYTES,
     .def = FTZ_AVRO_MAX_RECORD_SIZE, .min = 16, .max = 1e12,
     .help = "largest record (Avro datum) decoded, in bytes; larger ones are dead letters",
     AT(max_record_size)},
    {.id = OPT_ON_GAP, .name = "on-gap", .arg = "fail|skip", .type = FTZ_SETTING_ENUM,
     .def = FTZ_ON_GAP_FAIL, .values = on_gap_names,
     .help = "a stored offset outside the partition's log (records deleted before they were "
             "counted, or the topic re-created): fail stops with an error naming the "
             "partition and the log's bounds, after committing the other partitions' open "
             "batch; skip moves to the log start and records the move in ftz.offset_moves",
     AT(on_gap)},
    {.id = OPT_LOCK_TIMEOUT, .name = "pg-lock-timeout", .arg = "MS", .type = FTZ_SETTING_MS,
     .def = FTZ_SINK_LOCK_TIMEOUT_MS, .min = 1, .max = INT_MAX,
     .help = "PostgreSQL lock_timeout", AT(pg_lock_timeout_ms)},
    {.id = OPT_STATEMENT_TIMEOUT, .name = "pg-statement-timeout", .arg = "MS",
     .type = FTZ_SETTING_MS, .def = FTZ_SINK_STATEMENT_TIMEOUT_MS, .min = 1, .max = INT_MAX,
     .help = "PostgreSQL statement_timeout", AT(pg_statement_timeout_ms)},
    {.id = OPT_IDLE_TX_TIMEOUT, .name = "pg-idle-timeout", .arg = "MS", .type = FTZ_SETTING_MS,
     .def = FTZ_SINK_IDLE_TX_TIMEOUT_MS, .min = 1, .max = INT_MAX,
     .help = "PostgreSQL idle_in_transaction_session_timeout: a member stopped inside a "
             "transaction frees its locks after this",
     AT(pg_idle_tx_timeout_ms)},
    {.id = OPT_METRICS_ADDR, .name = "metrics-addr", .arg = "HOST:PORT",
     .type = FTZ_SETTING_STRING, .def_text = "off",
     .section = "Operations (docs/monitoring.md, docs/metrics.md):",
     .help = "serve /metrics (Prometheus text format), /healthz and /readyz over HTTP (PORT 0: "
             "any free port, logged)",
     AT(metrics_addr)},
    {.id = OPT_READY_MAX_AGE, .name = "ready-max-age", .arg = "SEC", .type = FTZ_SETTING_SECONDS,
     .def = FTZ_AGG_READY_MAX_AGE_S, .min = 1, .max = 1e9,
     .help = "/readyz fails when the member owns no partition, or has neither committed nor "
             "been caught up for SEC seconds",
     AT(ready_max_age_s)},
    {.id = OPT_STATS_INTERVAL, .name = "stats-interval", .arg = "SEC",
     .type = FTZ_SETTING_SECONDS, .def = FTZ_AGG_STATS_INTERVAL_S, .min = 0, .max = 1e9,
     .help = "one stats line (rate, dead letters, lag, last commit) every SEC seconds (0 or "
             "-q: none)",
     AT(stats_interval_s)},
    {.id = OPT_LIST_METRICS, .name = "list-metrics", .type = FTZ_SETTING_FLAG,
     .help = "print the metrics served and exit"},
    FTZ_SETTINGS_LIST_ROW(OPT_LIST_SETTINGS),
};
#undef AT
#define N_SETTINGS (FTZ_ARRAY_SIZE(settings))

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
            "\n");
    ftz_settings_help(out, settings, N_SETTINGS);
    fprintf(out,
            "After each PostgreSQL commit the same offsets are committed to Kafka,\n"
            "asynchronously and for information only (kafka-consumer-groups shows the\n"
            "group's lag); PostgreSQL stays the truth.\n"
            "\n" FTZ_CLI_COMMON_HELP
            "\n"
            "Exit status: 0 clean stop; 1 fatal error (configuration, missing tables,\n"
            "authentication, an offset outside the log, a batch run that cannot reach\n"
            "Kafka); 2 usage error.\n");
}

int ftz_cmd_aggregate(int argc, char **argv) {
    ftz_cli_t cli = {0};
    ftz_settings_t set;
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
    if (ftz_settings_init(&set, "aggregate", settings, N_SETTINGS, &conf, errstr,
                          sizeof(errstr)) != FTZ_OK) {
        ftz_cli_error("aggregate", NULL, "%s", errstr);
        goto cleanup;
    }
    while ((opt = ftz_settings_next(&set, &cli, argc, argv, help, &rc)) >= 0) {
        switch (opt) {
        case 't': {
            /* type_names are the record types' names: one always found. */
            const ftz_record_type_t *rt = ftz_record_type_by_name(optarg);
            if (rt)
                types[rt->id] = 1;
            break;
        }
        case OPT_LIST_METRICS: {
            ftz_buf_t md = FTZ_BUF_INIT;
            rc = ftz_prom_markdown(&md) ? FTZ_EXIT_FAILURE : FTZ_EXIT_OK;
            if (md.data)
                fputs(md.data, stdout);
            ftz_buf_free(&md);
            goto cleanup;
        }
        case OPT_LIST_SETTINGS:
            ftz_settings_list(stdout, settings, N_SETTINGS, FTZ_KAFKA_CONSUMER);
            rc = FTZ_EXIT_OK;
            goto cleanup;
        }
    }
    if (opt == FTZ_CLI_STOP)
        goto cleanup;
    if (optind < argc) {
        rc = ftz_cli_usage_error("aggregate", "unexpected argument \"%s\"", argv[optind]);
        goto cleanup;
    }
    if (!conf.group)
        conf.group = DEFAULT_GROUP;
    prefix = conf.topic_prefix;
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
        ftz_log(FTZ_LOG_INFO, "STATS",
                "%llu messages in %llu batches: %llu counted, %llu rejected, %llu batches "
                "redone; peak memory %ld MiB",
                (unsigned long long)stats.messages, (unsigned long long)stats.batches,
                (unsigned long long)stats.counted, (unsigned long long)stats.rejected,
                (unsigned long long)stats.redone, ru.ru_maxrss / 1024);
        if (stats.drain_s > 0)
            ftz_log(FTZ_LOG_INFO, "STATS",
                    "drain: %llu messages from first assignment to last commit in %.3f s "
                    "(%.0f messages/s)",
                    (unsigned long long)stats.messages, stats.drain_s,
                    stats.messages / stats.drain_s);
        for (int c = 0; c < FTZ_V__COUNT; c++) {
            uint64_t n = 0;
            for (int t = 0; t < n_topics; t++)
                n += stats.topic[t].by_code[c];
            if (n)
                ftz_log(FTZ_LOG_INFO, "STATS", "rejected %s: %llu",
                        ftz_code_name((ftz_code_t)c), (unsigned long long)n);
        }
    }
    if (err) {
        ftz_cli_error("aggregate", NULL, "%s", errstr);
        rc = err == FTZ_ERR_INVALID_ARG ? FTZ_EXIT_USAGE : FTZ_EXIT_FAILURE;
        goto cleanup;
    }
    rc = FTZ_EXIT_OK;
cleanup:
    ftz_cli_free(&cli);
    return rc;
}
