/* The rail events of the simulator (ftz/simulate.h): China-Europe
 * container trains from and to the three areas, their border crossings
 * and arrivals, in time order within a pass over the window, with
 * re-sends. The stream's PRNG is derived from the seed with its own tag. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/value.h"
#include "simulate_int.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define RAIL_SEED_TAG 0x7261696c2d657674ULL /* "rail-evt" */
#define MAX_CROSSINGS 3 /* border crossings of a journey */

/* Trains leave about every 12 hours over the three areas (some 60 a month,
 * 2,500 containers); 30 to 50 containers a train. */
#define TRAIN_GAP_MIN_MS (1 * FTZ_SIM_MS_PER_H)
#define TRAIN_GAP_MAX_MS (23 * FTZ_SIM_MS_PER_H)
#define TRAIN_CONTAINERS_MIN 30
#define TRAIN_CONTAINERS_MAX 50
/* Containers are scanned one after another at each station: the k-th
 * about k * 45 s after the train's time, within 30 s. */
#define SCAN_STEP_MS (45 * FTZ_SIM_MS_PER_S)
#define SCAN_JITTER_MS (30 * FTZ_SIM_MS_PER_S)
#define CROSSING_JITTER_MS (4 * FTZ_SIM_MS_PER_H) /* around the route's share of the journey */
#define RAIL_RESEND_GAP 200                       /* a re-send comes 1..200 events later */

typedef struct sim_city_s {
    const char *code;    /* in the corridor */
    const char *station; /* the station's name in events */
    const char *cc;      /* its country */
} sim_city_t;

enum { CITY_DALIAN, CITY_SHENYANG, CITY_YINGKOU, CITY_DUISBURG, CITY_HAMBURG, CITY_WARSAW,
       CITY_LODZ, CITY_MOSCOW };
static const sim_city_t cities[] = {
    [CITY_DALIAN] = {"DALIAN", "Dalian", "CN"},
    [CITY_SHENYANG] = {"SHENYANG", "Shenyang", "CN"},
    [CITY_YINGKOU] = {"YINGKOU", "Yingkou", "CN"},
    [CITY_DUISBURG] = {"DUISBURG", "Duisburg", "DE"},
    [CITY_HAMBURG] = {"HAMBURG", "Hamburg", "DE"},
    [CITY_WARSAW] = {"WARSAW", "Warsaw", "PL"},
    [CITY_LODZ] = {"LODZ", "Lodz", "PL"},
    [CITY_MOSCOW] = {"MOSCOW", "Moscow", "RU"},
};

/* A border crossing, reported at the station where the train enters the
 * next country: OUTBOUND on the European side, INBOUND on the Asian. */
typedef struct sim_crossing_s {
    const char *out_station, *out_cc;
    const char *in_station, *in_cc;
} sim_crossing_t;

static const sim_crossing_t crossing_cn_ru = {"Zabaikalsk", "RU", "Manzhouli", "CN"};
static const sim_crossing_t crossing_by_pl = {"Malaszewicze", "PL", "Brest", "BY"};
static const sim_crossing_t crossing_pl_de = {"Frankfurt (Oder)", "DE", "Kunowice", "PL"};

/* Liaoning's trains leave China at Manzhouli. The crossings in OUTBOUND
 * order, each at a share (permille) of the journey's time: two or three
 * days to Manzhouli, a gauge change there and another at Brest. Russia and
 * Belarus share a customs union: no crossing between them is reported. */
typedef struct sim_route_s {
    int ncross;
    const sim_crossing_t *cross[MAX_CROSSINGS];
    unsigned permille[MAX_CROSSINGS];
} sim_route_t;

static const sim_route_t route_russia = {1, {&crossing_cn_ru}, {220}};
static const sim_route_t route_poland = {2, {&crossing_cn_ru, &crossing_by_pl}, {170, 820}};
static const sim_route_t route_germany = {
    3, {&crossing_cn_ru, &crossing_by_pl, &crossing_pl_de}, {150, 720, 860}};

typedef struct sim_corridor_s {
    int home, far;          /* cities: the Liaoning end, the far end */
    unsigned weight[2];     /* trains by direction: OUTBOUND, INBOUND */
    unsigned service;       /* train number OUTBOUND (made up); INBOUND + 1 */
    unsigned transit_min_h; /* departure to arrival, hours; within 10-18 days */
    unsigned transit_max_h;
    const sim_route_t *route;
} sim_corridor_t;

