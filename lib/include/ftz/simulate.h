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
 * are in simulate.c. Every record passes ftz_rules_check.
 *
 * One generator makes three streams: customs declarations, rail events and
 * company registrations. Each has its own PRNG (derived from the one seed)
 * and its own state, so each stream depends only on the configuration, not
 * on how calls for the three types are interleaved. */
#ifndef FTZ_SIMULATE_H
#define FTZ_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

#include "ftz/err.h"
#include "ftz/record.h"

/* Bounds checked by ftz_sim_new. */
#define FTZ_SIM_DAYS_MAX 3660          /* ten years */
#define FTZ_SIM_PENDING_MAX 1048576    /* declarations awaiting a revision */
#define FTZ_SIM_TRAINS_MAX 4096        /* trains travelling at once */
#define FTZ_SIM_RESEND_QUEUE 64        /* re-sends waiting, per record type */

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

/* Records of type `type` that were re-sends (rail, registration) or later
 * revisions (customs), among those returned so far; for summaries. */
uint64_t ftz_sim_repeats(const ftz_sim_t *sim, ftz_rtype_t type);

#endif
