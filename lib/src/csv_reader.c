#include "ftz/csv_reader.h"

#include <csv.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ftz/array.h"
#include "ftz/buf.h"

#define CHUNK 65536

static const char bom[3] = {'\xEF', '\xBB', '\xBF'};

typedef enum { PENDING_NONE, PENDING_ROW, PENDING_BAD, PENDING_TOO_LONG } pending_t;

struct ftz_csv_reader_s {
    int fd;
    struct csv_parser p;
    unsigned char opts;
    char *in;                /* CHUNK bytes read; in[pos, len) not fed yet */
    size_t pos, len;
    int eof, fini_done, bom_done;
    size_t max;
    long line;               /* physical line of the next byte fed */
    int prev_cr;             /* the last byte fed was a CR */
    /* The record being read. */
    long row_line;           /* 0: none begun */
    int too_long;            /* over the bound: fed to libcsv, not kept */
    int skip_line;           /* a CSV fault: the rest of its line is not fed */
    int ended_by_term;       /* the record ended at a line end (not at EOF) */
    long last_line;          /* physical line of the record's last byte so far */
    int unclosed;            /* it ended at EOF inside a quoted cell */
    pending_t pending;
    char why[200];           /* the fault of a BAD record */
    int nomem;
    ftz_buf_t raw;           /* the record's bytes */
    ftz_buf_t cellbuf;       /* the cells, each followed by a NUL */
    size_t *offs, *lens;
    const char **cells;
    size_t ncells, cells_cap;
};

/* RFC 4180: spaces belong to the cell; libcsv trims them by default. */
static int no_space(unsigned char c) {
    (void)c;
    return 0;
}

static void on_cell(void *s, size_t len, void *data) {
    ftz_csv_reader_t *r = data;
    if (r->too_long || r->nomem)
        return;
    if (r->ncells == r->cells_cap) {
        /* Three arrays of one length, grown alike from one capacity. */
        size_t co = r->cells_cap, cl = r->cells_cap, cc = r->cells_cap;
        if (FTZ_ARRAY_GROW(r->offs, co, r->ncells + 1) ||
            FTZ_ARRAY_GROW(r->lens, cl, r->ncells + 1) ||
            FTZ_ARRAY_GROW(r->cells, cc, r->ncells + 1)) {
            r->nomem = 1;
            return;
        }
        r->cells_cap = co;
    }
    r->offs[r->ncells] = r->cellbuf.len;
    r->lens[r->ncells] = len;
    if ((len && ftz_buf_append(&r->cellbuf, s, len) != FTZ_OK) ||
        ftz_buf_putc(&r->cellbuf, '\0') != FTZ_OK) {
        r->nomem = 1;
        return;
    }
    r->ncells++;
}

static void on_row(int c, void *data) {
    ftz_csv_reader_t *r = data;
    r->ended_by_term = c >= 0;
    r->pending = r->too_long ? PENDING_TOO_LONG : PENDING_ROW;
}

ftz_csv_reader_t *ftz_csv_reader_new(int fd, size_t max_record, char *errstr,
                                     size_t errstr_size) {
    ftz_csv_reader_t *r = calloc(1, sizeof(*r));
    if (!r || !(r->in = malloc(CHUNK))) {
        free(r);
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        return NULL;
    }
    r->opts = CSV_STRICT | CSV_STRICT_FINI;
    if (csv_init(&r->p, r->opts) != 0) {
        free(r->in);
        free(r);
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        return NULL;
    }
    csv_set_space_func(&r->p, no_space);
    csv_set_blk_size(&r->p, 4096);
    r->fd = fd;
    r->max = max_record ? max_record : 1;
    r->line = 1;
    return r;
}

void ftz_csv_reader_destroy(ftz_csv_reader_t *r) {
    if (!r)
        return;
    csv_free(&r->p);
    ftz_buf_free(&r->raw);
    ftz_buf_free(&r->cellbuf);
    free(r->offs);
    free(r->lens);
    free(r->cells);
    free(r->in);
    free(r);
}