/* Dalian about 63% of the trains, Shenyang 20%, Yingkou 17%; two out of
 * three leave China (the China-Europe trains' well-known imbalance). */
static const sim_corridor_t corridors[] = {
    {CITY_DALIAN, CITY_DUISBURG, {20, 8}, 8001, 336, 420, &route_germany},
    {CITY_DALIAN, CITY_HAMBURG, {14, 6}, 8003, 348, 426, &route_germany},
    {CITY_DALIAN, CITY_WARSAW, {8, 3}, 8005, 290, 380, &route_poland},
    {CITY_DALIAN, CITY_LODZ, {6, 3}, 8007, 290, 380, &route_poland},
    {CITY_DALIAN, CITY_MOSCOW, {8, 5}, 8009, 245, 320, &route_russia},
    {CITY_SHENYANG, CITY_DUISBURG, {9, 5}, 8021, 320, 410, &route_germany},
    {CITY_SHENYANG, CITY_HAMBURG, {7, 4}, 8023, 330, 415, &route_germany},
    {CITY_YINGKOU, CITY_MOSCOW, {10, 6}, 8041, 245, 320, &route_russia},
    {CITY_YINGKOU, CITY_DUISBURG, {4, 2}, 8043, 336, 420, &route_germany},
};
#define NCORRIDORS (int)FTZ_ARRAY_SIZE(corridors)

/* Cargo by direction and far end (Europe, Russia), indexed by
 * ftz_cargo_category_t: ELECTRONICS, CAR_PARTS, TIMBER, MACHINERY,
 * CHEMICALS, FOOD, OTHER. Out: electronics and car parts; in: timber. */
static const unsigned cargo_weight[2][2][7] = {
    [FTZ_RAIL_OUTBOUND] = {{40, 30, 0, 10, 4, 3, 13}, {30, 25, 0, 15, 5, 10, 15}},
    [FTZ_RAIL_INBOUND] = {{0, 10, 45, 18, 5, 14, 8}, {0, 0, 70, 2, 8, 10, 10}},
};
/* Shenyang's car plants import German parts. */
#define SHENYANG_INBOUND_CAR_PARTS_PCT 300

/* Where outbound goods were made: China, or Japan and Korea by sea to
 * Dalian or Yingkou, then rail (the seed report's transit trade). */
static const char *const out_origins[3] = {"CN", "JP", "KR"};
static const unsigned out_origin_weight[7][3] = {
    {35, 35, 30}, {35, 40, 25}, {100, 0, 0}, {60, 25, 15}, {80, 10, 10}, {80, 10, 10},
    {75, 15, 10},
};
#define SHENYANG_CN_ORIGIN_PCT 250 /* inland: less sea-rail transit */

static const ftz_sim_partner_t origin_timber_eu[] = {
    {"RU", 40}, {"FI", 20}, {"DE", 15}, {"SE", 10}, {"PL", 10}, {"BY", 5},
};
static const ftz_sim_partner_t origin_car_parts_eu[] = {
    {"DE", 75}, {"CZ", 10}, {"PL", 8}, {"HU", 7},
};
static const ftz_sim_partner_t origin_machinery_eu[] = {
    {"DE", 60}, {"IT", 12}, {"CZ", 10}, {"FR", 8}, {"PL", 5}, {"AT", 5},
};
static const ftz_sim_partner_t origin_chemicals_eu[] = {
    {"DE", 65}, {"BE", 15}, {"NL", 15}, {"FR", 5},
};
static const ftz_sim_partner_t origin_food_eu[] = {
    {"PL", 20}, {"DE", 20}, {"FR", 15}, {"NL", 15}, {"ES", 10}, {"IT", 10}, {"DK", 10},
};
static const ftz_sim_partner_t origin_other_eu[] = {
    {"DE", 40}, {"PL", 25}, {"NL", 10}, {"FR", 10}, {"IT", 10}, {"CZ", 5},
};
static const ftz_sim_partner_t origin_timber_ru[] = {{"RU", 1}};
static const ftz_sim_partner_t origin_other_ru[] = {{"RU", 90}, {"BY", 10}};

/* Value per TEU: median CNY and sigma of its logarithm. A 40-foot box of
 * laptops is worth some 1.8 million yuan, one of logs 56,000. */
