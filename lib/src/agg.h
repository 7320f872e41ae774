/* Per record type: stage the batch's good records and apply them to the
 * state and aggregate tables, inside the sink's open transaction. */
#ifndef FTZ_AGG_H
#define FTZ_AGG_H

#include <libpq-fe.h>

#include "ftz/batch.h"
#include "ftz/buf.h"

/* SQL run once per connection to create the temporary staging tables. */
extern const char *const ftz_agg_customs_setup_sql;

/* Applies rows (borrowed) within the current transaction; scratch is a
 * reusable buffer. Returns FTZ_OK, FTZ_ERR_RETRIABLE or FTZ_ERR_FATAL. */
ftz_err_t ftz_agg_customs_apply(PGconn *conn, const ftz_batch_rows_t *rows,
                                ftz_buf_t *scratch, char *errstr, size_t errstr_size);

/* Appends s to a COPY text-format line, escaped. */
ftz_err_t ftz_agg_copy_text(ftz_buf_t *b, const char *s);

#endif
