#include "ftz/lines.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ftz/array.h"

#define CHUNK 65536

static const char bom[3] = {'\xEF', '\xBB', '\xBF'};

void ftz_lines_init(ftz_lines_t *r, int fd) {
    memset(r, 0, sizeof(*r));
    r->fd = fd;
}

void ftz_lines_free(ftz_lines_t *r) {
    free(r->buf);
    memset(r, 0, sizeof(*r));
}

void ftz_lines_set_max(ftz_lines_t *r, size_t max) { r->max = max; }

static size_t max_of(const ftz_lines_t *r) { return r->max ? r->max : FTZ_LINES_MAX; }

static void drop(ftz_lines_t *r, size_t n) {
    r->start += n;
    r->len -= n;
    if (!r->len)
        r->start = 0;
}

/* The first line end (CR or LF) in the unread bytes, or NULL. */
static const char *find_end(const ftz_lines_t *r) {
    const char *s = r->buf + r->start;
    const char *lf = memchr(s, '\n', r->len);
    const char *cr = memchr(s, '\r', lf ? (size_t)(lf - s) : r->len);
    return cr ? cr : lf;
}

/* Consumes a line end at `end`: CRLF as one, and an LF that arrives after
 * a CR that ended the buffer. */
static void take_end(ftz_lines_t *r, const char *end) {
    size_t n = (size_t)(end - (r->buf + r->start)) + 1;
    if (*end == '\r') {
        if (n < r->len)
            n += r->buf[r->start + n] == '\n';
        else
            r->after_cr = 1;
    }
    drop(r, n);
}

/* What the unread bytes allow: 1 a line, 2 a line too long, 0 read more
 * (or, at the end of the input, nothing left). */
static int take_line(ftz_lines_t *r, const char **line, size_t *len) {
    size_t max = max_of(r);
    if (!r->bom_done) {
        size_t k = r->len < 3 ? r->len : 3;
        if (k < 3 && !r->eof && (k == 0 || memcmp(r->buf + r->start, bom, k) == 0))
            return 0; /* could still be a BOM */
        if (k == 3 && memcmp(r->buf + r->start, bom, 3) == 0)
            drop(r, 3);
        r->bom_done = 1;
    }
    if (r->after_cr && r->len) {
        if (r->buf[r->start] == '\n')
            drop(r, 1);
        r->after_cr = 0;
    }
    if (r->skipping) {
        const char *end = r->len ? find_end(r) : NULL;
        if (!end) {
            drop(r, r->len);
            if (r->eof)
                r->skipping = 0;
            return 0;
        }
        take_end(r, end);
        r->skipping = 0;
        if (!r->len && !r->eof)
            return 0;
    }
    if (!r->len)
        return 0;
    const char *end = find_end(r);
    size_t n = end ? (size_t)(end - (r->buf + r->start)) : r->len;
    if (!end && !r->eof && n <= max)
        return 0;
    *line = r->buf + r->start;
    if (n > max) {
        *len = max;
        if (end) {
            take_end(r, end);
        } else {
            drop(r, r->len);
            r->skipping = !r->eof;
        }
        return 2;
    }
    *len = n;
    if (end)
        take_end(r, end);
    else
        drop(r, n);
    return 1;
}

ftz_lines_result_t ftz_lines_next(ftz_lines_t *r, const char **line, size_t *len,
                                  int timeout_ms, char *errstr, size_t errstr_size) {
    for (;;) {
        int got = take_line(r, line, len);
        if (got == 1)
            return FTZ_LINES_LINE;
        if (got == 2) {
            ftz_seterr(FTZ_ERR_POISON, errstr, errstr_size, "a line longer than %zu bytes",
                       max_of(r));
            return FTZ_LINES_TOO_LONG;
        }
        if (r->eof)
            return FTZ_LINES_EOF;
        /* Room for another chunk after the unread bytes (at most the bound
         * plus one chunk: a longer line is given as too long first). */
        if (r->start && r->start + r->len + CHUNK > r->cap) {
            memmove(r->buf, r->buf + r->start, r->len);
            r->start = 0;
        }
        if (FTZ_ARRAY_GROW(r->buf, r->cap, r->start + r->len + CHUNK)) {
            ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
            return FTZ_LINES_ERROR;
        }
        if (timeout_ms >= 0) {
            struct pollfd pfd = {r->fd, POLLIN, 0};
            int k = poll(&pfd, 1, timeout_ms);
            if (k == 0)
                return FTZ_LINES_WAIT;
            if (k < 0 && errno != EINTR) {
                ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "poll: %s", strerror(errno));
                return FTZ_LINES_ERROR;
            }
            if (k < 0)
                return FTZ_LINES_WAIT; /* a signal: let the caller look */
        }
        /* Never more than a chunk: a too-long line is noticed within one
         * chunk of the bound, whatever the buffer's size. */
        size_t room = r->cap - r->start - r->len;
        ssize_t n = read(r->fd, r->buf + r->start + r->len, room < CHUNK ? room : CHUNK);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "read error: %s", strerror(errno));
            return FTZ_LINES_ERROR;
        }
        if (n == 0)
            r->eof = 1;
        r->len += (size_t)n;
    }
}
