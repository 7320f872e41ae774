#include "ftz/lines.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 65536

void ftz_lines_init(ftz_lines_t *r, int fd) {
    memset(r, 0, sizeof(*r));
    r->fd = fd;
}

void ftz_lines_free(ftz_lines_t *r) {
    free(r->buf);
    memset(r, 0, sizeof(*r));
}

/* A whole line in the buffer: give it. */
static int take_line(ftz_lines_t *r, const char **line, size_t *len) {
    char *p = r->len ? memchr(r->buf + r->start, '\n', r->len) : NULL;
    if (!p && !(r->eof && r->len))
        return 0;
    size_t n = p ? (size_t)(p - (r->buf + r->start)) : r->len;
    *line = r->buf + r->start;
    *len = n;
    n += p != NULL;
    r->start += n;
    r->len -= n;
    return 1;
}

ftz_lines_result_t ftz_lines_next(ftz_lines_t *r, const char **line, size_t *len,
                                  int timeout_ms, char *errstr, size_t errstr_size) {
    for (;;) {
        if (take_line(r, line, len))
            return FTZ_LINES_LINE;
        if (r->eof)
            return FTZ_LINES_EOF;
        if (r->len >= FTZ_LINES_MAX) {
            ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                       "a line longer than %u bytes", FTZ_LINES_MAX);
            return FTZ_LINES_ERROR;
        }
        /* Room for another chunk after the unread bytes. */
        if (r->start && r->start + r->len + CHUNK > r->cap) {
            memmove(r->buf, r->buf + r->start, r->len);
            r->start = 0;
        }
        if (r->start + r->len + CHUNK > r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 4 * CHUNK;
            while (cap < r->start + r->len + CHUNK)
                cap *= 2;
            char *b = realloc(r->buf, cap);
            if (!b) {
                ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
                return FTZ_LINES_ERROR;
            }
            r->buf = b;
            r->cap = cap;
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
        ssize_t n = read(r->fd, r->buf + r->start + r->len, r->cap - r->start - r->len);
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
