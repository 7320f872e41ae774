/* Numbered SQL migrations, embedded from lib/sql/ at build time, applied
 * once each and recorded in ftz.schema_migrations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "ftz/migrate.h"
#include "ftz/pg.h"

/* Any constant will do, as long as nothing else in the database uses it. */
#define FTZ_MIGRATE_LOCK "7263541"
/* Longest wait for the migration lock, and for each table lock. */
#define FTZ_MIGRATE_LOCK_WAIT "60s"
#define FTZ_MIGRATE_TABLE_LOCK_WAIT "10s"

static int migration_version(const char *path) { return atoi(path); }

static ftz_err_t ensure_table(PGconn *conn, char *errstr, size_t errstr_size) {
    return ftz_pg_exec(conn,
                       "CREATE SCHEMA IF NOT EXISTS ftz;"
                       "CREATE TABLE IF NOT EXISTS ftz.schema_migrations ("
                       " version integer PRIMARY KEY, name text NOT NULL,"
                       " applied_at timestamptz NOT NULL DEFAULT now())",
                       "create ftz.schema_migrations", errstr, errstr_size);
}

static ftz_err_t is_applied(PGconn *conn, int version, int *applied, char *errstr,
                            size_t errstr_size) {
    char v[16];
    const char *params[1] = {v};
    snprintf(v, sizeof(v), "%d", version);
    PGresult *res = PQexecParams(conn,
                                 "SELECT 1 FROM ftz.schema_migrations WHERE version = $1",
                                 1, NULL, params, NULL, NULL, 0);
    ftz_err_t err = ftz_pg_check(conn, res, PGRES_TUPLES_OK, "read ftz.schema_migrations",
                                 errstr, errstr_size);
    if (!err)
        *applied = PQntuples(res) > 0;
    PQclear(res);
    return err;
}

static ftz_err_t apply_one(PGconn *conn, const ftz_embedded_file_t *m, char *errstr,
                           size_t errstr_size) {
    char v[16], what[300];
    const char *params[2] = {v, m->path};
    PGresult *res = NULL;
    ftz_err_t err;

    snprintf(v, sizeof(v), "%d", migration_version(m->path));
    snprintf(what, sizeof(what), "migration %s", m->path);
    if ((err = ftz_pg_exec(conn, "BEGIN", what, errstr, errstr_size)))
        return err;
    if ((err = ftz_pg_exec(conn, m->text, what, errstr, errstr_size)))
        goto rollback;
    res = PQexecParams(conn, "INSERT INTO ftz.schema_migrations (version, name) VALUES ($1, $2)",
                       2, NULL, params, NULL, NULL, 0);
    err = ftz_pg_check(conn, res, PGRES_COMMAND_OK, what, errstr, errstr_size);
    PQclear(res);
    if (err)
        goto rollback;
    return ftz_pg_exec(conn, "COMMIT", what, errstr, errstr_size);
rollback:
    PQclear(PQexec(conn, "ROLLBACK"));
    return err;
}

ftz_err_t ftz_pg_migrate(PGconn *conn, int *applied, char *errstr, size_t errstr_size) {
    ftz_err_t err;
    int n = 0;

    /* Bounded waits: for the migration lock (another migration, or any
     * session holding that advisory lock), then for each table lock a
     * migration takes (an analyst's open transaction must not make a
     * migration wait for ever while the consumers queue behind it). */
    if ((err = ftz_pg_exec(conn, "SET lock_timeout = '" FTZ_MIGRATE_LOCK_WAIT "'",
                           "set lock_timeout", errstr, errstr_size)))
        return err;
    PGresult *res = PQexec(conn, "SELECT pg_catalog.pg_advisory_lock(" FTZ_MIGRATE_LOCK ")");
    err = ftz_pg_check(conn, res, PGRES_TUPLES_OK, "lock migrations", errstr, errstr_size);
    PQclear(res);
    if (err) {
        size_t len = strlen(errstr);
        snprintf(errstr + len, errstr_size - len,
                 " (another session has held the migration lock for " FTZ_MIGRATE_LOCK_WAIT
                 ": a migration under way, or advisory lock " FTZ_MIGRATE_LOCK
                 " taken by someone else; see pg_locks)");
        return err;
    }
    if ((err = ftz_pg_exec(conn, "SET lock_timeout = '" FTZ_MIGRATE_TABLE_LOCK_WAIT "'",
                           "set lock_timeout", errstr, errstr_size)))
        goto unlock;
    if ((err = ensure_table(conn, errstr, errstr_size)))
        goto unlock;
    for (const ftz_embedded_file_t *m = ftz_embedded_migrations; m->path; m++) {
        int done = 0;
        if (migration_version(m->path) <= 0) {
            err = ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                             "migration %s: file names must start with a number", m->path);
            goto unlock;
        }
        if ((err = is_applied(conn, migration_version(m->path), &done, errstr, errstr_size)))
            goto unlock;
        if (done)
            continue;
        if ((err = apply_one(conn, m, errstr, errstr_size)))
            goto unlock;
        n++;
    }
    if (applied)
        *applied = n;
unlock:
    PQclear(PQexec(conn, "SELECT pg_catalog.pg_advisory_unlock(" FTZ_MIGRATE_LOCK ")"));
    PQclear(PQexec(conn, "RESET lock_timeout"));
    return err;
}

ftz_err_t ftz_pg_migrate_status(PGconn *conn, void *outp, char *errstr, size_t errstr_size) {
    FILE *out = outp;
    /* Read only: a database never migrated has every migration pending
     * (creating the table here would need rights a reader has not). */
    PGresult *res = PQexec(conn, "SELECT pg_catalog.to_regclass('ftz.schema_migrations')");
    ftz_err_t err = ftz_pg_check(conn, res, PGRES_TUPLES_OK, "look for ftz.schema_migrations",
                                 errstr, errstr_size);
    int exists = !err && !PQgetisnull(res, 0, 0);
    PQclear(res);
    for (const ftz_embedded_file_t *m = ftz_embedded_migrations; !err && m->path; m++) {
        int done = 0;
        if (!exists ||
            !(err = is_applied(conn, migration_version(m->path), &done, errstr, errstr_size)))
            fprintf(out, "%-40s %s\n", m->path, done ? "applied" : "pending");
    }
    return err;
}
