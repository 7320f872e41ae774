/* Rules of ftz.customs.CustomsDeclaration (docs/domain.md). */
#include <math.h>
#include <stdio.h>

#include "ftz/array.h"
#include "ftz/rules.h"
#include "ftz/value.h"

#define DECLARATION_ID_MAX_CHARS 40

/* Every text field: not blank, no control character (rules.c). */
static ftz_err_t not_blank(const void *r, ftz_verdict_t *v) {
    return ftz_rules_not_blank(ftz_record_type(FTZ_REC_CUSTOMS), r, v);
}

static ftz_err_t no_control(const void *r, ftz_verdict_t *v) {
    return ftz_rules_no_control(ftz_record_type(FTZ_REC_CUSTOMS), r, v);
}

static ftz_err_t id_length(const void *r, ftz_verdict_t *v) {
    const ftz_customs_t *c = r;
    size_t n = ftz_utf8_length(c->declaration_id);
    if (n > DECLARATION_ID_MAX_CHARS)
        return ftz_verdict_set(v, FTZ_V_RULE_FIELD_LENGTH,
                               "declaration_id: %zu characters, at most %d allowed", n,
                               DECLARATION_ID_MAX_CHARS);
    return FTZ_OK;
}

static ftz_err_t revision(const void *r, ftz_verdict_t *v) {
    const ftz_customs_t *c = r;
    if (c->revision < 1)
        return ftz_verdict_set(v, FTZ_V_RULE_REVISION, "revision: %d, must be >= 1",
                               (int)c->revision);
    return FTZ_OK;
}

static ftz_err_t hs_code(const void *r, ftz_verdict_t *v) {
    const ftz_customs_t *c = r;
    char why[160];
    if (!ftz_rules_hs_code_valid(c->hs_code, why, sizeof(why)))
        return ftz_verdict_set(v, FTZ_V_RULE_HS_CODE, "hs_code: %s", why);
    return FTZ_OK;
}

static ftz_err_t countries(const void *r, ftz_verdict_t *v) {
    const ftz_customs_t *c = r;
    if (!ftz_rules_country_valid(c->origin_country))
        return ftz_verdict_set(v, FTZ_V_RULE_COUNTRY_CODE,
                               "origin_country: \"%s\" is not an ISO 3166-1 alpha-2 code",
                               c->origin_country);
    if (!ftz_rules_country_valid(c->destination_country))
        return ftz_verdict_set(v, FTZ_V_RULE_COUNTRY_CODE,
                               "destination_country: \"%s\" is not an ISO 3166-1 alpha-2 code",
                               c->destination_country);
    return FTZ_OK;
}

static ftz_err_t amounts(const void *r, ftz_verdict_t *v) {
    const ftz_customs_t *c = r;
    char dec[32];
    if (c->declared_value_fen < 0) {
        ftz_decimal_format(c->declared_value_fen, dec, sizeof(dec));
        return ftz_verdict_set(v, FTZ_V_RULE_NEGATIVE_AMOUNT,
                               "declared_value_cny: %s, must be >= 0", dec);
    }
    if (!(c->gross_weight_kg >= 0) || !isfinite(c->gross_weight_kg))
        return ftz_verdict_set(v, FTZ_V_RULE_NEGATIVE_AMOUNT,
                               "gross_weight_kg: %g, must be a finite number >= 0",
                               c->gross_weight_kg);
    if (c->gross_weight_kg > FTZ_WEIGHT_MAX_KG)
        return ftz_verdict_set(v, FTZ_V_RULE_AMOUNT_RANGE, "gross_weight_kg: %g exceeds %g kg",
                               c->gross_weight_kg, FTZ_WEIGHT_MAX_KG);
    return FTZ_OK;
}

static ftz_err_t times(const void *r, ftz_verdict_t *v) {
    const ftz_customs_t *c = r;
    if (ftz_rules_time_range("filed_at", c->filed_at_ms, v) ||
        (c->has_cleared_at && ftz_rules_time_range("cleared_at", c->cleared_at_ms, v)) ||
        ftz_rules_time_range("event_time", c->event_time_ms, v))
        return FTZ_ERR_POISON;
    return FTZ_OK;
}

static ftz_err_t cleared_at(const void *r, ftz_verdict_t *v) {
    const ftz_customs_t *c = r;
    char a[40], b[40];
    if (c->status == FTZ_STATUS_CLEARED && !c->has_cleared_at)
        return ftz_verdict_set(v, FTZ_V_RULE_CLEARED_AT,
                               "cleared_at: missing, required when status is CLEARED");
    if (c->has_cleared_at && c->cleared_at_ms < c->filed_at_ms) {
        ftz_time_format(c->cleared_at_ms, a, sizeof(a));
        ftz_time_format(c->filed_at_ms, b, sizeof(b));
        return ftz_verdict_set(v, FTZ_V_RULE_CLEARED_AT, "cleared_at: %s is before filed_at %s",
                               a, b);
    }
    return FTZ_OK;
}

const ftz_rule_t ftz_rules_customs[] = {
    {FTZ_V_RULE_EMPTY_FIELD, "no text field is blank (empty, or Unicode white space only)",
     not_blank},
    {FTZ_V_RULE_CONTROL_CHARACTER, "no text field holds a control character", no_control},
    {FTZ_V_RULE_FIELD_LENGTH, "declaration_id has at most 40 characters", id_length},
    {FTZ_V_RULE_REVISION, "revision >= 1", revision},
    {FTZ_V_RULE_HS_CODE, "hs_code has 6, 8 or 10 digits, chapter 01-97 except 77", hs_code},
    {FTZ_V_RULE_COUNTRY_CODE, "origin_country and destination_country are ISO 3166-1 alpha-2",
     countries},
    {FTZ_V_RULE_NEGATIVE_AMOUNT, "declared_value_cny and gross_weight_kg are >= 0 (weight at "
                             "most 1e12 kg: RULE_AMOUNT_RANGE)", amounts},
    {FTZ_V_RULE_TIMESTAMP_RANGE, "timestamps lie between 1900 and 3000", times},
    {FTZ_V_RULE_CLEARED_AT, "cleared_at is present when CLEARED, and not before filed_at",
     cleared_at},
};
const int ftz_rules_customs_count = FTZ_ARRAY_SIZE(ftz_rules_customs);
