#include "ftz/utf8.h"

#include <stdio.h>
#include <string.h>

size_t ftz_utf8_char_len(const char *str, size_t len) {
    const unsigned char *s = (const unsigned char *)str;
    unsigned c, cp;
    size_t n;

    if (len == 0 || s[0] == 0)
        return 0;
    c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len <= n)
        return 0;
    for (size_t k = 1; k <= n; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3F);
    }
    /* Overlong forms, surrogates, beyond U+10FFFF. */
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n + 1;
}

int ftz_utf8_valid(const char *s, size_t len) {
    size_t i = 0;
    while (i < len) {
        /* ASCII runs are the common case: no call per byte. */
        if ((unsigned char)s[i] < 0x80 && s[i] != 0) {
            i++;
            continue;
        }
        size_t n = ftz_utf8_char_len(s + i, len - i);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

size_t ftz_utf8_length(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

size_t ftz_utf8_sanitize(char *dst, size_t dst_size, const char *src, size_t src_len) {
    size_t out = 0, i = 0;

    if (dst_size == 0)
        return 0;
    while (i < src_len) {
        unsigned char c = (unsigned char)src[i];
        size_t n = ftz_utf8_char_len(src + i, src_len - i);
        if (n > 0 && (c >= 0x20 || c == '\t') && c != 0x7F) {
            if (out + n >= dst_size)
                break;
            memcpy(dst + out, src + i, n);
            out += n;
            i += n;
            continue;
        }
        if (out + 4 >= dst_size)
            break;
        snprintf(dst + out, 5, "\\x%02X", c);
        out += 4;
        i++;
    }
    dst[out] = '\0';
    return out;
}

/* The code point at *p (valid UTF-8), advancing *p past it. */
static unsigned long next_code_point(const unsigned char **p) {
    const unsigned char *s = *p;
    size_t n = ftz_utf8_char_len((const char *)s, 4);
    unsigned long cp;
    if (n <= 1) {
        *p = s + 1;
        return s[0];
    }
    cp = s[0] & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (size_t k = 1; k < n; k++)
        cp = (cp << 6) | (s[k] & 0x3F);
    *p = s + n;
    return cp;
}

static int invisible(unsigned long cp) {
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 ||
           cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200D) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202F || cp == 0x205F || cp == 0x2060 || cp == 0x3000 || cp == 0xFEFF;
}

int ftz_utf8_blank(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    /* ASCII first, the common case: anything but a space ends it. */
    for (; *p && *p < 0x80; p++)
        if (!(*p == 0x20 || (*p >= 0x09 && *p <= 0x0D)))
            return 0;
    while (*p)
        if (!invisible(next_code_point(&p)))
            return 0;
    return 1;
}

long ftz_utf8_first_control(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    /* ASCII first, the common case, a byte at a time. */
    for (; *p && *p < 0x80; p++)
        if (*p < 0x20 || *p == 0x7F)
            return (long)*p;
    while (*p) {
        unsigned long cp = next_code_point(&p);
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
            return (long)cp;
    }
    return -1;
}
