/* The customs declarations of the simulator (ftz/simulate.h): who trades
 * what with whom, how declarations are filed, held, cleared, cancelled
 * and corrected, and the revisions that follow them later in the stream.
 * The customs stream uses the seed itself (the other types derive theirs),
 * so it is what it always was. */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/value.h"
#include "simulate_int.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define MAX_STEPS 3 /* revisions 1..3 */

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

/* Trade partners in general: Japan and Korea first, then Europe (by sea
 * and by China-Europe rail), Russia, the US, South-East Asia. */
static const ftz_sim_partner_t partners_general[] = {
    {"JP", 200}, {"KR", 170}, {"DE", 75}, {"RU", 70}, {"US", 65}, {"NL", 40}, {"VN", 40},
    {"AU", 35}, {"PL", 30}, {"TH", 30}, {"SG", 20}, {"MY", 20}, {"ID", 20}, {"HK", 20},
    {"IN", 18}, {"GB", 18}, {"FR", 15}, {"BR", 15}, {"CA", 15}, {"IT", 12}, {"PH", 12},
    {"BE", 10}, {"ES", 10}, {"CZ", 10}, {"CL", 10}, {"NZ", 10}, {"SA", 10}, {"AE", 10},
    {"MN", 10}, {"KZ", 10}, {"FI", 8},  {"SE", 8},  {"TR", 8},  {"MX", 8},  {"HU", 6},
    {"BY", 5},  {"NO", 5},
};
/* Plastic bags and packaging: Japan above all (the seed report's example
 * of an exporter helped by a weaker yuan). */
