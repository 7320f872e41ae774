/* Customs rules: one table of good and bad cases per rule. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ftz/array.h"
#include "ftz/codec.h"
#include "ftz/rules.h"

static ftz_customs_t good(void) {
    ftz_customs_t c = ftz_test_customs("DL2026110100001", 1);
    c.declared_value_fen = 100;
    c.gross_weight_kg = 1.5;
    c.filed_at_ms = 1000000;
    c.cleared_at_ms = 2000000;
    c.event_time_ms = 2000000;
    return c;
}

/* One case of a rule table: an edit of a good record, and the code and a
 * piece of the reason it must then be rejected with (code NULL: accepted). */
typedef void (*edit_fn)(void *rec);
typedef struct rule_case_s {
    const char *name;
    edit_fn edit;
    const char *code;
    const char *needle;
} rule_case_t;

static void run_cases(ftz_rtype_t t, const void *good_rec, const rule_case_t *cases, size_t n) {
    const ftz_record_type_t *rt = ftz_record_type(t);
    for (size_t i = 0; i < n; i++) {
        ftz_record_buf_t rec;
        ftz_verdict_t v;
        memcpy(&rec, good_rec, rt->size);
        cases[i].edit(&rec);
        ftz_err_t err = ftz_rules_check(rt, &rec, &v);
        if (!cases[i].code) {
            if (err != FTZ_OK)
                fail_msg("%s: rejected %s %s", cases[i].name, v.code, v.reason);
            continue;
        }
        if (err != FTZ_ERR_POISON || !v.code || strcmp(v.code, cases[i].code) != 0)
            fail_msg("%s: got %s, want %s", cases[i].name, v.code ? v.code : "OK", cases[i].code);
        if (!strstr(v.reason, cases[i].needle))
            fail_msg("%s: reason \"%s\" lacks \"%s\"", cases[i].name, v.reason, cases[i].needle);
        /* A reason becomes a text column: PostgreSQL refuses invalid UTF-8. */
        if (!ftz_utf8_valid(v.reason, strlen(v.reason)))
            fail_msg("%s: reason is not valid UTF-8: \"%s\"", cases[i].name, v.reason);
    }
}

#define EDIT(name, body) static void name(void *rec) { ftz_customs_t *c = rec; body; }

EDIT(nothing, (void)c)
EDIT(empty_id, c->declaration_id[0] = '\0')
EDIT(empty_hs, c->hs_code[0] = '\0')
EDIT(empty_origin, c->origin_country[0] = '\0')
EDIT(id_40, memset(c->declaration_id, 'A', 40); c->declaration_id[40] = '\0')
EDIT(id_41, memset(c->declaration_id, 'A', 41); c->declaration_id[41] = '\0')
EDIT(id_40_cjk, /* 40 characters of 3 bytes each: fine */
     for (int i = 0; i < 40; i++) memcpy(c->declaration_id + 3 * i, "\xe5\xa4\xa7", 3);
     c->declaration_id[120] = '\0')
