/* A deterministic simulator of realistic FTZ records, for `make demo` and
 * for tests. The same configuration (seed included) gives the same stream,
 * byte for byte, on any machine with IEEE 754 double arithmetic
 * (FLT_EVAL_METHOD 0): the generator uses its own PRNG (xoshiro256**
 * seeded by splitmix64) and its own exp(), never rand(), time() or libm's
 * transcendental functions.
 *
 * The magnitudes follow docs/domain.md and the report it comes from: Dalian
 * busiest, Japan and Korea the main partners, rail to and from Europe,
 * plastic bags to Japan, timber inbound, clearance in hours; the tables
 * are in lib/src/simulate_<type>.c. Every record passes ftz_rules_check,
 * but those dirty_rate mixes in to break a rule (FTZ_SIM_BROKEN).
 *
 * One generator makes three streams: customs declarations, rail events and
 * company registrations. Each has its own PRNG (derived from the one seed)
 * and its own state, so each stream depends only on the configuration, not
 * on how calls for the three types are interleaved. The generators live in
 * lib/src/simulate_<type>.c, the shared random source and calendar in
 * simulate_rng.c and simulate_calendar.c.
 *
 * With dirty_rate > 0 each stream also mixes in records that test the
 * consumer (simulate_dirty.c): records that break one rule each, exact
 * re-sends, stale, out-of-order and moving revisions, registrations sent
 * again with other fields; ftz_sim_next_info says what each record is, so
 * that the caller can compute the tables the consumer must end with
 * (ftz_sim_expect_*, simulate_expect.c). */
#ifndef FTZ_SIMULATE_H
#define FTZ_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

#include "ftz/err.h"
#include "ftz/expect.h"
#include "ftz/record.h"

/* Bounds checked by ftz_sim_new. */
#define FTZ_SIM_DAYS_MAX 3660          /* ten years */
#define FTZ_SIM_PENDING_MAX 1048576    /* declarations awaiting a revision */
#define FTZ_SIM_TRAINS_MAX 4096        /* trains travelling at once */
#define FTZ_SIM_RESEND_QUEUE 64        /* re-sends waiting, per record type */

/* The report's magnitudes, per day of the window (ftz_sim_magnitude):
 * about 1,750 registrations a month across the three areas; the customs
 * and rail figures are the simulator's own (its timetable makes about 350
 * rail events a day: two trains of 40 containers, 4.4 events each). */
#define FTZ_SIM_CUSTOMS_PER_DAY 100.0
#define FTZ_SIM_RAIL_EVENTS_PER_DAY 350.0
#define FTZ_SIM_REGISTRATIONS_PER_DAY (1750.0 * 12 / 365.25)

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
    double rail_resend_rate; /* probability that a rail event is sent a
                              * second time, byte for byte, 1 to 200
                              * events later, 0..1 (default 0.02) */
    int rail_trains_max;  /* at most this many trains travel at once (the
                           * rail state: about 120 bytes a train); when
                           * full, departures wait for an arrival.
                           * 1..FTZ_SIM_TRAINS_MAX (default 64; the
                           * simulated timetable needs about 40) */
    double registration_resend_rate; /* probability that a registration is
                              * sent again 1 to 1000 records later (same
                              * fields, a later event_time), 0..1
                              * (default 0.02) */
    double dirty_rate;    /* share of each stream's records that are dirty
                           * (see ftz_sim_next_info), 0..1 (default 0: the
                           * streams are exactly those without it). Dirty
                           * records come from a PRNG of their own and take
                           * the place of no clean record: the clean
                           * records are the same, in the same order, with
                           * the dirty ones between them. */
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

