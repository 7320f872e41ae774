/* The per-file step of `ftz produce`, shared by the one-shot run (files
 * given on the command line or standard input) and the spool
 * (produce_spool.h): open an input (a CSV one's header read and checked),
 * read every record, check it, encode it, send it; then wait for the
 * acknowledgements and say which records were not acknowledged.
 *
 * Everything here runs on the command's main thread; the failure callback
 * runs inside the producer's polls on the same thread. */
#ifndef FTZ_PRODUCE_FILE_H
#define FTZ_PRODUCE_FILE_H

#include <stdio.h>
#include <time.h>

#include "ftz/buf.h"
#include "ftz/codec.h"
#include "ftz/csv_record.h"
#include "ftz/lines.h"
#include "ftz/csv_reader.h"
#include "ftz/metrics_server.h"
#include "ftz/produce_metrics.h"
#include "ftz/producer.h"
#include "ftz/record.h"

#define FTZ_PRODUCE_FAILED_SHOWN 10 /* FILE:LINE of the first records not acknowledged */

typedef enum ftz_produce_fmt_e {
    FTZ_PRODUCE_FMT_AUTO,
    FTZ_PRODUCE_FMT_JSON,
    FTZ_PRODUCE_FMT_CSV
} ftz_produce_fmt_t;

/* One input. path and label are borrowed and must outlive the input. */
typedef struct ftz_produce_input_s {
    const char *path;  /* "-": standard input */
    const char *label; /* FILE of FILE:LINE: path, "<stdin>", or the spool's NAME */
    ftz_produce_fmt_t fmt;
    int fd;            /* owned unless standard input; -1 when not open */
    ftz_lines_t lines;
    ftz_csv_reader_t *csv;
    ftz_csv_map_t *map;
    char *header;      /* the CSV header row as read, for --rejects */
    size_t header_len;
    int header_written;
    int stopped;       /* reading stopped at a stop signal, before the end */
} ftz_produce_input_t;

/* One run's state, over every input it reads. The caller fills the
 * settings and the borrowed objects; the rest starts zeroed. */
typedef struct ftz_produce_run_s {
    const ftz_record_type_t *rt;      /* borrowed */
    const char *topic;                /* borrowed */
    int skip_rules;
    int wait_ms;        /* how long a quiet input may keep the loop from polling */
    size_t max_line;
    FILE *rejects;      /* borrowed, may be NULL: rejected records as read (--rejects) */
    FILE *reasons;      /* borrowed, may be NULL: one FILE:LINE: CODE reason line per
                         * rejected record (the spool's NAME.rejects) */
    int quiet_rejects;  /* rejected records are debug lines, not stderr lines */
    double stop_grace_s; /* < 0: reading stops at a stop signal (ftz_cli_stop);
                          * >= 0: reading goes on for this many seconds after it */
    ftz_encoder_t *enc;               /* borrowed */
    ftz_producer_t *prod;             /* borrowed */
    ftz_metrics_server_t *metrics;    /* borrowed, may be NULL */
    time_t published;
    unsigned ticks;              /* calls of ftz_produce_tick without a poll */
    ftz_produce_counts_t counts;      /* cumulative over every input */
    ftz_buf_t out;
    ftz_record_buf_t rec;
    /* Records not acknowledged: the first FTZ_PRODUCE_FAILED_SHOWN labels
     * (owned), and how many since the last ftz_produce_forget_failures. */
    char *failed_labels[FTZ_PRODUCE_FAILED_SHOWN];
    unsigned long long failed_seen;
    double stop_at;     /* when reading stops after a stop signal; 0: no signal yet */
    /* The last error that stopped reading an input: its text (without the
     * "ftz produce: " prefix), and whether it is the producer's (FTZ_ERR_FATAL:
     * nothing more can be sent) or the input's own (FTZ_ERR_IO). */
    char error[600];
    ftz_err_t error_kind;
} ftz_produce_run_t;

/* The format of path: `given` unless FTZ_PRODUCE_FMT_AUTO, else by extension
 * (.csv is CSV; anything else JSON lines). path is borrowed. */
ftz_produce_fmt_t ftz_produce_format_of(const char *path, ftz_produce_fmt_t given);

/* Installs the producer's failure callback (counts and labels the records
 * not acknowledged into r). r is borrowed by the producer: it must outlive
 * it or the callback must be replaced. */
void ftz_produce_run_attach(ftz_produce_run_t *r);

/* Frees what the run owns (labels, buffers); not the borrowed objects. */
void ftz_produce_run_free(ftz_produce_run_t *r);

/* Opens in (in->path, in->label, in->fmt set; in->fd -1); a CSV input's
 * header is read and checked here, so that a wrong column can stop a run
 * before any record is sent (an empty CSV input leaves in->map NULL: no
 * records). FTZ_ERR_IO with errstr ("FILE: reason", "FILE:LINE: header:
 * ..."). Close with ftz_produce_input_close in every case. */
ftz_err_t ftz_produce_input_open(ftz_produce_input_t *in, const ftz_record_type_t *rt,
                                 size_t max_line, char *errstr, size_t errstr_size);
void ftz_produce_input_close(ftz_produce_input_t *in);

/* Reads, checks and sends every record of the open input in (each rejected
 * one reported on stderr and to r->rejects / r->reasons), until its end or
 * a stop signal (see stop_grace_s; then in->stopped). FTZ_OK, or the error
 * that stopped reading (reported on stderr, kept in r->error and
 * r->error_kind). */
ftz_err_t ftz_produce_input_send(ftz_produce_run_t *r, ftz_produce_input_t *in);

/* Delivery reports, the metrics and the progress line, now and then
 * (poll: serve the producer's reports first). */
void ftz_produce_tick(ftz_produce_run_t *r, int poll);

/* Waits for the last acknowledgements: each record is acknowledged or
 * failed within the message timeout (timeout_ms; <= 0: no bound) of being
 * sent; a little more is allowed for the reports to arrive. */
void ftz_produce_flush(ftz_produce_run_t *r, long timeout_ms);

/* Appends to msg the line about records not acknowledged: how many
 * (missing of sent, acked of them acknowledged), the brokers, `within`
 * (e.g. "--timeout 3 s"), why, and the first FILE:LINE. */
void ftz_produce_describe_unacknowledged(const ftz_produce_run_t *r, ftz_buf_t *msg,
                                         const char *brokers, const char *within,
                                         unsigned long long missing, unsigned long long sent,
                                         unsigned long long acked);

/* Forgets the labels of the records not acknowledged so far (a new file). */
void ftz_produce_forget_failures(ftz_produce_run_t *r);

#endif
