/* Reading and moving a consumer group's stored offsets on purpose.
 *
 * ftz.consumer_offsets holds each group's next offset per (topic,
 * partition); it, not Kafka, is where `ftz aggregate` starts. This module
 * compares those positions with the partitions' logs in Kafka (a stored
 * offset before the log start means records were deleted before being
 * counted; past the log end means the log was deleted and re-created or
 * truncated) and moves them deliberately, recording every move in
 * ftz.offset_moves (lib/sql/003_offset_moves.sql). `ftz offsets` and the
 * consumer's gap handling both go through here.
 *
 * Threads: a PGconn or rd_kafka_t is used by one thread at a time, as
 * libpq and librdkafka require; nothing here keeps state of its own. */
#ifndef FTZ_OFFSETS_H
#define FTZ_OFFSETS_H

#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "ftz/err.h"
#include "ftz/kafka.h"

/* Where a stored next offset stands against the partition's log
 * [log_start, log_end). */
typedef enum ftz_offset_range_e {
    FTZ_OFFSET_OK = 0,          /* log_start <= stored <= log_end */
    FTZ_OFFSET_NONE,            /* nothing stored: the consumer starts at log_start */
    FTZ_OFFSET_BEHIND_START,    /* stored < log_start: [stored, log_start) deleted unread */
    FTZ_OFFSET_PAST_END,        /* stored > log_end: log deleted and re-created, or truncated */
} ftz_offset_range_t;

/* Classifies a stored next offset (-1: none stored) against the log. Pure. */
ftz_offset_range_t ftz_offsets_classify(int64_t stored, int64_t log_start, int64_t log_end);

/* One line describing the class, for operators ("ok", "behind log start:
 * records [stored, start) were deleted before being counted", ...). Static. */
const char *ftz_offsets_range_text(ftz_offset_range_t range);

/* The kinds of move recorded in ftz.offset_moves.kind. */
#define FTZ_OFFSET_MOVE_RESET "reset"       /* ftz offsets reset */
#define FTZ_OFFSET_MOVE_GAP_SKIP "gap_skip" /* the consumer's --on-gap skip */

/* One deliberate move of (group, topic, partition)'s stored next offset.
 * Every pointer is borrowed for the duration of the call. */
typedef struct ftz_offset_move_s {
    const char *group;
    const char *topic;
    int32_t partition;
    /* What must be stored now: >= 0, that next_offset (else FTZ_ERR_FENCED:
     * someone moved it); -1, no row at all (the move inserts it). Ignored
     * when any_from is set. */
    int64_t expected_from;
    /* Move from whatever is stored (or nothing); the value found is what
     * ftz.offset_moves.from_offset records. */
    int any_from;
    int64_t to_offset;      /* >= 0: the new next offset */
    const char *kind;       /* FTZ_OFFSET_MOVE_RESET or FTZ_OFFSET_MOVE_GAP_SKIP */
    const char *reason;     /* why; required, not empty */
    int64_t log_start;      /* the log in Kafka at the time; -1: unknown */
    int64_t log_end;
} ftz_offset_move_t;

/* Moves the stored next offset of mv's (group, topic, partition) to
 * mv->to_offset and records the move (who: OS user@hostname and the
 * PostgreSQL user; when: now()) in ftz.offset_moves, both in ONE
 * transaction.
 *
 * Transaction: if conn is idle, the call runs its own BEGIN ... COMMIT (and
 * rolls back on failure). If conn is already inside a transaction, the
 * call runs in it and neither commits nor rolls back: the caller does, and
 * after an error must roll back (the transaction may be aborted). Several
 * moves in one caller's transaction land together.
 *
 * The row is locked (SELECT ... FOR UPDATE) before it is compared, so a
 * consumer committing the same partition at the same time either commits
 * first (and the move is then fenced, unless any_from) or waits and then
 * fails its own compare-and-set, re-reads the stored offsets and seeks to
 * the moved position.
 *
 * Refuses (FTZ_ERR_FATAL, the sink's message) to store offsets of a second
 * consumer group for a topic another group has offsets for in this
 * database: it would count every record twice.
 *
 * Returns FTZ_OK; FTZ_ERR_FENCED when the stored offset is not
 * expected_from (nothing was written); FTZ_ERR_INVALID_ARG for a bad mv;
 * FTZ_ERR_RETRIABLE for a lost connection, deadlock or serialization
 * failure (when COMMIT itself was lost, the move may have landed: look at
 * ftz.offset_moves); FTZ_ERR_FATAL otherwise (e.g. the tables are
 * missing: run `ftz db migrate`). */
