#include "ftz/pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/log.h"
#include "ftz/utf8.h"

/* Server notices ("relation already exists, skipping") are debug lines. */
static void notice_processor(void *arg, const char *message) {
    (void)arg;
    ftz_log(FTZ_LOG_DEBUG, "PG", "%.*s", (int)strcspn(message, "\n"), message);
}

PGconn *ftz_pg_connect(const char *conninfo, char *errstr, size_t errstr_size) {
    /* A dead server or a cut network must end in an error, not a hang:
     * TCP keepalives and a bound on unacknowledged data (tcp_user_timeout)
     * on the client side, a bound on connecting. They come before
     * "dbname", so that a conninfo string that sets them wins. */
    const char *env_timeout = getenv("PGCONNECT_TIMEOUT");
    const char *keys[] = {"keepalives", "keepalives_idle", "keepalives_interval",
                          "keepalives_count", "tcp_user_timeout", "connect_timeout",
                          "dbname", "fallback_application_name", NULL};
    const char *vals[] = {"1", "10", "5", "3", "30000",
                          env_timeout && *env_timeout ? env_timeout : "10",
                          conninfo && *conninfo ? conninfo : NULL, "ftz", NULL};
    /* expand_dbname=1: "dbname" may carry a whole conninfo string or URI. */
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (!conn) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size, "PostgreSQL connection failed: %s",
                   PQerrorMessage(conn));
        goto fail;
    }
    PQsetNoticeProcessor(conn, notice_processor, NULL);
    PGresult *res = PQexec(conn, "SELECT pg_catalog.set_config('search_path', '', false)");
    ftz_err_t err = ftz_pg_check(conn, res, PGRES_TUPLES_OK, "set search_path", errstr,
                                 errstr_size);
    PQclear(res);
    if (err)
        goto fail;
    return conn;
fail:
    /* Strip the newline libpq ends its messages with. */
    if (errstr && errstr_size) {
        size_t n = strlen(errstr);
        while (n && (errstr[n - 1] == '\n' || errstr[n - 1] == ' '))
            errstr[--n] = '\0';
    }
    PQfinish(conn);
    return NULL;
}

ftz_err_t ftz_pg_check(PGconn *conn, const PGresult *res, ExecStatusType expect,
                       const char *what, char *errstr, size_t errstr_size) {
    if (res && PQresultStatus(res) == expect)
        return FTZ_OK;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorMessage(res) : "";
    if (!msg || !*msg)
        msg = PQerrorMessage(conn);
    /* The server's message may quote data, and is cut to fit: keep it
     * valid UTF-8, cut on a character boundary (it may end up in a dead
     * letter's reason, a text column). */
    char clean[512], flat[1024];
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    /* One line: the server's DETAIL and HINT lines follow on the same. */
    if (n >= sizeof(flat))
        n = sizeof(flat) - 1;
    for (size_t i = 0; i < n; i++)
        flat[i] = msg[i] == '\n' ? ' ' : msg[i];
    ftz_utf8_sanitize(clean, sizeof(clean), flat, n);
    ftz_err_t err = FTZ_ERR_FATAL;
    /* Data exceptions and integrity violations: the data is at fault. */
    if (state && (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0))
        err = FTZ_ERR_POISON;
    else if (state && strcmp(state, FTZ_PG_FENCED) == 0)
        err = FTZ_ERR_FENCED;
    else if (PQstatus(conn) != CONNECTION_OK || !state ||
        strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
        strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0 ||
        strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0 ||
        strcmp(state, "25P03") == 0)
        err = FTZ_ERR_RETRIABLE;
    if (res && PQresultStatus(res) != PGRES_FATAL_ERROR && state == NULL &&
        PQstatus(conn) == CONNECTION_OK)
        err = FTZ_ERR_FATAL; /* an unexpected status, e.g. rows where none were due */
    return ftz_seterr(err, errstr, errstr_size, "%s: %s%s%s%s", what, clean,
                      state ? " (SQLSTATE " : "", state ? state : "", state ? ")" : "");
}

ftz_err_t ftz_pg_exec(PGconn *conn, const char *sql, const char *what, char *errstr,
                      size_t errstr_size) {
    PGresult *res = PQexec(conn, sql);
    ftz_err_t err = ftz_pg_check(conn, res, PGRES_COMMAND_OK, what, errstr, errstr_size);
    PQclear(res);
    return err;
}
