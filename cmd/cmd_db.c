/* ftz db: migrate | status */
#include <string.h>

#include "cli.h"
#include "ftz/pg.h"

static void help(FILE *out) {
    fprintf(out,
            "Usage: ftz db migrate|status [--pg CONNINFO]\n"
            "\n"
            "  migrate   apply the numbered SQL migrations (lib/sql/) not applied yet,\n"
            "            each once, in its own transaction, recorded in\n"
            "            ftz.schema_migrations; safe to run concurrently and again\n"
            "  status    list every migration and whether it is applied\n"
            "\n" FTZ_CLI_COMMON_HELP);
}

int ftz_cmd_db(int argc, char **argv) {
    static const struct option longopts[] = {FTZ_CLI_COMMON_LONG, {NULL, 0, NULL, 0}};
    ftz_cli_t cli = {0};
    int rc = FTZ_EXIT_FAILURE;
    PGconn *conn = NULL;
    char errstr[512];

    /* Only common options: one call reads them all. */
    if (ftz_cli_next(&cli, argc, argv, FTZ_CLI_COMMON_SHORT, longopts, help, &rc) == FTZ_CLI_STOP)
        goto cleanup;
    const char *action = optind < argc ? argv[optind] : NULL;
    if (!action || (strcmp(action, "migrate") != 0 && strcmp(action, "status") != 0) ||
        optind + 1 < argc) {
        fprintf(stderr, "ftz db: expected `migrate` or `status`\n");
        rc = FTZ_EXIT_USAGE;
        goto cleanup;
    }
    if (!(conn = ftz_pg_connect(cli.pg, errstr, sizeof(errstr)))) {
        fprintf(stderr, "ftz db: %s\n", errstr);
        goto cleanup;
    }
    if (strcmp(action, "migrate") == 0) {
        int applied = 0;
        if (ftz_pg_migrate(conn, &applied, errstr, sizeof(errstr)) != FTZ_OK) {
            fprintf(stderr, "ftz db migrate: %s\n", errstr);
            goto cleanup;
        }
        fprintf(stderr, "ftz db migrate: %d migration(s) applied\n", applied);
    } else if (ftz_pg_migrate_status(conn, stdout, errstr, sizeof(errstr)) != FTZ_OK) {
        fprintf(stderr, "ftz db status: %s\n", errstr);
        goto cleanup;
    }
    rc = FTZ_EXIT_OK;
cleanup:
    if (conn)
        PQfinish(conn);
    ftz_cli_free(&cli);
    return rc;
}
