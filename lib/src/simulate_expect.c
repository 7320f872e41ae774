/* The simulator's bookkeeping (ftz/simulate.h, ftz_sim_expect_*): the rows
 * the aggregate tables must hold once the consumer has read every record
 * the simulator sent, computed from the records themselves in the order
 * they were sent, by docs/domain.md's rules, and the dead letters by code.
 * It shares no code with the consumer (sink_*.c does the same in SQL), so
 * that the two computations check each other.
 *
 * The order that matters is that of each key's records (a declaration's
 * revisions, a uscc's registrations), which Kafka keeps: a key's records
 * go to one partition. A record broken on purpose is counted as a dead
 * letter with the code the simulator gave it and nowhere else. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/value.h"
#include "ftz/verdict.h"
#include "simulate_int.h"

#define KEY_SEP '\x1f' /* between the key columns of a row (never in a value) */
#define QUARTERS_MAX (1LL << 52) /* weights summed exactly, in quarter kilograms */

/* ---- A string -> index map (open addressing, keys owned) ---- */

typedef struct smap_s {
    char **keys;
    uint32_t *vals;
    size_t cap, n; /* cap: a power of two, or 0 */
} smap_t;

static uint64_t hash(const char *s) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static ftz_err_t smap_grow(smap_t *m) {
    size_t cap = m->cap ? m->cap * 2 : 1024;
    char **keys = calloc(cap, sizeof(*keys));
    uint32_t *vals = calloc(cap, sizeof(*vals));
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return FTZ_ERR_NOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t k = hash(m->keys[i]) & (cap - 1);
        while (keys[k])
            k = (k + 1) & (cap - 1);
        keys[k] = m->keys[i];
        vals[k] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    return FTZ_OK;
}

/* The value of key; or, when it is not there, stores `fresh` for it (a
 * copy of key) and sets *added. FTZ_ERR_NOMEM. */
static ftz_err_t smap_get(smap_t *m, const char *key, uint32_t fresh, uint32_t *val, int *added) {
    *added = 0;
    if ((m->n + 1) * 2 > m->cap && smap_grow(m) != FTZ_OK)
        return FTZ_ERR_NOMEM;
    size_t k = hash(key) & (m->cap - 1);
    for (; m->keys[k]; k = (k + 1) & (m->cap - 1))
        if (strcmp(m->keys[k], key) == 0) {
            *val = m->vals[k];
            return FTZ_OK;
        }
    if (!(m->keys[k] = strdup(key)))
        return FTZ_ERR_NOMEM;
    m->vals[k] = *val = fresh;
    m->n++;
    *added = 1;
    return FTZ_OK;
}