static const ftz_sim_partner_t partners_plastics_export[] = {
    {"JP", 450}, {"KR", 150}, {"US", 80}, {"AU", 40}, {"RU", 30}, {"DE", 30}, {"NL", 20},
    {"GB", 20}, {"VN", 20}, {"TH", 20}, {"CA", 20}, {"SG", 15}, {"MY", 15}, {"HK", 15},
    {"FR", 10}, {"NZ", 10},
};
/* Timber comes in from Russia, from Europe by rail, and from the Pacific. */
static const ftz_sim_partner_t partners_timber_import[] = {
    {"RU", 300}, {"NZ", 120}, {"DE", 80}, {"CA", 80}, {"US", 80}, {"PL", 60}, {"FI", 60},
    {"SE", 50}, {"CZ", 40}, {"AU", 40}, {"NL", 30}, {"BY", 30},
};
/* Frozen fish for Dalian's processing plants. */
static const ftz_sim_partner_t partners_seafood_import[] = {
    {"RU", 320}, {"US", 150}, {"NO", 100}, {"JP", 80}, {"KR", 50}, {"CL", 40},
    {"NZ", 40}, {"CA", 40}, {"IS", 30}, {"AR", 30}, {"PE", 20},
};
/* Yingkou's steel goes to Asian neighbours and the Gulf. */
static const ftz_sim_partner_t partners_steel_export[] = {
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

/* A table of HS codes and its length. */
#define HS(a) a, (int)FTZ_ARRAY_SIZE(a)

static const sim_category_t categories[CAT__COUNT] = {
    [CAT_PLASTICS] = {"plastics", {4, 16}, {100, 100, 100}, {100, 100, 100, 10},
                      6000, 0.7, 16.0, 0.3, 1.0, HS(hs_plastics)},
    [CAT_ELECTRONICS] = {"electronics", {20, 20}, {100, 60, 100}, {60, 100, 100, 700},
                         400, 1.2, 420.0, 0.5, 1.0, HS(hs_electronics)},
    [CAT_CAR_PARTS] = {"car parts", {14, 18}, {300, 60, 80}, {100, 100, 100, 60},
                       3500, 0.9, 90.0, 0.4, 1.0, HS(hs_car_parts)},
    [CAT_TIMBER] = {"timber", {22, 2}, {60, 120, 100}, {100, 100, 100, 0},
                    45000, 0.9, 2.6, 0.3, 1.4, HS(hs_timber)},
    [CAT_MACHINERY] = {"machinery", {14, 12}, {220, 80, 80}, {100, 100, 100, 60},
                       2000, 1.0, 260.0, 0.5, 1.0, HS(hs_machinery)},
    [CAT_SEAFOOD] = {"seafood", {12, 8}, {20, 60, 140}, {100, 50, 100, 20},
                     15000, 0.5, 18.0, 0.4, 1.5, HS(hs_seafood)},
    [CAT_STEEL] = {"steel", {4, 14}, {40, 300, 60}, {100, 100, 100, 0},
                   100000, 1.3, 4.8, 0.2, 1.0, HS(hs_steel)},
    [CAT_CHEMICALS] = {"chemicals", {10, 10}, {30, 100, 140}, {100, 100, 100, 0},
                       30000, 1.3, 7.5, 0.3, 1.0, HS(hs_chemicals)},
};

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

struct ftz_sim_customs_s {
    const ftz_sim_conf_t *conf;    /* borrowed, of the ftz_sim_t */
    const ftz_sim_calendar_t *cal; /* borrowed, of the ftz_sim_t */
    ftz_sim_rng_t rng;
    uint32_t *seq;                 /* [3 * (days + 1)] last sequence per area and day */
    sim_pending_t *pending;
    size_t npending, pending_cap;
    uint64_t emitted;              /* records returned so far */
    uint64_t order;
    uint64_t revisions;            /* records with revision > 1 */
};

ftz_sim_customs_t *ftz_sim_customs_new(const ftz_sim_conf_t *conf,
                                       const ftz_sim_calendar_t *cal) {
    ftz_sim_customs_t *g = calloc(1, sizeof(*g));
    if (!g || !(g->seq = calloc(3 * ((size_t)conf->days + 1), sizeof(*g->seq)))) {
        free(g);
        return NULL;
    }
    g->conf = conf;
    g->cal = cal;
    ftz_sim_rng_seed(&g->rng, conf->seed);
    return g;
}

void ftz_sim_customs_destroy(ftz_sim_customs_t *g) {
    if (!g)
        return;
    free(g->seq);
    free(g->pending);
    free(g);
}

size_t ftz_sim_customs_pending(const ftz_sim_customs_t *g) { return g->npending; }

uint64_t ftz_sim_customs_repeats(const ftz_sim_customs_t *g) { return g->revisions; }

/* "DL2026110100012": area, Shanghai date of filing, sequence of the area
 * and day (5 digits, more past 99999; unique either way). */
static void sim_declaration_id(ftz_sim_customs_t *g, int area, int64_t filed_at, char *out,
                               size_t out_size) {
    int64_t local = filed_at + FTZ_SIM_SHANGHAI_OFFSET_MS;
    size_t day = (size_t)(local / FTZ_SIM_MS_PER_DAY - g->cal->first_local_day); /* 0..days */
    char date[40];
    ftz_time_format(local, date, sizeof(date)); /* "YYYY-MM-DDT..." in local time */
    uint32_t n = ++g->seq[(size_t)area * ((size_t)g->conf->days + 1) + day];
    snprintf(out, out_size, "%s%.4s%.2s%.2s%05u", area_prefix[area], date, date + 5, date + 8,
             (unsigned)n);
}

static const ftz_sim_partner_t *partner_table(int cat, int dir, int *n) {
    if (cat == CAT_PLASTICS && dir == FTZ_DIR_EXPORT) {
        *n = (int)FTZ_ARRAY_SIZE(partners_plastics_export);
        return partners_plastics_export;
    }
    if (cat == CAT_TIMBER && dir == FTZ_DIR_IMPORT) {
        *n = (int)FTZ_ARRAY_SIZE(partners_timber_import);
        return partners_timber_import;
    }
    if (cat == CAT_SEAFOOD && dir == FTZ_DIR_IMPORT) {
        *n = (int)FTZ_ARRAY_SIZE(partners_seafood_import);
        return partners_seafood_import;
    }
    if (cat == CAT_STEEL && dir == FTZ_DIR_EXPORT) {
        *n = (int)FTZ_ARRAY_SIZE(partners_steel_export);
        return partners_steel_export;
    }
    *n = (int)FTZ_ARRAY_SIZE(partners_general);
    return partners_general;
}

static const char *pick_partner(ftz_sim_rng_t *r, int cat, int dir) {
    int n;
    const ftz_sim_partner_t *t = partner_table(cat, dir, &n);
    return ftz_sim_pick_from(r, t, n);
}

static int pick_mode(ftz_sim_rng_t *r, const char *partner, int area, int cat) {
    const unsigned *base = region_modes[region_of(partner)];
    unsigned w[4];
    unsigned total = 0;
    for (int m = 0; m < 4; m++) {
        w[m] = base[m] * area_mode_pct[area][m] * categories[cat].mode_pct[m];
        total += w[m];
    }
    if (!total) /* cannot happen with the tables above; sea always works */
        return FTZ_MODE_SEA;
    return ftz_sim_rng_pick(r, w, 4);
}

/* 6, 8 or 10 digits: the subheading, then China's tariff and statistics
 * digits. */
static void pick_hs_code(ftz_sim_rng_t *r, const sim_hs_t *hs, char *out, size_t out_size) {
    static const char *const ext8[] = {"00", "00", "10", "90", "99"};
    static const char *const ext10[] = {"00", "00", "00", "10", "90"};
    static const unsigned len_weight[3] = {15, 25, 60}; /* 6, 8, 10 digits */
    int len = ftz_sim_rng_pick(r, len_weight, 3);
    const char *a = ext8[ftz_sim_rng_below(r, FTZ_ARRAY_SIZE(ext8))];
    const char *b = ext10[ftz_sim_rng_below(r, FTZ_ARRAY_SIZE(ext10))];
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

static int64_t hours_ms(double h) { return (int64_t)llround(h * (double)FTZ_SIM_MS_PER_H); }

/* A small delay between a state change and its event (1 s to 2 min). */
static int64_t small_delay(ftz_sim_rng_t *r) {
    return FTZ_SIM_MS_PER_S + (int64_t)ftz_sim_rng_below(r, 119 * FTZ_SIM_MS_PER_S);
}

/* The statuses of a declaration's revisions, ending with its final status.
 * Two equal statuses in a row are a correction (value or weight). */
static int plan_path(ftz_sim_rng_t *r, int final, int nsteps, int *path) {
    enum { F = FTZ_STATUS_FILED, C = FTZ_STATUS_CLEARED, H = FTZ_STATUS_HELD,
           X = FTZ_STATUS_CANCELLED };
    double u = ftz_sim_rng_unif(r);
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

/* Customs offices by area (ftz_area_t order: SHENYANG, YINGKOU, DALIAN)
 * and transport mode (SEA, RAIL, ROAD, AIR). */
static const char *const customs_offices[3][4] = {
    {"SHENYANG-FTZ", "SHENYANG-RAIL", "SHENYANG-FTZ", "SHENYANG-TAOXIAN"},
    {"YINGKOU-BAYUQUAN", "YINGKOU-RAIL", "YINGKOU-PORT", "YINGKOU-PORT"},
    {"DALIAN-DAYAOWAN", "DALIAN-RAIL", "DALIAN-FTZ", "DALIAN-AIRPORT"},
};

/* Draws a new declaration and plans all its revisions into snap[0..n). */
static int sim_declaration(ftz_sim_customs_t *g, ftz_customs_t snap[MAX_STEPS]) {
    ftz_sim_rng_t *r = &g->rng;
    ftz_customs_t base;
    memset(&base, 0, sizeof(base));

    int area = ftz_sim_rng_pick(r, area_weight, 3);
    int dir = ftz_sim_rng_pick(r, direction_weight, 2);
    unsigned cw[CAT__COUNT];
    for (int c = 0; c < CAT__COUNT; c++)
        cw[c] = categories[c].weight[dir] * categories[c].area_pct[area];
    int cat = ftz_sim_rng_pick(r, cw, CAT__COUNT);
    const sim_category_t *sc = &categories[cat];
    const char *partner = pick_partner(r, cat, dir);
    int mode = pick_mode(r, partner, area, cat);
    const sim_hs_t *hs = &sc->hs[ftz_sim_rng_below(r, (uint64_t)sc->nhs)];

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
    double kg = ftz_sim_rng_lognormal(r, sc->kg_median * hs->weight_mult, sc->kg_sigma);
    double price = ftz_sim_rng_lognormal(r, sc->price_median * hs->price_mult, sc->price_sigma);
    if (mode == FTZ_MODE_AIR) {
        kg *= 0.2;
        price *= 1.5;
    }
    double cap = mode_weight_cap_kg[mode];
    if (kg > cap)
        kg = cap * ftz_sim_rng_range(r, 0.6, 1.0);
    base.gross_weight_kg = round_weight(kg);
    base.declared_value_fen = ftz_sim_value_fen(base.gross_weight_kg * price);

    base.filed_at_ms = ftz_sim_office_time(g->cal, &g->rng);
    sim_declaration_id(g, area, base.filed_at_ms, base.declaration_id,
                       sizeof(base.declaration_id));

    int final = ftz_sim_rng_pick(r, status_weight, 4);
    int nsteps = 1;
    if (ftz_sim_rng_unif(r) < g->conf->revision_rate)
        nsteps = ftz_sim_rng_unif(r) < THIRD_REVISION_RATE ? 3 : 2;
    int path[MAX_STEPS];
    plan_path(r, final, nsteps, path);

    double clear_h = ftz_sim_rng_lognormal(r, CLEARANCE_MEDIAN_H, CLEARANCE_SIGMA) *
                     area_clearance[area] * direction_clearance[dir] * mode_clearance[mode] *
                     sc->clearance;
    if (clear_h < 1.0 / 12) /* five minutes at the very least */
        clear_h = 1.0 / 12;
    int64_t clearance = hours_ms(clear_h);
    int64_t hold_lag = hours_ms(ftz_sim_rng_lognormal(r, HOLD_LAG_MEDIAN_H, 0.7));
    int64_t hold_extra = hours_ms(ftz_sim_rng_lognormal(r, HOLD_EXTRA_MEDIAN_H, 0.6));
    int64_t cancel_lag = hours_ms(ftz_sim_rng_lognormal(r, CANCEL_LAG_MEDIAN_H, 0.8));

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
            at = prev + FTZ_SIM_MS_PER_S * 60 +
                 hours_ms(ftz_sim_rng_lognormal(r, CORRECTION_GAP_MEDIAN_H, 0.8));
            int64_t v = ftz_sim_value_fen((double)s->declared_value_fen / 100.0 *
                                  ftz_sim_rng_range(r, 0.85, 1.15));
            s->declared_value_fen = v != s->declared_value_fen ? v : v + 100;
            if (ftz_sim_rng_unif(r) < 0.3)
                s->gross_weight_kg =
                    round_weight(s->gross_weight_kg * ftz_sim_rng_range(r, 0.95, 1.05));
        } else {
            switch (st) {
            case FTZ_STATUS_HELD:
                held = true;
                at = filed + hold_lag;
                break;
            case FTZ_STATUS_CLEARED:
                cleared = filed + clearance + (held ? hold_extra : 0);
                if (cleared < prev + 60 * FTZ_SIM_MS_PER_S)
                    cleared = prev + 60 * FTZ_SIM_MS_PER_S;
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
            if (i > 0 && at < prev + 60 * FTZ_SIM_MS_PER_S)
                at = prev + 60 * FTZ_SIM_MS_PER_S;
            at += small_delay(r);
        }
        s->event_time_ms = at;
        prev = at;
    }
    return nsteps;
}

/* The pending declaration due first (lowest due, then oldest), or -1. */
static long sim_first_due(const ftz_sim_customs_t *g) {
    long best = -1;
    for (size_t i = 0; i < g->npending; i++) {
        const sim_pending_t *p = &g->pending[i], *b = best < 0 ? NULL : &g->pending[best];
        if (!b || p->due < b->due || (p->due == b->due && p->order < b->order))
            best = (long)i;
    }
    return best;
}

/* Records between two revisions of a declaration in the stream. */
static uint64_t sim_revision_gap(ftz_sim_customs_t *g) {
    return 10 + ftz_sim_rng_below(&g->rng, 391);
}

ftz_err_t ftz_sim_customs_next(ftz_sim_customs_t *g, ftz_customs_t *out) {
    long k = sim_first_due(g);
    if (k >= 0 && (g->pending[k].due <= g->emitted ||
                   g->npending >= (size_t)g->conf->pending_max)) {
        sim_pending_t *p = &g->pending[k];
        memcpy(out, &p->snap[p->step], sizeof(*out));
        g->revisions++;
        if (++p->step < p->nsteps) {
            p->due = g->emitted + sim_revision_gap(g);
        } else {
            g->npending--;
            if ((size_t)k != g->npending)
                memcpy(p, &g->pending[g->npending], sizeof(*p));
        }
        g->emitted++;
        return FTZ_OK;
    }

    /* Room for one more pending declaration first, so that running out of
     * memory leaves the stream as it was. */
    if (g->npending == g->pending_cap) {
        size_t cap = g->pending_cap ? g->pending_cap * 2 : 16;
        if (cap > (size_t)g->conf->pending_max)
            cap = (size_t)g->conf->pending_max;
        sim_pending_t *grown = realloc(g->pending, cap * sizeof(*grown));
        if (!grown)
            return FTZ_ERR_NOMEM;
        g->pending = grown;
        g->pending_cap = cap;
    }
    ftz_customs_t snap[MAX_STEPS];
    int nsteps = sim_declaration(g, snap);
    memcpy(out, &snap[0], sizeof(*out));
    if (nsteps > 1) {
        sim_pending_t *p = &g->pending[g->npending++];
        memcpy(p->snap, snap, sizeof(snap));
        p->nsteps = nsteps;
        p->step = 1;
        p->due = g->emitted + sim_revision_gap(g);
        p->order = g->order++;
    }
    g->emitted++;
    return FTZ_OK;
}