static const double value_per_teu_median[7] = {900000, 300000, 28000, 350000,
                                               110000, 90000,  150000};
static const double value_per_teu_sigma[7] = {0.5, 0.4, 0.25, 0.5, 0.3, 0.3, 0.6};

/* TEU of a shipment: mostly one 40-foot container. */
static const unsigned teu_weight[4] = {18, 74, 3, 5};

/* Container owner codes (ISO 6346, category U): lines and lessors. */
static const char *const container_owners[] = {
    "CSQU", "TGHU", "MSKU", "CBHU", "TEMU", "TCNU", "TRHU", "GESU", "FCIU",
    "SEGU", "BMOU", "CAIU", "OOLU", "HLXU", "DFSU", "TLLU", "XINU", "BSIU",
};

/* What a train's shipment carries; drawn from the train's seed and the
 * shipment's index, the same every time. */
typedef struct sim_shipment_s {
    int cargo;
    const char *origin;
    int teu;
    int64_t value_fen;
    char container_id[12];
    int64_t offset_ms[MAX_CROSSINGS + 2]; /* scan time after the train's time */
} sim_shipment_t;

static const char *pick_inbound_origin(ftz_sim_rng_t *r, int cargo, int russia) {
#define FROM(t) ftz_sim_pick_from(r, t, (int)FTZ_ARRAY_SIZE(t))
    if (russia)
        return cargo == FTZ_CARGO_TIMBER ? FROM(origin_timber_ru) : FROM(origin_other_ru);
    switch (cargo) {
    case FTZ_CARGO_TIMBER: return FROM(origin_timber_eu);
    case FTZ_CARGO_CAR_PARTS: return FROM(origin_car_parts_eu);
    case FTZ_CARGO_MACHINERY: return FROM(origin_machinery_eu);
    case FTZ_CARGO_CHEMICALS: return FROM(origin_chemicals_eu);
    case FTZ_CARGO_FOOD: return FROM(origin_food_eu);
    default: return FROM(origin_other_eu);
    }
#undef FROM
}

/* ISO 6346: owner code, category U, six-digit serial, check digit. Serials
 * whose check value would be 10 are not issued (the standard advises
 * against them), so the digit is never ambiguous. */
static void pick_container_id(ftz_sim_rng_t *r, char out[12]) {
    static const int letter_value[26] = {10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24,
                                         25, 26, 27, 28, 29, 30, 31, 32, 34, 35, 36, 37, 38};
    const char *owner = container_owners[ftz_sim_rng_below(r, FTZ_ARRAY_SIZE(container_owners))];
    long sum;
    unsigned serial;
    do {
        serial = (unsigned)ftz_sim_rng_below(r, 1000000);
        snprintf(out, 12, "%.4s%06u", owner, serial);
        sum = 0;
        for (int i = 0; i < 10; i++)
            sum += (long)(i < 4 ? letter_value[out[i] - 'A'] : out[i] - '0') << i;
    } while (sum % 11 == 10);
    out[10] = (char)('0' + sum % 11);
    out[11] = '\0';
}

/* A train on its way. Its shipments' own fields (container, cargo, value,
 * scan offsets) are not stored: they are drawn again, identically, from
 * the train's seed and the shipment's index whenever an event needs them,
 * which keeps the rail state at one small struct per train. */
typedef struct sim_train_s {
    uint64_t seed;       /* of the shipments' fields */
    uint64_t serial;     /* 1, 2, ... in order of departure: makes ids unique */
    uint64_t pass;       /* pass over the window */
    int corridor;        /* index into corridors[] */
    int dir;             /* ftz_rail_direction_t */
    int ncontainers;     /* shipments on board */
    int nphases;         /* departure, crossings, arrival */
    int phase;           /* of the next event */
    int next;            /* shipment of the next event */
    int departed_at_on_departure; /* DEPARTED events carry departed_at */
    int64_t phase_ms[MAX_CROSSINGS + 2]; /* when the train departs, crosses, arrives */
    int64_t next_ms;     /* event_time of the next event */
    char day[8];         /* "261101": Shanghai date of departure */
} sim_train_t;

