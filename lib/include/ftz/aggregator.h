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

#define FTZ_AGG_BATCH_BYTES (32u << 20)
#define FTZ_AGG_CONNECT_TIMEOUT_S 30.0

/* What to do when a partition's stored offset is outside its log (records
 * deleted by retention before they were counted, or the topic deleted and
 * re-created): stop (the default: the member commits what it has and
 * exits with an error naming the partition, the stored offset and the
 * log's bounds), or skip to the log start, recording the skipped range in
 * ftz.offset_moves. */
typedef enum ftz_on_gap_e { FTZ_ON_GAP_FAIL = 0, FTZ_ON_GAP_SKIP } ftz_on_gap_t;

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
    size_t batch_bytes;           /* memory of one batch's messages and records,
                                   * bytes (0: FTZ_AGG_BATCH_BYTES) */
    double until_idle_s;          /* > 0: return once idle that long */
    double connect_timeout_s;     /* with until_idle_s: fail when no partition is
                                   * assigned, or nothing moves, for this long
                                   * (0: FTZ_AGG_CONNECT_TIMEOUT_S) */
    ftz_on_gap_t on_gap;          /* a stored offset outside the log */
    size_t max_record_size;       /* largest datum decoded, bytes (0: 1 MiB) */
    int pg_lock_timeout_ms;       /* 0: the sink's defaults (ftz/sink.h) */
    int pg_statement_timeout_ms;
    int pg_idle_tx_timeout_ms;
    volatile sig_atomic_t *stop;  /* set to non-zero to stop (signal-safe) */
} ftz_aggregator_conf_t;

typedef struct ftz_aggregator_stats_s {
    uint64_t messages;   /* consumed, good or bad, in committed batches */
    uint64_t counted;    /* good records handed to the aggregates */
    uint64_t rejected;   /* dead letters written */
    uint64_t batches;    /* committed batches */
    uint64_t redone;     /* batches dropped and redone (fenced, retriable) */
    double drain_s;      /* first assignment to last commit, seconds */
    uint64_t gaps_skipped; /* out-of-range offsets skipped (--on-gap skip) */
    struct {
        const char *code; /* static verdict code */
        uint64_t n;
    } by_code[32];       /* rejections per code, in committed batches */
    int n_codes;
} ftz_aggregator_stats_t;

/* Runs until *conf->stop, the idle limit, or a fatal error. FTZ_OK on a
 * clean stop; FTZ_ERR_FATAL / FTZ_ERR_INVALID_ARG with errstr otherwise
 * (an offset outside the log under FTZ_ON_GAP_FAIL is FTZ_ERR_FATAL, after
 * the other partitions' open batch is committed).
 * stats (may be NULL) receives the counters. */
ftz_err_t ftz_aggregator_run(const ftz_aggregator_conf_t *conf,
                             ftz_aggregator_stats_t *stats, char *errstr,
                             size_t errstr_size);

#endif