static void smap_free(smap_t *m) {
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

/* A growing array of fixed-size items. */
typedef struct vec_s {
    unsigned char *v;
    size_t n, cap, size;
} vec_t;

/* A new zeroed item at the end; its index into *at. */
static ftz_err_t vec_push(vec_t *a, uint32_t *at) {
    if (ftz_array_grow(&a->v, &a->cap, a->n + 1, a->size))
        return FTZ_ERR_NOMEM;
    if (a->n >= UINT32_MAX)
        return FTZ_ERR_NOMEM;
    memset(a->v + a->n * a->size, 0, a->size);
    *at = (uint32_t)a->n++;
    return FTZ_OK;
}

#define VEC_AT(a, type, i) ((type *)(void *)((a)->v + (size_t)(i) * (a)->size))

/* ---- The tables' measures ---- */

typedef struct customs_sum_s {
    int64_t declarations, value_fen, weight_q, cleared, held, clearance_s;
} customs_sum_t;

/* What a declaration's counted revision added, to take back when a newer
 * one comes. */
typedef struct declaration_s {
    int32_t revision;
    int32_t counted; /* 0: CANCELLED, nothing added */
    uint32_t row;
    customs_sum_t added;
} declaration_t;

typedef struct rail_sum_s {
    int64_t departures, crossings, arrivals, teu, value_fen, transit_s;
} rail_sum_t;

typedef struct registration_sum_s {
    int64_t companies, capital_fen;
} registration_sum_t;

typedef struct table_s {
    smap_t keys;     /* row key -> index into rows and names */
    vec_t rows;      /* the sums */
    char **names;    /* [rows.n] the row keys, KEY_SEP-joined, owned */
    size_t names_cap;
} table_t;

struct ftz_sim_expect_s {
    table_t customs, rail, registrations;
    smap_t declaration_ids; /* -> index into declarations */
    vec_t declarations;
    smap_t event_ids, usccs; /* counted once */
    uint64_t dead[FTZ_REC__COUNT][FTZ_V__COUNT];
};

ftz_sim_expect_t *ftz_sim_expect_new(void) {
    ftz_sim_expect_t *x = calloc(1, sizeof(*x));
    if (!x)
        return NULL;
    x->customs.rows.size = sizeof(customs_sum_t);
    x->rail.rows.size = sizeof(rail_sum_t);
    x->registrations.rows.size = sizeof(registration_sum_t);
    x->declarations.size = sizeof(declaration_t);
    return x;
}

static void table_free(table_t *t) {
    for (size_t i = 0; i < t->rows.n; i++)
        free(t->names[i]);
    free(t->names);
    free(t->rows.v);
    smap_free(&t->keys);
}

void ftz_sim_expect_destroy(ftz_sim_expect_t *x) {
    if (!x)
        return;
    table_free(&x->customs);
    table_free(&x->rail);
    table_free(&x->registrations);
    smap_free(&x->declaration_ids);
    free(x->declarations.v);
    smap_free(&x->event_ids);
    smap_free(&x->usccs);
    free(x);
}

/* The row of key (cols[0..n) joined) in t, created zero; its index. */
static ftz_err_t table_row(table_t *t, const char *const *cols, int n, uint32_t *row) {
    char key[512];
    size_t len = 0;
    int added;
    for (int i = 0; i < n; i++) {
        int w = snprintf(key + len, sizeof(key) - len, "%s%c", cols[i], KEY_SEP);
        if (w < 0 || (size_t)w >= sizeof(key) - len)
            return FTZ_ERR_INVALID_ARG;
        len += (size_t)w;
    }
    key[len - 1] = '\0';
    if (smap_get(&t->keys, key, (uint32_t)t->rows.n, row, &added) != FTZ_OK)
        return FTZ_ERR_NOMEM;
    if (!added)
        return FTZ_OK;
    uint32_t at;
    if (FTZ_ARRAY_GROW(t->names, t->names_cap, t->rows.n + 1))
        return FTZ_ERR_NOMEM;
    if (!(t->names[t->rows.n] = strdup(key)) || vec_push(&t->rows, &at) != FTZ_OK)
        return FTZ_ERR_NOMEM;
    return FTZ_OK;
}

/* "2026-11-01": the Shanghai date of ms; month_only gives its first day. */
static void shanghai_day(int64_t ms, int month_only, char out[11]) {
    char text[40];
    ftz_time_format(ms + FTZ_SIM_SHANGHAI_OFFSET_MS, text, sizeof(text));
    snprintf(out, 11, "%.7s-%.2s", text, month_only ? "01" : text + 8);
}

/* ---- Applying records ---- */

static ftz_err_t add_customs(ftz_sim_expect_t *x, const ftz_customs_t *c, char *errstr,
                             size_t errstr_size) {
    uint32_t at;
    int added;
    double q = c->gross_weight_kg * 4.0;
    if (!(q == floor(q) && fabs(q) < (double)QUARTERS_MAX))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "%s: gross_weight_kg %.17g is not a multiple of 0.25 kg: the "
                          "expectation sums weights exactly, in quarter kilograms",
                          c->declaration_id, c->gross_weight_kg);
    if (smap_get(&x->declaration_ids, c->declaration_id, (uint32_t)x->declarations.n, &at,
                 &added) != FTZ_OK ||
        (added && vec_push(&x->declarations, &at) != FTZ_OK))
        return ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "expectation: out of memory");
    declaration_t *d = VEC_AT(&x->declarations, declaration_t, at);
    if (!added && c->revision <= d->revision)
        return FTZ_OK; /* an equal or lower revision arriving later changes nothing */

    if (!added && d->counted) { /* a newer revision: take back what the last one added */
        customs_sum_t *s = VEC_AT(&x->customs.rows, customs_sum_t, d->row);
        s->declarations -= d->added.declarations;
        s->value_fen -= d->added.value_fen;
        s->weight_q -= d->added.weight_q;
        s->cleared -= d->added.cleared;
        s->held -= d->added.held;
        s->clearance_s -= d->added.clearance_s;
    }
    d->revision = c->revision;
    d->counted = c->status != FTZ_STATUS_CANCELLED; /* CANCELLED counts nowhere */
    if (!d->counted)
        return FTZ_OK;

    char day[11], chapter[3] = {c->hs_code[0], c->hs_code[1], '\0'};
    shanghai_day(c->filed_at_ms, 0, day);
    const char *key[6] = {
        day,
        ftz_area_symbols[c->area],
        ftz_direction_symbols[c->direction],
        chapter,
        c->direction == FTZ_DIR_IMPORT ? c->origin_country : c->destination_country,
        ftz_mode_symbols[c->transport_mode],
    };
    uint32_t row;
    ftz_err_t err = table_row(&x->customs, key, 6, &row);
    if (err)
        return ftz_seterr(err, errstr, errstr_size, "expectation: %s: %s", c->declaration_id,
                          err == FTZ_ERR_NOMEM ? "out of memory" : "row key too long");
    d->row = row;
    memset(&d->added, 0, sizeof(d->added));
    d->added.declarations = 1;
    d->added.value_fen = c->declared_value_fen;
    d->added.weight_q = (int64_t)q;
    if (c->status == FTZ_STATUS_CLEARED) {
        d->added.cleared = 1;
        if (c->has_cleared_at)
            d->added.clearance_s = (c->cleared_at_ms - c->filed_at_ms) / 1000;
    }
    d->added.held = c->status == FTZ_STATUS_HELD;
    customs_sum_t *s = VEC_AT(&x->customs.rows, customs_sum_t, row);
    s->declarations += d->added.declarations;
    s->value_fen += d->added.value_fen;
    s->weight_q += d->added.weight_q;
    s->cleared += d->added.cleared;
    s->held += d->added.held;
    s->clearance_s += d->added.clearance_s;
    return FTZ_OK;
}