struct ftz_sim_rail_s {
    const ftz_sim_conf_t *conf; /* borrowed, of the ftz_sim_t */
    ftz_sim_rng_t rng;
    sim_train_t *trains;
    size_t ntrains, trains_cap;
    uint64_t serial;            /* trains so far */
    uint64_t dep_pass;          /* the next departure: pass and time */
    int64_t dep_ms;
    ftz_sim_resend_t resend;
    uint64_t emitted, resent;
};

static const sim_route_t *train_route(const sim_train_t *t) {
    return corridors[t->corridor].route;
}

static void sim_shipment(const sim_train_t *t, int idx, sim_shipment_t *s) {
    const sim_corridor_t *c = &corridors[t->corridor];
    int russia = cities[c->far].cc[0] == 'R';
    int area = c->home == CITY_DALIAN ? FTZ_AREA_DALIAN
               : c->home == CITY_SHENYANG ? FTZ_AREA_SHENYANG
                                          : FTZ_AREA_YINGKOU;
    ftz_sim_rng_t r;
    ftz_sim_rng_seed(&r, ftz_sim_mix64(t->seed + (uint64_t)idx));

    unsigned w[7];
    memcpy(w, cargo_weight[t->dir][russia], sizeof(w));
    if (t->dir == FTZ_RAIL_INBOUND && area == FTZ_AREA_SHENYANG)
        w[FTZ_CARGO_CAR_PARTS] = w[FTZ_CARGO_CAR_PARTS] * SHENYANG_INBOUND_CAR_PARTS_PCT / 100;
    s->cargo = ftz_sim_rng_pick(&r, w, 7);
    if (t->dir == FTZ_RAIL_OUTBOUND) {
        unsigned ow[3];
        memcpy(ow, out_origin_weight[s->cargo], sizeof(ow));
        if (area == FTZ_AREA_SHENYANG)
            ow[0] = ow[0] * SHENYANG_CN_ORIGIN_PCT / 100;
        s->origin = out_origins[ftz_sim_rng_pick(&r, ow, 3)];
    } else {
        s->origin = pick_inbound_origin(&r, s->cargo, russia);
    }
    s->teu = 1 + ftz_sim_rng_pick(&r, teu_weight, 4);
    double cny = ftz_sim_rng_lognormal(&r, value_per_teu_median[s->cargo],
                                       value_per_teu_sigma[s->cargo]);
    s->value_fen = ftz_sim_value_fen(cny * s->teu);
    pick_container_id(&r, s->container_id);
    for (int p = 0; p < t->nphases; p++)
        s->offset_ms[p] = idx * SCAN_STEP_MS + (int64_t)ftz_sim_rng_below(&r, SCAN_JITTER_MS);
}

static int64_t train_next_ms(const sim_train_t *t) {
    sim_shipment_t s;
    sim_shipment(t, t->next, &s);
    return t->phase_ms[t->phase] + s.offset_ms[t->phase];
}

ftz_sim_rail_t *ftz_sim_rail_new(const ftz_sim_conf_t *conf) {
    ftz_sim_rail_t *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->conf = conf;
    ftz_sim_rng_seed(&g->rng, ftz_sim_mix64(conf->seed ^ RAIL_SEED_TAG));
    g->dep_pass = 0;
    g->dep_ms = conf->start_ms + (int64_t)ftz_sim_rng_below(&g->rng, TRAIN_GAP_MAX_MS / 2);
    return g;
}

void ftz_sim_rail_destroy(ftz_sim_rail_t *g) {
    if (!g)
        return;
    free(g->trains);
    ftz_sim_resend_free(&g->resend);
    free(g);
}

/* Moves the departure clock on; past the window, a new pass begins. */
static void sim_rail_clock(ftz_sim_rail_t *g, int64_t at) {
    g->dep_ms = at;
    if (g->dep_ms >= g->conf->start_ms + g->conf->days * FTZ_SIM_MS_PER_DAY) {
        g->dep_pass++;
        g->dep_ms =
            g->conf->start_ms + (int64_t)ftz_sim_rng_below(&g->rng, TRAIN_GAP_MAX_MS / 2);
    }
}

