/* The schema's migrations (lib/sql/NNN_*.sql, embedded by the build):
 * applying them and showing which are applied (migrate.c). The caller owns
 * the connection. */
#ifndef FTZ_MIGRATE_H
#define FTZ_MIGRATE_H

#include <stddef.h>

#include <libpq-fe.h>

#include "ftz/err.h"

/* Applies the embedded migrations (lib/sql/NNN_*.sql) not yet recorded in
 * ftz.schema_migrations, each in its own transaction, under an advisory
 * lock. *applied (may be NULL) receives how many were applied. */
ftz_err_t ftz_pg_migrate(PGconn *conn, int *applied, char *errstr, size_t errstr_size);

/* Prints each migration and whether it is applied to `out`. */
ftz_err_t ftz_pg_migrate_status(PGconn *conn, void *out /* FILE* */, char *errstr,
                                size_t errstr_size);

#endif
