#include "ftz/roles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/pg.h"

/* Runs one parameterized query; its result (or NULL with errstr). */
static PGresult *query(PGconn *conn, const char *sql, int n, const char *const *params,
                       const char *what, char *errstr, size_t errstr_size) {
    PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    if (ftz_pg_check(conn, res, PGRES_TUPLES_OK, what, errstr, errstr_size) != FTZ_OK) {
        PQclear(res);
        return NULL;
    }
    return res;
}

/* DDL with one identifier (and maybe one literal): PostgreSQL takes no
 * parameters there, so both are quoted by libpq (PQescapeIdentifier,
 * PQescapeLiteral) into the statement. */
static ftz_err_t ddl(PGconn *conn, const char *fmt, const char *ident, const char *literal,
                     char *errstr, size_t errstr_size) {
    char *id = PQescapeIdentifier(conn, ident, strlen(ident));
    char *lit = literal ? PQescapeLiteral(conn, literal, strlen(literal)) : NULL;
    char sql[1024];
    ftz_err_t err;
    if (!id || (literal && !lit))
        err = ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "quoting: %s", PQerrorMessage(conn));
    else if ((size_t)snprintf(sql, sizeof(sql), fmt, id, lit ? lit : "") >= sizeof(sql))
        err = ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "statement too long");
    else
        err = ftz_pg_exec(conn, sql, "role", errstr, errstr_size);
    if (lit) {
        memset(lit, 0, strlen(lit));
        PQfreemem(lit);
    }
    PQfreemem(id);
    return err;
}

/* Why the existing role `oid` could do more than read, or NULL (why is
 * filled then). */
static ftz_err_t check_existing(PGconn *conn, const char *oid, const char *reader_oid,
                                const char *name, char *errstr, size_t errstr_size) {
    const char *p[2] = {oid, reader_oid};
    PGresult *res = query(
        conn,
        "SELECT concat_ws(', ',"
        "  CASE WHEN r.rolsuper THEN 'superuser' END,"
        "  CASE WHEN r.rolcreaterole THEN 'CREATEROLE' END,"
        "  CASE WHEN r.rolcreatedb THEN 'CREATEDB' END,"
        "  CASE WHEN r.rolreplication THEN 'REPLICATION' END,"
        "  CASE WHEN r.rolbypassrls THEN 'BYPASSRLS' END,"
        "  (SELECT 'member of ' || pg_catalog.string_agg(g.rolname, ', ' ORDER BY g.rolname)"
        "   FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid"
        "   WHERE m.member = r.oid AND m.roleid <> $2::oid),"
        "  (SELECT 'owns ' || count(*) || ' objects'"
        "   FROM pg_catalog.pg_shdepend d WHERE d.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass"
        "   AND d.refobjid = r.oid AND d.deptype = 'o' HAVING count(*) > 0),"
        "  (SELECT 'holds privileges on ' || count(*) || ' objects'"
        "   FROM pg_catalog.pg_shdepend d WHERE d.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass"
        "   AND d.refobjid = r.oid AND d.deptype = 'a' HAVING count(*) > 0))"
        " FROM pg_catalog.pg_roles r WHERE r.oid = $1::oid",
        2, p, "check the role", errstr, errstr_size);
    if (!res)
        return FTZ_ERR_FATAL;
    ftz_err_t err = FTZ_OK;
    if (PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0])
        err = ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                         "role %s exists and could do more than read (%s); make a separate "
                         "login for reading",
                         name, PQgetvalue(res, 0, 0));
    PQclear(res);
    return err;
}

ftz_err_t ftz_grant_reader(PGconn *conn, const char *name, const char *password_hash,
                           int *created, char *errstr, size_t errstr_size) {
    PGresult *res = NULL;
    char reader_oid[32] = "", oid[32] = "";
    ftz_err_t err;

    *created = 0;
    if (!name[0])
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "the role name is empty");
    if (strlen(name) > FTZ_ROLE_NAME_MAX)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "role name of %zu bytes: PostgreSQL keeps at most %d (it would cut "
                          "it to another name)",
                          strlen(name), FTZ_ROLE_NAME_MAX);
    if (strncmp(name, "pg_", 3) == 0 || strcmp(name, "ftz_owner") == 0 ||
        strcmp(name, "ftz_writer") == 0 || strcmp(name, "ftz_reader") == 0)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "%s is a reserved or group role; an analyst needs a login of its own",
                          name);
    if ((err = ftz_pg_exec(conn, "BEGIN", "begin", errstr, errstr_size)))
        return err;
    /* Roles are cluster-wide: one grant at a time. */
    if (!(res = query(conn, "SELECT pg_catalog.pg_advisory_xact_lock(7263542)", 0, NULL, "lock",
                      errstr, errstr_size))) {
        err = FTZ_ERR_FATAL;
        goto done;
    }
    PQclear(res);
    if (!(res = query(conn, "SELECT oid FROM pg_catalog.pg_roles WHERE rolname = 'ftz_reader'", 0,
                      NULL, "find ftz_reader", errstr, errstr_size))) {
        err = FTZ_ERR_FATAL;
        goto done;
    }
    if (PQntuples(res) != 1) {
        err = ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                         "no role ftz_reader: is the database migrated (`ftz db migrate`)?");
        goto done;
    }
    snprintf(reader_oid, sizeof(reader_oid), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    const char *p[1] = {name};
    if (!(res = query(conn, "SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1", 1, p,
                      "find the role", errstr, errstr_size))) {
        err = FTZ_ERR_FATAL;
        goto done;
    }
    if (PQntuples(res) == 1)
        snprintf(oid, sizeof(oid), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    res = NULL;
    if (oid[0]) {
        if ((err = check_existing(conn, oid, reader_oid, name, errstr, errstr_size)) ||
            (err = ddl(conn, "ALTER ROLE %s LOGIN", name, NULL, errstr, errstr_size)))
            goto done;
    } else {
        if ((err = ddl(conn,
                       "CREATE ROLE %s LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                       "NOBYPASSRLS",
                       name, NULL, errstr, errstr_size)))
            goto done;
        *created = 1;
    }
    if ((password_hash &&
         (err = ddl(conn, "ALTER ROLE %s PASSWORD %s", name, password_hash, errstr,
                    errstr_size))) ||
        (err = ddl(conn, "ALTER ROLE %s SET idle_in_transaction_session_timeout = '"
                         FTZ_READER_IDLE_TX_TIMEOUT "'",
                   name, NULL, errstr, errstr_size)) ||
        (err = ddl(conn, "GRANT ftz_reader TO %s", name, NULL, errstr, errstr_size)))
        goto done;
    err = ftz_pg_exec(conn, "COMMIT", "commit", errstr, errstr_size);
done:
    PQclear(res);
    if (err) {
        char ignore[64];
        ftz_pg_exec(conn, "ROLLBACK", "rollback", ignore, sizeof(ignore));
        if (err != FTZ_ERR_INVALID_ARG)
            err = FTZ_ERR_FATAL;
    }
    return err;
}
