/* Logins for analysts: a LOGIN role that is a member of ftz_reader (the
 * read-only group role of migration 005) and of nothing else, with no
 * privilege of its own. Run by an administrator (CREATEROLE); all checks
 * and statements run here, against pg_catalog only, so no code a schema
 * owner could rewrite runs with the administrator's rights. */
#ifndef FTZ_ROLES_H
#define FTZ_ROLES_H

#include <libpq-fe.h>
#include <stddef.h>

#include "ftz/err.h"

/* Longest role name PostgreSQL keeps (NAMEDATALEN - 1); a longer one would
 * be cut to another name. */
#define FTZ_ROLE_NAME_MAX 63
/* What an analyst's session may stay idle inside a transaction: a
 * forgotten open transaction must not hold up migrations. */
#define FTZ_READER_IDLE_TX_TIMEOUT "10min"

/* Creates LOGIN role `name` (or makes an existing one LOGIN) in
 * ftz_reader, in one transaction; password_hash (may be NULL: keep the
 * password) is what PQencryptPasswordConn made. Refuses (FTZ_ERR_INVALID_ARG,
 * errstr says why) a name that is empty, too long, reserved (pg_*) or a
 * group role, and an existing role that could do more than read: superuser,
 * CREATEROLE, CREATEDB, REPLICATION or BYPASSRLS, a member of any other
 * role, or one that owns objects or holds privileges of its own in any
 * database. *created says whether it was new. FTZ_ERR_FATAL when the
 * server refuses (permission denied, not migrated). */
ftz_err_t ftz_grant_reader(PGconn *conn, const char *name, const char *password_hash,
                           int *created, char *errstr, size_t errstr_size);

#endif
