/* One-dimensional PostgreSQL arrays in the binary wire format, built in a
 * reusable buffer and sent as binary statement parameters: the sink sends
 * a whole batch as a few arrays per record type (no per-row statements, no
 * text to parse on the server) and pipelines the transaction in one round
 * trip. Not thread-safe; one builder per parameter. */
#ifndef FTZ_PGARRAY_H
#define FTZ_PGARRAY_H

#include <stddef.h>
#include <stdint.h>

#include "ftz/buf.h"
#include "ftz/err.h"

/* Element type OIDs (pg_type.h is a server header). */
#define FTZ_PG_BYTEA 17
#define FTZ_PG_INT8 20
#define FTZ_PG_INT4 23
#define FTZ_PG_TEXT 25

typedef struct ftz_pgarr_s {
    ftz_buf_t buf;   /* header, then (length, bytes) per element */
    uint32_t oid;
    int32_t n;       /* elements so far */
    int has_null;
} ftz_pgarr_t;

#define FTZ_PGARR_INIT {FTZ_BUF_INIT, 0, 0, 0}

/* Starts an empty array of element type oid, keeping the memory. */
ftz_err_t ftz_pgarr_begin(ftz_pgarr_t *a, uint32_t oid);
/* Appends one element (bytes copied); FTZ_ERR_NOMEM on allocation failure. */
ftz_err_t ftz_pgarr_bytes(ftz_pgarr_t *a, const void *p, size_t len); /* text, bytea */
ftz_err_t ftz_pgarr_str(ftz_pgarr_t *a, const char *s);               /* text */
ftz_err_t ftz_pgarr_int4(ftz_pgarr_t *a, int32_t v);
ftz_err_t ftz_pgarr_int8(ftz_pgarr_t *a, int64_t v);
ftz_err_t ftz_pgarr_null(ftz_pgarr_t *a);
/* Completes the header; the array is a->buf.data[0 .. *len). Valid until
 * the next begin. */
const char *ftz_pgarr_finish(ftz_pgarr_t *a, int *len);
void ftz_pgarr_free(ftz_pgarr_t *a);

#endif
