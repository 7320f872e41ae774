/* ftz check: the aggregate tables and dead letters against an expectation
 * (ftz simulate --expect; ftz/expect.h), row for row. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ftz/expect.h"
#include "ftz/log.h"
#include "ftz/pg.h"

enum { OPT_EXPECT = FTZ_OPT__COMMON_END, OPT_PREFIX };

static void help(FILE *out) {
    fprintf(out,
            "Usage: ftz check --expect FILE [--topic-prefix P] [--pg CONNINFO]\n"
            "\n"
            "Compares the database with FILE, the rows `ftz simulate --expect FILE`\n"
            "computed for the records it wrote: every non-zero row of ftz.customs_daily,\n"
            "ftz.rail_daily and ftz.registrations_monthly, and the rows of\n"
            "ftz.dead_letters counted by source topic and code. Prints on standard\n"
            "output one line per row that differs:\n"
            "\n"
            "  TABLE: missing KEY: MEASURES      expected, not in the database\n"
            "  TABLE: extra KEY: MEASURES        in the database, not expected\n"
            "  TABLE: differs KEY: COLUMN expected X found Y ...\n"
            "\n"
            "KEY is the row's key columns joined by |. Numbers compare by value\n"
            "(1250.5 equals 1250.50); a row whose measures are all zero is no row.\n"
            "The tables are read in one read-only snapshot, by SELECTs without\n"
            "parameters. Run it once the consumer is idle (ftz aggregate --until-idle).\n"
            "\n"
            "Options:\n"
            "      --expect FILE        the expectation (required)\n"
            "      --topic-prefix P     the prefix of the topics the records went to;\n"
            "                           dead letters from other topics count as extra\n"
            "                           (default: $FTZ_TOPIC_PREFIX, else none)\n"
            "\n" FTZ_CLI_COMMON_HELP
            "-b and -X are accepted and ignored.\n"
            "\n"
            "Example: ftz simulate -t all --dirty 5 --expect expect.json -b 127.0.0.1:9092\n"
            "         ftz aggregate --until-idle 3\n"
            "         ftz check --expect expect.json\n"
            "\n"
            "Exit status: 0 the database holds exactly the expected rows; 1 some rows\n"
            "differ, or the comparison could not be made (the reason on standard\n"
            "error); 2 usage error.\n");
}

int ftz_cmd_check(int argc, char **argv) {
    static const struct option longopts[] = {
        FTZ_CLI_COMMON_LONG,
        {"expect", required_argument, NULL, OPT_EXPECT},
        {"topic-prefix", required_argument, NULL, OPT_PREFIX},
        {NULL, 0, NULL, 0},
    };
    ftz_cli_t cli = {0};
    const char *expect_path = NULL, *prefix = NULL;
    ftz_expect_t *want = NULL, *got = NULL;
    PGconn *conn = NULL;
    char errstr[512];
    int opt, rc = FTZ_EXIT_FAILURE;

    while ((opt = ftz_cli_next(&cli, argc, argv, FTZ_CLI_COMMON_SHORT, longopts, help, &rc)) >=
           0) {
        switch (opt) {
        case OPT_EXPECT: expect_path = optarg; break;
        case OPT_PREFIX: prefix = optarg; break;
        default:
            rc = ftz_cli_usage_error("check", "unknown option");
            goto cleanup;
        }
    }
    if (opt == FTZ_CLI_STOP)
        goto cleanup;
    if (optind < argc) {
        rc = ftz_cli_usage_error("check", "unexpected argument \"%s\"", argv[optind]);
        goto cleanup;
    }
    if (!expect_path) {
        rc = ftz_cli_usage_error("check", "--expect FILE is required");
        goto cleanup;
    }
    if (!(want = ftz_expect_load(expect_path, errstr, sizeof(errstr)))) {
        ftz_cli_error("check", NULL, "%s", errstr);
        goto cleanup;
    }
    if (!(conn = ftz_pg_connect(cli.pg, errstr, sizeof(errstr))) ||
        !(got = ftz_expect_from_db(conn, prefix, errstr, sizeof(errstr)))) {
        ftz_cli_error("check", NULL, "%s", errstr);
        goto cleanup;
    }
    size_t ndiff = ftz_expect_diff(want, got, stdout);
    if (fflush(stdout) != 0) {
        ftz_cli_error("check", NULL, "write error on standard output");
        goto cleanup;
    }
    if (ndiff) {
        ftz_cli_error("check", NULL, "%zu rows differ from %s (listed on standard output)", ndiff,
                      expect_path);
        goto cleanup;
    }
    ftz_cli_info("check",
                 "the database holds the rows of %s: %zu customs_daily, %zu rail_daily, %zu "
                 "registrations_monthly, %zu dead-letter counts",
                 expect_path, ftz_expect_rows(want, FTZ_EXPECT_CUSTOMS_DAILY),
            ftz_expect_rows(want, FTZ_EXPECT_RAIL_DAILY),
            ftz_expect_rows(want, FTZ_EXPECT_REGISTRATIONS_MONTHLY),
            ftz_expect_rows(want, FTZ_EXPECT_DEAD_LETTERS));
    rc = FTZ_EXIT_OK;
cleanup:
    ftz_expect_destroy(want);
    ftz_expect_destroy(got);
    if (conn)
        PQfinish(conn);
    ftz_cli_free(&cli);
    return rc;
}