EDIT(rev_0, c->revision = 0)
EDIT(rev_neg, c->revision = -3)
EDIT(rev_big, c->revision = 2147483647)
EDIT(hs_8, snprintf(c->hs_code, sizeof(c->hs_code), "39232100"))
EDIT(hs_10, snprintf(c->hs_code, sizeof(c->hs_code), "3923210090"))
EDIT(hs_7, snprintf(c->hs_code, sizeof(c->hs_code), "3923210"))
EDIT(hs_alpha, snprintf(c->hs_code, sizeof(c->hs_code), "39A321"))
EDIT(hs_ch00, snprintf(c->hs_code, sizeof(c->hs_code), "002321"))
EDIT(hs_ch01, snprintf(c->hs_code, sizeof(c->hs_code), "010121"))
EDIT(hs_ch77, snprintf(c->hs_code, sizeof(c->hs_code), "770000"))
EDIT(hs_ch97, snprintf(c->hs_code, sizeof(c->hs_code), "970110"))
EDIT(hs_ch98, snprintf(c->hs_code, sizeof(c->hs_code), "980000"))
EDIT(cc_lower, snprintf(c->origin_country, sizeof(c->origin_country), "cn"))
EDIT(cc_xx, snprintf(c->destination_country, sizeof(c->destination_country), "XX"))
EDIT(cc_uk, snprintf(c->destination_country, sizeof(c->destination_country), "UK"))
EDIT(cc_3, snprintf(c->destination_country, sizeof(c->destination_country), "JPN"))
EDIT(cc_ss, snprintf(c->destination_country, sizeof(c->destination_country), "SS"))
EDIT(value_neg, c->declared_value_fen = -1)
EDIT(value_zero, c->declared_value_fen = 0)
EDIT(weight_neg, c->gross_weight_kg = -0.5)
EDIT(weight_nan, c->gross_weight_kg = NAN)
EDIT(weight_inf, c->gross_weight_kg = INFINITY)
EDIT(cleared_missing, c->has_cleared_at = false)
EDIT(cleared_before, c->cleared_at_ms = c->filed_at_ms - 1)
EDIT(cleared_equal, c->cleared_at_ms = c->filed_at_ms)
EDIT(filed_no_cleared, c->status = FTZ_STATUS_FILED; c->has_cleared_at = false)
EDIT(held_cleared_before, c->status = FTZ_STATUS_HELD; c->cleared_at_ms = 0)
EDIT(filed_huge, c->filed_at_ms = INT64_MAX; c->has_cleared_at = false; c->status = FTZ_STATUS_FILED)
EDIT(event_1899, c->event_time_ms = FTZ_TIME_MIN_MS - 1)
EDIT(event_1900, c->event_time_ms = FTZ_TIME_MIN_MS)
EDIT(cleared_3000, c->cleared_at_ms = FTZ_TIME_MAX_MS)
EDIT(weight_huge, c->gross_weight_kg = 1e300)
EDIT(weight_max, c->gross_weight_kg = FTZ_WEIGHT_MAX_KG)

static void test_customs_rules(void **state) {
    (void)state;
    static const rule_case_t cases[] = {
        {"good", nothing, NULL, NULL},
        {"empty id", empty_id, "RULE_EMPTY_FIELD", "declaration_id"},
        {"empty hs", empty_hs, "RULE_EMPTY_FIELD", "hs_code"},
        {"empty origin", empty_origin, "RULE_EMPTY_FIELD", "origin_country"},
        {"id 40", id_40, NULL, NULL},
        {"id 41", id_41, "RULE_FIELD_LENGTH", "41 characters"},
        {"id 40 cjk", id_40_cjk, NULL, NULL},
        {"rev 0", rev_0, "RULE_REVISION", "revision: 0"},
        {"rev -3", rev_neg, "RULE_REVISION", "revision: -3"},
        {"rev max", rev_big, NULL, NULL},
        {"hs 8", hs_8, NULL, NULL},
        {"hs 10", hs_10, NULL, NULL},
        {"hs 7", hs_7, "RULE_HS_CODE", "7 digits"},
        {"hs alpha", hs_alpha, "RULE_HS_CODE", "not all digits"},
        {"hs ch00", hs_ch00, "RULE_HS_CODE", "chapter 00"},
        {"hs ch01", hs_ch01, NULL, NULL},
        {"hs ch77", hs_ch77, "RULE_HS_CODE", "chapter 77"},
        {"hs ch97", hs_ch97, NULL, NULL},
        {"hs ch98", hs_ch98, "RULE_HS_CODE", "chapter 98"},
        {"cc lower", cc_lower, "RULE_COUNTRY_CODE", "origin_country: \"cn\""},
        {"cc XX", cc_xx, "RULE_COUNTRY_CODE", "destination_country: \"XX\""},
        {"cc UK", cc_uk, "RULE_COUNTRY_CODE", "\"UK\""},
        {"cc JPN", cc_3, "RULE_COUNTRY_CODE", "\"JPN\""},
        {"cc SS", cc_ss, NULL, NULL},
        {"value neg", value_neg, "RULE_NEGATIVE_AMOUNT", "declared_value_cny: -0.01"},
        {"value zero", value_zero, NULL, NULL},
        {"weight neg", weight_neg, "RULE_NEGATIVE_AMOUNT", "gross_weight_kg: -0.5"},
        {"weight nan", weight_nan, "RULE_NEGATIVE_AMOUNT", "gross_weight_kg"},
        {"weight inf", weight_inf, "RULE_NEGATIVE_AMOUNT", "gross_weight_kg"},
        {"cleared missing", cleared_missing, "RULE_CLEARED_AT", "missing"},
        {"cleared before", cleared_before, "RULE_CLEARED_AT", "before filed_at"},
        {"cleared equal", cleared_equal, NULL, NULL},
        {"filed", filed_no_cleared, NULL, NULL},
        {"held, cleared_at before filed", held_cleared_before, "RULE_CLEARED_AT", "before"},
        {"filed_at INT64_MAX", filed_huge, "RULE_TIMESTAMP_RANGE", "filed_at: 9223372036854775807"},
        {"event_time 1899", event_1899, "RULE_TIMESTAMP_RANGE", "event_time"},
        {"event_time 1900", event_1900, NULL, NULL},
        {"cleared_at 3000", cleared_3000, "RULE_TIMESTAMP_RANGE", "cleared_at"},
        {"weight 1e300", weight_huge, "RULE_AMOUNT_RANGE", "gross_weight_kg: 1e+300 exceeds"},
        {"weight 1e12", weight_max, NULL, NULL},
    };
    ftz_customs_t good_rec = good();
    run_cases(FTZ_REC_CUSTOMS, &good_rec, cases, FTZ_ARRAY_SIZE(cases));
}

