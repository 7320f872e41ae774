/* The simulator's dirty records (ftz/simulate.h, ftz_sim_next_info): what
 * a real feed sends besides clean records, to prove that the consumer
 * counts every valid record once and nothing else.
 *
 * A share conf.dirty_rate of each stream's records is dirty. Each dirty
 * record is the next action of the type's list below, in an order shuffled
 * at each pass through the list, so that every kind (and every rule code)
 * shows up within a few dozen dirty records. Dirty records draw from a
 * PRNG of their own and only ever add records: the clean records stay the
 * same, in the same order.
 *
 * Broken records break exactly one rule, with a value no earlier rule of
 * the table minds (tests/unit/test_simulate.c checks each against
 * ftz_rules_check), and stay within the schema and the record's struct, so
 * that `ftz produce --skip-rules` and the Avro encoder take them as they
 * are. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/rules.h"
#include "simulate_int.h"

#define DIRTY_SEED_TAG 0x6469727479726563ULL /* "dirtyrec" */
#define HISTORY 256  /* recent records kept for re-sends, stale revisions, variants */
#define LATE_GAP 200 /* a held-back record comes 1..200 records later */
#define ACTIONS_MAX 24

/* ---- Breaking one rule ---- */

typedef void (*break_fn)(void *rec);

typedef struct dirty_break_s {
    ftz_code_t code;
    break_fn apply;
} dirty_break_t;

/* A timestamp past the rules' range (3000-01-01): 3001-01-01T00:00:00Z. */
#define FAR_FUTURE_MS 32535216000000LL

/* Replaces a field's text; the bytes after it are zero, as in a record the
 * generator or the JSON reader fills. */
static void set_text(char *field, size_t cap, const char *text) {
    memset(field, 0, cap);
    snprintf(field, cap, "%s", text);
}

static void append_text(char *field, size_t cap, const char *text) {
    size_t n = strlen(field);
    if (n + strlen(text) >= cap)
        n = cap - 1 - strlen(text);
    snprintf(field + n, cap - n, "%s", text);
}

static char *customs_partner(ftz_customs_t *c) {
    return c->direction == FTZ_DIR_IMPORT ? c->origin_country : c->destination_country;
}

#define FIELD(rec, f) (rec)->f, sizeof((rec)->f)

static void customs_blank(void *r) { set_text(FIELD((ftz_customs_t *)r, hs_code), " "); }
static void customs_control(void *r) {
    ftz_customs_t *c = r;
    set_text(FIELD(c, customs_office), "DL\x1b[31mFTZ"); /* a terminal escape */
    c->has_customs_office = true;
}
static void customs_id_length(void *r) {
    ftz_customs_t *c = r;
    while (strlen(c->declaration_id) < 41)
        append_text(FIELD(c, declaration_id), "X");
}
static void customs_revision(void *r) { ((ftz_customs_t *)r)->revision = 0; }
static void customs_hs_code(void *r) {
    ftz_customs_t *c = r;
    c->hs_code[0] = '7'; /* chapter 77 is reserved */
    c->hs_code[1] = '7';
}
static void customs_country(void *r) {
    ftz_customs_t *c = r;
    set_text(customs_partner(c), sizeof(c->origin_country), "XX");
}
static void customs_negative(void *r) {
    ftz_customs_t *c = r;
    c->declared_value_fen = -c->declared_value_fen - 100;
}
static void customs_weight_range(void *r) { ((ftz_customs_t *)r)->gross_weight_kg = 2e12; }
static void customs_time_range(void *r) { ((ftz_customs_t *)r)->event_time_ms = FAR_FUTURE_MS; }
static void customs_cleared_at(void *r) {
    ftz_customs_t *c = r;
    c->status = FTZ_STATUS_CLEARED;
    c->has_cleared_at = false;
    c->cleared_at_ms = 0;
}

