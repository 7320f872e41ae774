#include "ftz/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/array.h"

ftz_err_t ftz_buf_reserve(ftz_buf_t *buf, size_t extra) {
    if (extra >= SIZE_MAX - buf->len)
        return FTZ_ERR_NOMEM;
    size_t need = buf->len + extra + 1;
    if (need <= buf->cap)
        return FTZ_OK;
    return FTZ_ARRAY_GROW(buf->data, buf->cap, need);
}

ftz_err_t ftz_buf_append(ftz_buf_t *buf, const void *data, size_t len) {
    if (ftz_buf_reserve(buf, len) != FTZ_OK)
        return FTZ_ERR_NOMEM;
    if (len)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
    return FTZ_OK;
}

ftz_err_t ftz_buf_puts(ftz_buf_t *buf, const char *s) {
    return ftz_buf_append(buf, s, strlen(s));
}

ftz_err_t ftz_buf_putc(ftz_buf_t *buf, char c) {
    return ftz_buf_append(buf, &c, 1);
}

ftz_err_t ftz_buf_printf(ftz_buf_t *buf, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return FTZ_ERR_INVALID_ARG;
    if (ftz_buf_reserve(buf, (size_t)n) != FTZ_OK)
        return FTZ_ERR_NOMEM;
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
    return FTZ_OK;
}

void ftz_buf_reset(ftz_buf_t *buf) {
    buf->len = 0;
    if (buf->data)
        buf->data[0] = '\0';
}

void ftz_buf_free(ftz_buf_t *buf) {
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}

char *ftz_buf_steal(ftz_buf_t *buf) {
    char *p = buf->data;
    buf->data = NULL;
    buf->len = buf->cap = 0;
    return p;
}
