/* Lines from a file descriptor, with a bounded wait: a caller that must
 * keep working while its input is quiet (a pipe, `tail -f`) gets
 * FTZ_LINES_WAIT after timeout_ms instead of blocking in read(2).
 * One reader per descriptor; not thread-safe. */
#ifndef FTZ_LINES_H
#define FTZ_LINES_H

#include <stddef.h>

#include "ftz/err.h"

/* Longest line, bytes; a longer one is an error (FTZ_LINES_ERROR). */
#define FTZ_LINES_MAX (64u << 20)

typedef enum ftz_lines_result_e {
    FTZ_LINES_LINE,  /* *line, *len: the next line, without its \n */
    FTZ_LINES_WAIT,  /* nothing arrived within timeout_ms */
    FTZ_LINES_EOF,   /* the input ended (a last line without \n was given first) */
    FTZ_LINES_ERROR, /* read failed or a line is too long: errstr */
} ftz_lines_result_t;

typedef struct ftz_lines_s {
    int fd;           /* borrowed */
    char *buf;
    size_t start, len, cap; /* unread bytes: buf[start, start + len) */
    int eof;
} ftz_lines_t;

void ftz_lines_init(ftz_lines_t *r, int fd);
void ftz_lines_free(ftz_lines_t *r);

/* The next line; *line points into the reader's buffer, valid until the
 * next call. timeout_ms < 0 waits as long as it takes. */
ftz_lines_result_t ftz_lines_next(ftz_lines_t *r, const char **line, size_t *len,
                                  int timeout_ms, char *errstr, size_t errstr_size);

#endif
