/* ftz topics create */
#include <string.h>

#include "cli.h"
#include "ftz/topics.h"

enum { OPT_PARTITIONS = FTZ_OPT__COMMON_END, OPT_RF, OPT_MIN_ISR, OPT_PREFIX };

static void help(FILE *out) {
    fprintf(out,
            "Usage: ftz topics create [--partitions N] [--replication-factor R]\n"
            "                         [--min-insync-replicas M] [--topic-prefix P]\n"
            "                         [options]\n"
            "\n"
            "Creates the pipeline's topics that do not exist yet (P + ftz.customs.\n"
            "declarations, ..., P + ftz.deadletter); existing ones are left alone.\n"
            "\n"
            "  --partitions N           partitions per topic (default 6)\n"
            "  --replication-factor R   replicas of each partition (default: the\n"
            "                           cluster's brokers, at most 3)\n"
            "  --min-insync-replicas M  topic config min.insync.replicas: replicas\n"
            "                           that must have a write before the producers'\n"
            "                           acks=all is answered (default: 2 if R >= 3,\n"
            "                           else 1; at most R)\n"
            "  --topic-prefix P         prefix of every topic name (default:\n"
            "                           $FTZ_TOPIC_PREFIX, else none)\n"
            "\n" FTZ_CLI_COMMON_HELP);
}

int ftz_cmd_topics(int argc, char **argv) {
    static const struct option longopts[] = {
        FTZ_CLI_COMMON_LONG,
        {"partitions", required_argument, NULL, OPT_PARTITIONS},
        {"replication-factor", required_argument, NULL, OPT_RF},
        {"min-insync-replicas", required_argument, NULL, OPT_MIN_ISR},
        {"topic-prefix", required_argument, NULL, OPT_PREFIX},
        {NULL, 0, NULL, 0},
    };
    ftz_cli_t cli = {0};
    int opt, rc = FTZ_EXIT_FAILURE, partitions = 6, rf = 0, min_isr = 0;
    const char *prefix = NULL;
    char errstr[512];
    double v;

    while ((opt = ftz_cli_next(&cli, argc, argv, FTZ_CLI_COMMON_SHORT, longopts, help, &rc)) >= 0) {
        switch (opt) {
        case OPT_PARTITIONS:
        case OPT_RF:
        case OPT_MIN_ISR: {
            const char *name = opt == OPT_RF       ? "--replication-factor"
                               : opt == OPT_MIN_ISR ? "--min-insync-replicas"
                                                    : "--partitions";
            if ((v = ftz_cli_number("topics", name, optarg)) < 1 || v > 10000) {
                rc = v < 0 ? FTZ_EXIT_USAGE /* said */
                           : ftz_cli_usage_error("topics", "%s %s: must be between 1 and 10000",
                                                 name, optarg);
                goto cleanup;
            }
            *(opt == OPT_RF ? &rf : opt == OPT_MIN_ISR ? &min_isr : &partitions) = (int)v;
            break;
        }
        case OPT_PREFIX:
            prefix = optarg;
            break;
        }
    }
    if (opt == FTZ_CLI_STOP)
        goto cleanup;
    if (optind + 1 != argc || strcmp(argv[optind], "create") != 0) {
        rc = ftz_cli_usage_error("topics", "expected `create`");
        goto cleanup;
    }
    if (rf && min_isr > rf) {
        rc = ftz_cli_usage_error("topics",
                                 "--min-insync-replicas %d is more than --replication-factor %d",
                                 min_isr, rf);
        goto cleanup;
    }
    if (ftz_topics_create(cli.brokers, &cli.props, prefix, partitions, rf, min_isr, errstr,
                          sizeof(errstr)) != FTZ_OK) {
        ftz_cli_error("topics", NULL, "%s", errstr);
        goto cleanup;
    }
    rc = FTZ_EXIT_OK;
cleanup:
    ftz_cli_free(&cli);
    return rc;
}