/* A train leaves at the departure clock (room in g->trains is there). */
static void sim_rail_depart(ftz_sim_rail_t *g) {
    ftz_sim_rng_t *r = &g->rng;
    sim_train_t *t = &g->trains[g->ntrains++];
    unsigned w[2 * NCORRIDORS];
    memset(t, 0, sizeof(*t));

    for (int i = 0; i < NCORRIDORS; i++) {
        w[2 * i] = corridors[i].weight[FTZ_RAIL_OUTBOUND];
        w[2 * i + 1] = corridors[i].weight[FTZ_RAIL_INBOUND];
    }
    int k = ftz_sim_rng_pick(r, w, 2 * NCORRIDORS);
    const sim_corridor_t *c = &corridors[k / 2];
    const sim_route_t *route = c->route;
    t->corridor = k / 2;
    t->dir = k % 2;
    t->seed = ftz_sim_rng_next(r);
    t->serial = ++g->serial;
    t->pass = g->dep_pass;
    t->ncontainers =
        TRAIN_CONTAINERS_MIN +
        (int)ftz_sim_rng_below(r, TRAIN_CONTAINERS_MAX - TRAIN_CONTAINERS_MIN + 1);
    t->nphases = route->ncross + 2;
    t->departed_at_on_departure = (int)ftz_sim_rng_below(r, 2);

    int64_t dep = g->dep_ms;
    uint64_t spread = (uint64_t)(c->transit_max_h - c->transit_min_h) * FTZ_SIM_MS_PER_H;
    int64_t transit = (int64_t)c->transit_min_h * FTZ_SIM_MS_PER_H +
                      (int64_t)ftz_sim_rng_below(r, spread);
    t->phase_ms[0] = dep;
    for (int i = 0; i < route->ncross; i++) {
        unsigned pm = t->dir == FTZ_RAIL_OUTBOUND ? route->permille[i]
                                                  : 1000 - route->permille[route->ncross - 1 - i];
        t->phase_ms[1 + i] = dep + transit * pm / 1000 - CROSSING_JITTER_MS / 2 +
                             (int64_t)ftz_sim_rng_below(r, CROSSING_JITTER_MS);
    }
    t->phase_ms[t->nphases - 1] = dep + transit;

    char date[40];
    ftz_time_format(dep + FTZ_SIM_SHANGHAI_OFFSET_MS, date, sizeof(date)); /* local "YYYY-MM-DD" */
    snprintf(t->day, sizeof(t->day), "%.2s%.2s%.2s", date + 2, date + 5, date + 8);
    t->next_ms = train_next_ms(t);

    sim_rail_clock(g, dep + TRAIN_GAP_MIN_MS +
                            (int64_t)ftz_sim_rng_below(r, TRAIN_GAP_MAX_MS - TRAIN_GAP_MIN_MS));
}

/* The train whose event comes next: earliest pass, then time, then
 * departure; -1 when none travels. */
static long sim_next_train(const ftz_sim_rail_t *g) {
    long best = -1;
    for (size_t i = 0; i < g->ntrains; i++) {
        const sim_train_t *t = &g->trains[i], *b = best < 0 ? NULL : &g->trains[best];
        if (!b || t->pass < b->pass ||
            (t->pass == b->pass &&
             (t->next_ms < b->next_ms || (t->next_ms == b->next_ms && t->serial < b->serial))))
            best = (long)i;
    }
    return best;
}

