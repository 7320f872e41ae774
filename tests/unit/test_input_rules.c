/* What the producer's input must not change or let through (issue 9,
 * item 7): money as a JSON number is exact or refused; "blank" means the
 * same for every type, in Unicode terms; no text holds control characters;
 * one code per fault whatever the length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ftz/array.h"
#include "ftz/catalog.h"
#include "ftz/codec.h"
#include "ftz/json.h"
#include "ftz/rules.h"

static const char registration[] =
    "{\"uscc\":\"91210112MAEC6Y4H38\",\"company_name\":\"NAME\",\"area\":\"SHENYANG\","
    "\"enterprise_type\":\"DOMESTIC\",\"industry\":\"L\",\"investor_country\":\"CN\","
    "\"registered_capital_cny\":CAPITAL,\"registered_at\":\"2026-11-03T05:13:45.241Z\","
    "\"event_time\":\"2026-11-03T05:23:50.787Z\"}";

/* The registration with NAME and CAPITAL replaced; the verdict of JSON
 * and rules, and the capital in fen. */
static const char *check(const char *name, const char *capital, int64_t *fen, char *reason) {
    char line[1024], *p;
    ftz_registration_t rec;
    ftz_verdict_t v;
    const ftz_record_type_t *rt = ftz_record_type(FTZ_REC_REGISTRATION);
    snprintf(line, sizeof(line), "%s", registration);
    p = strstr(line, "NAME");
    memmove(p + strlen(name), p + 4, strlen(p + 4) + 1);
    memcpy(p, name, strlen(name));
    p = strstr(line, "CAPITAL");
    memmove(p + strlen(capital), p + 7, strlen(p + 7) + 1);
    memcpy(p, capital, strlen(capital));
    if (ftz_json_to_record(rt, line, strlen(line), &rec, &v) == FTZ_OK &&
        ftz_rules_check(rt, &rec, &v) == FTZ_OK) {
        *fen = rec.registered_capital_fen;
        return "OK";
    }
    snprintf(reason, 320, "%s", v.reason);
    return v.code;
}

static void test_money_exact_or_refused(void **state) {
    (void)state;
    static const struct {
        const char *capital, *want;
        int64_t fen;
    } cases[] = {
        {"1234567890123456.78", "OK", 123456789012345678},
        {"1234567890123456.01", "OK", 123456789012345601},
        {"\"1234567890123456.78\"", "OK", 123456789012345678},
        {"0.29", "OK", 29},
        {"100", "OK", 10000},
        {"100.5", "OK", 10050},
        {"1.999999999999999999", "BAD_JSON", 0},
        {"0.001", "BAD_JSON", 0},
        {"1e5", "BAD_JSON", 0},
        {"1.5E2", "BAD_JSON", 0},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        int64_t fen = -1;
        char reason[320] = "";
        const char *got = check("ACME", cases[i].capital, &fen, reason);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("capital %s: %s (%s), want %s", cases[i].capital, got, reason,
                     cases[i].want);
        if (!strcmp(got, "OK") && fen != cases[i].fen)
            fail_msg("capital %s: %lld fen, want %lld", cases[i].capital, (long long)fen,
                     (long long)cases[i].fen);
    }
}

static void test_blank_and_control(void **state) {
    (void)state;
    static const struct {
        const char *name, *want;
    } cases[] = {
        {"ACME", "OK"},
        {"", "RULE_EMPTY_FIELD"},
        {"   ", "RULE_EMPTY_FIELD"},
        {"\\t\\t", "RULE_EMPTY_FIELD"},
        {"\\u00a0\\u3000", "RULE_EMPTY_FIELD"}, /* no-break space, ideographic space */
        {"\\u200b", "RULE_EMPTY_FIELD"},        /* zero width space */
        {" A ", "OK"},
        {"A\\u001b[2JB", "RULE_CONTROL_CHARACTER"},
        {"A\\tB", "RULE_CONTROL_CHARACTER"},
        {"A\\u0085B", "RULE_CONTROL_CHARACTER"},
        {"A\\u007fB", "RULE_CONTROL_CHARACTER"},
        {"沈阳公司", "OK"},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        int64_t fen;
        char reason[320] = "";
        const char *got = check(cases[i].name, "\"1.00\"", &fen, reason);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("company_name \"%s\": %s (%s), want %s", cases[i].name, got, reason,
                     cases[i].want);
    }
}