/* Forgets the record read so far (the parser's state is not touched). */
static void clear_record(ftz_csv_reader_t *r) {
    r->row_line = 0;
    r->too_long = r->skip_line = r->ended_by_term = 0;
    r->pending = PENDING_NONE;
    r->ncells = 0;
    ftz_buf_reset(&r->cellbuf);
    ftz_buf_reset(&r->raw);
}

/* Back to "no record begun" after a fault, whatever libcsv's state. */
static void reset_parser(ftz_csv_reader_t *r) {
    csv_set_opts(&r->p, r->opts & ~CSV_STRICT_FINI);
    csv_fini(&r->p, NULL, NULL, NULL);
    csv_set_opts(&r->p, r->opts);
}

/* A record over the bound is still fed to libcsv, to find where it ends,
 * but its cell is not kept: only the bytes libcsv looks back at (the
 * closing quote and the spaces before it) stay in its entry buffer. */
static void shrink_entry(struct csv_parser *p) {
    size_t keep = p->spaces + 1;
    if (p->entry_buf && p->entry_pos > keep) {
        memmove(p->entry_buf, p->entry_buf + p->entry_pos - keep, keep);
        p->entry_pos = keep;
    }
}

static void go_too_long(ftz_csv_reader_t *r) {
    r->too_long = 1;
    r->ncells = 0;
    ftz_buf_free(&r->cellbuf);
    ftz_buf_free(&r->raw);
}

/* Feeds the next piece of input: bytes up to and including the next line
 * end. A record can only end at a line end, so it ends, if at all, with
 * the piece, and every byte but the last is on line r->line. */
static void feed_piece(ftz_csv_reader_t *r) {
    const char *s = r->in + r->pos;
    size_t avail = r->len - r->pos, n = 0;
    while (n < avail && s[n] != '\n' && s[n] != '\r')
        n++;
    int term = n < avail;
    n += term;
    r->pos += n;
    if (!r->row_line && n > (size_t)term)
        r->row_line = r->line;
    if (r->row_line && n > (size_t)term)
        r->last_line = r->line;
    if (r->row_line && !r->too_long) {
        /* The bytes so far, without the line end that may close it. */
        if (r->raw.len + n - (size_t)term > r->max)
            go_too_long(r);
        else if (ftz_buf_append(&r->raw, s, n) != FTZ_OK)
            r->nomem = 1;
    }
    if (!r->skip_line) {
        size_t done = csv_parse(&r->p, s, n, on_cell, on_row, r);
        if (done < n) {
            if (csv_error(&r->p) != CSV_EPARSE) {
                r->nomem = 1;
            } else {
                const char *what = s[done] == '"'
                                       ? "a quote inside an unquoted cell (quote the whole "
                                         "cell and double the quote: \"a\"\"b\")"
                                       : "text after the closing quote of a cell";
                if (r->line != r->row_line)
                    snprintf(r->why, sizeof(r->why), "CSV: line %ld: %s", r->line, what);
                else
                    snprintf(r->why, sizeof(r->why), "CSV: %s", what);
                r->skip_line = 1;
            }
        }
        if (r->too_long)
            shrink_entry(&r->p);
    }
    if (r->skip_line && term) {
        reset_parser(r);
        r->ended_by_term = 1;
        r->pending = r->too_long ? PENDING_TOO_LONG : PENDING_BAD;
    }
    if (term) {
        if (s[n - 1] == '\r' || n > 1 || !r->prev_cr)
            r->line++;
        r->prev_cr = s[n - 1] == '\r';
    } else if (n) {
        r->prev_cr = 0;
    }
}

static void finish(ftz_csv_reader_t *r) {
    r->fini_done = 1;
    if (r->skip_line) { /* a fault on the last line, which has no line end */
        reset_parser(r);
        r->pending = r->too_long ? PENDING_TOO_LONG : PENDING_BAD;
        return;
    }
    if (csv_fini(&r->p, on_cell, on_row, r) != 0) {
        snprintf(r->why, sizeof(r->why),
                 "CSV: a quoted cell is not closed (from line %ld to the end of the input)",
                 r->row_line);
        r->unclosed = 1;
        reset_parser(r);
        r->pending = r->too_long ? PENDING_TOO_LONG : PENDING_BAD;
    }
}

