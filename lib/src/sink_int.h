/* Inside the sink: what each record type contributes to a batch's
 * transaction. sink_customs.c, sink_rail.c and sink_registration.c each
 * define one ftz_sink_type_t: the tables it needs, its statements, and how
 * it turns the batch's records into the statements' array parameters.
 * Only sink.c uses them. */
#ifndef FTZ_SINK_INT_H
#define FTZ_SINK_INT_H

#include "ftz/batch.h"
#include "ftz/pgarray.h"
#include "keyidx.h"

#define FTZ_SINK_MAX_PARAMS 13

/* One prepared statement of a record type, run once per batch with the
 * first n_params arrays the type staged. */
typedef struct ftz_sink_stmt_s {
    const char *name; /* prepared statement name, unique in the sink */
    const char *sql;
    int n_params;
} ftz_sink_stmt_t;

/* Where a type stages a batch: one array per parameter, and which rows of
 * the batch were picked (one per entity, as the type's rule says). */
typedef struct ftz_sink_stage_s {
    ftz_pgarr_t arr[FTZ_SINK_MAX_PARAMS];
    ftz_keyidx_t idx;
    size_t *pick;
    size_t n_pick, cap_pick;
} ftz_sink_stage_t;

typedef struct ftz_sink_type_s {
    ftz_rtype_t rtype;
    const char *what;              /* "customs", in errors */
    const char *const *tables;     /* NULL-terminated: must exist */
    const ftz_sink_stmt_t *stmts;  /* run in this order */
    int n_stmts;
    /* Fills st->arr from rows [lo, hi) (borrowed) and sets *n to the
     * records picked; FTZ_ERR_NOMEM. */
    ftz_err_t (*stage)(ftz_sink_stage_t *st, const ftz_batch_rows_t *rows, size_t lo,
                       size_t hi, size_t *n);
} ftz_sink_type_t;

extern const ftz_sink_type_t ftz_sink_customs;
extern const ftz_sink_type_t ftz_sink_rail;
extern const ftz_sink_type_t ftz_sink_registration;

/* Makes room for n picks and an index of n keys. */
ftz_err_t ftz_sink_stage_reset(ftz_sink_stage_t *st, size_t n);

/* The Shanghai calendar day of a millisecond timestamp, as SQL. */
#define FTZ_SQL_SHANGHAI_DAY(ms)                                                  \
    "((timestamptz 'epoch' + " ms " * interval '1 millisecond')"                 \
    " AT TIME ZONE 'Asia/Shanghai')::date"

#endif
