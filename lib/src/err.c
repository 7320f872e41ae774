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

/* Where to cut s[0..keep) so that it does not end inside a UTF-8
 * character (PostgreSQL refuses half of one as text): before the last
 * character when its lead byte says it runs past keep. */
static size_t char_boundary(const char *s, size_t keep) {
    size_t j = keep, back = 0;
    while (j > 0 && back < 3 && ((unsigned char)s[j - 1] & 0xC0) == 0x80) {
        j--;
        back++;
    }
    if (j == 0)
        return keep; /* no lead byte: not UTF-8, nothing to keep whole */
    unsigned char lead = (unsigned char)s[j - 1];
    size_t len = (lead & 0xE0) == 0xC0   ? 2
                 : (lead & 0xF0) == 0xE0 ? 3
                 : (lead & 0xF8) == 0xF0 ? 4
                                         : 1;
    return j - 1 + len > keep ? j - 1 : keep;
}

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
    /* Cut on a character boundary, then mark the cut. */
    int mark = size >= sizeof(ELLIPSIS);
    size_t keep = char_boundary(dst, mark ? size - sizeof(ELLIPSIS) : size - 1);
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
    for (unsigned char *c = (unsigned char *)s; *c; c++, n++) {
        if (*c == '\n' || *c == '\r')
            *c = ' ';
        else if ((*c < 0x20 && *c != '\t') || *c == 0x7F)
            *c = '?'; /* ESC, VT, FF, BEL...: a value echoed back must not
                       * drive the terminal or break the line */
        else if (*c == 0xC2 && c[1] >= 0x80 && c[1] <= 0x9F) {
            c[0] = c[1] = '?'; /* C1 controls (CSI, NEL) as UTF-8 */
            c++;
            n++;
        }
    }
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
