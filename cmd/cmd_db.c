/* ftz db: migrate | status | grant-reader */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "ftz/log.h"
#include "ftz/migrate.h"
#include "ftz/pg.h"
#include "ftz/roles.h"

enum { OPT_PASSWORD_FILE = FTZ_OPT__COMMON_END };

/* The longest password --password-file takes, in bytes. */
#define DB_PASSWORD_MAX 1024

static void help(FILE *out) {
    fprintf(out,
            "Usage: ftz db migrate|status [--pg CONNINFO]\n"
            "       ftz db grant-reader NAME [--password-file FILE] [--pg CONNINFO]\n"
            "\n"
            "  migrate       apply the numbered SQL migrations (lib/sql/) not applied\n"
            "                yet, each once, in its own transaction, recorded in\n"
            "                ftz.schema_migrations; safe to run concurrently and again.\n"
            "                Waits at most 60 s for another migration and 10 s for each\n"
            "                table lock (an open transaction elsewhere), then fails\n"
            "                and says so: run it again.\n"
            "                Migration 005 creates the roles ftz_owner, ftz_writer and\n"
            "                ftz_reader when missing (that needs CREATEROLE) and grants\n"
            "                them their rights in this database (docs/bi.md)\n"
            "  status        list every migration and whether it is applied\n"
            "  grant-reader  make NAME a login for an analyst: creates LOGIN role NAME\n"
            "                (or makes an existing one LOGIN) as a member of\n"
            "                ftz_reader, which reads every table and view of schema\n"
            "                ftz and writes nothing. Refuses a name over 63 bytes, pg_*\n"
            "                and the group roles, and an existing role that could do\n"
            "                more than read: superuser, CREATEROLE, CREATEDB,\n"
            "                REPLICATION, BYPASSRLS, a member of any other role, or\n"
            "                one that owns objects or holds privileges of its own.\n"
            "                Sets its idle_in_transaction_session_timeout to 10min.\n"
            "                Run it as a role with CREATEROLE, after `ftz db migrate`\n"
            "\n"
            "Options:\n"
            "  --password-file FILE  grant-reader: set NAME's password to the one line\n"
            "                        of FILE (\"-\": standard input; at most %d bytes,\n"
            "                        one final newline allowed). It is hashed here\n"
            "                        (SCRAM, as the server's password_encryption\n"
            "                        says) and only the hash is sent. Without it, an\n"
            "                        existing password is kept and a new role has\n"
            "                        none\n"
            "\n" FTZ_CLI_COMMON_HELP
            "\n"
            "Exit status: 0 done; 1 failure (connection, refused, permission denied);\n"
            "2 usage error.\n",
            DB_PASSWORD_MAX);
}

/* The password in FILE ("-": stdin) into pw (pw_size > DB_PASSWORD_MAX + 2):
 * one line, not empty, no NUL, CR or LF inside, at most DB_PASSWORD_MAX
 * bytes, one final LF or CRLF dropped. */
static ftz_err_t read_password(const char *path, char *pw, size_t pw_size, char *errstr,
                               size_t errstr_size) {
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    ftz_err_t err = FTZ_OK;
    size_t n;

    if (!f)
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "--password-file %s: %s", path,
                          strerror(errno));
    n = fread(pw, 1, pw_size - 1, f);
    if (ferror(f)) {
        err = ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "--password-file %s: read error",
                         path);
        goto done;
    }
    if (n == pw_size - 1 && fgetc(f) != EOF) {
        err = ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                         "--password-file %s: longer than %d bytes", path, DB_PASSWORD_MAX);
        goto done;
    }
    pw[n] = '\0';
    if (n && pw[n - 1] == '\n')
        pw[--n] = '\0';
    if (n && pw[n - 1] == '\r')
        pw[--n] = '\0';
    if (n == 0)
        err = ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                         "--password-file %s: the password is empty", path);
    else if (memchr(pw, '\0', n) || memchr(pw, '\n', n) || memchr(pw, '\r', n))
        err = ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                         "--password-file %s: must hold one line (the password), without "
                         "NUL bytes",
                         path);
    else if (n > DB_PASSWORD_MAX)
        err = ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                         "--password-file %s: longer than %d bytes", path, DB_PASSWORD_MAX);
done:
    if (err)
        explicit_bzero(pw, pw_size);
    if (!is_stdin)
        fclose(f);
    return err;
}

