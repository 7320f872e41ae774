#include "ftz/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *ftz_err_name(ftz_err_t err) {
    switch (err) {
    case FTZ_OK: return "FTZ_OK";
    case FTZ_ERR_INVALID_ARG: return "FTZ_ERR_INVALID_ARG";
    case FTZ_ERR_NOMEM: return "FTZ_ERR_NOMEM";
    case FTZ_ERR_IO: return "FTZ_ERR_IO";
    case FTZ_ERR_POISON: return "FTZ_ERR_POISON";
    case FTZ_ERR_RETRIABLE: return "FTZ_ERR_RETRIABLE";
    case FTZ_ERR_FENCED: return "FTZ_ERR_FENCED";
    case FTZ_ERR_FATAL: return "FTZ_ERR_FATAL";
    }
    return "FTZ_ERR_UNKNOWN";
}

#define ELLIPSIS "..."

size_t ftz_vfmt(char *dst, size_t size, const char *fmt, va_list ap) {
    if (!dst || size == 0)
        return 0;
    int n = vsnprintf(dst, size, fmt, ap);
    if (n < 0) { /* an encoding error: dst holds nothing defined */
        dst[0] = '\0';
        return 0;
    }
    if ((size_t)n < size)
        return (size_t)n;
    /* Cut: back up to the start of a character (never leave half of one,
     * which PostgreSQL would refuse as text), then mark the cut. */
    int mark = size >= sizeof(ELLIPSIS);
    size_t keep = mark ? size - sizeof(ELLIPSIS) : size - 1;
    while (keep > 0 && ((unsigned char)dst[keep] & 0xC0) == 0x80)
        keep--;
    if (mark) {
        memcpy(dst + keep, ELLIPSIS, sizeof(ELLIPSIS));
        return keep + sizeof(ELLIPSIS) - 1;
    }
    dst[keep] = '\0';
    return keep;
}

size_t ftz_fmt(char *dst, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t n = ftz_vfmt(dst, size, fmt, ap);
    va_end(ap);
    return n;
}

size_t ftz_fmt_one_line(char *s) {
    size_t n = 0;
    for (char *c = s; *c; c++, n++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    while (n && s[n - 1] == ' ')
        s[--n] = '\0';
    return n;
}

ftz_err_t ftz_seterr(ftz_err_t err, char *errstr, size_t errstr_size,
                     const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ftz_vfmt(errstr, errstr_size, fmt, ap);
    va_end(ap);
    return err;
}
