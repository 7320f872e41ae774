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
#include "ftz/verdict.h"

#define FTZ_AGG_BATCH_BYTES (32u << 20)
#define FTZ_AGG_CONNECT_TIMEOUT_S 30.0
#define FTZ_AGG_READY_MAX_AGE_S 60.0
#define FTZ_AGG_STATS_INTERVAL_S 10.0
/* Topics one member consumes at most. */
#define FTZ_AGG_TOPICS_MAX 8

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
    const char *metrics_addr;     /* HOST:PORT for /metrics, /healthz, /readyz; NULL: none */
    double ready_max_age_s;       /* /readyz fails when neither committed nor caught
                                   * up for this long (0: FTZ_AGG_READY_MAX_AGE_S) */
    double stats_interval_s;      /* > 0: one stats line (INFO) this often; 0: none */
    volatile sig_atomic_t *stop;  /* set to non-zero to stop (signal-safe) */
} ftz_aggregator_conf_t;

/* Counts of one topic. */
typedef struct ftz_topic_counts_s {
    uint64_t messages;             /* consumed, good or bad */
    uint64_t counted;              /* good records handed to the aggregates */
    uint64_t rejected;             /* dead letters written */
    uint64_t by_code[FTZ_V__COUNT]; /* dead letters per verdict code */
} ftz_topic_counts_t;

/* What committed batches held (the per-topic counts are by index in
 * conf->topics), and what happened to the batches. */
typedef struct ftz_aggregator_stats_s {
    uint64_t messages;   /* consumed, good or bad, in committed batches */
    uint64_t counted;    /* good records handed to the aggregates */
    uint64_t rejected;   /* dead letters written */
    uint64_t batches;    /* committed batches */
    uint64_t redone;     /* batches dropped and redone (fenced, retriable) */
    uint64_t fenced;     /* of those, fenced: another member owns the partition */
    uint64_t pg_retries; /* of those, after a retriable PostgreSQL error */
    uint64_t pg_reconnects; /* PostgreSQL connections made after a lost one */
    double drain_s;      /* first assignment to last commit, seconds */
    uint64_t gaps_skipped; /* out-of-range offsets skipped (--on-gap skip) */
    ftz_topic_counts_t topic[FTZ_AGG_TOPICS_MAX];
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