static void sim_rail_event(const sim_train_t *t, ftz_rail_t *out) {
    const sim_corridor_t *c = &corridors[t->corridor];
    const sim_route_t *route = train_route(t);
    const sim_city_t *from = &cities[t->dir == FTZ_RAIL_OUTBOUND ? c->home : c->far];
    const sim_city_t *to = &cities[t->dir == FTZ_RAIL_OUTBOUND ? c->far : c->home];
    int phase = t->phase, last = t->nphases - 1;
    sim_shipment_t s;
    char suffix[4], shipment[64];

    sim_shipment(t, t->next, &s);
    memset(out, 0, sizeof(*out));
    /* "S261101-0042-17": departure date, train serial, place on the train. */
    snprintf(shipment, sizeof(shipment), "S%s-%04" PRIu64 "-%02d", t->day, t->serial,
             t->next + 1);
    snprintf(out->shipment_id, sizeof(out->shipment_id), "%s", shipment);
    if (phase == 0)
        snprintf(suffix, sizeof(suffix), "D");
    else if (phase == last)
        snprintf(suffix, sizeof(suffix), "A");
    else
        snprintf(suffix, sizeof(suffix), "B%d", phase);
    snprintf(out->event_id, sizeof(out->event_id), "%s-%s", shipment, suffix);
    snprintf(out->train_id, sizeof(out->train_id), "X%u-%s-%04" PRIu64,
             c->service + (unsigned)t->dir, t->day, t->serial);
    memcpy(out->container_id, s.container_id, sizeof(s.container_id));
    snprintf(out->corridor, sizeof(out->corridor), "%s-%s", from->code, to->code);
    out->direction = t->dir;

    const char *station, *cc;
    if (phase == 0) {
        out->event_type = FTZ_RAIL_DEPARTED;
        station = from->station;
        cc = from->cc;
    } else if (phase == last) {
        out->event_type = FTZ_RAIL_ARRIVED;
        station = to->station;
        cc = to->cc;
    } else if (t->dir == FTZ_RAIL_OUTBOUND) {
        out->event_type = FTZ_RAIL_BORDER_CROSSED;
        station = route->cross[phase - 1]->out_station;
        cc = route->cross[phase - 1]->out_cc;
    } else {
        out->event_type = FTZ_RAIL_BORDER_CROSSED;
        station = route->cross[route->ncross - phase]->in_station;
        cc = route->cross[route->ncross - phase]->in_cc;
    }
    snprintf(out->station, sizeof(out->station), "%s", station);
    snprintf(out->country, sizeof(out->country), "%s", cc);
    out->cargo_category = s.cargo;
    snprintf(out->goods_origin_country, sizeof(out->goods_origin_country), "%s", s.origin);
    out->teu = s.teu;
    out->cargo_value_fen = s.value_fen;
    out->event_time_ms = t->phase_ms[phase] + s.offset_ms[phase];
    if (phase > 0 || t->departed_at_on_departure) {
        out->has_departed_at = true;
        out->departed_at_ms = t->phase_ms[0] + s.offset_ms[0];
    }
}

ftz_err_t ftz_sim_rail_next(ftz_sim_rail_t *g, ftz_rail_t *out) {
    /* Every allocation first, so that running out of memory leaves the
     * stream as it was. */
    if (ftz_sim_resend_ready(&g->resend, sizeof(*out)) != FTZ_OK)
        return FTZ_ERR_NOMEM;
    if (g->ntrains == g->trains_cap && g->trains_cap < (size_t)g->conf->rail_trains_max) {
        size_t cap = g->trains_cap ? g->trains_cap * 2 : 16;
        if (cap > (size_t)g->conf->rail_trains_max)
            cap = (size_t)g->conf->rail_trains_max;
        sim_train_t *grown = realloc(g->trains, cap * sizeof(*grown));
        if (!grown)
            return FTZ_ERR_NOMEM;
        g->trains = grown;
        g->trains_cap = cap;
    }

    if (ftz_sim_resend_take(&g->resend, g->emitted, out)) {
        g->emitted++;
        g->resent++;
        return FTZ_OK;
    }

    long k = sim_next_train(g);
    const sim_train_t *first = k >= 0 ? &g->trains[k] : NULL;
    /* The departure clock runs ahead of no travelling train of its pass. */
    if (!first || (g->dep_pass == first->pass && g->dep_ms < first->next_ms)) {
        if (g->ntrains < (size_t)g->conf->rail_trains_max) {
            sim_rail_depart(g);
            k = sim_next_train(g);
        } else {
            sim_rail_clock(g, first->next_ms); /* full: the departure waits */
        }
    }

    sim_train_t *t = &g->trains[k];
    sim_rail_event(t, out);
    if (++t->next == t->ncontainers) {
        t->next = 0;
        t->phase++;
    }
    if (t->phase == t->nphases) {
        if ((size_t)k != --g->ntrains)
            memcpy(t, &g->trains[g->ntrains], sizeof(*t));
    } else {
        t->next_ms = train_next_ms(t);
    }

    if (ftz_sim_rng_unif(&g->rng) < g->conf->rail_resend_rate)
        ftz_sim_resend_push(&g->resend, out,
                            g->emitted + 1 + ftz_sim_rng_below(&g->rng, RAIL_RESEND_GAP));
    g->emitted++;
    return FTZ_OK;
}

size_t ftz_sim_rail_trains(const ftz_sim_rail_t *g) { return g->ntrains; }

uint64_t ftz_sim_rail_repeats(const ftz_sim_rail_t *g) { return g->resent; }
