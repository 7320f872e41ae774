/* The consumer-group member behind `ftz aggregate`: poll, decode, validate,
 * batch, and commit each batch exactly once through the sink. Offsets are
 * read from PostgreSQL on every assignment and after every failed commit.
 * Runs on the calling thread; librdkafka callbacks run inside its polls. */
#ifndef FTZ_AGGREGATOR_H
#define FTZ_AGGREGATOR_H

#include <signal.h>
#include <stdint.h>

#include "ftz/catalog.h"
#include "ftz/kafka.h"
#include "ftz/rules.h"

typedef struct ftz_aggregator_conf_s {
    const char *brokers;          /* NULL: FTZ_BROKERS or 127.0.0.1:9092 */
    const ftz_props_t *props;     /* -X / -c properties, borrowed, may be NULL */
    const char *group;            /* consumer group id */
    const char *pg_conninfo;      /* NULL: libpq environment */
    const char *topic_prefix;     /* prefix of the topic names ("" none) */
    const char *const *topics;    /* topics to subscribe to */
    int n_topics;
    int batch_max;                /* messages per batch */
    int batch_ms;                 /* longest a batch stays open */
    double until_idle_s;          /* > 0: return once idle that long */
    size_t max_record_size;       /* largest datum decoded, bytes (0: 1 MiB) */
    volatile sig_atomic_t *stop;  /* set to non-zero to stop (signal-safe) */
} ftz_aggregator_conf_t;

typedef struct ftz_aggregator_stats_s {
    uint64_t messages;   /* consumed, good or bad, in committed batches */
    uint64_t counted;    /* good records handed to the aggregates */
    uint64_t rejected;   /* dead letters written */
    uint64_t batches;    /* committed batches */
    uint64_t redone;     /* batches dropped and redone (fenced, retriable) */
    double drain_s;      /* first assignment to last commit, seconds */
    struct {
        const char *code; /* static verdict code */
        uint64_t n;
    } by_code[32];       /* rejections per code, in committed batches */
    int n_codes;
} ftz_aggregator_stats_t;

/* Runs until *conf->stop, the idle limit, or a fatal error. FTZ_OK on a
 * clean stop; FTZ_ERR_FATAL / FTZ_ERR_INVALID_ARG with errstr otherwise.
 * stats (may be NULL) receives the counters. */
ftz_err_t ftz_aggregator_run(const ftz_aggregator_conf_t *conf,
                             ftz_aggregator_stats_t *stats, char *errstr,
                             size_t errstr_size);

#endif
