/* Simulator of CustomsDeclaration records (ftz/simulate.h).
 *
 * Determinism: every random choice comes from one xoshiro256** stream, in
 * a fixed order. Weighted choices use integer weights; normal variates are
 * Irwin-Hall sums (additions only) and exp() is our own polynomial, so the
 * output does not depend on the C library's rand() or on libm's rounding.
 * Floating-point contraction into FMA would change the last bit on some
 * machines: the project builds with -std=c11 (GCC then does not contract),
 * clang gets the pragma below, and polynomial steps are separate
 * statements. */
#include "ftz/simulate.h"

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

struct ftz_sim_s {
    ftz_sim_conf_t conf;
    sim_rng_t rng;
    uint64_t *day_cum;     /* [days] cumulative weights of the days */
    uint64_t hour_cum[24]; /* cumulative weights of the hours after start */
    int64_t first_local_day; /* Shanghai day number of start */
    uint32_t *seq;         /* [3 * (days + 1)] last sequence per area and day */
    sim_pending_t *pending;
    size_t npending, pending_cap;
    uint64_t emitted;      /* records returned so far */
    uint64_t order;
};

void ftz_sim_conf_defaults(ftz_sim_conf_t *conf) {
    memset(conf, 0, sizeof(*conf));
    conf->seed = 1;
    conf->start_ms = DEFAULT_START_MS;
    conf->days = 30;
    conf->revision_rate = 0.1;
    conf->pending_max = DEFAULT_PENDING_MAX;
}

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

static int64_t sim_filed_at(ftz_sim_t *sim) {
    int d = cum_search(sim->day_cum, sim->conf.days,
                       rng_below(&sim->rng, sim->day_cum[sim->conf.days - 1]));
    int h = cum_search(sim->hour_cum, 24, rng_below(&sim->rng, sim->hour_cum[23]));
    int64_t within = (int64_t)rng_below(&sim->rng, (uint64_t)MS_PER_H);
    return sim->conf.start_ms + d * MS_PER_DAY + h * MS_PER_H + within;
}

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
