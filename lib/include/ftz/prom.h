/* Metrics in the Prometheus text exposition format (version 0.0.4).
 *
 * Every metric the project exposes is defined once, in the table behind
 * ftz_metric_defs(): name, type, labels, meaning. The renderers below take
 * HELP and TYPE from it (a name missing from the table is a programming
 * error: nothing is written), `ftz aggregate --list-metrics` prints it,
 * and docs/metrics.md is generated from it (checked by docs.metrics).
 *
 * Not thread-safe: a renderer writes into a buffer its caller owns. */
#ifndef FTZ_PROM_H
#define FTZ_PROM_H

#include <stdint.h>

#include "ftz/buf.h"

typedef enum ftz_prom_type_e {
    FTZ_PROM_COUNTER,
    FTZ_PROM_GAUGE,
    FTZ_PROM_HISTOGRAM
} ftz_prom_type_t;

typedef struct ftz_metric_def_s {
    const char *name;   /* ftz_consumer_messages_total */
    ftz_prom_type_t type;
    const char *labels; /* "topic,code", "" for none */
    const char *who;    /* "aggregate", "produce", or "all" */
    const char *help;   /* one line */
} ftz_metric_def_t;

/* The table; *n receives its length. Static. */
const ftz_metric_def_t *ftz_metric_defs(int *n);
const char *ftz_prom_type_name(ftz_prom_type_t t);

/* A histogram with fixed upper bounds (ascending, at most
 * FTZ_HIST_BUCKETS); the +Inf bucket is implied. Plain memory: one
 * writer. */
#define FTZ_HIST_BUCKETS 20
typedef struct ftz_histogram_s {
    const double *bounds;
    int n;
    uint64_t counts[FTZ_HIST_BUCKETS + 1]; /* per bucket, not cumulative */
    uint64_t count;
    double sum;
} ftz_histogram_t;

void ftz_histogram_init(ftz_histogram_t *h, const double *bounds, int n);
void ftz_histogram_observe(ftz_histogram_t *h, double v);

/* The HELP and TYPE lines of `name`, from the table. */
ftz_err_t ftz_prom_family(ftz_buf_t *b, const char *name);
/* One sample: name{labels} value. `labels` is NULL or an array of
 * n_labels (name, value) pairs; values are escaped. */
ftz_err_t ftz_prom_sample(ftz_buf_t *b, const char *name, const char *const *labels,
                          int n_labels, double value);
/* A histogram's family, buckets, sum and count. */
ftz_err_t ftz_prom_histogram(ftz_buf_t *b, const char *name, const ftz_histogram_t *h);

/* The process's own figures, read from /proc/self: resident and peak
 * resident memory (bytes), CPU time (seconds). 0 when unknown. */
typedef struct ftz_proc_figures_s {
    double rss_bytes;
    double peak_rss_bytes;
    double cpu_seconds;
} ftz_proc_figures_t;
void ftz_proc_figures(ftz_proc_figures_t *out);

/* docs/metrics.md: the table as Markdown. */
ftz_err_t ftz_prom_markdown(ftz_buf_t *b);

#endif