/* A customs or rail record: blank ids are refused the same way. */
static void test_blank_everywhere(void **state) {
    (void)state;
    const char rail[] =
        "{\"event_id\":\"   \",\"shipment_id\":\"S1\",\"train_id\":\"T1\","
        "\"container_id\":\"CSQU3054383\",\"corridor\":\"DALIAN-DUISBURG\",\"direction\":"
        "\"OUTBOUND\",\"event_type\":\"DEPARTED\",\"station\":\"\\t\",\"country\":\"CN\","
        "\"cargo_category\":\"CAR_PARTS\",\"goods_origin_country\":\"CN\",\"teu\":2,"
        "\"cargo_value_cny\":\"10.00\",\"event_time\":\"2026-11-03T05:23:50.787Z\"}";
    ftz_rail_t rec;
    ftz_verdict_t v;
    const ftz_record_type_t *rt = ftz_record_type(FTZ_REC_RAIL);
    ftz_err_t err = ftz_json_to_record(rt, rail, strlen(rail), &rec, &v);
    if (err == FTZ_OK)
        err = ftz_rules_check(rt, &rec, &v);
    assert_int_equal(err, FTZ_ERR_POISON);
    if (strcmp(v.code, "RULE_EMPTY_FIELD") != 0)
        fail_msg("rail event_id of spaces: %s %s", v.code, v.reason);
    assert_non_null(strstr(v.reason, "event_id"));
}

/* An hs_code of 11 digits and one of 17: the same fault, the same code. */
static void test_one_code_per_fault(void **state) {
    (void)state;
    const ftz_record_type_t *rt = ftz_record_type(FTZ_REC_CUSTOMS);
    for (int digits = 11; digits <= 24; digits++) {
        char hs[32], line[1024];
        ftz_customs_t rec;
        ftz_verdict_t v;
        memset(hs, '1', (size_t)digits);
        hs[digits] = '\0';
        snprintf(line, sizeof(line),
                 "{\"declaration_id\":\"DL1\",\"revision\":1,\"area\":\"DALIAN\",\"direction\":"
                 "\"IMPORT\",\"status\":\"FILED\",\"hs_code\":\"%s\",\"origin_country\":\"JP\","
                 "\"destination_country\":\"CN\",\"transport_mode\":\"SEA\","
                 "\"declared_value_cny\":\"1.00\",\"gross_weight_kg\":1,"
                 "\"filed_at\":\"2026-11-01T08:00:00Z\",\"event_time\":\"2026-11-01T08:00:00Z\"}",
                 hs);
        ftz_err_t err = ftz_json_to_record(rt, line, strlen(line), &rec, &v);
        if (err == FTZ_OK)
            err = ftz_rules_check(rt, &rec, &v);
        if (err != FTZ_ERR_POISON || strcmp(v.code, "RULE_HS_CODE") != 0)
            fail_msg("hs_code of %d digits: %s %s", digits, v.code ? v.code : "OK", v.reason);
    }
}

/* --schema-version 1 with the v2 field customs_office: refused, not
 * dropped silently. */
static void test_older_version_drops_nothing(void **state) {
    (void)state;
    char errstr[256];
    ftz_catalog_t *cat = ftz_catalog_new_embedded(errstr, sizeof(errstr));
    assert_non_null(cat);
    ftz_encoder_t *v1 = ftz_encoder_new(cat, FTZ_REC_CUSTOMS, 1, errstr, sizeof(errstr));
    ftz_encoder_t *v2 = ftz_encoder_new(cat, FTZ_REC_CUSTOMS, 2, errstr, sizeof(errstr));
    assert_non_null(v1);
    assert_non_null(v2);
    ftz_customs_t rec;
    ftz_verdict_t v;
    memset(&rec, 0, sizeof(rec));
    assert_int_equal(ftz_encoder_check_fields(v1, &rec, &v), FTZ_OK);
    rec.has_customs_office = true;
    snprintf(rec.customs_office, sizeof(rec.customs_office), "0900");
    assert_int_equal(ftz_encoder_check_fields(v2, &rec, &v), FTZ_OK);
    assert_int_equal(ftz_encoder_check_fields(v1, &rec, &v), FTZ_ERR_POISON);
    assert_string_equal(v.code, "BAD_JSON");
    assert_non_null(strstr(v.reason, "customs_office: not in schema version 1"));
    ftz_encoder_destroy(v1);
    ftz_encoder_destroy(v2);
    ftz_catalog_destroy(cat);
}

FTZ_TEST_MAIN(cmocka_unit_test(test_money_exact_or_refused),
              cmocka_unit_test(test_blank_and_control), cmocka_unit_test(test_blank_everywhere),
              cmocka_unit_test(test_one_code_per_fault),
              cmocka_unit_test(test_older_version_drops_nothing))
