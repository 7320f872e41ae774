/* A growable byte buffer. The buffer owns `data`; it is always
 * NUL-terminated after any append so it can be used as a C string.
 * Appends return FTZ_ERR_NOMEM on allocation failure and leave the
 * buffer as it was. */
#ifndef FTZ_BUF_H
#define FTZ_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "ftz/err.h"

typedef struct ftz_buf_s {
    char *data;
    size_t len;
    size_t cap;
} ftz_buf_t;

#define FTZ_BUF_INIT {NULL, 0, 0}

ftz_err_t ftz_buf_reserve(ftz_buf_t *buf, size_t extra);
ftz_err_t ftz_buf_append(ftz_buf_t *buf, const void *data, size_t len);
ftz_err_t ftz_buf_puts(ftz_buf_t *buf, const char *s);
ftz_err_t ftz_buf_putc(ftz_buf_t *buf, char c);
ftz_err_t ftz_buf_printf(ftz_buf_t *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Empties the buffer, keeping its memory. */
void ftz_buf_reset(ftz_buf_t *buf);
/* Frees the memory; the buffer may be reused after. */
void ftz_buf_free(ftz_buf_t *buf);
/* Hands the data over to the caller (who frees it); the buffer is empty. */
char *ftz_buf_steal(ftz_buf_t *buf);

#endif