static const dirty_break_t customs_breaks[] = {
    {FTZ_V_RULE_EMPTY_FIELD, customs_blank},
    {FTZ_V_RULE_CONTROL_CHARACTER, customs_control},
    {FTZ_V_RULE_FIELD_LENGTH, customs_id_length},
    {FTZ_V_RULE_REVISION, customs_revision},
    {FTZ_V_RULE_HS_CODE, customs_hs_code},
    {FTZ_V_RULE_COUNTRY_CODE, customs_country},
    {FTZ_V_RULE_NEGATIVE_AMOUNT, customs_negative},
    {FTZ_V_RULE_AMOUNT_RANGE, customs_weight_range},
    {FTZ_V_RULE_TIMESTAMP_RANGE, customs_time_range},
    {FTZ_V_RULE_CLEARED_AT, customs_cleared_at},
};

static void rail_blank(void *r) { set_text(FIELD((ftz_rail_t *)r, station), "\xc2\xa0"); }
static void rail_control(void *r) { append_text(FIELD((ftz_rail_t *)r, station), "\a"); }
static void rail_container(void *r) {
    ftz_rail_t *e = r;
    char *check = &e->container_id[10]; /* valid ids have 11 characters */
    *check = (char)('0' + (*check - '0' + 1) % 10);
}
static void rail_corridor(void *r) {
    ftz_rail_t *e = r;
    char twice[sizeof(e->corridor)];
    const char *dash = strchr(e->corridor, '-');
    int n = dash ? (int)(dash - e->corridor) : (int)strlen(e->corridor);
    snprintf(twice, sizeof(twice), "%.*s-%.*s", n, e->corridor, n, e->corridor);
    set_text(FIELD(e, corridor), twice); /* one city twice: "DALIAN-DALIAN" */
}
static void rail_country(void *r) { set_text(FIELD((ftz_rail_t *)r, goods_origin_country), "XX"); }
static void rail_teu(void *r) { ((ftz_rail_t *)r)->teu = 5; }
static void rail_negative(void *r) { ((ftz_rail_t *)r)->cargo_value_fen = -100; }
static void rail_time_range(void *r) { ((ftz_rail_t *)r)->event_time_ms = FAR_FUTURE_MS; }
static void rail_departed_at(void *r) {
    ftz_rail_t *e = r;
    e->has_departed_at = true;
    e->departed_at_ms = e->event_time_ms + FTZ_SIM_MS_PER_H;
}

static const dirty_break_t rail_breaks[] = {
    {FTZ_V_RULE_EMPTY_FIELD, rail_blank},
    {FTZ_V_RULE_CONTROL_CHARACTER, rail_control},
    {FTZ_V_RULE_CONTAINER_ID, rail_container},
    {FTZ_V_RULE_CORRIDOR, rail_corridor},
    {FTZ_V_RULE_COUNTRY_CODE, rail_country},
    {FTZ_V_RULE_TEU, rail_teu},
    {FTZ_V_RULE_NEGATIVE_AMOUNT, rail_negative},
    {FTZ_V_RULE_TIMESTAMP_RANGE, rail_time_range},
    {FTZ_V_RULE_DEPARTED_AT, rail_departed_at},
};

static void reg_blank(void *r) {
    set_text(FIELD((ftz_registration_t *)r, company_name), "\xe3\x80\x80"); /* U+3000 */
}
static void reg_control(void *r) {
    append_text(FIELD((ftz_registration_t *)r, company_name), "\x1b[2J"); /* clears a screen */
}
static void reg_uscc(void *r) {
    static const char charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    ftz_registration_t *c = r;
    const char *at = strchr(charset, c->uscc[17]);
    c->uscc[17] = charset[at && *at ? ((at - charset) + 1) % 31 : 0];
}
static void reg_industry(void *r) { set_text(FIELD((ftz_registration_t *)r, industry), "U"); }
static void reg_country(void *r) {
    set_text(FIELD((ftz_registration_t *)r, investor_country), "XX");
}
static void reg_negative(void *r) { ((ftz_registration_t *)r)->registered_capital_fen = 0; }
static void reg_time_range(void *r) {
    ((ftz_registration_t *)r)->event_time_ms = FAR_FUTURE_MS;
}

