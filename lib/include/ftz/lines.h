/* Lines from a file descriptor, with a bounded wait: a caller that must
 * keep working while its input is quiet (a pipe, `tail -f`) gets
 * FTZ_LINES_WAIT after timeout_ms instead of blocking in read(2).
 *
 * A line ends at LF, CRLF or a lone CR (old Mac exports); a UTF-8 byte
 * order mark (EF BB BF) at the very start of the input is skipped. A line
 * longer than the reader's bound is never held whole: the reader gives
 * FTZ_LINES_TOO_LONG once, then skips the rest of that line as it
 * arrives, so its memory stays about the bound plus one read (64 KiB).
 * One reader per descriptor; not thread-safe. */
#ifndef FTZ_LINES_H
#define FTZ_LINES_H

#include <stddef.h>

#include "ftz/err.h"

/* Default bound of a line, bytes (ftz_lines_set_max changes it). */
#define FTZ_LINES_MAX (64u << 20)

typedef enum ftz_lines_result_e {
    FTZ_LINES_LINE,     /* *line, *len: the next line, without its line end */
    FTZ_LINES_WAIT,     /* nothing arrived within timeout_ms */
    FTZ_LINES_EOF,      /* the input ended (a last line without a line end was given first) */
    FTZ_LINES_ERROR,    /* read failed: errstr */
    FTZ_LINES_TOO_LONG, /* the next line is longer than the bound: *line, *len are its
                         * first `max` bytes; the rest is skipped; errstr says so */
} ftz_lines_result_t;

typedef struct ftz_lines_s {
    int fd;           /* borrowed */
    char *buf;
    size_t start, len, cap; /* unread bytes: buf[start, start + len) */
    size_t max;       /* longest line; 0 means FTZ_LINES_MAX */
    int eof;
    int bom_done;     /* the start of the input was checked for a BOM */
    int after_cr;     /* the last line ended with CR: an LF next belongs to it */
    int skipping;     /* inside a line that was too long: drop bytes to its end */
} ftz_lines_t;

void ftz_lines_init(ftz_lines_t *r, int fd);
void ftz_lines_free(ftz_lines_t *r);
/* Sets the longest line in bytes (>= 1; 0 restores FTZ_LINES_MAX). */
void ftz_lines_set_max(ftz_lines_t *r, size_t max);

/* The next line; *line points into the reader's buffer, valid until the
 * next call. timeout_ms < 0 waits as long as it takes. */
ftz_lines_result_t ftz_lines_next(ftz_lines_t *r, const char **line, size_t *len,
                                  int timeout_ms, char *errstr, size_t errstr_size);

#endif