static void test_country_list(void **state) {
    (void)state;
    int n = 0;
    char cc[3] = {0};
    for (cc[0] = 'A'; cc[0] <= 'Z'; cc[0]++)
        for (cc[1] = 'A'; cc[1] <= 'Z'; cc[1]++)
            n += ftz_rules_country_valid(cc);
    assert_int_equal(n, 249); /* every officially assigned alpha-2 code */
    assert_true(ftz_rules_country_valid("CN"));
    assert_true(ftz_rules_country_valid("KR"));
    assert_false(ftz_rules_country_valid("EU"));
    assert_false(ftz_rules_country_valid(""));
}

/* ---- rail ---- */

static ftz_rail_t good_rail(void) {
    ftz_rail_t e = ftz_test_rail("EV1");
    e.cargo_value_fen = 100;
    e.event_time_ms = 2000000;
    e.has_departed_at = true;
    e.departed_at_ms = 1000000;
    return e;
}

#define RAIL_EDIT(name, body) static void name(void *rec) { ftz_rail_t *e = rec; body; }
RAIL_EDIT(r_nothing, (void)e)
RAIL_EDIT(r_empty_event, e->event_id[0] = '\0')
RAIL_EDIT(r_empty_station, e->station[0] = '\0')
RAIL_EDIT(r_cont_check, e->container_id[10] = '4')
RAIL_EDIT(r_cont_cat, snprintf(e->container_id, sizeof(e->container_id), "CSQX3054383"))
RAIL_EDIT(r_cont_short, snprintf(e->container_id, sizeof(e->container_id), "CSQU305438"))
RAIL_EDIT(r_cont_lower, snprintf(e->container_id, sizeof(e->container_id), "csqu3054383"))
RAIL_EDIT(r_cont_j, snprintf(e->container_id, sizeof(e->container_id), "ABCJ1234563"))
RAIL_EDIT(r_corr_lower, snprintf(e->corridor, sizeof(e->corridor), "dalian-duisburg"))
RAIL_EDIT(r_corr_nodash, snprintf(e->corridor, sizeof(e->corridor), "DALIANDUISBURG"))
RAIL_EDIT(r_corr_3, snprintf(e->corridor, sizeof(e->corridor), "DALIAN-MOSCOW-DUISBURG"))
RAIL_EDIT(r_corr_same, snprintf(e->corridor, sizeof(e->corridor), "DALIAN-DALIAN"))
RAIL_EDIT(r_corr_empty_end, snprintf(e->corridor, sizeof(e->corridor), "DALIAN-"))
RAIL_EDIT(r_country, snprintf(e->country, sizeof(e->country), "ZZ"))
RAIL_EDIT(r_origin, snprintf(e->goods_origin_country, sizeof(e->goods_origin_country), "jp"))
RAIL_EDIT(r_teu0, e->teu = 0)
RAIL_EDIT(r_teu5, e->teu = 5)
RAIL_EDIT(r_teu4, e->teu = 4)
RAIL_EDIT(r_value_neg, e->cargo_value_fen = -5)
RAIL_EDIT(r_arrived_nodep, e->has_departed_at = false)
RAIL_EDIT(r_dep_after, e->departed_at_ms = e->event_time_ms + 1)
RAIL_EDIT(r_dep_equal, e->departed_at_ms = e->event_time_ms)
RAIL_EDIT(r_departed_nodep, e->event_type = FTZ_RAIL_DEPARTED; e->has_departed_at = false)
RAIL_EDIT(r_event_huge, e->event_time_ms = INT64_MAX)
RAIL_EDIT(r_dep_neg, e->departed_at_ms = INT64_MIN)

