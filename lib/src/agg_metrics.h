/* The consumer's figures for operators: the /metrics text, the lag from
 * librdkafka's statistics, and the periodic stats line. Internal to the
 * aggregator; runs on its thread (the metrics server only gets copies). */
#ifndef FTZ_AGG_METRICS_H
#define FTZ_AGG_METRICS_H

#include <stddef.h>

#include "assignment.h"
#include "ftz/aggregator.h"
#include "ftz/buf.h"
#include "ftz/prom.h"

typedef struct ftz_agg_figures_s {
    ftz_histogram_t batch_messages;
    ftz_histogram_t commit_seconds;
    ftz_histogram_t e2e_seconds;
    double last_commit_unix; /* 0: none */
    double caught_up_unix;   /* 0: never */
} ftz_agg_figures_t;

void ftz_agg_figures_init(ftz_agg_figures_t *f);

/* Takes the log bounds of the owned partitions from one librdkafka
 * statistics JSON document (the stats callback's json, len bytes; it is
 * not NUL-terminated). Unknown or unparsable: left as they were. */
void ftz_agg_apply_statistics(ftz_assignment_t *asg, const char *json, size_t len);

/* The lag of one owned partition (-1: unknown), and of all (-1: none known). */
int64_t ftz_agg_partition_lag(const ftz_owned_t *o);
int64_t ftz_agg_total_lag(const ftz_assignment_t *asg);

/* Appends the consumer's metrics (everything but what the server computes
 * at scrape time). */
ftz_err_t ftz_agg_render_metrics(ftz_buf_t *out, const ftz_aggregator_conf_t *conf,
                                 const ftz_aggregator_stats_t *st, const ftz_assignment_t *asg,
                                 const ftz_agg_figures_t *f);

#endif