static const dirty_break_t registration_breaks[] = {
    {FTZ_V_RULE_EMPTY_FIELD, reg_blank},
    {FTZ_V_RULE_CONTROL_CHARACTER, reg_control},
    {FTZ_V_RULE_USCC_CHECKSUM, reg_uscc},
    {FTZ_V_RULE_INDUSTRY, reg_industry},
    {FTZ_V_RULE_COUNTRY_CODE, reg_country},
    {FTZ_V_RULE_NEGATIVE_AMOUNT, reg_negative},
    {FTZ_V_RULE_TIMESTAMP_RANGE, reg_time_range},
};

static const dirty_break_t *breaks_of(ftz_rtype_t type, int *n) {
    switch (type) {
    case FTZ_REC_CUSTOMS: *n = (int)FTZ_ARRAY_SIZE(customs_breaks); return customs_breaks;
    case FTZ_REC_RAIL: *n = (int)FTZ_ARRAY_SIZE(rail_breaks); return rail_breaks;
    default: *n = (int)FTZ_ARRAY_SIZE(registration_breaks); return registration_breaks;
    }
}

int ftz_sim_dirty_codes(ftz_rtype_t type, int *codes, int max) {
    int n;
    const dirty_break_t *b = breaks_of(type, &n);
    for (int i = 0; i < n && i < max; i++)
        codes[i] = (int)b[i].code;
    return n;
}

ftz_err_t ftz_sim_dirty_break(ftz_rtype_t type, int code, void *rec) {
    int n;
    const dirty_break_t *b = breaks_of(type, &n);
    for (int i = 0; i < n; i++)
        if ((int)b[i].code == code) {
            b[i].apply(rec);
            return FTZ_OK;
        }
    return FTZ_ERR_INVALID_ARG;
}

/* ---- The other dirty records ---- */

typedef enum dirty_act_e {
    ACT_BREAK,       /* + the index of the break */
    ACT_RESEND,
    ACT_STALE,
    ACT_MOVE_DAY,
    ACT_MOVE_AREA,
    ACT_MOVE_PARTNER,
    ACT_VARIANT_AFTER,
    ACT_VARIANT_BEFORE,
    ACT_LATE,
} dirty_act_t;

#define ACT(kind, arg) ((int)(kind) * 64 + (arg))

struct ftz_sim_dirty_s {
    ftz_rtype_t type;
    size_t size;
    double rate;
    ftz_sim_rng_t rng;
    unsigned char *hist;   /* [HISTORY * size]: the last records sent that counted */
    size_t nhist, hpos;
    ftz_sim_resend_t late; /* clean records held back */
    unsigned char *ahead;  /* [size]: a clean record to send next */
    int has_ahead;
    int acts[ACTIONS_MAX]; /* this pass's order of the type's actions */
    int nacts, next_act;
    uint64_t emitted;
};

ftz_sim_dirty_t *ftz_sim_dirty_new(const ftz_sim_conf_t *conf, ftz_rtype_t type) {
    const ftz_record_type_t *rt = ftz_record_type(type);
    ftz_sim_dirty_t *d = calloc(1, sizeof(*d));
    if (!d || !rt)
        goto fail;
    d->type = type;
    d->size = rt->size;
    d->rate = conf->dirty_rate;
    ftz_sim_rng_seed(&d->rng, ftz_sim_mix64(conf->seed ^ DIRTY_SEED_TAG ^ (uint64_t)type));
    if (!(d->hist = calloc(HISTORY, d->size)) || !(d->ahead = calloc(1, d->size)) ||
        ftz_sim_resend_ready(&d->late, d->size) != FTZ_OK)
        goto fail;

    int nb;
    breaks_of(type, &nb);
    for (int i = 0; i < nb; i++)
        d->acts[d->nacts++] = ACT(ACT_BREAK, i);
    d->acts[d->nacts++] = ACT(ACT_RESEND, 0);
    d->acts[d->nacts++] = ACT(ACT_LATE, 0);
    if (type == FTZ_REC_CUSTOMS) {
        d->acts[d->nacts++] = ACT(ACT_STALE, 0);
        d->acts[d->nacts++] = ACT(ACT_MOVE_DAY, 0);
        d->acts[d->nacts++] = ACT(ACT_MOVE_AREA, 0);
        d->acts[d->nacts++] = ACT(ACT_MOVE_PARTNER, 0);
    } else if (type == FTZ_REC_RAIL) {
        d->acts[d->nacts++] = ACT(ACT_LATE, 0); /* journeys out of order, twice as often */
    } else {
        d->acts[d->nacts++] = ACT(ACT_VARIANT_AFTER, 0);
        d->acts[d->nacts++] = ACT(ACT_VARIANT_BEFORE, 0);
    }
    d->next_act = d->nacts; /* shuffle before the first */
    return d;
fail:
    ftz_sim_dirty_destroy(d);
    return NULL;
}