static void test_rail_rules(void **state) {
    (void)state;
    static const rule_case_t cases[] = {
        {"good", r_nothing, NULL, NULL},
        {"empty event_id", r_empty_event, "RULE_EMPTY_FIELD", "event_id"},
        {"empty station", r_empty_station, "RULE_EMPTY_FIELD", "station"},
        {"check digit", r_cont_check, "RULE_CONTAINER_ID", "check digit 4, expected 3"},
        {"category", r_cont_cat, "RULE_CONTAINER_ID", "category 'X'"},
        {"short", r_cont_short, "RULE_CONTAINER_ID", "10 characters"},
        {"lower", r_cont_lower, "RULE_CONTAINER_ID", "capital letters"},
        {"category J", r_cont_j, NULL, NULL},
        {"corridor lower", r_corr_lower, "RULE_CORRIDOR", "\"dalian-duisburg\""},
        {"corridor no dash", r_corr_nodash, "RULE_CORRIDOR", "ORIGIN-DEST"},
        {"corridor 3 cities", r_corr_3, "RULE_CORRIDOR", "ORIGIN-DEST"},
        {"corridor same", r_corr_same, "RULE_CORRIDOR", "one city"},
        {"corridor empty end", r_corr_empty_end, "RULE_CORRIDOR", "ORIGIN-DEST"},
        {"country", r_country, "RULE_COUNTRY_CODE", "country: \"ZZ\""},
        {"goods origin", r_origin, "RULE_COUNTRY_CODE", "goods_origin_country: \"jp\""},
        {"teu 0", r_teu0, "RULE_TEU", "teu: 0"},
        {"teu 5", r_teu5, "RULE_TEU", "teu: 5"},
        {"teu 4", r_teu4, NULL, NULL},
        {"value", r_value_neg, "RULE_NEGATIVE_AMOUNT", "cargo_value_cny: -0.05"},
        {"arrived without departed_at", r_arrived_nodep, "RULE_DEPARTED_AT", "missing"},
        {"departed after event", r_dep_after, "RULE_DEPARTED_AT", "after event_time"},
        {"departed equal", r_dep_equal, NULL, NULL},
        {"departed event without departed_at", r_departed_nodep, NULL, NULL},
        {"event_time INT64_MAX", r_event_huge, "RULE_TIMESTAMP_RANGE", "event_time"},
        {"departed_at INT64_MIN", r_dep_neg, "RULE_TIMESTAMP_RANGE", "departed_at"},
    };
    ftz_rail_t good_rec = good_rail();
    run_cases(FTZ_REC_RAIL, &good_rec, cases, FTZ_ARRAY_SIZE(cases));
}

/* ---- registrations ---- */

static ftz_registration_t good_registration(void) {
    ftz_registration_t c = ftz_test_registration("91350100M000100Y43", "大连海运贸易有限公司");
    c.registered_capital_fen = 1400000000;
    c.registered_at_ms = 1000;
    c.event_time_ms = 2000;
    return c;
}

#define REG_EDIT(name, body) \
    static void name(void *rec) { ftz_registration_t *c = rec; body; }