static ftz_err_t add_rail(ftz_sim_expect_t *x, const ftz_rail_t *e, char *errstr,
                          size_t errstr_size) {
    uint32_t at, row;
    int added;
    if (smap_get(&x->event_ids, e->event_id, 0, &at, &added) != FTZ_OK)
        return ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "expectation: out of memory");
    if (!added)
        return FTZ_OK; /* each event_id counts once */
    char day[11];
    shanghai_day(e->event_time_ms, 0, day);
    const char *key[5] = {
        day,
        e->corridor,
        ftz_rail_direction_symbols[e->direction],
        ftz_cargo_category_symbols[e->cargo_category],
        e->goods_origin_country,
    };
    ftz_err_t err = table_row(&x->rail, key, 5, &row);
    if (err)
        return ftz_seterr(err, errstr, errstr_size, "expectation: %s: %s", e->event_id,
                          err == FTZ_ERR_NOMEM ? "out of memory" : "row key too long");
    rail_sum_t *s = VEC_AT(&x->rail.rows, rail_sum_t, row);
    switch (e->event_type) {
    case FTZ_RAIL_DEPARTED:
        s->departures++;
        s->teu += e->teu;
        s->value_fen += e->cargo_value_fen;
        break;
    case FTZ_RAIL_BORDER_CROSSED: s->crossings++; break;
    default:
        s->arrivals++;
        if (e->has_departed_at)
            s->transit_s += (e->event_time_ms - e->departed_at_ms) / 1000;
        break;
    }
    return FTZ_OK;
}

static ftz_err_t add_registration(ftz_sim_expect_t *x, const ftz_registration_t *c,
                                  char *errstr, size_t errstr_size) {
    uint32_t at, row;
    int added;
    if (smap_get(&x->usccs, c->uscc, 0, &at, &added) != FTZ_OK)
        return ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "expectation: out of memory");
    if (!added)
        return FTZ_OK; /* each uscc counts once, the first valid record */
    char month[11];
    shanghai_day(c->registered_at_ms, 1, month);
    const char *key[5] = {
        month,
        ftz_area_symbols[c->area],
        c->industry,
        ftz_enterprise_type_symbols[c->enterprise_type],
        c->investor_country,
    };
    ftz_err_t err = table_row(&x->registrations, key, 5, &row);
    if (err)
        return ftz_seterr(err, errstr, errstr_size, "expectation: %s: %s", c->uscc,
                          err == FTZ_ERR_NOMEM ? "out of memory" : "row key too long");
    registration_sum_t *s = VEC_AT(&x->registrations.rows, registration_sum_t, row);
    s->companies++;
    s->capital_fen += c->registered_capital_fen;
    return FTZ_OK;
}

ftz_err_t ftz_sim_expect_add(ftz_sim_expect_t *x, ftz_rtype_t type, const void *rec,
                             const ftz_sim_info_t *info, char *errstr, size_t errstr_size) {
    if (!x || !rec || !info || (unsigned)type >= FTZ_REC__COUNT)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "expectation: bad call");
    if (info->kind == FTZ_SIM_BROKEN) {
        if (info->code < 0 || info->code >= FTZ_V__COUNT)
            return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                              "expectation: no code %d", info->code);
        x->dead[type][info->code]++;
        return FTZ_OK;
    }
    switch (type) {
    case FTZ_REC_CUSTOMS: return add_customs(x, rec, errstr, errstr_size);
    case FTZ_REC_RAIL: return add_rail(x, rec, errstr, errstr_size);
    default: return add_registration(x, rec, errstr, errstr_size);
    }
}

