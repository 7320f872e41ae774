/* Text from data made safe for a terminal, and aligned (term_text.h). */
#include "term_text.h"

#include <string.h>

/* The next character of p (not at its end) as shown: out gets it (at most
 * 4 bytes, no NUL), *taken the input bytes it used; returns its length. */
static size_t next_shown(const unsigned char *p, char out[4], size_t *taken) {
    static const char hex[] = "0123456789ABCDEF";
    unsigned c = p[0];
    if (c == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) { /* C1 control, U+0080-U+009F */
        c = p[1];
        *taken = 2;
    } else {
        *taken = 1;
    }
    if (*taken == 2 || c < 0x20 || c == 0x7F) {
        out[0] = '\\';
        out[1] = 'x';
        out[2] = hex[c >> 4];
        out[3] = hex[c & 0xF];
        return 4;
    }
    /* A whole character: its lead byte says how long it is (a sequence cut
     * short by the end of the text is taken as far as it goes). */
    size_t len = c < 0xC0 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2, i = 0;
    for (; i < len && p[i]; i++)
        out[i] = (char)p[i];
    *taken = i;
    return i;
}

const char *ftz_term_printable(const char *v, char *buf, size_t size) {
    const unsigned char *p = (const unsigned char *)v;
    size_t o = 0, taken;
    char ch[4];
    while (*p) {
        size_t n = next_shown(p, ch, &taken);
        if (o + n >= size)
            break;
        memcpy(buf + o, ch, n);
        o += n;
        p += taken;
    }
    buf[o] = '\0';
    return buf;
}

void ftz_term_put(FILE *out, const char *v) {
    const unsigned char *p = (const unsigned char *)v;
    size_t taken;
    char ch[4];
    while (*p) {
        fwrite(ch, 1, next_shown(p, ch, &taken), out);
        p += taken;
    }
}

size_t ftz_term_width(const char *s) {
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

void ftz_term_cell(FILE *out, const char *s, size_t width, int right, int first) {
    size_t w = ftz_term_width(s), gap = width > w ? width - w : 0;
    if (!first)
        fputs("  ", out);
    if (right)
        for (size_t i = 0; i < gap; i++)
            fputc(' ', out);
    fputs(s, out);
    if (!right)
        for (size_t i = 0; i < gap; i++)
            fputc(' ', out);
}
