/* Rules of ftz.registry.CompanyRegistration (docs/domain.md). */
#include <stdio.h>
#include <string.h>

#include "ftz/array.h"
#include "ftz/rules.h"
#include "ftz/value.h"

/* Every text field: not blank, no control character (rules.c). */
static ftz_err_t not_blank(const void *r, ftz_verdict_t *v) {
    return ftz_rules_not_blank(ftz_record_type(FTZ_REC_REGISTRATION), r, v);
}

static ftz_err_t no_control(const void *r, ftz_verdict_t *v) {
    return ftz_rules_no_control(ftz_record_type(FTZ_REC_REGISTRATION), r, v);
}

static ftz_err_t uscc(const void *r, ftz_verdict_t *v) {
    const ftz_registration_t *c = r;
    char why[160];
    if (!ftz_rules_uscc_valid(c->uscc, why, sizeof(why)))
        return ftz_verdict_set(v, FTZ_V_RULE_USCC_CHECKSUM, "uscc: %s", why);
    return FTZ_OK;
}

static ftz_err_t industry(const void *r, ftz_verdict_t *v) {
    const ftz_registration_t *c = r;
    if (strlen(c->industry) != 1 || c->industry[0] < 'A' || c->industry[0] > 'T')
        return ftz_verdict_set(v, FTZ_V_RULE_INDUSTRY,
                               "industry: \"%s\" is not a GB/T 4754 section letter A-T",
                               c->industry);
    return FTZ_OK;
}

static ftz_err_t country(const void *r, ftz_verdict_t *v) {
    const ftz_registration_t *c = r;
    if (!ftz_rules_country_valid(c->investor_country))
        return ftz_verdict_set(v, FTZ_V_RULE_COUNTRY_CODE,
                               "investor_country: \"%s\" is not an ISO 3166-1 alpha-2 code",
                               c->investor_country);
    return FTZ_OK;
}

static ftz_err_t capital(const void *r, ftz_verdict_t *v) {
    const ftz_registration_t *c = r;
    char dec[32];
    if (c->registered_capital_fen <= 0) {
        ftz_decimal_format(c->registered_capital_fen, dec, sizeof(dec));
        return ftz_verdict_set(v, FTZ_V_RULE_NEGATIVE_AMOUNT,
                               "registered_capital_cny: %s, must be > 0", dec);
    }
    return FTZ_OK;
}

static ftz_err_t times(const void *r, ftz_verdict_t *v) {
    const ftz_registration_t *c = r;
    if (ftz_rules_time_range("registered_at", c->registered_at_ms, v) ||
        ftz_rules_time_range("event_time", c->event_time_ms, v))
        return FTZ_ERR_POISON;
    return FTZ_OK;
}

const ftz_rule_t ftz_rules_registration[] = {
    {FTZ_V_RULE_EMPTY_FIELD, "no text field is blank (empty, or Unicode white space only)",
     not_blank},
    {FTZ_V_RULE_CONTROL_CHARACTER, "no text field holds a control character", no_control},
    {FTZ_V_RULE_USCC_CHECKSUM, "uscc has 18 characters and a valid GB 32100-2015 check character",
     uscc},
    {FTZ_V_RULE_INDUSTRY, "industry is a GB/T 4754 section letter A-T", industry},
    {FTZ_V_RULE_COUNTRY_CODE, "investor_country is ISO 3166-1 alpha-2", country},
    {FTZ_V_RULE_NEGATIVE_AMOUNT, "registered_capital_cny > 0", capital},
    {FTZ_V_RULE_TIMESTAMP_RANGE, "timestamps lie between 1900 and 3000", times},
};
const int ftz_rules_registration_count =
    FTZ_ARRAY_SIZE(ftz_rules_registration);
