/* A deterministic simulator of realistic FTZ records, for `make demo` and
 * for tests. The same configuration (seed included) gives the same stream,
 * byte for byte, on any machine with IEEE 754 double arithmetic
 * (FLT_EVAL_METHOD 0): the generator uses its own PRNG (xoshiro256**
 * seeded by splitmix64) and its own exp(), never rand(), time() or libm's
 * transcendental functions.
 *
 * The magnitudes follow ../shared/domain.md and its seed report: Dalian
 * busiest, Japan and Korea the main partners, rail to and from Europe,
 * plastic bags to Japan, timber inbound, clearance in hours; the tables
 * are in simulate.c. Every record passes ftz_rules_check. */
#ifndef FTZ_SIMULATE_H
#define FTZ_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

#include "ftz/err.h"
#include "ftz/record.h"

/* Bounds checked by ftz_sim_new. */
#define FTZ_SIM_DAYS_MAX 3660          /* ten years */
#define FTZ_SIM_PENDING_MAX 1048576    /* declarations awaiting a revision */

typedef struct ftz_sim_conf_s {
    uint64_t seed;        /* any value; same seed, same stream (default 1) */
    int64_t start_ms;     /* first instant of filed_at, ms since the epoch
                           * (default 2026-11-01T00:00:00+08:00) */
    int days;             /* filed_at falls in [start, start + days),
                           * 1..FTZ_SIM_DAYS_MAX (default 30) */
    double revision_rate; /* probability that a declaration gets later
                           * revisions, 0..1 (default 0.1) */
    int pending_max;      /* at most this many declarations wait for their
                           * next revision; when full, the one due first is
                           * emitted early. 1..FTZ_SIM_PENDING_MAX
                           * (default 1024) */
} ftz_sim_conf_t;

/* The generator; not thread-safe: one per thread. */
typedef struct ftz_sim_s ftz_sim_t;

/* Fills conf (borrowed) with the defaults above. */
void ftz_sim_conf_defaults(ftz_sim_conf_t *conf);

/* Creates a generator. conf is borrowed (copied; the caller keeps it).
 * Returns NULL with errstr filled when conf is out of bounds or memory runs
 * out. The result is owned by the caller: ftz_sim_destroy. */
ftz_sim_t *ftz_sim_new(const ftz_sim_conf_t *conf, char *errstr, size_t errstr_size);

/* Frees sim (transferred); NULL is a no-op. */
void ftz_sim_destroy(ftz_sim_t *sim);

/* Writes the next CustomsDeclaration of the stream into out (borrowed; the
 * whole struct is overwritten, padding zeroed). The stream mixes new
 * declarations (revision 1) with later revisions of earlier ones (full
 * snapshots, same declaration_id, revision 2 or 3, a later event_time).
 * Records are not in time order: filed_at of successive declarations is
 * drawn independently over the window, as in a replayed export.
 * Declarations still waiting for a revision when the caller stops are
 * simply never revised. FTZ_ERR_INVALID_ARG when sim or out is NULL;
 * FTZ_ERR_NOMEM when the pending list cannot grow (the stream is then
 * unchanged, and the call may be retried). */
ftz_err_t ftz_sim_next_customs(ftz_sim_t *sim, ftz_customs_t *out);

/* Declarations currently waiting for their next revision (<= pending_max);
 * for tests and diagnostics. */
size_t ftz_sim_pending(const ftz_sim_t *sim);

#endif