void ftz_sim_dirty_destroy(ftz_sim_dirty_t *d) {
    if (!d)
        return;
    free(d->hist);
    free(d->ahead);
    ftz_sim_resend_free(&d->late);
    free(d);
}

static void remember(ftz_sim_dirty_t *d, const void *rec) {
    memcpy(d->hist + d->hpos * d->size, rec, d->size);
    d->hpos = (d->hpos + 1) % HISTORY;
    if (d->nhist < HISTORY)
        d->nhist++;
}

/* A record from the history, the latest when `latest`; NULL when empty. */
static const void *recall(ftz_sim_dirty_t *d, int latest) {
    if (!d->nhist)
        return NULL;
    size_t back = latest ? 0 : ftz_sim_rng_below(&d->rng, d->nhist);
    return d->hist + ((d->hpos + HISTORY - 1 - back) % HISTORY) * d->size;
}

static int next_action(ftz_sim_dirty_t *d) {
    if (d->next_act == d->nacts) { /* a new pass, in a new order (Fisher-Yates) */
        for (int i = d->nacts - 1; i > 0; i--) {
            int j = (int)ftz_sim_rng_below(&d->rng, (uint64_t)i + 1);
            int t = d->acts[i];
            d->acts[i] = d->acts[j];
            d->acts[j] = t;
        }
        d->next_act = 0;
    }
    return d->acts[d->next_act++];
}

/* Partners a revision may move a declaration to. */
static const char *const move_partners[] = {"JP", "KR", "DE", "US", "RU", "VN", "NL", "AU"};

static void move_customs(ftz_sim_dirty_t *d, int act, ftz_customs_t *c) {
    c->revision++;
    c->event_time_ms += FTZ_SIM_MS_PER_S * 60 + (int64_t)ftz_sim_rng_below(&d->rng, 3600000);
    if (act == ACT_MOVE_DAY) {
        /* Filed one to three days earlier or later: the clearance time stays. */
        int64_t days = 1 + (int64_t)ftz_sim_rng_below(&d->rng, 3);
        int64_t delta = (ftz_sim_rng_below(&d->rng, 2) ? days : -days) * FTZ_SIM_MS_PER_DAY;
        c->filed_at_ms += delta;
        if (c->has_cleared_at)
            c->cleared_at_ms += delta;
        if (c->event_time_ms < c->filed_at_ms)
            c->event_time_ms = c->filed_at_ms;
    } else if (act == ACT_MOVE_AREA) {
        c->area = (int32_t)((c->area + 1 + (int)ftz_sim_rng_below(&d->rng, 2)) % 3);
    } else {
        char *partner = customs_partner(c);
        const char *to;
        do
            to = move_partners[ftz_sim_rng_below(&d->rng, FTZ_ARRAY_SIZE(move_partners))];
        while (strcmp(to, partner) == 0);
        set_text(partner, sizeof(c->origin_country), to);
    }
}

/* The same company with other fields: another area, twice the capital,
 * another industry, registered 35 days later. */
static void vary_registration(ftz_sim_dirty_t *d, ftz_registration_t *c) {
    c->area = (int32_t)((c->area + 1 + (int)ftz_sim_rng_below(&d->rng, 2)) % 3);
    c->registered_capital_fen = c->registered_capital_fen * 2 + 100000;
    int step = 1 + (int)ftz_sim_rng_below(&d->rng, 5);
    c->industry[0] = (char)('A' + (c->industry[0] - 'A' + step) % 18); /* A..R, another */
    c->industry[1] = '\0';
    c->registered_at_ms += 35 * FTZ_SIM_MS_PER_DAY;
    c->event_time_ms += 35 * FTZ_SIM_MS_PER_DAY;
}

