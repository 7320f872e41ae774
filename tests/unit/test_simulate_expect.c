/* The simulator's bookkeeping (lib/src/simulate_expect.c): docs/domain.md's
 * rules applied to records in the order sent, case by case, checked against
 * rows written out by hand (compared by ftz_expect_diff). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ftz/codec.h"
#include "ftz/expect.h"
#include "ftz/simulate.h"
#include "ftz/value.h"
#include "ftz/verdict.h"

static int64_t ms(const char *rfc3339) {
    int64_t v;
    assert_int_equal(ftz_time_parse(rfc3339, &v, NULL, 0), FTZ_OK);
    return v;
}

/* A valid declaration: CLEARED, Dalian export of plastic bags to Japan. */
static ftz_customs_t decl(const char *id, int revision) {
    ftz_customs_t c = ftz_test_customs(id, revision);
    c.declared_value_fen = 100000;
    c.gross_weight_kg = 10.25;
    c.filed_at_ms = ms("2026-11-01T01:00:00Z");
    c.cleared_at_ms = c.filed_at_ms + 3601999; /* 3601 whole seconds */
    c.event_time_ms = c.cleared_at_ms;
    return c;
}

static const ftz_sim_info_t clean = {FTZ_SIM_CLEAN, -1};

static void add(ftz_sim_expect_t *x, ftz_rtype_t type, const void *rec,
                const ftz_sim_info_t *info) {
    char errstr[256];
    if (ftz_sim_expect_add(x, type, rec, info, errstr, sizeof(errstr)) != FTZ_OK)
        fail_msg("ftz_sim_expect_add: %s", errstr);
}

static void row(ftz_expect_t *want, ftz_expect_table_t t, const char *const *cells) {
    char errstr[256];
    if (ftz_expect_add_row(want, t, cells, errstr, sizeof(errstr)) != FTZ_OK)
        fail_msg("ftz_expect_add_row: %s", errstr);
}

/* The bookkeeping's result equals want, row for row. */
static void assert_result(ftz_sim_expect_t *x, ftz_expect_t *want) {
    char errstr[256];
    ftz_expect_t *got = ftz_sim_expect_result(x, errstr, sizeof(errstr));
    if (!got)
        fail_msg("ftz_sim_expect_result: %s", errstr);
    assert_int_equal(ftz_expect_diff(want, got, stderr), 0);
    ftz_expect_destroy(got);
}

