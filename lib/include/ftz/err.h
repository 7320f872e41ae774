/* Error codes shared by every ftz module.
 *
 * Fallible calls return ftz_err_t (FTZ_OK == 0) and describe the failure in
 * a caller-supplied `char *errstr, size_t errstr_size`. The code also says
 * how to react (see ../../../docs/operations.md, "Failures"):
 *   FTZ_ERR_RETRIABLE  transport trouble, lost connection, serialization
 *                      failure or deadlock: back off, reconnect, redo;
 *   FTZ_ERR_POISON     the record itself is bad: dead-letter it, move on;
 *   FTZ_ERR_FENCED     another consumer owns the partition now;
 *   everything else    fatal: one clear line, exit non-zero. */
#ifndef FTZ_ERR_H
#define FTZ_ERR_H

#include <stddef.h>

typedef enum ftz_err_e {
    FTZ_OK = 0,
    FTZ_ERR_INVALID_ARG,  /* bad configuration or argument (fatal) */
    FTZ_ERR_NOMEM,        /* allocation failed (fatal) */
    FTZ_ERR_IO,           /* file or system call failed (fatal) */
    FTZ_ERR_POISON,       /* the record is bad: dead letter */
    FTZ_ERR_RETRIABLE,    /* transient: retry after backoff */
    FTZ_ERR_FENCED,       /* compare-and-set on offsets failed */
    FTZ_ERR_FATAL,        /* anything else that must stop the process */
} ftz_err_t;

/* Static name of an error code ("FTZ_ERR_RETRIABLE"). */
const char *ftz_err_name(ftz_err_t err);

/* snprintf into errstr, tolerating errstr == NULL or errstr_size == 0.
 * Returns err so that callers can write `return ftz_seterr(...)`. */
ftz_err_t ftz_seterr(ftz_err_t err, char *errstr, size_t errstr_size,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