ftz_err_t ftz_offsets_move(PGconn *conn, const ftz_offset_move_t *mv, char *errstr,
                           size_t errstr_size);

/* The stored next offset of (group, topic, partition), or -1 in *next when
 * none is stored. lock != 0 adds FOR UPDATE (only meaningful inside the
 * caller's transaction). Strings borrowed. */
ftz_err_t ftz_offsets_load(PGconn *conn, const char *group, const char *topic,
                           int32_t partition, int lock, int64_t *next, char *errstr,
                           size_t errstr_size);

/* FTZ_ERR_FATAL naming the other group when this database holds offsets of
 * `topic` for a consumer group other than `group` (the same rule as
 * ftz_sink_check_group). Strings borrowed. */
ftz_err_t ftz_offsets_check_group(PGconn *conn, const char *group, const char *topic,
                                  char *errstr, size_t errstr_size);

/* A Kafka handle for metadata and watermark queries only (a producer that
 * never produces): the common configuration (brokers NULL: $FTZ_BROKERS,
 * props borrowed, may be NULL) with idempotence and automatic topic
 * creation off, so that asking about a missing topic never creates it.
 * Caller owns it (rd_kafka_destroy); NULL with errstr on failure. */
rd_kafka_t *ftz_offsets_client_new(const char *brokers, const ftz_props_t *props, char *errstr,
                                   size_t errstr_size);

/* How many partitions `topic` has (they are numbered 0 .. count - 1), from
 * the brokers' metadata. When the topic does not exist: FTZ_ERR_FATAL with
 * an error naming it, and *count = 0; on other failures *count = -1 and
 * FTZ_ERR_RETRIABLE (brokers unreachable, timeout, leader election) or
 * FTZ_ERR_FATAL (authorization, ...). rk and topic borrowed; any handle
 * type. Blocks up to timeout_ms. */
ftz_err_t ftz_offsets_partition_count(rd_kafka_t *rk, const char *topic, int *count,
                                      int timeout_ms, char *errstr, size_t errstr_size);

/* One partition's log, as ftz_offsets_logs reads it. */
typedef struct ftz_offsets_log_s {
    const char *topic;         /* in: borrowed */
    int32_t partition;         /* in */
    int64_t log_start;         /* out: the first offset; -1 when err */
    int64_t log_end;           /* out: the next offset to be written; -1 when err */
    rd_kafka_resp_err_t err;   /* out: 0, or why this partition's log is unknown */
} ftz_offsets_log_t;

/* The logs of n partitions at once: every partition's first and end
 * offsets asked of its leader, one ListOffsets request per leader for the
 * first offsets and one for the end offsets (rd_kafka_offsets_for_times
 * with the logical timestamps -2 and -1: the requests
 * rd_kafka_query_watermark_offsets sends for one partition). Partitions
 * that fail with a retriable error (not leader, leader not available,
 * timeout, transport) are asked again, up to `attempts` times in all,
 * 200 ms after the first round, then twice as long each time; in the last
 * round a failing request is split until the failing partitions are
 * alone, so a partition that still fails keeps its error in ->err and the
 * others are read.
 *
 * The (topic, partition) pairs must be distinct. logs and its topics
 * borrowed; any handle type. Each round blocks up to timeout_ms.
 * Returns FTZ_OK when every partition was asked (some may have ->err set:
 * look), FTZ_ERR_INVALID_ARG for n == 0 or attempts < 1, FTZ_ERR_FATAL
 * when out of memory. */
ftz_err_t ftz_offsets_logs(rd_kafka_t *rk, ftz_offsets_log_t *logs, size_t n, int timeout_ms,
                           int attempts, char *errstr, size_t errstr_size);

/* Whether a Kafka error is worth asking again (transport, timeout, leader
 * moving): FTZ_ERR_RETRIABLE; FTZ_ERR_FATAL otherwise. */
ftz_err_t ftz_offsets_kafka_class(rd_kafka_resp_err_t err);

#endif