/* Writes the next RailEvent of the stream into out (borrowed; the whole
 * struct is overwritten, padding zeroed).
 *
 * Trains leave Dalian (busiest), Shenyang and Yingkou for Duisburg,
 * Hamburg, Warsaw, Lodz and Moscow (OUTBOUND), and come back (INBOUND,
 * corridor reversed, e.g. DUISBURG-DALIAN), departures spread over
 * [start, start + days). Each train carries 30 to 50 shipments, one
 * container each; a shipment's journey is DEPARTED, one to three
 * BORDER_CROSSED (Zabaikalsk RU or Manzhouli CN; Malaszewicze PL or Brest
 * BY; Frankfurt (Oder) DE or Kunowice PL), then ARRIVED 10 to 18 days
 * after the departure, with departed_at equal to the DEPARTED event's
 * event_time. BORDER_CROSSED always carries departed_at; DEPARTED carries
 * it (equal to event_time) on about half of the trains.
 *
 * Events come in time order within a pass over the window: when the
 * departures reach the end of the window, the trains still travelling
 * arrive first, then a new pass starts at the window's start with new
 * trains (new ids). The stream starts cold: the first arrivals come about
 * ten days into the window. A share rail_resend_rate of the events is
 * sent again later (same event_id, identical record); every other
 * event_id is unique, shipment_id is unique per shipment, and train_id is
 * shared by the shipments of one train. Journeys still under way when the
 * caller stops have no ARRIVED.
 *
 * FTZ_ERR_INVALID_ARG when sim or out is NULL; FTZ_ERR_NOMEM when the
 * state cannot grow (the stream is then unchanged, and the call may be
 * retried). */
ftz_err_t ftz_sim_next_rail(ftz_sim_t *sim, ftz_rail_t *out);

/* Trains currently travelling (<= rail_trains_max); for tests. */
size_t ftz_sim_trains(const ftz_sim_t *sim);

/* Writes the next CompanyRegistration of the stream into out (borrowed;
 * the whole struct is overwritten, padding zeroed).
 *
 * registered_at falls in Shanghai office hours over [start, start + days),
 * more on weekdays, not in time order; event_time follows it by a minute
 * to two days. The domain's rate is about 1,750 registrations a month over
 * the three areas: ask for 1750 per 30 days to get it. Mean registered
 * capital about 14 million CNY, log-normal with a long tail, mostly round
 * amounts (1,000,000.00, 5,000,000.00); some foreign-invested capital is a
 * round US dollar amount converted at a fixed rate. Mostly DOMESTIC
 * (investor_country CN); foreign investors mainly JP and KR. Names are
 * Chinese ("大连海运贸易有限公司") or English ("Dalian Haiyun Trading Co.,
 * Ltd."), valid UTF-8. The uscc is "91", the area's region code (e.g.
 * 210200 Dalian, 210213 its Jinzhou district), "MA" and a six-character
 * serial with its GB 11714 check character, then the GB 32100-2015 check
 * character; unique over the first 887,503,681 registrations of a stream.
 * A share registration_resend_rate of the registrations is sent again
 * later: same fields, same uscc, a later event_time (the first counts).
 *
 * FTZ_ERR_INVALID_ARG when sim or out is NULL; FTZ_ERR_NOMEM as above;
 * FTZ_ERR_FATAL once the uscc serials of the stream are used up. */
ftz_err_t ftz_sim_next_registration(ftz_sim_t *sim, ftz_registration_t *out);

/* The next record of type `type` into out (borrowed; at least the size of
 * that type's struct, ftz_record_type(type)->size): one of the three calls
 * above. FTZ_ERR_INVALID_ARG for an unknown type. */
ftz_err_t ftz_sim_next(ftz_sim_t *sim, ftz_rtype_t type, void *out);

/* What a record of the stream is. */
typedef enum ftz_sim_kind_e {
    FTZ_SIM_CLEAN,    /* from the generator: new, a planned revision, a re-send */
    FTZ_SIM_BROKEN,   /* breaks exactly one rule: info->code says which */
    FTZ_SIM_RESEND,   /* dirty: an exact copy of an earlier record */
    FTZ_SIM_STALE,    /* dirty, customs: a revision no higher than one already
                       * sent, with other values (changes nothing) */
    FTZ_SIM_MOVED,    /* dirty, customs: the next revision of a declaration sent,
                       * moving it to another day, area or partner country */
    FTZ_SIM_VARIANT,  /* dirty, registrations: a company sent with other fields;
                       * counts when it comes first, not when it comes later */
    FTZ_SIM_LATE,     /* a clean record held back and sent out of order */
    FTZ_SIM__KINDS
} ftz_sim_kind_t;