/* ---- The result ---- */

/* Splits name (a KEY_SEP-joined key) into cells[0..n) within buf. */
static void split_key(const char *name, char *buf, size_t buf_size, const char **cells, int n) {
    snprintf(buf, buf_size, "%s", name);
    char *p = buf;
    for (int i = 0; i < n; i++) {
        cells[i] = p;
        char *sep = strchr(p, KEY_SEP);
        if (sep) {
            *sep = '\0';
            p = sep + 1;
        } else {
            p += strlen(p);
        }
    }
}

/* q quarter kilograms as an exact decimal: "1520.25". */
static void quarters_text(int64_t q, char *out, size_t out_size) {
    static const char *const frac[4] = {"00", "25", "50", "75"};
    int neg = q < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)q : (uint64_t)q;
    snprintf(out, out_size, "%s%" PRIu64 ".%s", neg ? "-" : "", u / 4, frac[u % 4]);
}

ftz_expect_t *ftz_sim_expect_result(const ftz_sim_expect_t *x, char *errstr,
                                    size_t errstr_size) {
    ftz_expect_t *e = ftz_expect_new();
    char buf[512], m[8][40];
    const char *cells[16];
    ftz_err_t err = FTZ_OK;

    if (!e) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "expectation: out of memory");
        return NULL;
    }
    for (size_t i = 0; !err && i < x->customs.rows.n; i++) {
        const customs_sum_t *s = VEC_AT(&x->customs.rows, customs_sum_t, i);
        split_key(x->customs.names[i], buf, sizeof(buf), cells, 6);
        snprintf(m[0], sizeof(m[0]), "%" PRId64, s->declarations);
        ftz_decimal_format(s->value_fen, m[1], sizeof(m[1]));
        quarters_text(s->weight_q, m[2], sizeof(m[2])); /* the double of the exact sum */
        snprintf(m[3], sizeof(m[3]), "%" PRId64, s->cleared);
        snprintf(m[4], sizeof(m[4]), "%" PRId64, s->held);
        snprintf(m[5], sizeof(m[5]), "%" PRId64, s->clearance_s);
        for (int k = 0; k < 6; k++)
            cells[6 + k] = m[k];
        cells[12] = m[2];
        err = ftz_expect_add_row(e, FTZ_EXPECT_CUSTOMS_DAILY, cells, errstr, errstr_size);
    }
    for (size_t i = 0; !err && i < x->rail.rows.n; i++) {
        const rail_sum_t *s = VEC_AT(&x->rail.rows, rail_sum_t, i);
        split_key(x->rail.names[i], buf, sizeof(buf), cells, 5);
        snprintf(m[0], sizeof(m[0]), "%" PRId64, s->departures);
        snprintf(m[1], sizeof(m[1]), "%" PRId64, s->crossings);
        snprintf(m[2], sizeof(m[2]), "%" PRId64, s->arrivals);
        snprintf(m[3], sizeof(m[3]), "%" PRId64, s->teu);
        ftz_decimal_format(s->value_fen, m[4], sizeof(m[4]));
        snprintf(m[5], sizeof(m[5]), "%" PRId64, s->transit_s);
        for (int k = 0; k < 6; k++)
            cells[5 + k] = m[k];
        err = ftz_expect_add_row(e, FTZ_EXPECT_RAIL_DAILY, cells, errstr, errstr_size);
    }
    for (size_t i = 0; !err && i < x->registrations.rows.n; i++) {
        const registration_sum_t *s = VEC_AT(&x->registrations.rows, registration_sum_t, i);
        split_key(x->registrations.names[i], buf, sizeof(buf), cells, 5);
        snprintf(m[0], sizeof(m[0]), "%" PRId64, s->companies);
        ftz_decimal_format(s->capital_fen, m[1], sizeof(m[1]));
        cells[5] = m[0];
        cells[6] = m[1];
        err = ftz_expect_add_row(e, FTZ_EXPECT_REGISTRATIONS_MONTHLY, cells, errstr, errstr_size);
    }
    for (int t = 0; !err && t < FTZ_REC__COUNT; t++)
        for (int c = 0; !err && c < FTZ_V__COUNT; c++) {
            if (!x->dead[t][c])
                continue;
            snprintf(m[0], sizeof(m[0]), "%" PRIu64, x->dead[t][c]);
            cells[0] = ftz_record_type((ftz_rtype_t)t)->topic;
            cells[1] = ftz_code_name((ftz_code_t)c);
            cells[2] = m[0];
            err = ftz_expect_add_row(e, FTZ_EXPECT_DEAD_LETTERS, cells, errstr, errstr_size);
        }
    if (err) {
        ftz_expect_destroy(e);
        return NULL;
    }
    return e;
}
