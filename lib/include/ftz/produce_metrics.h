/* The figures of `ftz produce` for operators: counts of one run and the
 * /metrics text they become (metric names in lib/src/prom.c). Owned by
 * the producing thread. */
#ifndef FTZ_PRODUCE_METRICS_H
#define FTZ_PRODUCE_METRICS_H

#include <stdint.h>

#include "ftz/buf.h"
#include "ftz/producer.h"
#include "ftz/verdict.h"

typedef struct ftz_produce_counts_s {
    uint64_t read;                   /* input records (non-blank lines) */
    uint64_t sent;                   /* handed to the producer */
    uint64_t rejected;               /* refused before sending */
    uint64_t by_code[FTZ_V__COUNT];  /* of those, by verdict code */
} ftz_produce_counts_t;

/* Appends the produce metrics of `topic` (acknowledged, failed and the
 * latency come from p, borrowed). */
ftz_err_t ftz_produce_render_metrics(ftz_buf_t *out, const char *topic,
                                     const ftz_produce_counts_t *c, const ftz_producer_t *p);

#endif