static void test_customs_revisions(void **state) {
    (void)state;
    ftz_sim_expect_t *x = ftz_sim_expect_new();
    ftz_expect_t *want = ftz_expect_new();
    assert_non_null(x);
    assert_non_null(want);

    /* A: revised (value), then a stale revision and an equal one with other
     * values: the second revision counts. */
    ftz_customs_t a1 = decl("A", 1), a2 = decl("A", 2), a1late = decl("A", 1), a2again;
    a2.declared_value_fen = 150050;
    a1late.declared_value_fen = 999900;
    a2again = a2;
    a2again.declared_value_fen = 777700;
    add(x, FTZ_REC_CUSTOMS, &a1, &clean);
    add(x, FTZ_REC_CUSTOMS, &a2, &clean);
    add(x, FTZ_REC_CUSTOMS, &a1late, &clean);
    add(x, FTZ_REC_CUSTOMS, &a2again, &clean);
    /* B: revision 3 before revision 2: 3 counts; HELD. */
    ftz_customs_t b3 = decl("B", 3), b2 = decl("B", 2);
    b3.status = FTZ_STATUS_HELD;
    b3.has_cleared_at = false;
    b3.gross_weight_kg = 0.5;
    add(x, FTZ_REC_CUSTOMS, &b3, &clean);
    add(x, FTZ_REC_CUSTOMS, &b2, &clean);
    /* C: cancelled by its second revision: counts nowhere. */
    ftz_customs_t c1 = decl("C", 1), c2 = decl("C", 2);
    c2.status = FTZ_STATUS_CANCELLED;
    c2.has_cleared_at = false;
    add(x, FTZ_REC_CUSTOMS, &c1, &clean);
    add(x, FTZ_REC_CUSTOMS, &c2, &clean);
    /* D: moved to the next Shanghai day (17:30Z is 01:30 the next day) and
     * to Korea by its second revision: the first row goes back to zero. */
    ftz_customs_t d1 = decl("D", 1), d2 = decl("D", 2);
    d1.filed_at_ms = ms("2026-11-03T01:00:00Z");
    d1.cleared_at_ms = d1.filed_at_ms + 60000;
    d2.filed_at_ms = ms("2026-11-03T17:30:00Z");
    d2.cleared_at_ms = d2.filed_at_ms + 60000;
    snprintf(d2.destination_country, sizeof(d2.destination_country), "KR");
    add(x, FTZ_REC_CUSTOMS, &d1, &clean);
    add(x, FTZ_REC_CUSTOMS, &d2, &clean);
    /* E: a broken revision 9 is a dead letter, nothing more. */
    ftz_customs_t e9 = decl("A", 9);
    ftz_sim_info_t broken = {FTZ_SIM_BROKEN, FTZ_V_RULE_HS_CODE};
    e9.hs_code[0] = e9.hs_code[1] = '7';
    add(x, FTZ_REC_CUSTOMS, &e9, &broken);
    add(x, FTZ_REC_CUSTOMS, &e9, &broken);

    row(want, FTZ_EXPECT_CUSTOMS_DAILY,
        (const char *[]){"2026-11-01", "DALIAN", "EXPORT", "39", "JP", "SEA", "2", "2500.50",
                         "10.75", "1", "1", "3601", "10.75"});
    row(want, FTZ_EXPECT_CUSTOMS_DAILY,
        (const char *[]){"2026-11-04", "DALIAN", "EXPORT", "39", "KR", "SEA", "1", "1000.00",
                         "10.25", "1", "0", "60", "10.25"});
    row(want, FTZ_EXPECT_DEAD_LETTERS,
        (const char *[]){"ftz.customs.declarations", "RULE_HS_CODE", "2"});
    assert_result(x, want);
    ftz_expect_destroy(want);
    ftz_sim_expect_destroy(x);
}

static void test_rail_and_registrations(void **state) {
    (void)state;
    ftz_sim_expect_t *x = ftz_sim_expect_new();
    ftz_expect_t *want = ftz_expect_new();
    ftz_rail_t dep = ftz_test_rail("S1-D"), arr;
    dep.event_type = FTZ_RAIL_DEPARTED;
    dep.cargo_value_fen = 123456;
    dep.event_time_ms = ms("2026-11-01T02:00:00Z");
    arr = dep;
    snprintf(arr.event_id, sizeof(arr.event_id), "S1-A");
    arr.event_type = FTZ_RAIL_ARRIVED;
    arr.event_time_ms = ms("2026-11-15T02:00:00.999Z");
    arr.has_departed_at = true;
    arr.departed_at_ms = dep.event_time_ms + 1;
    /* The arrival first (out of order), each twice: counted once each. */
    add(x, FTZ_REC_RAIL, &arr, &clean);
    add(x, FTZ_REC_RAIL, &dep, &clean);
    add(x, FTZ_REC_RAIL, &arr, &clean);
    add(x, FTZ_REC_RAIL, &dep, &clean);

    ftz_registration_t r1 = ftz_test_registration("91210200MA0000001X", "x"), r1b, r2;
    r1.registered_capital_fen = 100000000;
    r1.registered_at_ms = ms("2026-10-31T16:30:00Z"); /* November in Shanghai */
    r1.event_time_ms = r1.registered_at_ms;
    r1b = r1; /* the same company again with other fields: the first counts */
    r1b.area = FTZ_AREA_SHENYANG;
    r1b.registered_capital_fen = 5;
    r2 = r1;
    snprintf(r2.uscc, sizeof(r2.uscc), "91210200MA0000002X");
    r2.registered_capital_fen = 50;
    ftz_sim_info_t variant = {FTZ_SIM_VARIANT, -1};
    add(x, FTZ_REC_REGISTRATION, &r1, &clean);
    add(x, FTZ_REC_REGISTRATION, &r1b, &variant);
    add(x, FTZ_REC_REGISTRATION, &r2, &clean);

    row(want, FTZ_EXPECT_RAIL_DAILY,
        (const char *[]){"2026-11-01", "DALIAN-DUISBURG", "OUTBOUND", "ELECTRONICS", "JP", "1",
                         "0", "0", "2", "1234.56", "0"});
    /* 14 days less a millisecond, plus 0.998 s: floor(1209600.998 - ...) */
    row(want, FTZ_EXPECT_RAIL_DAILY,
        (const char *[]){"2026-11-15", "DALIAN-DUISBURG", "OUTBOUND", "ELECTRONICS", "JP", "0",
                         "0", "1", "0", "0", "1209600"});
    row(want, FTZ_EXPECT_REGISTRATIONS_MONTHLY,
        (const char *[]){"2026-11-01", "DALIAN", "F", "FOREIGN_INVESTED", "JP", "2",
                         "1000000.50"});
    assert_result(x, want);
    ftz_expect_destroy(want);
    ftz_sim_expect_destroy(x);
}

