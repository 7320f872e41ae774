/* What `ftz produce` shows while it runs and when it ends: on a terminal a
 * progress line redrawn in place at most four times a second (log lines
 * that arrive meanwhile, from any thread, erase it first and it is drawn
 * again at the next update); the one-line summary at the end. One per
 * process: the log callback it installs is global. */
#ifndef FTZ_PRODUCE_PROGRESS_H
#define FTZ_PRODUCE_PROGRESS_H

#include "ftz/produce_metrics.h"
#include "ftz/producer.h"

/* Starts the clock; draws (and takes over the log callback) only when on. */
void ftz_progress_start(int on);
/* Redraws the line if it is on and a quarter of a second has passed (or
 * force). c and p are borrowed. Main thread only. */
void ftz_progress_update(const ftz_produce_counts_t *c, const ftz_producer_t *p, int force);
/* Erases the line and gives the log back to stderr. */
void ftz_progress_stop(void);
/* A line of the command's own on stderr (a rejected record; errors go
 * through ftz_cli_error, which ftz_progress_start points here):
 * the progress line is erased first. */
void ftz_progress_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Seconds since ftz_progress_start. */
double ftz_progress_elapsed(void);

#endif
