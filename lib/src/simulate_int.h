/* Internal to the simulator (ftz/simulate.h): the shared random source
 * (simulate_rng.c), the calendar of office hours (simulate_calendar.c),
 * the re-send queue (simulate_resend.c), and the three generators, one per
 * record type (simulate_customs.c, simulate_rail.c,
 * simulate_registration.c), each with its own PRNG and state. simulate.c
 * holds the configuration and the generator object; simulate_dirty.c the
 * records that break the rules; simulate_expect.c the expected tables.
 *
 * Determinism: every random choice of a record type comes from that
 * type's xoshiro256** stream, in a fixed order. Weighted choices use
 * integer weights; normal variates are Irwin-Hall sums (additions only)
 * and exp() is our own polynomial, so the output does not depend on the C
 * library's rand() or on libm's rounding. Floating-point contraction into
 * FMA would change the last bit on some machines: the project builds with
 * -std=c11 (GCC then does not contract), clang gets the pragma in each
 * file that computes with doubles, and polynomial steps are separate
 * statements. */
#ifndef FTZ_SIMULATE_INT_H
#define FTZ_SIMULATE_INT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "ftz/array.h"
#include "ftz/simulate.h"

#define FTZ_SIM_MS_PER_S 1000LL
#define FTZ_SIM_MS_PER_H 3600000LL
#define FTZ_SIM_MS_PER_DAY 86400000LL
#define FTZ_SIM_SHANGHAI_OFFSET_MS (8 * FTZ_SIM_MS_PER_H) /* UTC+8, no daylight saving */
#define FTZ_SIM_VALUE_MAX_FEN 1000000000000LL /* 10 billion CNY: a cap, rarely hit */

/* ---- The random source (simulate_rng.c): splitmix64 seeds xoshiro256** ---- */

typedef struct ftz_sim_rng_s {
    uint64_t s[4];
} ftz_sim_rng_t;

/* The splitmix64 finalizer: a bijective hash of 64 bits. */
uint64_t ftz_sim_mix64(uint64_t z);
void ftz_sim_rng_seed(ftz_sim_rng_t *r, uint64_t seed);
uint64_t ftz_sim_rng_next(ftz_sim_rng_t *r);
/* Uniform in [0, 1), 53 bits. */
double ftz_sim_rng_unif(ftz_sim_rng_t *r);
/* Uniform in [lo, hi). */
double ftz_sim_rng_range(ftz_sim_rng_t *r, double lo, double hi);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t ftz_sim_rng_below(ftz_sim_rng_t *r, uint64_t n);
/* Log-normal with the given median; sigma is that of the logarithm. */
double ftz_sim_rng_lognormal(ftz_sim_rng_t *r, double median, double sigma);
/* Index drawn with probability w[i] / sum(w); sum(w) must be > 0. */
int ftz_sim_rng_pick(ftz_sim_rng_t *r, const unsigned *w, int n);

/* A country code and its weight, in tables of at most 64. */
typedef struct ftz_sim_partner_s {
    const char *cc; /* ISO 3166-1 alpha-2 */
    unsigned w;
} ftz_sim_partner_t;

/* A country from a table of at most 64 (static string). */
const char *ftz_sim_pick_from(ftz_sim_rng_t *r, const ftz_sim_partner_t *t, int n);

/* CNY to fen, rounded, 0 for anything not >= 0, capped. */
static inline int64_t ftz_sim_value_fen(double cny) {
    double fen = cny * 100.0;
    if (!(fen >= 0.0))
        return 0;
    if (fen > (double)FTZ_SIM_VALUE_MAX_FEN)
        return FTZ_SIM_VALUE_MAX_FEN;
    return llround(fen);
}

/* ---- The calendar (simulate_calendar.c): office hours of the window ---- */

typedef struct ftz_sim_calendar_s {
    int64_t start_ms;        /* first instant of the window */
    int days;                /* its length */
    int64_t first_local_day; /* Shanghai day number of start */
    uint64_t *day_cum;       /* [days] cumulative weights of the days */
    uint64_t hour_cum[24];   /* cumulative weights of the hours after start */
} ftz_sim_calendar_t;

/* Fills cal for [start_ms, start_ms + days) (days >= 1). FTZ_ERR_NOMEM. */
ftz_err_t ftz_sim_calendar_init(ftz_sim_calendar_t *cal, int64_t start_ms, int days);
void ftz_sim_calendar_free(ftz_sim_calendar_t *cal);
/* An instant in office hours of the window (more on weekdays), drawn from r. */
int64_t ftz_sim_office_time(const ftz_sim_calendar_t *cal, ftz_sim_rng_t *r);

/* ---- Re-sends (simulate_resend.c): records sent a second time, later ---- */