static void test_bad_input(void **state) {
    (void)state;
    ftz_sim_expect_t *x = ftz_sim_expect_new();
    char errstr[256];
    ftz_customs_t c = decl("W", 1);
    c.gross_weight_kg = 0.1; /* not exact in binary: the sums could not be */
    assert_int_equal(ftz_sim_expect_add(x, FTZ_REC_CUSTOMS, &c, &clean, errstr, sizeof(errstr)),
                     FTZ_ERR_INVALID_ARG);
    assert_non_null(strstr(errstr, "0.25"));
    ftz_sim_info_t bad = {FTZ_SIM_BROKEN, FTZ_V__COUNT};
    assert_int_equal(ftz_sim_expect_add(x, FTZ_REC_CUSTOMS, &c, &bad, errstr, sizeof(errstr)),
                     FTZ_ERR_INVALID_ARG);
    assert_int_equal(ftz_sim_expect_add(x, FTZ_REC__COUNT, &c, &clean, errstr, sizeof(errstr)),
                     FTZ_ERR_INVALID_ARG);
    ftz_sim_expect_destroy(x);
}

/* A whole simulated stream, dirt included: the result is the same twice,
 * and every valid declaration's highest revision is in it. */
static void test_simulated_stream(void **state) {
    (void)state;
    ftz_sim_conf_t conf;
    char errstr[256];
    ftz_sim_conf_defaults(&conf);
    conf.dirty_rate = 0.1;
    ftz_expect_t *result[2];
    for (int run = 0; run < 2; run++) {
        ftz_sim_t *sim = ftz_sim_new(&conf, errstr, sizeof(errstr));
        ftz_sim_expect_t *x = ftz_sim_expect_new();
        assert_non_null(sim);
        for (int t = 0; t < FTZ_REC__COUNT; t++)
            for (int i = 0; i < 2000; i++) {
                ftz_record_buf_t rec;
                ftz_sim_info_t info;
                assert_int_equal(ftz_sim_next_info(sim, (ftz_rtype_t)t, &rec, &info), FTZ_OK);
                add(x, (ftz_rtype_t)t, &rec, &info);
            }
        result[run] = ftz_sim_expect_result(x, errstr, sizeof(errstr));
        assert_non_null(result[run]);
        assert_true(ftz_expect_rows(result[run], FTZ_EXPECT_CUSTOMS_DAILY) > 100);
        assert_true(ftz_expect_rows(result[run], FTZ_EXPECT_RAIL_DAILY) > 100);
        assert_true(ftz_expect_rows(result[run], FTZ_EXPECT_REGISTRATIONS_MONTHLY) > 10);
        assert_true(ftz_expect_rows(result[run], FTZ_EXPECT_DEAD_LETTERS) >= 20);
        ftz_sim_expect_destroy(x);
        ftz_sim_destroy(sim);
    }
    assert_int_equal(ftz_expect_diff(result[0], result[1], stderr), 0);
    ftz_expect_destroy(result[0]);
    ftz_expect_destroy(result[1]);
}

FTZ_TEST_MAIN(cmocka_unit_test(test_customs_revisions),
              cmocka_unit_test(test_rail_and_registrations), cmocka_unit_test(test_bad_input),
              cmocka_unit_test(test_simulated_stream))
