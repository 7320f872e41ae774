/* `ftz produce --spool DIR`: a long-running ingester of the export files
 * other systems drop into a directory (docs/operations.md, "Spool").
 *
 *   DIR/NAME         a file dropped in; taken when complete: renamed in
 *                    (inotify IN_MOVED_TO), or unchanged (size and mtime)
 *                    for settle_s; names starting with "." or ending in
 *                    .tmp or .part are never taken
 *   DIR/work/NAME    claimed (an atomic rename) and being sent; found at
 *                    start, it was being sent when a run stopped: sent again
 *   DIR/done/NAME    every record acknowledged; NAME.rejects beside it
 *                    (FILE:LINE: CODE reason) when records were rejected
 *   DIR/failed/NAME  not sent: NAME.error says why
 *
 * A name already taken in done/ or failed/ gets a number before its
 * extension (x.csv, x.1.csv, ...): input is never overwritten or deleted.
 * One ingester per directory (a lock on DIR/.ftz-spool.lock).
 * Main thread only. */
#ifndef FTZ_PRODUCE_SPOOL_H
#define FTZ_PRODUCE_SPOOL_H

#include "produce_file.h"

typedef struct ftz_produce_spool_opts_s {
    const char *dir;      /* borrowed */
    double settle_s;      /* a file written in place: unchanged this long */
    long timeout_ms;      /* how long a record may wait for its acknowledgement */
    const char *brokers;  /* borrowed: named when records are not acknowledged */
    const char *within;   /* borrowed: the bound, as said in messages ("--timeout 30 s") */
} ftz_produce_spool_opts_t;

/* Runs the spool with r (set up as for one-shot files: record type,
 * topic, encoder, producer attached, metrics; borrowed) until ftz_cli_stop.
 * A file being sent when the signal comes is finished if it can be within
 * r->stop_grace_s, else left in work/ for the next start. FTZ_OK after a
 * stop signal; else the error that stopped the spool (DIR unusable, the
 * producer failed) in errstr. */
ftz_err_t ftz_produce_spool(ftz_produce_run_t *r, const ftz_produce_spool_opts_t *o,
                            char *errstr, size_t errstr_size);

#endif
