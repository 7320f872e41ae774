/* CSV records (RFC 4180) from a file descriptor, parsed by libcsv in
 * strict mode, with the physical line where each record starts: a quoted
 * cell may hold commas, doubled quotes and line ends (LF, CRLF or CR), so
 * one record may span several lines. A UTF-8 byte order mark at the very
 * start of the input is skipped; spaces are part of a cell (RFC 4180:
 * nothing is trimmed); empty lines between records are skipped.
 *
 * Like ftz_lines (lines.h), a quiet input gives FTZ_CSV_WAIT after
 * timeout_ms, and a record longer than the reader's bound is never held
 * whole: it is reported once as FTZ_CSV_TOO_LONG and skipped to its end
 * (memory stays about the bound plus one read of 64 KiB). A record that is
 * not valid CSV (a stray quote, text after a closing quote, a quoted cell
 * never closed) is reported as FTZ_CSV_BAD and reading goes on at the next
 * line. One reader per descriptor; not thread-safe. */
#ifndef FTZ_CSV_READER_H
#define FTZ_CSV_READER_H

#include <stddef.h>

#include "ftz/err.h"

typedef struct ftz_csv_reader_s ftz_csv_reader_t;

typedef enum ftz_csv_result_e {
    FTZ_CSV_ROW,      /* row: the next record */
    FTZ_CSV_WAIT,     /* nothing arrived within timeout_ms */
    FTZ_CSV_EOF,      /* the input ended */
    FTZ_CSV_BAD,      /* the record at row->line is not valid CSV (errstr says why; row->raw
                       * holds what was read of it, to the end of the line of the fault) */
    FTZ_CSV_TOO_LONG, /* the record at row->line is longer than the bound (errstr); skipped;
                       * row->raw is NULL */
    FTZ_CSV_ERROR,    /* read failed or out of memory: errstr */
} ftz_csv_result_t;

/* A record; every pointer is into the reader, valid until its next call. */
typedef struct ftz_csv_row_s {
    long line;                 /* physical line (from 1) where the record starts */
    long end_line;             /* physical line where it ends (>= line) */
    int unclosed;              /* BAD or TOO_LONG: it ran to the end of the input inside
                                * a quoted cell (a stray quote, likely) */
    size_t n;                  /* cells */
    const char *const *cells;  /* each NUL-terminated (it may hold a NUL itself: lens) */
    const size_t *lens;
    const char *raw;           /* the record as read, without its final line end */
    size_t raw_len;
} ftz_csv_row_t;

/* fd is borrowed; max_record (>= 1) bounds the bytes of one record. NULL
 * with errstr when out of memory. */
ftz_csv_reader_t *ftz_csv_reader_new(int fd, size_t max_record, char *errstr,
                                     size_t errstr_size);
void ftz_csv_reader_destroy(ftz_csv_reader_t *r);

/* The next record (see the results above); timeout_ms < 0 waits as long
 * as it takes. */
ftz_csv_result_t ftz_csv_reader_next(ftz_csv_reader_t *r, ftz_csv_row_t *row, int timeout_ms,
                                     char *errstr, size_t errstr_size);

/* Whether row is a line of only spaces and tabs (one cell, nothing else):
 * a blank line, skipped like one in JSON lines. */
int ftz_csv_row_blank(const ftz_csv_row_t *row);

#endif