REG_EDIT(g_nothing, (void)c)
REG_EDIT(g_other_valid, snprintf(c->uscc, sizeof(c->uscc), "91110000600037341L"))
REG_EDIT(g_check, c->uscc[17] = '4')
REG_EDIT(g_len, c->uscc[17] = '\0')
REG_EDIT(g_char, c->uscc[3] = 'I')
REG_EDIT(g_lower, snprintf(c->uscc, sizeof(c->uscc), "91110000600037341l"))
/* Multi-byte characters: 18 bytes but 16 characters; 18 characters with
 * a full-width digit last (reported whole, never one byte of it). */
REG_EDIT(g_cjk_first, snprintf(c->uscc, sizeof(c->uscc), "中100000600037341"))
REG_EDIT(g_fullwidth, snprintf(c->uscc, sizeof(c->uscc), "91110000600037341１"))
REG_EDIT(g_empty_name, snprintf(c->company_name, sizeof(c->company_name), "  "))
REG_EDIT(g_empty_uscc, c->uscc[0] = '\0')
REG_EDIT(g_industry_u, snprintf(c->industry, sizeof(c->industry), "U"))
REG_EDIT(g_industry_2, snprintf(c->industry, sizeof(c->industry), "FG"))
REG_EDIT(g_industry_a, snprintf(c->industry, sizeof(c->industry), "A"))
REG_EDIT(g_industry_t, snprintf(c->industry, sizeof(c->industry), "T"))
REG_EDIT(g_country, snprintf(c->investor_country, sizeof(c->investor_country), "EU"))
REG_EDIT(g_capital_zero, c->registered_capital_fen = 0)
REG_EDIT(g_capital_neg, c->registered_capital_fen = -100)
REG_EDIT(g_capital_min, c->registered_capital_fen = 1)
REG_EDIT(g_registered_huge, c->registered_at_ms = -FTZ_TIME_MAX_MS)

static void test_registration_rules(void **state) {
    (void)state;
    static const rule_case_t cases[] = {
        {"good", g_nothing, NULL, NULL},
        {"another valid uscc", g_other_valid, NULL, NULL},
        {"check character", g_check, "RULE_USCC_CHECKSUM", "check character 4, expected 3"},
        {"17 characters", g_len, "RULE_USCC_CHECKSUM", "17 characters"},
        {"letter I", g_char, "RULE_USCC_CHECKSUM", "character 4 'I'"},
        {"lower case", g_lower, "RULE_USCC_CHECKSUM", "'l' is not allowed"},
        {"CJK character, 18 bytes", g_cjk_first, "RULE_USCC_CHECKSUM", "16 characters"},
        {"full-width digit", g_fullwidth, "RULE_USCC_CHECKSUM", "character 18 '１' is not allowed"},
        {"blank name", g_empty_name, "RULE_EMPTY_FIELD", "company_name"},
        {"empty uscc", g_empty_uscc, "RULE_EMPTY_FIELD", "uscc"},
        {"industry U", g_industry_u, "RULE_INDUSTRY", "\"U\""},
        {"industry FG", g_industry_2, "RULE_INDUSTRY", "\"FG\""},
        {"industry A", g_industry_a, NULL, NULL},
        {"industry T", g_industry_t, NULL, NULL},
        {"country", g_country, "RULE_COUNTRY_CODE", "investor_country: \"EU\""},
        {"capital 0", g_capital_zero, "RULE_NEGATIVE_AMOUNT", "registered_capital_cny: 0.00, must be > 0"},
        {"capital < 0", g_capital_neg, "RULE_NEGATIVE_AMOUNT", "-1.00"},
        {"capital 0.01", g_capital_min, NULL, NULL},
        {"registered_at far past", g_registered_huge, "RULE_TIMESTAMP_RANGE", "registered_at"},
    };
    ftz_registration_t good_rec = good_registration();
    run_cases(FTZ_REC_REGISTRATION, &good_rec, cases, FTZ_ARRAY_SIZE(cases));
}

FTZ_TEST_MAIN(cmocka_unit_test(test_customs_rules), cmocka_unit_test(test_country_list),
              cmocka_unit_test(test_rail_rules), cmocka_unit_test(test_registration_rules))
