/* The PostgreSQL sink: commits one batch in ONE transaction
 * (docs/exactly-once.md): the compare-and-set of every partition's next
 * offset first (the fence against a member that lost its partitions), then
 * each record type's state and aggregate deltas (sink_customs.c,
 * sink_rail.c, sink_registration.c), then the dead letters, then COMMIT.
 * The whole transaction goes to the server as one pipeline (one round
 * trip), each record type's rows as binary array parameters of prepared
 * statements. Owned by one thread. */
#ifndef FTZ_SINK_H
#define FTZ_SINK_H

#include <stdint.h>

#include "ftz/batch.h"
#include "ftz/err.h"

typedef struct ftz_sink_s ftz_sink_t;

typedef struct ftz_sink_conf_s {
    const char *conninfo;     /* copied; NULL: libpq environment */
    const char *group;        /* copied; the consumer group */
    /* Session limits, milliseconds (0: the defaults below). A member
     * stopped or cut off inside a transaction must not hold row locks
     * that block every other member: the server ends its transaction
     * after idle_tx_timeout_ms, and the others stop waiting for a lock
     * after lock_timeout_ms, then retry. */
    int lock_timeout_ms;      /* default 10000 */
    int statement_timeout_ms; /* default 120000 */
    int idle_tx_timeout_ms;   /* default 15000 */
} ftz_sink_conf_t;

#define FTZ_SINK_LOCK_TIMEOUT_MS 10000
#define FTZ_SINK_STATEMENT_TIMEOUT_MS 120000
#define FTZ_SINK_IDLE_TX_TIMEOUT_MS 15000

/* Connects, sets the session limits, checks that the tables exist
 * (FTZ_ERR_FATAL naming `ftz db migrate` otherwise) and prepares the
 * statements. NULL with errstr on failure. */
ftz_sink_t *ftz_sink_new(const ftz_sink_conf_t *conf, char *errstr, size_t errstr_size);
void ftz_sink_destroy(ftz_sink_t *sink);

/* Reconnects if the connection is broken. FTZ_ERR_RETRIABLE while the
 * server cannot be reached. */
ftz_err_t ftz_sink_ensure_connected(ftz_sink_t *sink, char *errstr, size_t errstr_size);
/* Whether PostgreSQL answers (reconnecting if needed): for an idle
 * member's readiness. Not while a batch is in flight. */
ftz_err_t ftz_sink_ping(ftz_sink_t *sink, char *errstr, size_t errstr_size);
/* Connections made after a lost one, since ftz_sink_new. */
uint64_t ftz_sink_reconnects(const ftz_sink_t *sink);

/* The aggregate tables hold one count of each topic: a second consumer
 * group reading the same topic into the same database would count every
 * record twice. FTZ_ERR_FATAL naming the other group if the database
 * already holds offsets of `topic` for a group other than the sink's. */
ftz_err_t ftz_sink_check_group(ftz_sink_t *sink, const char *topic, char *errstr,
                               size_t errstr_size);

/* The stored next offset of (topic, partition) for the sink's group, or -1
 * when none is stored; *fingerprint (may be NULL) the fingerprint of the
 * message at next - 1 as it was counted (ftz_batch_fingerprint), 0 when
 * unknown. */
ftz_err_t ftz_sink_load_offset(ftz_sink_t *sink, const char *topic, int32_t partition,
                               int64_t *next, uint64_t *fingerprint, char *errstr,
                               size_t errstr_size);

/* Moves the group's stored offset of (topic, partition) from `from` to
 * `to` on purpose (the consumer's --on-gap skip), recording the move in
 * ftz.offset_moves with `reason` and the log's bounds. FTZ_ERR_FENCED if
 * the stored offset is no longer `from`. */
ftz_err_t ftz_sink_skip_gap(ftz_sink_t *sink, const char *topic, int32_t partition,
                            int64_t from, int64_t to, int64_t log_start, int64_t log_end,
                            const char *reason, char *errstr, size_t errstr_size);

/* Commits the batch (borrowed). FTZ_OK: it landed, every part's offset is
 * now last + 1. FTZ_ERR_FENCED: some partition's stored offset was not the
 * expected one; nothing was written. FTZ_ERR_RETRIABLE: it did not land
 * (or its outcome could not be learnt); redo from the stored offsets.
 * FTZ_ERR_POISON: PostgreSQL refused some record's data (SQLSTATE class
 * 22 or 23); find it with ftz_sink_isolate. FTZ_ERR_FATAL: stop.
 * Serialization failures, deadlocks, lock and statement timeouts are
 * retried inside, a few times, before FTZ_ERR_RETRIABLE is returned.
 * When the connection is lost during COMMIT, the stored offsets are read
 * back to learn whether the batch landed. */
ftz_err_t ftz_sink_commit(ftz_sink_t *sink, const ftz_batch_t *batch, char *errstr,
                          size_t errstr_size);

/* The same, in two steps, so that the caller can read and decode the next
 * batch while PostgreSQL works on this one: ftz_sink_send puts the
 * transaction on the wire and returns; ftz_sink_ready says, without
 * waiting, whether its answer is in; ftz_sink_finish waits for it (and
 * retries as ftz_sink_commit does) and returns what ftz_sink_commit would.
 * The batch is borrowed from send to finish and must not change. One
 * batch at a time: every other call on the sink (load offsets, isolate,
 * ...) must wait until ftz_sink_finish has returned. */
ftz_err_t ftz_sink_send(ftz_sink_t *sink, const ftz_batch_t *batch, char *errstr,
                        size_t errstr_size);
/* Builds the batch's parameters ahead of ftz_sink_send (for instance while
 * another batch is in flight), so that sending is only a copy; the batch
 * must not change until it is sent. Optional: ftz_sink_send does it when
 * it was not done. FTZ_ERR_NOMEM. */
ftz_err_t ftz_sink_prepare(ftz_sink_t *sink, const ftz_batch_t *batch, char *errstr,
                           size_t errstr_size);
int ftz_sink_ready(ftz_sink_t *sink);
ftz_err_t ftz_sink_finish(ftz_sink_t *sink, const ftz_batch_t *batch, char *errstr,
                          size_t errstr_size);

/* A record PostgreSQL refuses: good record `index` of type `rtype` in the
 * batch, and the server's reason (valid UTF-8). */
typedef struct ftz_sink_refusal_s {
    ftz_rtype_t rtype;
    size_t index;
    char reason[400];
} ftz_sink_refusal_t;

/* After FTZ_ERR_POISON: finds the records PostgreSQL refuses, alone or
 * together with others of the batch (a unique or check constraint two
 * records break only together), by applying the batch's records in a
 * transaction that is rolled back, each half under a savepoint, bisecting
 * the halves that fail down to single records; a record is refused when
 * it fails on top of every record before it that was accepted.
 * *refusals (owned by the sink, valid until the next call) lists them in
 * ascending (rtype, index) order, *n their count (0: no single record
 * explains it). FTZ_OK, or the error that stopped the search. */
ftz_err_t ftz_sink_isolate(ftz_sink_t *sink, const ftz_batch_t *batch,
                           const ftz_sink_refusal_t **refusals, size_t *n, char *errstr,
                           size_t errstr_size);

#endif