/* ftz_grant_reader (lib/src/roles.c); the password travels only as the
 * hash libpq computes here. */
static int grant_reader(PGconn *conn, const char *name, const char *password_file) {
    char pw[DB_PASSWORD_MAX + 3], errstr[512];
    char *hash = NULL;
    PGresult *res = NULL;
    int rc = FTZ_EXIT_FAILURE;

    if (password_file) {
        if (read_password(password_file, pw, sizeof(pw), errstr, sizeof(errstr)) != FTZ_OK) {
            return ftz_cli_error("db grant-reader", NULL, "%s", errstr);
        }
        hash = PQencryptPasswordConn(conn, pw, name, NULL);
        explicit_bzero(pw, sizeof(pw));
        if (!hash) {
            return ftz_cli_error("db grant-reader", NULL, "cannot hash the password: %s",
                                 PQerrorMessage(conn));
        }
    }
    int created = 0;
    ftz_err_t err = ftz_grant_reader(conn, name, hash, &created, errstr, sizeof(errstr));
    if (err) {
        ftz_cli_error("db grant-reader", NULL, "%s", errstr);
        goto cleanup; /* refused: exit 1, like a permission denied */
    }
    ftz_cli_info("db grant-reader", "role %s %s: LOGIN, member of ftz_reader%s", name,
                 created ? "created" : "updated", hash ? ", password set" : "");
    rc = FTZ_EXIT_OK;
cleanup:
    PQclear(res);
    if (hash) {
        explicit_bzero(hash, strlen(hash));
        PQfreemem(hash);
    }
    return rc;
}

int ftz_cmd_db(int argc, char **argv) {
    static const struct option longopts[] = {
        FTZ_CLI_COMMON_LONG,
        {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
        {NULL, 0, NULL, 0},
    };
    ftz_cli_t cli = {0};
    int opt, rc = FTZ_EXIT_FAILURE;
    const char *password_file = NULL;
    PGconn *conn = NULL;
    char errstr[512];

    while ((opt = ftz_cli_next(&cli, argc, argv, FTZ_CLI_COMMON_SHORT, longopts, help, &rc)) >=
           0) {
        if (opt == OPT_PASSWORD_FILE)
            password_file = optarg;
    }
    if (opt == FTZ_CLI_STOP)
        goto cleanup;
    const char *action = optind < argc ? argv[optind] : NULL;
    int grant = action && strcmp(action, "grant-reader") == 0;
    if (!action ||
        (!grant && strcmp(action, "migrate") != 0 && strcmp(action, "status") != 0)) {
        rc = ftz_cli_usage_error("db", "expected migrate, status or grant-reader");
        goto cleanup;
    }
    if (grant && optind + 2 != argc) {
        rc = ftz_cli_usage_error("db", optind + 1 < argc ? "grant-reader takes one NAME"
                                                          : "grant-reader: NAME is missing");
        goto cleanup;
    }
    if (!grant && optind + 1 < argc) {
        rc = ftz_cli_usage_error("db", "unexpected argument \"%s\"", argv[optind + 1]);
        goto cleanup;
    }
    if (password_file && !grant) {
        rc = ftz_cli_usage_error("db", "--password-file goes with grant-reader");
        goto cleanup;
    }
    if (grant && !argv[optind + 1][0]) {
        rc = ftz_cli_usage_error("db", "grant-reader: NAME is empty");
        goto cleanup;
    }
    if (!(conn = ftz_pg_connect(cli.pg, errstr, sizeof(errstr)))) {
        ftz_cli_error("db", NULL, "%s", errstr);
        goto cleanup;
    }
    if (grant) {
        rc = grant_reader(conn, argv[optind + 1], password_file);
        goto cleanup;
    }
    if (strcmp(action, "migrate") == 0) {
        int applied = 0;
        if (ftz_pg_migrate(conn, &applied, errstr, sizeof(errstr)) != FTZ_OK) {
            ftz_cli_error("db migrate", NULL, "%s", errstr);
            goto cleanup;
        }
        ftz_cli_info("db migrate", "%d migration(s) applied", applied);
    } else if (ftz_pg_migrate_status(conn, stdout, errstr, sizeof(errstr)) != FTZ_OK) {
        ftz_cli_error("db status", NULL, "%s", errstr);
        goto cleanup;
    }
    rc = FTZ_EXIT_OK;
cleanup:
    if (conn)
        PQfinish(conn);
    ftz_cli_free(&cli);
    return rc;
}