static ftz_csv_result_t deliver(ftz_csv_reader_t *r, ftz_csv_row_t *row, char *errstr,
                                size_t errstr_size) {
    pending_t what = r->pending;
    memset(row, 0, sizeof(*row));
    row->line = r->row_line;
    row->end_line = r->last_line > r->row_line ? r->last_line : r->row_line;
    row->unclosed = r->unclosed;
    r->pending = PENDING_NONE;
    if (what == PENDING_TOO_LONG) {
        ftz_seterr(FTZ_ERR_POISON, errstr, errstr_size, "a record longer than %zu bytes",
                   r->max);
    } else {
        size_t raw_len = r->raw.len;
        /* Without the line end that ended it (CR or LF; an LF after a CR
         * is not fed with the record). */
        if (r->ended_by_term && raw_len &&
            (r->raw.data[raw_len - 1] == '\n' || r->raw.data[raw_len - 1] == '\r'))
            raw_len--;
        row->raw = r->raw.data ? r->raw.data : "";
        row->raw_len = raw_len;
        if (what == PENDING_BAD) {
            ftz_seterr(FTZ_ERR_POISON, errstr, errstr_size, "%s", r->why);
        } else {
            for (size_t i = 0; i < r->ncells; i++)
                r->cells[i] = r->cellbuf.data + r->offs[i];
            row->n = r->ncells;
            row->cells = r->cells;
            row->lens = r->lens;
        }
    }
    /* The next record starts empty; what row points to stays until the
     * next call, which resets the buffers only then. */
    r->row_line = r->last_line = 0;
    r->too_long = r->skip_line = r->ended_by_term = r->unclosed = 0;
    r->ncells = 0;
    return what == PENDING_ROW ? FTZ_CSV_ROW
           : what == PENDING_BAD ? FTZ_CSV_BAD
                                 : FTZ_CSV_TOO_LONG;
}

ftz_csv_result_t ftz_csv_reader_next(ftz_csv_reader_t *r, ftz_csv_row_t *row, int timeout_ms,
                                     char *errstr, size_t errstr_size) {
    if (!r->row_line && !r->pending)
        clear_record(r);
    for (;;) {
        if (r->nomem) {
            ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
            return FTZ_CSV_ERROR;
        }
        if (r->pending)
            return deliver(r, row, errstr, errstr_size);
        if (!r->bom_done) {
            size_t k = r->len - r->pos;
            if (k < 3 && !r->eof && (k == 0 || memcmp(r->in + r->pos, bom, k) == 0))
                goto more; /* could still be a BOM */
            if (k >= 3 && memcmp(r->in + r->pos, bom, 3) == 0)
                r->pos += 3;
            r->bom_done = 1;
        }
        if (r->pos < r->len) {
            feed_piece(r);
            continue;
        }
        if (r->eof) {
            if (!r->fini_done) {
                finish(r);
                continue;
            }
            return FTZ_CSV_EOF;
        }
    more:
        if (r->pos == r->len)
            r->pos = r->len = 0;
        if (timeout_ms >= 0) {
            struct pollfd pfd = {r->fd, POLLIN, 0};
            int k = poll(&pfd, 1, timeout_ms);
            if (k == 0)
                return FTZ_CSV_WAIT;
            if (k < 0 && errno != EINTR) {
                ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "poll: %s", strerror(errno));
                return FTZ_CSV_ERROR;
            }
            if (k < 0)
                return FTZ_CSV_WAIT; /* a signal: let the caller look */
        }
        ssize_t got = read(r->fd, r->in + r->len, CHUNK - r->len);
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "read error: %s", strerror(errno));
            return FTZ_CSV_ERROR;
        }
        if (got == 0)
            r->eof = 1;
        r->len += (size_t)got;
    }
}

int ftz_csv_row_blank(const ftz_csv_row_t *row) {
    if (row->n != 1)
        return 0;
    for (size_t i = 0; i < row->lens[0]; i++)
        if (row->cells[0][i] != ' ' && row->cells[0][i] != '\t')
            return 0;
    return 1;
}
