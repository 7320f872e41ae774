/* The PostgreSQL sink: commits one batch in ONE transaction (design.md,
 * docs/exactly-once.md): compare-and-set of every partition's next offset
 * first (the fence against a consumer that lost its partitions), then the
 * per-entity state and aggregate deltas of every record type, then the dead
 * letters, then COMMIT. Owned by one thread. */
#ifndef FTZ_SINK_H
#define FTZ_SINK_H

#include <stdint.h>

#include "ftz/batch.h"
#include "ftz/err.h"

typedef struct ftz_sink_s ftz_sink_t;

/* conninfo (copied; NULL: libpq environment) and group (copied). Connects
 * and checks that the tables exist (FTZ_ERR_FATAL naming `ftz db migrate`
 * otherwise). NULL with errstr on failure. */
ftz_sink_t *ftz_sink_new(const char *conninfo, const char *group, char *errstr,
                         size_t errstr_size);
void ftz_sink_destroy(ftz_sink_t *sink);

/* Reconnects if the connection is broken. FTZ_ERR_RETRIABLE while the
 * server cannot be reached. */
ftz_err_t ftz_sink_ensure_connected(ftz_sink_t *sink, char *errstr, size_t errstr_size);

/* The aggregate tables hold one count of each topic: a second consumer
 * group reading the same topic into the same database would count every
 * record twice. FTZ_ERR_FATAL naming the other group if the database
 * already holds offsets of `topic` for a group other than the sink's. */
ftz_err_t ftz_sink_check_group(ftz_sink_t *sink, const char *topic, char *errstr,
                               size_t errstr_size);

/* The stored next offset of (topic, partition) for the sink's group, or -1
 * when none is stored. */
ftz_err_t ftz_sink_load_offset(ftz_sink_t *sink, const char *topic, int32_t partition,
                               int64_t *next, char *errstr, size_t errstr_size);

/* Commits the batch (borrowed). FTZ_OK: it landed, every part's offset is
 * now last + 1. FTZ_ERR_FENCED: some partition's stored offset was not the
 * expected one; nothing was written. FTZ_ERR_RETRIABLE: it did not land
 * (or its outcome could not be learnt); redo from the stored offsets.
 * FTZ_ERR_POISON: PostgreSQL refused some record's data (SQLSTATE class
 * 22 or 23); find it with ftz_sink_probe. FTZ_ERR_FATAL: stop.
 * Serialization failures and deadlocks are retried
 * inside, a few times, before FTZ_ERR_RETRIABLE is returned. */
ftz_err_t ftz_sink_commit(ftz_sink_t *sink, const ftz_batch_t *batch, char *errstr,
                          size_t errstr_size);

/* Whether PostgreSQL accepts good record i of type t in the batch on its
 * own: applies it in a transaction that is rolled back. FTZ_OK, or
 * FTZ_ERR_POISON with the server's reason, or another error. */
ftz_err_t ftz_sink_probe(ftz_sink_t *sink, const ftz_batch_t *batch, ftz_rtype_t t, size_t i,
                         char *errstr, size_t errstr_size);

#endif
