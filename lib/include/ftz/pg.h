/* PostgreSQL connection helpers: connect with libpq's usual environment as
 * fallback, a safe search_path, and failures classified by SQLSTATE. */
#ifndef FTZ_PG_H
#define FTZ_PG_H

#include <libpq-fe.h>
#include <stddef.h>

#include "ftz/err.h"

/* Connects with `conninfo` (NULL or "" means libpq's PG* environment
 * variables alone), application_name defaulting to "ftz", and an empty
 * search_path: every statement names its schema. Returns a connection the
 * caller owns (PQfinish), or NULL with errstr. */
PGconn *ftz_pg_connect(const char *conninfo, char *errstr, size_t errstr_size);

/* The SQLSTATE ftz.advance_offsets raises when a partition's stored
 * offset is not the one the batch started from (lib/sql/004). */
#define FTZ_PG_FENCED "FZ001"

/* Classifies the outcome of a statement: FTZ_OK when res has `expect`
 * status; FTZ_ERR_RETRIABLE for serialization failure (40001), deadlock
 * (40P01), lock timeout (55P03), statement timeout (57014), idle
 * transaction timeout (25P03), connection exceptions (08...), server
 * shutdown (57P01-57P03) or a broken connection; FTZ_ERR_FENCED for
 * FTZ_PG_FENCED; FTZ_ERR_POISON for data exceptions (22...) and integrity
 * violations (23...), which the data causes; FTZ_ERR_FATAL otherwise. The
 * message is made valid UTF-8. Fills errstr with the
 * server's message and SQLSTATE. res is borrowed (may be NULL). */
ftz_err_t ftz_pg_check(PGconn *conn, const PGresult *res, ExecStatusType expect,
                       const char *what, char *errstr, size_t errstr_size);

/* Runs a statement without parameters or results; clears the result. */
ftz_err_t ftz_pg_exec(PGconn *conn, const char *sql, const char *what, char *errstr,
                      size_t errstr_size);

#endif
