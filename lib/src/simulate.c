/* Simulator of CustomsDeclaration, RailEvent and CompanyRegistration
 * records (ftz/simulate.h).
 *
 * Determinism: every random choice of a record type comes from that
 * type's xoshiro256** stream, in a fixed order (a train's shipments from a
 * stream seeded by the train). Weighted choices use integer weights;
 * normal variates are Irwin-Hall sums (additions only) and exp() is our
 * own polynomial, so the output does not depend on the C library's rand()
 * or on libm's rounding.
 * Floating-point contraction into FMA would change the last bit on some
 * machines: the project builds with -std=c11 (GCC then does not contract),
 * clang gets the pragma below, and polynomial steps are separate
 * statements. */
#include "ftz/simulate.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/value.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define MS_PER_S 1000LL
#define MS_PER_H 3600000LL
#define MS_PER_DAY 86400000LL
#define SHANGHAI_OFFSET_MS (8 * MS_PER_H) /* UTC+8, no daylight saving */
#define TIME_MAX_MS 253402300799999LL     /* 9999-12-31T23:59:59.999Z */
#define DEFAULT_START_MS 1793462400000LL  /* 2026-11-01T00:00:00+08:00 */
#define DEFAULT_PENDING_MAX 1024
#define MAX_STEPS 3                       /* revisions 1..3 */
#define VALUE_MAX_FEN 1000000000000LL     /* 10 billion CNY: a cap, rarely hit */
#define DEFAULT_TRAINS_MAX 64
#define DEFAULT_RESEND_RATE 0.02
#define MAX_CROSSINGS 3                   /* border crossings of a journey */
/* Tags that derive each record type's PRNG from the one seed. Customs
 * keeps the seed as it is, so its stream is what it always was. */
#define RAIL_SEED_TAG 0x7261696c2d657674ULL /* "rail-evt" */
#define REG_SEED_TAG 0x7265672d636f6d70ULL  /* "reg-comp" */

/* ---- PRNG: splitmix64 seeds xoshiro256** (Blackman and Vigna) ---- */

