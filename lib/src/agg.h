/* Per record type: stage the batch's good records and apply them to the
 * state and aggregate tables, inside the sink's open transaction.
 * agg_customs.c, agg_rail.c, agg_registration.c; the sink walks
 * ftz_aggregators[] (agg.c). */
#ifndef FTZ_AGG_H
#define FTZ_AGG_H

#include <libpq-fe.h>

#include "ftz/batch.h"
#include "ftz/buf.h"

typedef ftz_err_t (*ftz_agg_apply_fn)(PGconn *conn, const ftz_batch_rows_t *rows,
                                      ftz_buf_t *scratch, char *errstr, size_t errstr_size);

typedef struct ftz_aggregator_def_s {
    ftz_rtype_t rtype;
    const char *const *setup_sql;   /* run once per connection: temporary tables */
    const char *const *tables;      /* NULL-terminated: must exist (migrations) */
    ftz_agg_apply_fn apply;
} ftz_aggregator_def_t;

/* One per record type, in ftz_rtype_t order. */
extern const ftz_aggregator_def_t ftz_aggregators[FTZ_REC__COUNT];

extern const char *const ftz_agg_customs_setup_sql;
extern const char *const ftz_agg_rail_setup_sql;
extern const char *const ftz_agg_registration_setup_sql;

/* Apply rows (borrowed) within the current transaction; scratch is a
 * reusable buffer. FTZ_OK, FTZ_ERR_RETRIABLE or FTZ_ERR_FATAL. */
ftz_err_t ftz_agg_customs_apply(PGconn *conn, const ftz_batch_rows_t *rows,
                                ftz_buf_t *scratch, char *errstr, size_t errstr_size);
ftz_err_t ftz_agg_rail_apply(PGconn *conn, const ftz_batch_rows_t *rows, ftz_buf_t *scratch,
                             char *errstr, size_t errstr_size);
ftz_err_t ftz_agg_registration_apply(PGconn *conn, const ftz_batch_rows_t *rows,
                                     ftz_buf_t *scratch, char *errstr, size_t errstr_size);

/* Appends s to a COPY text-format line, escaped. */
ftz_err_t ftz_agg_copy_text(ftz_buf_t *b, const char *s);

/* Appends one record (rec, borrowed) as a COPY text row. */
typedef ftz_err_t (*ftz_agg_stage_fn)(ftz_buf_t *b, size_t seq, const void *rec,
                                      const ftz_row_meta_t *meta);

/* Stages rows (records of rec_size bytes) as COPY text rows with stage,
 * sends them with copy_sql, then runs apply_sql. Nothing when rows is
 * empty. */
ftz_err_t ftz_agg_stage_and_apply(PGconn *conn, const ftz_batch_rows_t *rows, size_t rec_size,
                                  ftz_agg_stage_fn stage, ftz_buf_t *scratch,
                                  const char *copy_sql, const char *apply_sql, const char *what,
                                  char *errstr, size_t errstr_size);

#endif
