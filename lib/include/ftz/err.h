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

#include <stdarg.h>
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

/* The one formatter of error and log text: vsnprintf into dst[size] that
 * never writes past size and always leaves dst terminated. dst may be NULL
 * when size is 0 (nothing is written). A text that does not fit is cut on
 * a UTF-8 character boundary and ends with "..." (when size >= 4), so a
 * reader sees that something is missing. Returns the length of what dst
 * holds now (0 when size is 0 or the format fails). ap is consumed. Any
 * thread. */
size_t ftz_vfmt(char *dst, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
size_t ftz_fmt(char *dst, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One event, one line: turns the line breaks (CR, LF) of s into spaces,
 * the other control characters (C0 but tab, DEL, UTF-8 C1) into '?', so
 * that values echoed back cannot drive a terminal, and drops trailing
 * spaces (libpq's and the server's messages carry both).
 * Returns the new length of s. */
size_t ftz_fmt_one_line(char *s);

/* ftz_fmt into errstr (NULL or errstr_size 0: nothing is written).
 * Returns err so that callers can write `return ftz_seterr(...)`. */
ftz_err_t ftz_seterr(ftz_err_t err, char *errstr, size_t errstr_size,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