typedef struct sim_rng_s {
    uint64_t s[4];
} sim_rng_t;

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* The splitmix64 finalizer: a bijective hash of 64 bits. */
static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static void rng_seed(sim_rng_t *r, uint64_t seed) {
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rng_next(sim_rng_t *r) {
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1), 53 bits. */
static double rng_unif(sim_rng_t *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

/* Uniform in [lo, hi). */
static double rng_range(sim_rng_t *r, double lo, double hi) {
    double u = rng_unif(r);
    double span = hi - lo;
    u = u * span;
    return lo + u;
}

/* Uniform integer in [0, n), n > 0, without modulo bias. */
static uint64_t rng_below(sim_rng_t *r, uint64_t n) {
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
    do
        x = rng_next(r);
    while (x >= limit);
    return x % n;
}

/* Standard normal, approximately: the Irwin-Hall sum of 12 uniforms
 * minus 6 (mean 0, variance 1, tails cut at 6 sigma, which keeps the
 * long tails long but finite). */
static double rng_normal(sim_rng_t *r) {
    double sum = 0;
    for (int i = 0; i < 12; i++)
        sum += rng_unif(r);
    return sum - 6.0;
}

/* exp(x) from + and * only: exp(x) = 2^k exp(t), |t| <= ln2/2, Taylor
 * series to t^12 (relative error below 2e-16 there). */
static double sim_exp(double x) {
    static const double inv_fact[] = {
        1.0,           1.0,           1.0 / 2,        1.0 / 6,         1.0 / 24,
        1.0 / 120,     1.0 / 720,     1.0 / 5040,     1.0 / 40320,     1.0 / 362880,
        1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600,
    };
    if (x > 700.0)
        x = 700.0;
    if (x < -700.0)
        x = -700.0;
    double k = x * 1.4426950408889634; /* log2(e) */
    k = floor(k + 0.5);
    double kln2 = k * 0.6931471805599453;
    double t = x - kln2;
    double p = inv_fact[12];
    for (int i = 11; i >= 0; i--) {
        p = p * t;
        p = p + inv_fact[i];
    }
    return ldexp(p, (int)k);
}

/* Log-normal with the given median; sigma is that of the logarithm. */
static double rng_lognormal(sim_rng_t *r, double median, double sigma) {
    double z = rng_normal(r) * sigma;
    return median * sim_exp(z);
}

/* Index drawn with probability w[i] / sum(w); sum(w) must be > 0. */
static int rng_pick(sim_rng_t *r, const unsigned *w, int n) {
    uint64_t total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    uint64_t x = rng_below(r, total);
    for (int i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1; /* not reached */
}

/* ---- The tables: where the realism lives ---- */

/* Indexed by ftz_area_t: SHENYANG, YINGKOU, DALIAN. Dalian (the port) is
 * busiest for trade. */
static const unsigned area_weight[3] = {15, 25, 60};
static const char *const area_prefix[3] = {"SY", "YK", "DL"};
/* Clearance time factor: Dalian's port customs are fastest. */
static const double area_clearance[3] = {1.25, 1.1, 0.8};

/* Indexed by ftz_direction_t: IMPORT, EXPORT; roughly balanced. */
static const unsigned direction_weight[2] = {48, 52};
/* Exports clear faster than imports (fewer inspections, no duties). */
static const double direction_clearance[2] = {1.2, 0.8};

/* The final status of a declaration, indexed by ftz_customs_status_t:
 * FILED (still open), CLEARED, HELD, CANCELLED. */
static const unsigned status_weight[4] = {12, 75, 8, 5};

/* Indexed by ftz_transport_mode_t: SEA, RAIL, ROAD, AIR. */
static const double mode_clearance[4] = {1.3, 1.0, 0.8, 0.5};
static const double mode_weight_cap_kg[4] = {60000000.0, 3000000.0, 40000.0, 20000.0};

typedef struct sim_partner_s {
    const char *cc; /* ISO 3166-1 alpha-2 */
    unsigned w;
} sim_partner_t;

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Trade partners in general: Japan and Korea first, then Europe (by sea
 * and by China-Europe rail), Russia, the US, South-East Asia. */
static const sim_partner_t partners_general[] = {
    {"JP", 200}, {"KR", 170}, {"DE", 75}, {"RU", 70}, {"US", 65}, {"NL", 40}, {"VN", 40},
    {"AU", 35}, {"PL", 30}, {"TH", 30}, {"SG", 20}, {"MY", 20}, {"ID", 20}, {"HK", 20},
    {"IN", 18}, {"GB", 18}, {"FR", 15}, {"BR", 15}, {"CA", 15}, {"IT", 12}, {"PH", 12},
    {"BE", 10}, {"ES", 10}, {"CZ", 10}, {"CL", 10}, {"NZ", 10}, {"SA", 10}, {"AE", 10},
    {"MN", 10}, {"KZ", 10}, {"FI", 8},  {"SE", 8},  {"TR", 8},  {"MX", 8},  {"HU", 6},
    {"BY", 5},  {"NO", 5},
};
/* Plastic bags and packaging: Japan above all (the seed report's example
 * of an exporter helped by a weaker yuan). */
static const sim_partner_t partners_plastics_export[] = {
    {"JP", 450}, {"KR", 150}, {"US", 80}, {"AU", 40}, {"RU", 30}, {"DE", 30}, {"NL", 20},
    {"GB", 20}, {"VN", 20}, {"TH", 20}, {"CA", 20}, {"SG", 15}, {"MY", 15}, {"HK", 15},
    {"FR", 10}, {"NZ", 10},
};
/* Timber comes in from Russia, from Europe by rail, and from the Pacific. */
static const sim_partner_t partners_timber_import[] = {
    {"RU", 300}, {"NZ", 120}, {"DE", 80}, {"CA", 80}, {"US", 80}, {"PL", 60}, {"FI", 60},
    {"SE", 50}, {"CZ", 40}, {"AU", 40}, {"NL", 30}, {"BY", 30},
};
/* Frozen fish for Dalian's processing plants. */
static const sim_partner_t partners_seafood_import[] = {
    {"RU", 320}, {"US", 150}, {"NO", 100}, {"JP", 80}, {"KR", 50}, {"CL", 40},
    {"NZ", 40}, {"CA", 40}, {"IS", 30}, {"AR", 30}, {"PE", 20},
};
/* Yingkou's steel goes to Asian neighbours and the Gulf. */
static const sim_partner_t partners_steel_export[] = {
    {"KR", 200}, {"VN", 150}, {"TH", 100}, {"ID", 80}, {"PH", 80}, {"JP", 60}, {"MY", 60},
    {"SA", 50}, {"AE", 40}, {"IN", 40}, {"TR", 40}, {"BR", 30}, {"CL", 20},
};

/* How goods can travel to or from a partner: mode weights SEA, RAIL,
 * ROAD, AIR per partner class. */
typedef enum sim_region_e { REGION_OVERSEAS, REGION_EUROPE, REGION_CIS, REGION_LAND_ASIA } sim_region_t;
static const unsigned region_modes[4][4] = {
    [REGION_OVERSEAS] = {97, 0, 0, 3},
    [REGION_EUROPE] = {50, 44, 0, 6},    /* China-Europe rail: 10-18 days */
    [REGION_CIS] = {18, 44, 36, 2},      /* rail and road across the land border */
    [REGION_LAND_ASIA] = {50, 10, 36, 4},
};

static sim_region_t region_of(const char *cc) {
    /* Two letters between spaces: a two-letter substring is a whole code. */
    if (strlen(cc) != 2)
        return REGION_OVERSEAS;
    if (strstr("DE PL NL BE CZ FR IT ES GB FI SE HU NO IS", cc))
        return REGION_EUROPE;
    if (strstr("RU BY KZ MN", cc))
        return REGION_CIS;
    if (strcmp(cc, "VN") == 0)
        return REGION_LAND_ASIA;
    return REGION_OVERSEAS;
}

/* Mode factors (percent) per area: Shenyang is inland (rail, road, its
 * airport), Yingkou a rail hub as well as a port, Dalian the sea port. */
static const unsigned area_mode_pct[3][4] = {
    {60, 160, 250, 150}, /* SHENYANG */
    {100, 130, 100, 60}, /* YINGKOU */
    {110, 90, 80, 100},  /* DALIAN */
};

typedef struct sim_hs_s {
    const char *heading; /* 6-digit subheading */
    double price_mult;   /* relative to the category's price per kg */
    double weight_mult;  /* relative to the category's shipment weight */
} sim_hs_t;

typedef struct sim_category_s {
    const char *name;
    unsigned weight[2];    /* by direction: IMPORT, EXPORT */
    unsigned area_pct[3];  /* by area: SHENYANG, YINGKOU, DALIAN */
    unsigned mode_pct[4];  /* SEA, RAIL, ROAD, AIR */
    double kg_median, kg_sigma;
    double price_median, price_sigma; /* CNY per kg */
    double clearance;      /* inspections: quarantine for food and wood */
    const sim_hs_t *hs;
    int nhs;
} sim_category_t;

static const sim_hs_t hs_plastics[] = {
    {"392321", 1.0, 1.0}, /* sacks and bags of polymers of ethylene */
    {"392329", 1.1, 1.0}, /* sacks and bags of other plastics */
    {"392310", 1.2, 0.8}, /* boxes, cases, crates */
    {"392330", 1.3, 0.8}, /* carboys, bottles, flasks */
    {"392350", 1.5, 0.5}, /* stoppers, lids, caps */
};
static const sim_hs_t hs_electronics[] = {
    {"847130", 1.5, 0.6},  /* portable computers */
    {"847141", 1.0, 1.0},  /* other computers */
    {"847150", 1.0, 1.0},  /* processing units */
    {"847180", 0.8, 1.0},  /* other units of computers */
    {"851713", 2.0, 0.5},  /* smartphones */
    {"851762", 1.2, 0.8},  /* network equipment */
    {"854231", 20.0, 0.1}, /* processors and controllers */
    {"854232", 15.0, 0.1}, /* memories */
    {"854239", 10.0, 0.1}, /* other integrated circuits */
};
static const sim_hs_t hs_car_parts[] = {
    {"870829", 0.8, 1.2}, /* body parts */
    {"870830", 1.0, 1.0}, /* brakes */
    {"870840", 1.3, 1.0}, /* gear boxes */
    {"870850", 1.0, 1.2}, /* drive axles */
    {"870880", 0.9, 1.0}, /* suspension systems */
    {"870899", 1.0, 0.8}, /* other parts */
};
static const sim_hs_t hs_timber[] = {
    {"440321", 1.0, 1.2}, /* pine logs */
    {"440323", 1.0, 1.2}, /* fir and spruce logs */
    {"440325", 0.9, 1.2}, /* other coniferous logs */
    {"440711", 1.8, 0.6}, /* sawn pine */
    {"440712", 1.8, 0.6}, /* sawn fir and spruce */
    {"440791", 3.5, 0.4}, /* sawn oak */
};
static const sim_hs_t hs_machinery[] = {
    {"847950", 2.0, 0.6}, /* industrial robots */
    {"847989", 1.0, 1.0}, /* other machines with individual functions */
    {"847982", 0.8, 1.2}, /* mixing, kneading, crushing machines */
    {"847981", 0.9, 1.0}, /* machines for treating metal */
};
static const sim_hs_t hs_seafood[] = {
    {"030367", 1.0, 1.0}, /* Alaska pollock, frozen */
    {"030363", 1.6, 0.8}, /* cod, frozen */
    {"030354", 0.7, 1.0}, /* mackerel, frozen */
    {"030355", 0.7, 1.0}, /* jack and horse mackerel, frozen */
    {"030389", 1.0, 0.8}, /* other fish, frozen */
};
static const sim_hs_t hs_steel[] = {
    {"720851", 1.1, 1.0}, /* hot-rolled plate, > 10 mm */
    {"720852", 1.0, 1.0}, /* hot-rolled plate, 4.75-10 mm */
    {"720827", 1.0, 0.8}, /* hot-rolled coil, pickled, < 3 mm */
    {"720838", 0.95, 1.0}, /* hot-rolled coil, 3-4.75 mm */
    {"720839", 0.95, 1.0}, /* hot-rolled coil, < 3 mm */
};
static const sim_hs_t hs_chemicals[] = {
    {"290243", 1.0, 1.0}, /* p-xylene */
    {"290220", 0.9, 1.0}, /* benzene */
    {"290250", 1.2, 0.7}, /* styrene */
    {"290230", 0.9, 0.8}, /* toluene */
    {"290241", 1.0, 0.6}, /* o-xylene */
};

enum {
    CAT_PLASTICS, CAT_ELECTRONICS, CAT_CAR_PARTS, CAT_TIMBER, CAT_MACHINERY,
    CAT_SEAFOOD, CAT_STEEL, CAT_CHEMICALS, CAT__COUNT
};

static const sim_category_t categories[CAT__COUNT] = {
    [CAT_PLASTICS] = {"plastics", {4, 16}, {100, 100, 100}, {100, 100, 100, 10},
                      6000, 0.7, 16.0, 0.3, 1.0, hs_plastics, COUNT(hs_plastics)},
    [CAT_ELECTRONICS] = {"electronics", {20, 20}, {100, 60, 100}, {60, 100, 100, 700},
                         400, 1.2, 420.0, 0.5, 1.0, hs_electronics, COUNT(hs_electronics)},
    [CAT_CAR_PARTS] = {"car parts", {14, 18}, {300, 60, 80}, {100, 100, 100, 60},
                       3500, 0.9, 90.0, 0.4, 1.0, hs_car_parts, COUNT(hs_car_parts)},
    [CAT_TIMBER] = {"timber", {22, 2}, {60, 120, 100}, {100, 100, 100, 0},
                    45000, 0.9, 2.6, 0.3, 1.4, hs_timber, COUNT(hs_timber)},
    [CAT_MACHINERY] = {"machinery", {14, 12}, {220, 80, 80}, {100, 100, 100, 60},
                       2000, 1.0, 260.0, 0.5, 1.0, hs_machinery, COUNT(hs_machinery)},
    [CAT_SEAFOOD] = {"seafood", {12, 8}, {20, 60, 140}, {100, 50, 100, 20},
                     15000, 0.5, 18.0, 0.4, 1.5, hs_seafood, COUNT(hs_seafood)},
    [CAT_STEEL] = {"steel", {4, 14}, {40, 300, 60}, {100, 100, 100, 0},
                   100000, 1.3, 4.8, 0.2, 1.0, hs_steel, COUNT(hs_steel)},
    [CAT_CHEMICALS] = {"chemicals", {10, 10}, {30, 100, 140}, {100, 100, 100, 0},
                       30000, 1.3, 7.5, 0.3, 1.0, hs_chemicals, COUNT(hs_chemicals)},
};

/* Filing activity by Shanghai hour of day (office hours) and weekday
 * (Monday first; weekends are quiet). */
static const unsigned hour_weight[24] = {2,  1,  1,  1,  1,  2,  4,  10, 30, 55, 60, 55,
                                         30, 45, 55, 55, 50, 35, 20, 14, 10, 7,  5,  3};
static const unsigned weekday_weight[7] = {100, 100, 100, 100, 100, 35, 20};

/* Clearance: a log-normal time around CLEARANCE_MEDIAN_H, times the area,
 * direction, mode and category factors. */
#define CLEARANCE_MEDIAN_H 5.2
#define CLEARANCE_SIGMA 0.9
#define HOLD_LAG_MEDIAN_H 3.0   /* filed -> held */
#define HOLD_EXTRA_MEDIAN_H 40.0 /* a hold adds this to clearance */
#define CANCEL_LAG_MEDIAN_H 20.0
#define CORRECTION_GAP_MEDIAN_H 3.0
#define THIRD_REVISION_RATE 0.2 /* of revised declarations */

/* ---- The generator ---- */

typedef struct sim_pending_s {
    ftz_customs_t snap[MAX_STEPS]; /* every revision, planned in advance */
    int nsteps;
    int step;                      /* the next one to emit */
    uint64_t due;                  /* emit once this many records are out */
    uint64_t order;                /* tie-break: insertion order */
} sim_pending_t;

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

/* Records waiting to be sent a second time: at most FTZ_SIM_RESEND_QUEUE
 * of them, each due once `due` records of its type are out. */
typedef struct sim_resend_s {
    unsigned char *recs; /* [FTZ_SIM_RESEND_QUEUE * size] */
    uint64_t due[FTZ_SIM_RESEND_QUEUE];
    uint64_t order[FTZ_SIM_RESEND_QUEUE]; /* tie-break: insertion order */
    size_t n, size;
    uint64_t next_order;
} sim_resend_t;

struct ftz_sim_s {
    ftz_sim_conf_t conf;
    sim_rng_t rng;         /* customs */
    uint64_t *day_cum;     /* [days] cumulative weights of the days */
    uint64_t hour_cum[24]; /* cumulative weights of the hours after start */
    int64_t first_local_day; /* Shanghai day number of start */
    uint32_t *seq;         /* [3 * (days + 1)] last sequence per area and day */
    sim_pending_t *pending;
    size_t npending, pending_cap;
    uint64_t emitted;      /* records returned so far */
    uint64_t order;
    uint64_t revisions;    /* customs records with revision > 1 */

    /* Rail events. */
    sim_rng_t rail_rng;
    sim_train_t *trains;
    size_t ntrains, trains_cap;
    uint64_t rail_serial;  /* trains so far */
    uint64_t dep_pass;     /* the next departure: pass and time */
    int64_t dep_ms;
    sim_resend_t rail_resend;
    uint64_t rail_emitted, rail_resent;

    /* Company registrations. */
    sim_rng_t reg_rng;
    uint64_t uscc_keys[4]; /* of the serial permutation */
    uint64_t reg_count;    /* new registrations so far */
    sim_resend_t reg_resend;
    uint64_t reg_emitted, reg_resent;
};

void ftz_sim_conf_defaults(ftz_sim_conf_t *conf) {
    memset(conf, 0, sizeof(*conf));
    conf->seed = 1;
    conf->start_ms = DEFAULT_START_MS;
    conf->days = 30;
    conf->revision_rate = 0.1;
    conf->pending_max = DEFAULT_PENDING_MAX;
    conf->rail_resend_rate = DEFAULT_RESEND_RATE;
    conf->rail_trains_max = DEFAULT_TRAINS_MAX;
    conf->registration_resend_rate = DEFAULT_RESEND_RATE;
}

static void sim_rail_init(ftz_sim_t *sim);
static void sim_registration_init(ftz_sim_t *sim);

static int weekday_of_local_day(int64_t local_day) {
    return (int)((local_day + 3) % 7); /* 1970-01-01 was a Thursday; Monday = 0 */
}

ftz_sim_t *ftz_sim_new(const ftz_sim_conf_t *conf, char *errstr, size_t errstr_size) {
    ftz_sim_t *sim = NULL;

    if (!conf) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "simulator: no configuration");
        goto fail;
    }
    if (conf->days < 1 || conf->days > FTZ_SIM_DAYS_MAX) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "simulator: days %d out of range 1..%d", conf->days, FTZ_SIM_DAYS_MAX);
        goto fail;
    }
    if (!(conf->revision_rate >= 0.0 && conf->revision_rate <= 1.0)) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "simulator: revision rate %g out of range 0..1", conf->revision_rate);
        goto fail;
    }
    if (conf->pending_max < 1 || conf->pending_max > FTZ_SIM_PENDING_MAX) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "simulator: pending_max %d out of range 1..%d", conf->pending_max,
                   FTZ_SIM_PENDING_MAX);
        goto fail;
    }
    if (!(conf->rail_resend_rate >= 0.0 && conf->rail_resend_rate <= 1.0)) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "simulator: rail resend rate %g out of range 0..1", conf->rail_resend_rate);
        goto fail;
    }
    if (!(conf->registration_resend_rate >= 0.0 && conf->registration_resend_rate <= 1.0)) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "simulator: registration resend rate %g out of range 0..1",
                   conf->registration_resend_rate);
        goto fail;
    }
    if (conf->rail_trains_max < 1 || conf->rail_trains_max > FTZ_SIM_TRAINS_MAX) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "simulator: rail_trains_max %d out of range 1..%d", conf->rail_trains_max,
                   FTZ_SIM_TRAINS_MAX);
        goto fail;
    }
    /* Revisions and clearances run up to weeks past the window; keep all of
     * it within years 1970..9999 so that every timestamp formats as RFC 3339. */
    if (conf->start_ms < 0 ||
        conf->start_ms > TIME_MAX_MS - (int64_t)(conf->days + 400) * MS_PER_DAY) {
        char when[40];
        ftz_time_format(conf->start_ms, when, sizeof(when));
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "simulator: start %s out of range (1970 to 9998)", when);
        goto fail;
    }

    if (!(sim = calloc(1, sizeof(*sim))) ||
        !(sim->day_cum = calloc((size_t)conf->days, sizeof(*sim->day_cum))) ||
        !(sim->seq = calloc(3 * ((size_t)conf->days + 1), sizeof(*sim->seq)))) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "simulator: out of memory");
        goto fail;
    }
    sim->conf = *conf;
    rng_seed(&sim->rng, conf->seed);

    int64_t start_local = conf->start_ms + SHANGHAI_OFFSET_MS;
    sim->first_local_day = start_local / MS_PER_DAY;
    int start_hour = (int)(start_local % MS_PER_DAY / MS_PER_H);
    uint64_t cum = 0;
    for (int d = 0; d < conf->days; d++) {
        /* The weekday of the middle of the d-th 24 hours after start. */
        int64_t mid = start_local + d * MS_PER_DAY + 12 * MS_PER_H;
        cum += weekday_weight[weekday_of_local_day(mid / MS_PER_DAY)];
        sim->day_cum[d] = cum;
    }
    cum = 0;
    for (int h = 0; h < 24; h++) {
        cum += hour_weight[(start_hour + h) % 24];
        sim->hour_cum[h] = cum;
    }
    sim_rail_init(sim);
    sim_registration_init(sim);
    return sim;
