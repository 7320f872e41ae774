/* Rules of ftz.rail.RailEvent (docs/domain.md). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ftz/array.h"
#include "ftz/rules.h"
#include "ftz/value.h"

/* Every text field: not blank, no control character (rules.c). */
static ftz_err_t not_blank(const void *r, ftz_verdict_t *v) {
    return ftz_rules_not_blank(ftz_record_type(FTZ_REC_RAIL), r, v);
}

static ftz_err_t no_control(const void *r, ftz_verdict_t *v) {
    return ftz_rules_no_control(ftz_record_type(FTZ_REC_RAIL), r, v);
}

static ftz_err_t container_id(const void *r, ftz_verdict_t *v) {
    const ftz_rail_t *e = r;
    char why[160];
    if (!ftz_rules_container_id_valid(e->container_id, why, sizeof(why)))
        return ftz_verdict_set(v, FTZ_V_RULE_CONTAINER_ID, "container_id: %s", why);
    return FTZ_OK;
}

/* Two upper-case city codes ORIGIN-DEST, e.g. DALIAN-DUISBURG. */
static ftz_err_t corridor(const void *r, ftz_verdict_t *v) {
    const ftz_rail_t *e = r;
    const char *dash = strchr(e->corridor, '-');
    int ok = dash && dash != e->corridor && dash[1] && !strchr(dash + 1, '-');
    for (const char *p = e->corridor; ok && *p; p++)
        ok = p == dash || (*p >= 'A' && *p <= 'Z');
    if (ok && strlen(dash + 1) == (size_t)(dash - e->corridor) &&
        strncmp(e->corridor, dash + 1, (size_t)(dash - e->corridor)) == 0)
        return ftz_verdict_set(v, FTZ_V_RULE_CORRIDOR, "corridor: \"%s\" starts and ends in one city",
                               e->corridor);
    if (!ok)
        return ftz_verdict_set(v, FTZ_V_RULE_CORRIDOR,
                               "corridor: \"%s\" is not ORIGIN-DEST in capital letters "
                               "(e.g. DALIAN-DUISBURG)", e->corridor);
    return FTZ_OK;
}

static ftz_err_t countries(const void *r, ftz_verdict_t *v) {
    const ftz_rail_t *e = r;
    if (!ftz_rules_country_valid(e->country))
        return ftz_verdict_set(v, FTZ_V_RULE_COUNTRY_CODE,
                               "country: \"%s\" is not an ISO 3166-1 alpha-2 code", e->country);
    if (!ftz_rules_country_valid(e->goods_origin_country))
        return ftz_verdict_set(v, FTZ_V_RULE_COUNTRY_CODE,
                               "goods_origin_country: \"%s\" is not an ISO 3166-1 alpha-2 code",
                               e->goods_origin_country);
    return FTZ_OK;
}

static ftz_err_t teu(const void *r, ftz_verdict_t *v) {
    const ftz_rail_t *e = r;
    if (e->teu < 1 || e->teu > 4)
        return ftz_verdict_set(v, FTZ_V_RULE_TEU, "teu: %d, must be 1 to 4", (int)e->teu);
    return FTZ_OK;
}

static ftz_err_t amount(const void *r, ftz_verdict_t *v) {
    const ftz_rail_t *e = r;
    char dec[32];
    if (e->cargo_value_fen < 0) {
        ftz_decimal_format(e->cargo_value_fen, dec, sizeof(dec));
        return ftz_verdict_set(v, FTZ_V_RULE_NEGATIVE_AMOUNT, "cargo_value_cny: %s, must be >= 0",
                               dec);
    }
    return FTZ_OK;
}

static ftz_err_t times(const void *r, ftz_verdict_t *v) {
    const ftz_rail_t *e = r;
    if (ftz_rules_time_range("event_time", e->event_time_ms, v) ||
        (e->has_departed_at && ftz_rules_time_range("departed_at", e->departed_at_ms, v)))
        return FTZ_ERR_POISON;
    return FTZ_OK;
}

static ftz_err_t departed_at(const void *r, ftz_verdict_t *v) {
    const ftz_rail_t *e = r;
    char a[40], b[40];
    if (e->event_type == FTZ_RAIL_ARRIVED && !e->has_departed_at)
        return ftz_verdict_set(v, FTZ_V_RULE_DEPARTED_AT,
                               "departed_at: missing, required when event_type is ARRIVED");
    if (e->has_departed_at && e->departed_at_ms > e->event_time_ms) {
        ftz_time_format(e->departed_at_ms, a, sizeof(a));
        ftz_time_format(e->event_time_ms, b, sizeof(b));
        return ftz_verdict_set(v, FTZ_V_RULE_DEPARTED_AT, "departed_at: %s is after event_time %s",
                               a, b);
    }
    return FTZ_OK;
}

const ftz_rule_t ftz_rules_rail[] = {
    {FTZ_V_RULE_EMPTY_FIELD, "no text field is blank (empty, or Unicode white space only)",
     not_blank},
    {FTZ_V_RULE_CONTROL_CHARACTER, "no text field holds a control character", no_control},
    {FTZ_V_RULE_CONTAINER_ID, "container_id is an ISO 6346 code with a valid check digit",
     container_id},
    {FTZ_V_RULE_CORRIDOR, "corridor is ORIGIN-DEST in capital letters, two different cities",
     corridor},
    {FTZ_V_RULE_COUNTRY_CODE, "country and goods_origin_country are ISO 3166-1 alpha-2", countries},
    {FTZ_V_RULE_TEU, "teu is 1 to 4", teu},
    {FTZ_V_RULE_NEGATIVE_AMOUNT, "cargo_value_cny >= 0", amount},
    {FTZ_V_RULE_TIMESTAMP_RANGE, "timestamps lie between 1900 and 3000", times},
    {FTZ_V_RULE_DEPARTED_AT, "departed_at is present when ARRIVED, and not after event_time",
     departed_at},
};
const int ftz_rules_rail_count = FTZ_ARRAY_SIZE(ftz_rules_rail);