/* Static name of a kind ("broken", "resend", ...). */
const char *ftz_sim_kind_name(ftz_sim_kind_t kind);

typedef struct ftz_sim_info_s {
    ftz_sim_kind_t kind;
    int code; /* FTZ_SIM_BROKEN: the ftz_code_t (ftz/verdict.h) the rules give
               * it, hence the dead letter's code; -1 otherwise */
} ftz_sim_info_t;

/* ftz_sim_next, and what the record is into info (borrowed; may be NULL).
 * With conf.dirty_rate 0 every record is FTZ_SIM_CLEAN and the stream is
 * that of ftz_sim_next.
 *
 * The dirty records (a share dirty_rate of the stream) cycle through every
 * kind of the type, in an order shuffled each cycle, so that a few dozen
 * dirty records cover them all: one broken record per rule code that can
 * occur for the type (every RULE_* code of its rule table, and
 * RULE_AMOUNT_RANGE for customs; RULE_KEY_MISMATCH cannot come from a
 * record, whose key is always its id), each a copy of the next clean
 * record with one field broken (so it comes just before the valid one,
 * same id); an exact re-send of a recent record; for customs a stale
 * revision and revisions moving a declaration to another day (filed_at),
 * area or partner country; for registrations the same uscc with other
 * fields, before or after the original; and a clean record held back 1 to
 * 200 records (out of order: for rail, events of a journey in the wrong
 * order). Broken records still map to the schema: `ftz produce
 * --skip-rules` sends them as they are, `ftz produce` refuses them. */
ftz_err_t ftz_sim_next_info(ftz_sim_t *sim, ftz_rtype_t type, void *out, ftz_sim_info_t *info);

/* Records of `type` over `days` days at the report's magnitudes (the
 * FTZ_SIM_*_PER_DAY figures above), at least 1. */
uint64_t ftz_sim_magnitude(ftz_rtype_t type, int days);

/* ---- The expected tables (simulate_expect.c) ----
 *
 * The simulator's own bookkeeping of what it sent: fed every record in the
 * order it was sent, it applies docs/domain.md (customs: the highest
 * revision of each declaration counts, an equal or lower one arriving later
 * changes nothing, a newer one replaces the older one's contribution,
 * CANCELLED counts nowhere; rail: each event_id once; registrations: the
 * first valid record of each uscc) and counts each broken record as a dead
 * letter of its code. It assumes that the consumer reads each key's records
 * in the order they were sent (Kafka keeps the order within a partition,
 * and a key's records share one), and reads all of them once. */
typedef struct ftz_sim_expect_s ftz_sim_expect_t;

/* An empty bookkeeping; NULL when out of memory. Owned by the caller. */
ftz_sim_expect_t *ftz_sim_expect_new(void);
void ftz_sim_expect_destroy(ftz_sim_expect_t *x);

/* Records rec (borrowed) of `type`, sent as info (borrowed) says.
 * FTZ_ERR_NOMEM; FTZ_ERR_INVALID_ARG for a customs weight that is not a
 * multiple of 0.25 kg (the simulator's always are: the sums are exact). */
ftz_err_t ftz_sim_expect_add(ftz_sim_expect_t *x, ftz_rtype_t type, const void *rec,
                             const ftz_sim_info_t *info, char *errstr, size_t errstr_size);

/* The tables as they must be (non-zero rows) and the dead letters by topic
 * (without prefix) and code; owned by the caller (ftz_expect_destroy). NULL
 * with errstr when out of memory. */
ftz_expect_t *ftz_sim_expect_result(const ftz_sim_expect_t *x, char *errstr,
                                    size_t errstr_size);

/* Records of type `type` that were re-sends (rail, registration) or later
 * revisions (customs), among those returned so far; for summaries. */
uint64_t ftz_sim_repeats(const ftz_sim_t *sim, ftz_rtype_t type);

#endif