static ftz_err_t pull(ftz_sim_dirty_t *d, ftz_sim_t *sim, void *out) {
    return ftz_sim_clean_next(sim, d->type, out);
}

ftz_err_t ftz_sim_dirty_next(ftz_sim_dirty_t *d, ftz_sim_t *sim, void *out,
                             ftz_sim_info_t *info) {
    ftz_sim_info_t sent = {FTZ_SIM_CLEAN, -1};
    ftz_err_t err = FTZ_OK;

    if (d->has_ahead) { /* the clean record a broken copy or a variant came before */
        memcpy(out, d->ahead, d->size);
        d->has_ahead = 0;
        goto sent;
    }
    if (ftz_sim_resend_take(&d->late, d->emitted, out)) {
        sent.kind = FTZ_SIM_LATE;
        goto sent;
    }
    if (!(d->rate > 0 && ftz_sim_rng_unif(&d->rng) < d->rate)) {
        err = pull(d, sim, out);
        goto sent;
    }

    int act = next_action(d), kind = act / 64;
    const void *old = recall(d, kind == ACT_MOVE_DAY || kind == ACT_MOVE_AREA ||
                                    kind == ACT_MOVE_PARTNER);
    if (!old && kind != ACT_BREAK && kind != ACT_LATE && kind != ACT_VARIANT_BEFORE)
        kind = ACT_LATE; /* nothing sent yet to repeat */
    switch ((dirty_act_t)kind) {
    case ACT_BREAK: {
        int n;
        const dirty_break_t *b = &breaks_of(d->type, &n)[act % 64];
        if ((err = pull(d, sim, d->ahead)) != FTZ_OK)
            break;
        memcpy(out, d->ahead, d->size);
        b->apply(out);
        d->has_ahead = 1;
        sent.kind = FTZ_SIM_BROKEN;
        sent.code = (int)b->code;
        break;
    }
    case ACT_RESEND:
        memcpy(out, old, d->size);
        sent.kind = FTZ_SIM_RESEND;
        break;
    case ACT_STALE: {
        ftz_customs_t *c = out;
        memcpy(out, old, d->size);
        if (c->revision > 1)
            c->revision--;
        c->declared_value_fen += 100000; /* 1,000.00 CNY more: it must not count */
        sent.kind = FTZ_SIM_STALE;
        break;
    }
    case ACT_MOVE_DAY:
    case ACT_MOVE_AREA:
    case ACT_MOVE_PARTNER:
        memcpy(out, old, d->size);
        move_customs(d, kind, out);
        sent.kind = FTZ_SIM_MOVED;
        break;
    case ACT_VARIANT_AFTER:
        memcpy(out, old, d->size);
        vary_registration(d, out);
        sent.kind = FTZ_SIM_VARIANT;
        break;
    case ACT_VARIANT_BEFORE:
        if ((err = pull(d, sim, d->ahead)) != FTZ_OK)
            break;
        memcpy(out, d->ahead, d->size);
        vary_registration(d, out);
        d->has_ahead = 1;
        sent.kind = FTZ_SIM_VARIANT;
        break;
    case ACT_LATE:
        if ((err = pull(d, sim, out)) != FTZ_OK)
            break;
        /* Held back: the queue takes it (the last take made room). */
        ftz_sim_resend_push(&d->late, out,
                            d->emitted + 1 + ftz_sim_rng_below(&d->rng, LATE_GAP));
        err = pull(d, sim, out);
        break;
    }
sent:
    if (err)
        return err;
    /* What was sent and counts (or is a revision) may be repeated later. */
    if (sent.kind == FTZ_SIM_CLEAN || sent.kind == FTZ_SIM_LATE || sent.kind == FTZ_SIM_MOVED)
        remember(d, out);
    if (info)
        *info = sent;
    d->emitted++;
    return FTZ_OK;
}