fail:
    ftz_sim_destroy(sim);
    return NULL;
}

void ftz_sim_destroy(ftz_sim_t *sim) {
    if (!sim)
        return;
    free(sim->day_cum);
    free(sim->seq);
    free(sim->pending);
    free(sim->trains);
    free(sim->rail_resend.recs);
    free(sim->reg_resend.recs);
    free(sim);
}

size_t ftz_sim_pending(const ftz_sim_t *sim) { return sim ? sim->npending : 0; }

/* First index i with cum[i] > x (cum increasing, x < cum[n - 1]). */
static int cum_search(const uint64_t *cum, int n, uint64_t x) {
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* An instant in office hours of the window, drawn from r. */
static int64_t sim_office_time(const ftz_sim_t *sim, sim_rng_t *r) {
    int d = cum_search(sim->day_cum, sim->conf.days,
                       rng_below(r, sim->day_cum[sim->conf.days - 1]));
    int h = cum_search(sim->hour_cum, 24, rng_below(r, sim->hour_cum[23]));
    int64_t within = (int64_t)rng_below(r, (uint64_t)MS_PER_H);
    return sim->conf.start_ms + d * MS_PER_DAY + h * MS_PER_H + within;
}

static int64_t sim_filed_at(ftz_sim_t *sim) { return sim_office_time(sim, &sim->rng); }

/* "DL2026110100012": area, Shanghai date of filing, sequence of the area
 * and day (5 digits, more past 99999; unique either way). */
static void sim_declaration_id(ftz_sim_t *sim, int area, int64_t filed_at, char *out,
                               size_t out_size) {
    int64_t local = filed_at + SHANGHAI_OFFSET_MS;
    size_t day = (size_t)(local / MS_PER_DAY - sim->first_local_day); /* 0..days */
    char date[40];
    ftz_time_format(local, date, sizeof(date)); /* "YYYY-MM-DDT..." in local time */
    uint32_t n = ++sim->seq[(size_t)area * ((size_t)sim->conf.days + 1) + day];
    snprintf(out, out_size, "%s%.4s%.2s%.2s%05u", area_prefix[area], date, date + 5, date + 8,
             (unsigned)n);
}

static const sim_partner_t *partner_table(int cat, int dir, int *n) {
    if (cat == CAT_PLASTICS && dir == FTZ_DIR_EXPORT) {
        *n = COUNT(partners_plastics_export);
        return partners_plastics_export;
    }
    if (cat == CAT_TIMBER && dir == FTZ_DIR_IMPORT) {
        *n = COUNT(partners_timber_import);
        return partners_timber_import;
    }
    if (cat == CAT_SEAFOOD && dir == FTZ_DIR_IMPORT) {
        *n = COUNT(partners_seafood_import);
        return partners_seafood_import;
    }
    if (cat == CAT_STEEL && dir == FTZ_DIR_EXPORT) {
        *n = COUNT(partners_steel_export);
        return partners_steel_export;
    }
    *n = COUNT(partners_general);
    return partners_general;
}

static const char *pick_partner(sim_rng_t *r, int cat, int dir) {
    int n;
    const sim_partner_t *t = partner_table(cat, dir, &n);
    unsigned w[64];
    for (int i = 0; i < n; i++)
        w[i] = t[i].w;
    return t[rng_pick(r, w, n)].cc;
}

static int pick_mode(sim_rng_t *r, const char *partner, int area, int cat) {
    const unsigned *base = region_modes[region_of(partner)];
    unsigned w[4];
    unsigned total = 0;
    for (int m = 0; m < 4; m++) {
        w[m] = base[m] * area_mode_pct[area][m] * categories[cat].mode_pct[m];
        total += w[m];
    }
    if (!total) /* cannot happen with the tables above; sea always works */
        return FTZ_MODE_SEA;
    return rng_pick(r, w, 4);
}

/* 6, 8 or 10 digits: the subheading, then China's tariff and statistics
 * digits. */
static void pick_hs_code(sim_rng_t *r, const sim_hs_t *hs, char *out, size_t out_size) {
    static const char *const ext8[] = {"00", "00", "10", "90", "99"};
    static const char *const ext10[] = {"00", "00", "00", "10", "90"};
    static const unsigned len_weight[3] = {15, 25, 60}; /* 6, 8, 10 digits */
    int len = rng_pick(r, len_weight, 3);
    const char *a = ext8[rng_below(r, COUNT(ext8))];
    const char *b = ext10[rng_below(r, COUNT(ext10))];
    snprintf(out, out_size, "%s%s%s", hs->heading, len >= 1 ? a : "", len >= 2 ? b : "");
}

/* Weights in quarter kilograms (whole kilograms from a tonne up): at most
 * two decimals, exact in binary, so they print as written ("212.25", not
 * "212.24999999999999") and sums of them are exact. */
static double round_weight(double kg) {
    if (kg < 0.25)
        kg = 0.25;
    if (kg >= 1000.0)
        return (double)llround(kg);
    return (double)llround(kg * 4.0) / 4.0;
}

static int64_t value_fen(double cny) {
    double fen = cny * 100.0;
    if (!(fen >= 0.0))
        return 0;
    if (fen > (double)VALUE_MAX_FEN)
        return VALUE_MAX_FEN;
    return llround(fen);
}

static int64_t hours_ms(double h) { return (int64_t)llround(h * (double)MS_PER_H); }

/* A small delay between a state change and its event (1 s to 2 min). */
static int64_t small_delay(sim_rng_t *r) {
    return MS_PER_S + (int64_t)rng_below(r, 119 * MS_PER_S);
}

/* The statuses of a declaration's revisions, ending with its final status.
 * Two equal statuses in a row are a correction (value or weight). */
static int plan_path(sim_rng_t *r, int final, int nsteps, int *path) {
    enum { F = FTZ_STATUS_FILED, C = FTZ_STATUS_CLEARED, H = FTZ_STATUS_HELD,
           X = FTZ_STATUS_CANCELLED };
    double u = rng_unif(r);
    if (nsteps == 1) {
        path[0] = final;
    } else if (nsteps == 2) {
        path[1] = final;
        switch (final) {
        case C: path[0] = u < 0.55 ? F : u < 0.75 ? H : C; break;
        case H: path[0] = u < 0.7 ? F : H; break;
        case X: path[0] = u < 0.7 ? F : H; break;
        default: path[0] = F; break;
        }
    } else {
        path[0] = F;
        path[2] = final;
        switch (final) {
        case C: path[1] = u < 0.6 ? H : C; break;
        case H: path[1] = F; break;
        case X: path[1] = H; break;
        default: path[1] = F; break;
        }
    }
    return nsteps;
}

/* Draws a new declaration and plans all its revisions into snap[0..n). */
/* Customs offices by area (ftz_area_t order: SHENYANG, YINGKOU, DALIAN)
 * and transport mode (SEA, RAIL, ROAD, AIR). */
static const char *const customs_offices[3][4] = {
    {"SHENYANG-FTZ", "SHENYANG-RAIL", "SHENYANG-FTZ", "SHENYANG-TAOXIAN"},
    {"YINGKOU-BAYUQUAN", "YINGKOU-RAIL", "YINGKOU-PORT", "YINGKOU-PORT"},
    {"DALIAN-DAYAOWAN", "DALIAN-RAIL", "DALIAN-FTZ", "DALIAN-AIRPORT"},
};

static int sim_declaration(ftz_sim_t *sim, ftz_customs_t snap[MAX_STEPS]) {
    sim_rng_t *r = &sim->rng;
    ftz_customs_t base;
    memset(&base, 0, sizeof(base));

    int area = rng_pick(r, area_weight, 3);
    int dir = rng_pick(r, direction_weight, 2);
    unsigned cw[CAT__COUNT];
    for (int c = 0; c < CAT__COUNT; c++)
        cw[c] = categories[c].weight[dir] * categories[c].area_pct[area];
    int cat = rng_pick(r, cw, CAT__COUNT);
    const sim_category_t *sc = &categories[cat];
    const char *partner = pick_partner(r, cat, dir);
    int mode = pick_mode(r, partner, area, cat);
    const sim_hs_t *hs = &sc->hs[rng_below(r, (uint64_t)sc->nhs)];

    base.revision = 1;
    base.area = area;
    /* The customs office clearing it (schema v2): the port's, by area and
     * mode. Drawn from no random number, so a seed's totals are the same
     * as before the field existed. */
    snprintf(base.customs_office, sizeof(base.customs_office), "%s",
             customs_offices[area][mode]);
    base.has_customs_office = true;
    base.direction = dir;
    base.transport_mode = mode;
    pick_hs_code(r, hs, base.hs_code, sizeof(base.hs_code));
    snprintf(base.origin_country, sizeof(base.origin_country), "%s",
             dir == FTZ_DIR_IMPORT ? partner : "CN");
    snprintf(base.destination_country, sizeof(base.destination_country), "%s",
             dir == FTZ_DIR_IMPORT ? "CN" : partner);

    /* Air freight: small and valuable. */
    double kg = rng_lognormal(r, sc->kg_median * hs->weight_mult, sc->kg_sigma);
    double price = rng_lognormal(r, sc->price_median * hs->price_mult, sc->price_sigma);
    if (mode == FTZ_MODE_AIR) {
        kg *= 0.2;
        price *= 1.5;
    }
    double cap = mode_weight_cap_kg[mode];
    if (kg > cap)
        kg = cap * rng_range(r, 0.6, 1.0);
    base.gross_weight_kg = round_weight(kg);
    base.declared_value_fen = value_fen(base.gross_weight_kg * price);

    base.filed_at_ms = sim_filed_at(sim);
    sim_declaration_id(sim, area, base.filed_at_ms, base.declaration_id,
                       sizeof(base.declaration_id));

    int final = rng_pick(r, status_weight, 4);
    int nsteps = 1;
    if (rng_unif(r) < sim->conf.revision_rate)
        nsteps = rng_unif(r) < THIRD_REVISION_RATE ? 3 : 2;
    int path[MAX_STEPS];
    plan_path(r, final, nsteps, path);

    double clear_h = rng_lognormal(r, CLEARANCE_MEDIAN_H, CLEARANCE_SIGMA) *
                     area_clearance[area] * direction_clearance[dir] * mode_clearance[mode] *
                     sc->clearance;
    if (clear_h < 1.0 / 12) /* five minutes at the very least */
        clear_h = 1.0 / 12;
    int64_t clearance = hours_ms(clear_h);
    int64_t hold_lag = hours_ms(rng_lognormal(r, HOLD_LAG_MEDIAN_H, 0.7));
    int64_t hold_extra = hours_ms(rng_lognormal(r, HOLD_EXTRA_MEDIAN_H, 0.6));
    int64_t cancel_lag = hours_ms(rng_lognormal(r, CANCEL_LAG_MEDIAN_H, 0.8));

    int64_t filed = base.filed_at_ms, prev = filed, cleared = 0;
    bool held = false;
    for (int i = 0; i < nsteps; i++) {
        ftz_customs_t *s = &snap[i];
        int st = path[i];
        int64_t at;
        memcpy(s, i ? &snap[i - 1] : &base, sizeof(*s));
        s->revision = i + 1;
        s->status = st;
        if (i > 0 && path[i - 1] == st) {
            /* A correction: the value (and sometimes the weight) was wrong. */
            at = prev + MS_PER_S * 60 +
                 hours_ms(rng_lognormal(r, CORRECTION_GAP_MEDIAN_H, 0.8));
            int64_t v = value_fen((double)s->declared_value_fen / 100.0 *
                                  rng_range(r, 0.85, 1.15));
            s->declared_value_fen = v != s->declared_value_fen ? v : v + 100;
            if (rng_unif(r) < 0.3)
                s->gross_weight_kg =
                    round_weight(s->gross_weight_kg * rng_range(r, 0.95, 1.05));
        } else {
            switch (st) {
            case FTZ_STATUS_HELD:
                held = true;
                at = filed + hold_lag;
                break;
            case FTZ_STATUS_CLEARED:
                cleared = filed + clearance + (held ? hold_extra : 0);
                if (cleared < prev + 60 * MS_PER_S)
                    cleared = prev + 60 * MS_PER_S;
                s->has_cleared_at = true;
                s->cleared_at_ms = cleared;
                at = cleared;
                break;
            case FTZ_STATUS_CANCELLED:
                at = filed + cancel_lag;
                break;
            default: /* FILED, only ever first */
                at = filed;
                break;
            }
            if (i > 0 && at < prev + 60 * MS_PER_S)
                at = prev + 60 * MS_PER_S;
            at += small_delay(r);
        }
        s->event_time_ms = at;
        prev = at;
    }
    return nsteps;
}

/* The pending declaration due first (lowest due, then oldest), or -1. */
static long sim_first_due(const ftz_sim_t *sim) {
    long best = -1;
    for (size_t i = 0; i < sim->npending; i++) {
        const sim_pending_t *p = &sim->pending[i], *b = best < 0 ? NULL : &sim->pending[best];
        if (!b || p->due < b->due || (p->due == b->due && p->order < b->order))
            best = (long)i;
    }
    return best;
}

/* Records between two revisions of a declaration in the stream. */
static uint64_t sim_revision_gap(ftz_sim_t *sim) { return 10 + rng_below(&sim->rng, 391); }

ftz_err_t ftz_sim_next_customs(ftz_sim_t *sim, ftz_customs_t *out) {
    if (!sim || !out)
        return FTZ_ERR_INVALID_ARG;

    long k = sim_first_due(sim);
    if (k >= 0 && (sim->pending[k].due <= sim->emitted ||
                   sim->npending >= (size_t)sim->conf.pending_max)) {
        sim_pending_t *p = &sim->pending[k];
        memcpy(out, &p->snap[p->step], sizeof(*out));
        sim->revisions++;
        if (++p->step < p->nsteps) {
            p->due = sim->emitted + sim_revision_gap(sim);
        } else {
            sim->npending--;
            if ((size_t)k != sim->npending)
                memcpy(p, &sim->pending[sim->npending], sizeof(*p));
        }
        sim->emitted++;
        return FTZ_OK;
    }

    /* Room for one more pending declaration first, so that running out of
     * memory leaves the stream as it was. */
    if (sim->npending == sim->pending_cap) {
        size_t cap = sim->pending_cap ? sim->pending_cap * 2 : 16;
        if (cap > (size_t)sim->conf.pending_max)
            cap = (size_t)sim->conf.pending_max;
        sim_pending_t *grown = realloc(sim->pending, cap * sizeof(*grown));
        if (!grown)
            return FTZ_ERR_NOMEM;
        sim->pending = grown;
        sim->pending_cap = cap;
    }
    ftz_customs_t snap[MAX_STEPS];
    int nsteps = sim_declaration(sim, snap);
    memcpy(out, &snap[0], sizeof(*out));
    if (nsteps > 1) {
        sim_pending_t *p = &sim->pending[sim->npending++];
        memcpy(p->snap, snap, sizeof(snap));
        p->nsteps = nsteps;
        p->step = 1;
        p->due = sim->emitted + sim_revision_gap(sim);
        p->order = sim->order++;
    }
    sim->emitted++;
    return FTZ_OK;
}

/* ==== Re-sends: records sent a second time, later in the stream ==== */

static ftz_err_t resend_ready(sim_resend_t *q, size_t size) {
    if (q->recs)
        return FTZ_OK;
    if (!(q->recs = calloc(FTZ_SIM_RESEND_QUEUE, size)))
        return FTZ_ERR_NOMEM;
    q->size = size;
    return FTZ_OK;
}

/* Moves the re-send due first into out when it is due (emitted records
 * out so far), or when the queue is full, so that a push after a new
 * record always has room. Returns whether it did. */
static int resend_take(sim_resend_t *q, uint64_t emitted, void *out) {
    if (!q->n)
        return 0;
    size_t best = 0;
    for (size_t i = 1; i < q->n; i++)
        if (q->due[i] < q->due[best] || (q->due[i] == q->due[best] && q->order[i] < q->order[best]))
            best = i;
    if (q->due[best] > emitted && q->n < FTZ_SIM_RESEND_QUEUE)
        return 0;
    memcpy(out, q->recs + best * q->size, q->size);
    if (best != --q->n) {
        memcpy(q->recs + best * q->size, q->recs + q->n * q->size, q->size);
        q->due[best] = q->due[q->n];
        q->order[best] = q->order[q->n];
    }
    return 1;
}

static void resend_push(sim_resend_t *q, const void *rec, uint64_t due) {
    memcpy(q->recs + q->n * q->size, rec, q->size);
    q->due[q->n] = due;
    q->order[q->n] = q->next_order++;
    q->n++;
}

/* ==== Rail: China-Europe container trains ==== */

/* Trains leave about every 12 hours over the three areas (some 60 a month,
 * 2,500 containers); 30 to 50 containers a train. */
#define TRAIN_GAP_MIN_MS (1 * MS_PER_H)
#define TRAIN_GAP_MAX_MS (23 * MS_PER_H)
#define TRAIN_CONTAINERS_MIN 30
#define TRAIN_CONTAINERS_MAX 50
/* Containers are scanned one after another at each station: the k-th
 * about k * 45 s after the train's time, within 30 s. */
#define SCAN_STEP_MS (45 * MS_PER_S)
#define SCAN_JITTER_MS (30 * MS_PER_S)
#define CROSSING_JITTER_MS (4 * MS_PER_H) /* around the route's share of the journey */
#define RAIL_RESEND_GAP 200               /* a re-send comes 1..200 events later */

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
#define NCORRIDORS COUNT(corridors)

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

static const sim_partner_t origin_timber_eu[] = {
    {"RU", 40}, {"FI", 20}, {"DE", 15}, {"SE", 10}, {"PL", 10}, {"BY", 5},
};
static const sim_partner_t origin_car_parts_eu[] = {{"DE", 75}, {"CZ", 10}, {"PL", 8}, {"HU", 7}};
static const sim_partner_t origin_machinery_eu[] = {
    {"DE", 60}, {"IT", 12}, {"CZ", 10}, {"FR", 8}, {"PL", 5}, {"AT", 5},
};
static const sim_partner_t origin_chemicals_eu[] = {{"DE", 65}, {"BE", 15}, {"NL", 15}, {"FR", 5}};
static const sim_partner_t origin_food_eu[] = {
    {"PL", 20}, {"DE", 20}, {"FR", 15}, {"NL", 15}, {"ES", 10}, {"IT", 10}, {"DK", 10},
};
static const sim_partner_t origin_other_eu[] = {
    {"DE", 40}, {"PL", 25}, {"NL", 10}, {"FR", 10}, {"IT", 10}, {"CZ", 5},
};
static const sim_partner_t origin_timber_ru[] = {{"RU", 1}};
static const sim_partner_t origin_other_ru[] = {{"RU", 90}, {"BY", 10}};

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

/* A country from a table of at most 64. */
static const char *pick_from(sim_rng_t *r, const sim_partner_t *t, int n) {
    unsigned w[64];
    for (int i = 0; i < n; i++)
        w[i] = t[i].w;
    return t[rng_pick(r, w, n)].cc;
}

static const char *pick_inbound_origin(sim_rng_t *r, int cargo, int russia) {
#define FROM(t) pick_from(r, t, COUNT(t))
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
static void pick_container_id(sim_rng_t *r, char out[12]) {
    static const int letter_value[26] = {10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24,
                                         25, 26, 27, 28, 29, 30, 31, 32, 34, 35, 36, 37, 38};
    const char *owner = container_owners[rng_below(r, COUNT(container_owners))];
    long sum;
    unsigned serial;
    do {
        serial = (unsigned)rng_below(r, 1000000);
        snprintf(out, 12, "%.4s%06u", owner, serial);
        sum = 0;
        for (int i = 0; i < 10; i++)
            sum += (long)(i < 4 ? letter_value[out[i] - 'A'] : out[i] - '0') << i;
    } while (sum % 11 == 10);
    out[10] = (char)('0' + sum % 11);
    out[11] = '\0';
}

static const sim_route_t *train_route(const sim_train_t *t) {
    return corridors[t->corridor].route;
}

static void sim_shipment(const sim_train_t *t, int idx, sim_shipment_t *s) {
    const sim_corridor_t *c = &corridors[t->corridor];
    int russia = cities[c->far].cc[0] == 'R';
    int area = c->home == CITY_DALIAN ? FTZ_AREA_DALIAN
               : c->home == CITY_SHENYANG ? FTZ_AREA_SHENYANG
                                          : FTZ_AREA_YINGKOU;
    sim_rng_t r;
    rng_seed(&r, mix64(t->seed + (uint64_t)idx));

    unsigned w[7];
    memcpy(w, cargo_weight[t->dir][russia], sizeof(w));
    if (t->dir == FTZ_RAIL_INBOUND && area == FTZ_AREA_SHENYANG)
        w[FTZ_CARGO_CAR_PARTS] = w[FTZ_CARGO_CAR_PARTS] * SHENYANG_INBOUND_CAR_PARTS_PCT / 100;
    s->cargo = rng_pick(&r, w, 7);
    if (t->dir == FTZ_RAIL_OUTBOUND) {
        unsigned ow[3];
        memcpy(ow, out_origin_weight[s->cargo], sizeof(ow));
        if (area == FTZ_AREA_SHENYANG)
            ow[0] = ow[0] * SHENYANG_CN_ORIGIN_PCT / 100;
        s->origin = out_origins[rng_pick(&r, ow, 3)];
    } else {
        s->origin = pick_inbound_origin(&r, s->cargo, russia);
    }
    s->teu = 1 + rng_pick(&r, teu_weight, 4);
    double cny = rng_lognormal(&r, value_per_teu_median[s->cargo], value_per_teu_sigma[s->cargo]);
    s->value_fen = value_fen(cny * s->teu);
    pick_container_id(&r, s->container_id);
    for (int p = 0; p < t->nphases; p++)
        s->offset_ms[p] = idx * SCAN_STEP_MS + (int64_t)rng_below(&r, SCAN_JITTER_MS);
}

static int64_t train_next_ms(const sim_train_t *t) {
    sim_shipment_t s;
    sim_shipment(t, t->next, &s);
    return t->phase_ms[t->phase] + s.offset_ms[t->phase];
}

static void sim_rail_init(ftz_sim_t *sim) {
    rng_seed(&sim->rail_rng, mix64(sim->conf.seed ^ RAIL_SEED_TAG));
    sim->dep_pass = 0;
    sim->dep_ms = sim->conf.start_ms + (int64_t)rng_below(&sim->rail_rng, TRAIN_GAP_MAX_MS / 2);
}

/* Moves the departure clock on; past the window, a new pass begins. */
static void sim_rail_clock(ftz_sim_t *sim, int64_t at) {
    sim->dep_ms = at;
    if (sim->dep_ms >= sim->conf.start_ms + sim->conf.days * MS_PER_DAY) {
        sim->dep_pass++;
        sim->dep_ms =
            sim->conf.start_ms + (int64_t)rng_below(&sim->rail_rng, TRAIN_GAP_MAX_MS / 2);
    }
}

/* A train leaves at the departure clock (room in sim->trains is there). */
static void sim_rail_depart(ftz_sim_t *sim) {
    sim_rng_t *r = &sim->rail_rng;
    sim_train_t *t = &sim->trains[sim->ntrains++];
    unsigned w[2 * NCORRIDORS];
    memset(t, 0, sizeof(*t));

    for (int i = 0; i < NCORRIDORS; i++) {
        w[2 * i] = corridors[i].weight[FTZ_RAIL_OUTBOUND];
        w[2 * i + 1] = corridors[i].weight[FTZ_RAIL_INBOUND];
    }
    int k = rng_pick(r, w, 2 * NCORRIDORS);
    const sim_corridor_t *c = &corridors[k / 2];
    const sim_route_t *route = c->route;
    t->corridor = k / 2;
    t->dir = k % 2;
    t->seed = rng_next(r);
    t->serial = ++sim->rail_serial;
    t->pass = sim->dep_pass;
    t->ncontainers =
        TRAIN_CONTAINERS_MIN + (int)rng_below(r, TRAIN_CONTAINERS_MAX - TRAIN_CONTAINERS_MIN + 1);
    t->nphases = route->ncross + 2;
    t->departed_at_on_departure = (int)rng_below(r, 2);

    int64_t dep = sim->dep_ms;
    int64_t transit = (int64_t)c->transit_min_h * MS_PER_H +
                      (int64_t)rng_below(r, (uint64_t)(c->transit_max_h - c->transit_min_h) *
                                                (uint64_t)MS_PER_H);
    t->phase_ms[0] = dep;
    for (int i = 0; i < route->ncross; i++) {
        unsigned pm = t->dir == FTZ_RAIL_OUTBOUND ? route->permille[i]
                                                  : 1000 - route->permille[route->ncross - 1 - i];
        t->phase_ms[1 + i] = dep + transit * pm / 1000 - CROSSING_JITTER_MS / 2 +
                             (int64_t)rng_below(r, CROSSING_JITTER_MS);
    }
    t->phase_ms[t->nphases - 1] = dep + transit;

    char date[40];
    ftz_time_format(dep + SHANGHAI_OFFSET_MS, date, sizeof(date)); /* local "YYYY-MM-DD" */
    snprintf(t->day, sizeof(t->day), "%.2s%.2s%.2s", date + 2, date + 5, date + 8);
    t->next_ms = train_next_ms(t);

    sim_rail_clock(sim, dep + TRAIN_GAP_MIN_MS +
                            (int64_t)rng_below(r, TRAIN_GAP_MAX_MS - TRAIN_GAP_MIN_MS));
}

/* The train whose event comes next: earliest pass, then time, then
 * departure; -1 when none travels. */
static long sim_next_train(const ftz_sim_t *sim) {
    long best = -1;
    for (size_t i = 0; i < sim->ntrains; i++) {
        const sim_train_t *t = &sim->trains[i], *b = best < 0 ? NULL : &sim->trains[best];
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

ftz_err_t ftz_sim_next_rail(ftz_sim_t *sim, ftz_rail_t *out) {
    if (!sim || !out)
        return FTZ_ERR_INVALID_ARG;

    /* Every allocation first, so that running out of memory leaves the
     * stream as it was. */
    if (resend_ready(&sim->rail_resend, sizeof(*out)) != FTZ_OK)
        return FTZ_ERR_NOMEM;
    if (sim->ntrains == sim->trains_cap && sim->trains_cap < (size_t)sim->conf.rail_trains_max) {
        size_t cap = sim->trains_cap ? sim->trains_cap * 2 : 16;
        if (cap > (size_t)sim->conf.rail_trains_max)
            cap = (size_t)sim->conf.rail_trains_max;
        sim_train_t *grown = realloc(sim->trains, cap * sizeof(*grown));
        if (!grown)
            return FTZ_ERR_NOMEM;
        sim->trains = grown;
        sim->trains_cap = cap;
    }

    if (resend_take(&sim->rail_resend, sim->rail_emitted, out)) {
        sim->rail_emitted++;
        sim->rail_resent++;
        return FTZ_OK;
    }

    long k = sim_next_train(sim);
    const sim_train_t *first = k >= 0 ? &sim->trains[k] : NULL;
    /* The departure clock runs ahead of no travelling train of its pass. */
    if (!first || (sim->dep_pass == first->pass && sim->dep_ms < first->next_ms)) {
        if (sim->ntrains < (size_t)sim->conf.rail_trains_max) {
            sim_rail_depart(sim);
            k = sim_next_train(sim);
        } else {
            sim_rail_clock(sim, first->next_ms); /* full: the departure waits */
        }
    }

    sim_train_t *t = &sim->trains[k];
    sim_rail_event(t, out);
    if (++t->next == t->ncontainers) {
        t->next = 0;
        t->phase++;
    }
    if (t->phase == t->nphases) {
        if ((size_t)k != --sim->ntrains)
            memcpy(t, &sim->trains[sim->ntrains], sizeof(*t));
    } else {
        t->next_ms = train_next_ms(t);
    }

    if (rng_unif(&sim->rail_rng) < sim->conf.rail_resend_rate)
        resend_push(&sim->rail_resend, out,
                    sim->rail_emitted + 1 + rng_below(&sim->rail_rng, RAIL_RESEND_GAP));
    sim->rail_emitted++;
    return FTZ_OK;
}

size_t ftz_sim_trains(const ftz_sim_t *sim) { return sim ? sim->ntrains : 0; }

/* ==== Company registrations ==== */

/* Indexed by ftz_area_t: SHENYANG, YINGKOU, DALIAN. The provincial
 * capital's area registers about as many companies as Dalian's. */
static const unsigned reg_area_weight[3] = {40, 22, 38};
static const char *const area_city_zh[3] = {"沈阳", "营口", "大连"};
static const char *const area_city_en[3] = {"Shenyang", "Yingkou", "Dalian"};

/* GB/T 2260 codes of the registering authority, positions 3-8 of the
 * uscc: the city's, or the district of the zone's area (Hunnan,
 * Bayuquan, Jinzhou). */
static const char *const region_codes[3][2] = {
    {"210100", "210112"}, {"210800", "210804"}, {"210200", "210213"}};
static const unsigned region_weight[2] = {45, 55};

/* ftz_enterprise_type_t by area: DOMESTIC, FOREIGN_INVESTED, JOINT_VENTURE.
 * Japanese and Korean firms cluster in Dalian. */
static const unsigned enterprise_weight[3][3] = {{90, 6, 4}, {92, 5, 3}, {84, 11, 5}};

/* The foreign investor of FOREIGN_INVESTED and JOINT_VENTURE companies. */
static const sim_partner_t investors[] = {
    {"JP", 30}, {"KR", 26}, {"US", 10}, {"SG", 8}, {"HK", 8}, {"DE", 6}, {"RU", 3},
    {"GB", 2},  {"VG", 2},  {"FR", 1},  {"AU", 1}, {"CA", 1}, {"NL", 1}, {"IT", 1},
    {"MY", 1},
};

/* GB/T 4754 sections A-T, by DOMESTIC and foreign: trade (F), leasing and
 * business services (L), IT (I), manufacturing (C) and transport (G)
 * lead. Public administration (S) and international organizations (T)
 * do not register companies. */
static const unsigned industry_weight[2][20] = {
    /* A  B   C  D  E   F   G  H   I  J  K   L  M  N  O  P  Q  R  S  T */
    {2, 1, 8, 1, 4, 30, 8, 3, 12, 2, 2, 16, 6, 1, 2, 1, 1, 2, 0, 0},
    {1, 0, 18, 1, 2, 30, 12, 2, 10, 2, 2, 12, 6, 0, 1, 1, 1, 1, 0, 0},
};
/* Capital relative to the median (percent): mines, utilities, finance and
 * property need more; shops and services less. */
static const unsigned industry_capital_pct[20] = {
    80, 300, 200, 300, 150, 60, 120, 50, 70, 400, 400, 100, 80, 120, 40, 60, 100, 60, 100, 100,
};

/* Registered capital: log-normal around a median by enterprise type. The
 * sigma makes the mean (about 14 million) four to five times the median,
 * the long tail of a few large projects. */
static const double capital_median_cny[3] = {3300000, 7000000, 10000000};
#define CAPITAL_SIGMA 1.55
#define CAPITAL_MIN_CNY 10000.0
#define CAPITAL_MAX_CNY 20000000000.0 /* 20 billion */
#define USD_100_FEN 71268            /* fen per 100 USD: 7.1268 CNY per USD */
#define REG_RESEND_GAP 1000          /* a re-send comes 1..1000 records later */

typedef struct sim_word_s {
    const char *zh, *en;
} sim_word_t;

/* Business words of each section, for names. */
static const sim_word_t words_a[] = {{"农业科技", "Agricultural Technology"},
                                     {"水产养殖", "Aquaculture"}};
static const sim_word_t words_b[] = {{"矿业", "Mining"}};
static const sim_word_t words_c[] = {{"机械制造", "Machinery Manufacturing"},
                                     {"精密部件", "Precision Parts"},
                                     {"电子科技", "Electronics"},
                                     {"汽车零部件", "Auto Parts"},
                                     {"新材料", "New Materials"}};
static const sim_word_t words_d[] = {{"新能源", "New Energy"}, {"热力", "Heating"}};
static const sim_word_t words_e[] = {{"建设工程", "Construction Engineering"},
                                     {"建筑安装", "Building Installation"}};
static const sim_word_t words_f[] = {{"贸易", "Trading"},
                                     {"国际贸易", "International Trading"},
                                     {"商贸", "Commerce"},
                                     {"进出口", "Import & Export"},
                                     {"食品销售", "Food Sales"}};
static const sim_word_t words_g[] = {{"物流", "Logistics"},
                                     {"国际物流", "International Logistics"},
                                     {"国际货运代理", "International Freight Forwarding"},
                                     {"航运", "Shipping"},
                                     {"仓储", "Warehousing"}};
static const sim_word_t words_h[] = {{"餐饮管理", "Catering Management"},
                                     {"酒店管理", "Hotel Management"}};
static const sim_word_t words_i[] = {{"信息技术", "Information Technology"},
                                     {"网络科技", "Network Technology"},
                                     {"软件", "Software"},
                                     {"数据科技", "Data Technology"}};
static const sim_word_t words_j[] = {{"投资", "Investment"}, {"商业保理", "Commercial Factoring"}};
static const sim_word_t words_k[] = {{"置业", "Property"},
                                     {"房地产开发", "Real Estate Development"}};
static const sim_word_t words_l[] = {{"商务咨询", "Business Consulting"},
                                     {"供应链管理", "Supply Chain Management"},
                                     {"企业管理", "Enterprise Management"},
                                     {"融资租赁", "Financial Leasing"},
                                     {"人力资源", "Human Resources"}};
static const sim_word_t words_m[] = {{"检测技术", "Testing Technology"},
                                     {"工程设计", "Engineering Design"},
                                     {"生物科技", "Biotechnology"}};
static const sim_word_t words_n[] = {{"环保科技", "Environmental Technology"}};
static const sim_word_t words_o[] = {{"家政服务", "Household Services"},
                                     {"汽车维修", "Auto Repair"}};
static const sim_word_t words_p[] = {{"教育科技", "Education Technology"},
                                     {"职业培训", "Vocational Training"}};
static const sim_word_t words_q[] = {{"健康管理", "Health Management"}};
static const sim_word_t words_r[] = {{"文化传媒", "Culture & Media"},
                                     {"体育发展", "Sports Development"}};
static const sim_word_t words_s[] = {{"社会服务", "Social Services"}};

static const struct {
    const sim_word_t *w;
    int n;
} industry_words[20] = {
#define W(a) {a, COUNT(a)}
    W(words_a), W(words_b), W(words_c), W(words_d), W(words_e), W(words_f), W(words_g),
    W(words_h), W(words_i), W(words_j), W(words_k), W(words_l), W(words_m), W(words_n),
    W(words_o), W(words_p), W(words_q), W(words_r), W(words_s), W(words_s),
#undef W
};

/* Characters of trade names, with their pinyin (each begins with a
 * consonant, so that two of them read unambiguously run together). */
static const sim_word_t brand_chars[] = {
    {"海", "hai"},   {"运", "yun"},  {"华", "hua"},   {"信", "xin"},   {"东", "dong"},
    {"方", "fang"},  {"金", "jin"},  {"桥", "qiao"},  {"远", "yuan"},  {"洋", "yang"},
    {"恒", "heng"},  {"通", "tong"}, {"港", "gang"},  {"德", "de"},    {"润", "run"},
    {"瑞", "rui"},   {"丰", "feng"}, {"鑫", "xin"},   {"源", "yuan"},  {"泰", "tai"},
    {"和", "he"},    {"中", "zhong"}, {"荣", "rong"}, {"嘉", "jia"},   {"禾", "he"},
    {"辽", "liao"},  {"宁", "ning"}, {"星", "xing"},  {"辰", "chen"},  {"博", "bo"},
    {"汇", "hui"},   {"隆", "long"}, {"盛", "sheng"}, {"鹏", "peng"},  {"宏", "hong"},
    {"达", "da"},    {"祥", "xiang"}, {"福", "fu"},   {"天", "tian"},  {"成", "cheng"},
    {"北", "bei"},   {"联", "lian"}, {"创", "chuang"}, {"智", "zhi"},  {"启", "qi"},
    {"明", "ming"},  {"诚", "cheng"}, {"益", "yi"},   {"康", "kang"},  {"峰", "feng"},
    {"林", "lin"},   {"帆", "fan"},  {"航", "hang"},  {"舟", "zhou"},  {"凯", "kai"},
    {"锦", "jin"},   {"腾", "teng"}, {"新", "xin"},   {"晟", "sheng"}, {"沃", "wo"},
};

/* English trade names of foreign investors, by country. */
static const struct {
    const char *cc;
    const char *names[5];
} foreign_brands[] = {
    {"JP", {"Sakura", "Hinode", "Kaiyo", "Midori", "Tsubasa"}},
    {"KR", {"Hanbit", "Saerom", "Haneul", "Mirae", "Dasom"}},
    {"US", {"Pacific", "Summit", "Liberty", "Frontier", "Evergreen"}},
    {"SG", {"Merlion", "Straits", "Temasek", "Orchid", "Lion Gate"}},
    {"HK", {"Harbour", "Victoria", "Kowloon", "Peak", "Jade"}},
    {"DE", {"Nordstern", "Rhein", "Elbe", "Lindgruen", "Bergmann"}},
};

static const unsigned zh_suffix_weight[3] = {88, 8, 4};
static const char *const zh_suffix[3] = {"有限公司", "有限责任公司", "股份有限公司"};

static void pick_company_name(sim_rng_t *r, int area, int type, const char *investor,
                              int industry, char *out, size_t out_size) {
    const sim_word_t *word =
        &industry_words[industry].w[rng_below(r, (uint64_t)industry_words[industry].n)];
    int a = (int)rng_below(r, COUNT(brand_chars)), b;
    do
        b = (int)rng_below(r, COUNT(brand_chars));
    while (b == a);
    const sim_word_t *c1 = &brand_chars[a], *c2 = &brand_chars[b];
    unsigned english_pct = type == FTZ_ENT_DOMESTIC ? 8 : 45;

    if (rng_below(r, 100) < english_pct) {
        /* "Dalian Haiyun Trading Co., Ltd.", or the investor's own name. */
        char brand[40];
        const char *foreign = NULL;
        for (int i = 0; i < COUNT(foreign_brands) && type != FTZ_ENT_DOMESTIC; i++)
            if (strcmp(foreign_brands[i].cc, investor) == 0)
                foreign = foreign_brands[i].names[rng_below(r, 5)];
        if (foreign)
            snprintf(brand, sizeof(brand), "%s", foreign);
        else
            snprintf(brand, sizeof(brand), "%c%s%s", c1->en[0] - 'a' + 'A', c1->en + 1, c2->en);
        snprintf(out, out_size, "%s %s %s Co., Ltd.", area_city_en[area], brand, word->en);
        return;
    }
    const char *suffix = zh_suffix[rng_pick(r, zh_suffix_weight, 3)];
    if (rng_below(r, 100) < 12) /* "海运（大连）物流有限公司": a brand from elsewhere */
        snprintf(out, out_size, "%s%s（%s）%s%s", c1->zh, c2->zh, area_city_zh[area], word->zh,
                 suffix);
    else
        snprintf(out, out_size, "%s%s%s%s%s", area_city_zh[area], c1->zh, c2->zh, word->zh,
                 suffix);
}

/* Rounds a positive amount the way founders write it: to 1, 2, 3 or 5
 * times a power of ten, or to two significant digits. */
static double round_preferred(double x) {
    double p = 1.0;
    while (p * 10.0 <= x)
        p *= 10.0;
    double m = x / p;
    /* Nearest on a log scale: the cut points are the geometric means. */
    if (m < 1.4142135623730951)
        return p;
    if (m < 2.449489742783178)
        return 2 * p;
    if (m < 3.872983346207417)
        return 3 * p;
    if (m < 7.0710678118654755)
        return 5 * p;
    return 10 * p;
}

static double round_significant2(double x) {
    double p = 1.0;
    while (p * 10.0 <= x)
        p *= 10.0;
    p = p >= 10.0 ? p / 10.0 : 1.0;
    return (double)llround(x / p) * p;
}

static int64_t pick_capital_fen(sim_rng_t *r, int type, int industry) {
    double median = capital_median_cny[type] * industry_capital_pct[industry] / 100.0;
    double cny = rng_lognormal(r, median, CAPITAL_SIGMA);
    if (cny < CAPITAL_MIN_CNY)
        cny = CAPITAL_MIN_CNY;
    if (cny > CAPITAL_MAX_CNY)
        cny = CAPITAL_MAX_CNY;
    unsigned u = (unsigned)rng_below(r, 100);
    if (type != FTZ_ENT_DOMESTIC && u < 30) {
        /* Subscribed in US dollars (a round sum of at least 10,000),
         * recorded in yuan at a fixed rate: odd sums like 7,126,800.00. */
        double usd = round_preferred(cny * 10000.0 / USD_100_FEN);
        if (usd < 10000.0)
            usd = 10000.0;
        return (int64_t)usd / 100 * USD_100_FEN;
    }
    if (u < 78)
        cny = round_preferred(cny);
    else if (u < 95)
        cny = round_significant2(cny);
    else
        cny = (double)llround(cny / 10000.0) * 10000.0;
    if (cny < CAPITAL_MIN_CNY)
        cny = CAPITAL_MIN_CNY;
    return (int64_t)cny * 100;
}

/* A bijection of [0, 31^6): four Feistel rounds over two halves of 31^3,
 * keyed by the seed. Consecutive registrations get unrelated serials, and
 * no serial comes twice. */
#define USCC_HALF 29791ULL /* 31^3 */
#define USCC_SERIALS (USCC_HALF * USCC_HALF)

static uint64_t uscc_permute(const uint64_t keys[4], uint64_t n) {
    uint64_t l = n / USCC_HALF, r = n % USCC_HALF;
    for (int i = 0; i < 4; i++) {
        uint64_t f = mix64(r ^ keys[i]) % USCC_HALF, nl = r;
        r = (l + f) % USCC_HALF;
        l = nl;
    }
    return l * USCC_HALF + r;
}

static const char uscc_charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* "91" (a company registered with market regulation), the region code,
 * then the organization code "MA" + six characters + its GB 11714 check
 * character, then the GB 32100-2015 check character. */
static void make_uscc(const char *region, uint64_t serial, char out[19]) {
    static const int org_weights[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    static const int weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                    29, 25, 13, 8,  24, 10, 30, 28};
    char *org = out + 8;
    memcpy(out, "91", 2);
    memcpy(out + 2, region, 6);
    org[0] = 'M';
    org[1] = 'A';
    for (int i = 7; i >= 2; i--) {
        org[i] = uscc_charset[serial % 31];
        serial /= 31;
    }
    int sum = 0;
    for (int i = 0; i < 8; i++) {
        char ch = org[i];
        int v = ch >= '0' && ch <= '9' ? ch - '0' : ch - 'A' + 10;
        sum += v * org_weights[i];
    }
    int c9 = 11 - sum % 11;
    org[8] = c9 == 10 ? 'X' : c9 == 11 ? '0' : (char)('0' + c9);
    sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (int)(strchr(uscc_charset, out[i]) - uscc_charset) * weights[i];
    int check = 31 - sum % 31;
    out[17] = uscc_charset[check == 31 ? 0 : check];
    out[18] = '\0';
}

static void sim_registration_init(ftz_sim_t *sim) {
    rng_seed(&sim->reg_rng, mix64(sim->conf.seed ^ REG_SEED_TAG));
    for (int i = 0; i < 4; i++)
        sim->uscc_keys[i] = rng_next(&sim->reg_rng);
}

ftz_err_t ftz_sim_next_registration(ftz_sim_t *sim, ftz_registration_t *out) {
    if (!sim || !out)
        return FTZ_ERR_INVALID_ARG;
    if (resend_ready(&sim->reg_resend, sizeof(*out)) != FTZ_OK)
        return FTZ_ERR_NOMEM;
    if (resend_take(&sim->reg_resend, sim->reg_emitted, out)) {
        sim->reg_emitted++;
        sim->reg_resent++;
        return FTZ_OK;
    }
    if (sim->reg_count >= USCC_SERIALS)
        return FTZ_ERR_FATAL;

    sim_rng_t *r = &sim->reg_rng;
    memset(out, 0, sizeof(*out));
    int area = rng_pick(r, reg_area_weight, 3);
    int type = rng_pick(r, enterprise_weight[area], 3);
    const char *investor =
        type == FTZ_ENT_DOMESTIC ? "CN" : pick_from(r, investors, COUNT(investors));
    int industry = rng_pick(r, industry_weight[type != FTZ_ENT_DOMESTIC], 20);
    const char *region = region_codes[area][rng_pick(r, region_weight, 2)];

    out->area = area;
    out->enterprise_type = type;
    snprintf(out->investor_country, sizeof(out->investor_country), "%s", investor);
    out->industry[0] = (char)('A' + industry);
    out->registered_capital_fen = pick_capital_fen(r, type, industry);
    pick_company_name(r, area, type, investor, industry, out->company_name,
                      sizeof(out->company_name));
    make_uscc(region, uscc_permute(sim->uscc_keys, sim->reg_count++), out->uscc);
    out->registered_at_ms = sim_office_time(sim, r);
    /* Published a minute to two days after approval, usually within the hour. */
    int64_t lag = MS_PER_S * 60 + (int64_t)llround(rng_lognormal(r, 1800.0, 1.0) * MS_PER_S);
    if (lag > 2 * MS_PER_DAY)
        lag = 2 * MS_PER_DAY;
    out->event_time_ms = out->registered_at_ms + lag;

    if (rng_unif(r) < sim->conf.registration_resend_rate) {
        /* The registry publishes it again, hours or days later. */
        ftz_registration_t again;
        memcpy(&again, out, sizeof(again));
        again.event_time_ms += MS_PER_H + (int64_t)rng_below(r, 71 * MS_PER_H);
        resend_push(&sim->reg_resend, &again,
                    sim->reg_emitted + 1 + rng_below(r, REG_RESEND_GAP));
    }
    sim->reg_emitted++;
    return FTZ_OK;
}

/* ==== Any type ==== */

ftz_err_t ftz_sim_next(ftz_sim_t *sim, ftz_rtype_t type, void *out) {
    switch (type) {
    case FTZ_REC_CUSTOMS: return ftz_sim_next_customs(sim, out);
    case FTZ_REC_RAIL: return ftz_sim_next_rail(sim, out);
    case FTZ_REC_REGISTRATION: return ftz_sim_next_registration(sim, out);
    case FTZ_REC__COUNT: break;
    }
    return FTZ_ERR_INVALID_ARG;
}

uint64_t ftz_sim_repeats(const ftz_sim_t *sim, ftz_rtype_t type) {
    if (!sim)
        return 0;
    switch (type) {
    case FTZ_REC_CUSTOMS: return sim->revisions;
    case FTZ_REC_RAIL: return sim->rail_resent;
    case FTZ_REC_REGISTRATION: return sim->reg_resent;
    case FTZ_REC__COUNT: break;
    }
    return 0;
}