/* At most FTZ_SIM_RESEND_QUEUE records, each due once `due` records of
 * its type are out. */
typedef struct ftz_sim_resend_s {
    unsigned char *recs; /* [FTZ_SIM_RESEND_QUEUE * size] */
    uint64_t due[FTZ_SIM_RESEND_QUEUE];
    uint64_t order[FTZ_SIM_RESEND_QUEUE]; /* tie-break: insertion order */
    size_t n, size;
    uint64_t next_order;
} ftz_sim_resend_t;

/* Allocates the queue for records of `size` bytes (once). FTZ_ERR_NOMEM. */
ftz_err_t ftz_sim_resend_ready(ftz_sim_resend_t *q, size_t size);
/* Moves the re-send due first into out when it is due (emitted records out
 * so far), or when the queue is full, so that a push after a new record
 * always has room. Returns whether it did. */
int ftz_sim_resend_take(ftz_sim_resend_t *q, uint64_t emitted, void *out);
/* Queues a copy of rec (borrowed); there is room after a take. */
void ftz_sim_resend_push(ftz_sim_resend_t *q, const void *rec, uint64_t due);
void ftz_sim_resend_free(ftz_sim_resend_t *q);

/* ---- The generators, one per record type ---- */

/* Each keeps conf and cal (borrowed: they live in the ftz_sim_t). The
 * constructors return NULL when memory runs out. */
typedef struct ftz_sim_customs_s ftz_sim_customs_t;
ftz_sim_customs_t *ftz_sim_customs_new(const ftz_sim_conf_t *conf, const ftz_sim_calendar_t *cal);
void ftz_sim_customs_destroy(ftz_sim_customs_t *g);
ftz_err_t ftz_sim_customs_next(ftz_sim_customs_t *g, ftz_customs_t *out);
size_t ftz_sim_customs_pending(const ftz_sim_customs_t *g);
uint64_t ftz_sim_customs_repeats(const ftz_sim_customs_t *g);

typedef struct ftz_sim_rail_s ftz_sim_rail_t;
ftz_sim_rail_t *ftz_sim_rail_new(const ftz_sim_conf_t *conf);
void ftz_sim_rail_destroy(ftz_sim_rail_t *g);
ftz_err_t ftz_sim_rail_next(ftz_sim_rail_t *g, ftz_rail_t *out);
size_t ftz_sim_rail_trains(const ftz_sim_rail_t *g);
uint64_t ftz_sim_rail_repeats(const ftz_sim_rail_t *g);

typedef struct ftz_sim_registration_s ftz_sim_registration_t;
ftz_sim_registration_t *ftz_sim_registration_new(const ftz_sim_conf_t *conf,
                                                 const ftz_sim_calendar_t *cal);
void ftz_sim_registration_destroy(ftz_sim_registration_t *g);
ftz_err_t ftz_sim_registration_next(ftz_sim_registration_t *g, ftz_registration_t *out);
uint64_t ftz_sim_registration_repeats(const ftz_sim_registration_t *g);

/* The next clean record of `type` from its generator (simulate.c). */
ftz_err_t ftz_sim_clean_next(ftz_sim_t *sim, ftz_rtype_t type, void *out);

/* ---- Dirty records (simulate_dirty.c), one mixer per type ---- */

typedef struct ftz_sim_dirty_s ftz_sim_dirty_t;
/* conf is read now (rate, seed); NULL when memory runs out. */
ftz_sim_dirty_t *ftz_sim_dirty_new(const ftz_sim_conf_t *conf, ftz_rtype_t type);
void ftz_sim_dirty_destroy(ftz_sim_dirty_t *d);
/* The next record of the mixed stream (clean ones from sim's generator). */
ftz_err_t ftz_sim_dirty_next(ftz_sim_dirty_t *d, ftz_sim_t *sim, void *out,
                             ftz_sim_info_t *info);
/* The rule codes the type's broken records carry, into codes[0..max);
 * returns how many there are. For tests. */
int ftz_sim_dirty_codes(ftz_rtype_t type, int *codes, int max);
/* Breaks rec (a valid record of type) the way the broken record of `code`
 * is broken. FTZ_ERR_INVALID_ARG when the type has no such broken record.
 * For tests. */
ftz_err_t ftz_sim_dirty_break(ftz_rtype_t type, int code, void *rec);

/* The generator object of ftz/simulate.h. */
struct ftz_sim_s {
    ftz_sim_conf_t conf;
    ftz_sim_calendar_t cal;
    ftz_sim_customs_t *customs;
    ftz_sim_rail_t *rail;
    ftz_sim_registration_t *registration;
    ftz_sim_dirty_t *dirty[FTZ_REC__COUNT]; /* NULL when conf.dirty_rate is 0 */
};

#endif
