/* Expected table contents (lib/src/expect.c): cells checked by column type,
 * zero rows dropped, values compared by value, the JSON file written and
 * read back, bad files refused, and the differences printed one per row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ftz/array.h"
#include "ftz/expect.h"

static const char *const reg_a[] = {"2026-11-01", "DALIAN", "F", "DOMESTIC", "CN", "3", "1500.50"};
static const char *const reg_b[] = {"2026-12-01", "YINGKOU", "C", "DOMESTIC", "CN", "1", "10.00"};

static ftz_err_t add(ftz_expect_t *x, ftz_expect_table_t t, const char *const *cells) {
    char errstr[256];
    return ftz_expect_add_row(x, t, cells, errstr, sizeof(errstr));
}

/* The lines ftz_expect_diff prints, and how many rows differ. */
static size_t diff_text(ftz_expect_t *want, ftz_expect_t *got, char *text, size_t size) {
    FILE *f = fmemopen(text, size, "w");
    assert_non_null(f);
    size_t n = ftz_expect_diff(want, got, f);
    fclose(f);
    return n;
}

static void test_cells_are_checked(void **state) {
    (void)state;
    ftz_expect_t *x = ftz_expect_new();
    static const char *const bad_int[] = {"2026-11-01", "A", "F", "D", "CN", "1.5", "1.00"};
    static const char *const bad_num[] = {"2026-11-01", "A", "F", "D", "CN", "1", "1e3"};
    static const char *const bad_num2[] = {"2026-11-01", "A", "F", "D", "CN", "1", "1."};
    static const char *const zero[] = {"2026-11-01", "A", "F", "D", "CN", "0", "-0.00"};
    assert_int_equal(add(x, FTZ_EXPECT_REGISTRATIONS_MONTHLY, bad_int), FTZ_ERR_INVALID_ARG);
    assert_int_equal(add(x, FTZ_EXPECT_REGISTRATIONS_MONTHLY, bad_num), FTZ_ERR_INVALID_ARG);
    assert_int_equal(add(x, FTZ_EXPECT_REGISTRATIONS_MONTHLY, bad_num2), FTZ_ERR_INVALID_ARG);
    assert_int_equal(add(x, FTZ_EXPECT_REGISTRATIONS_MONTHLY, zero), FTZ_OK);
    assert_int_equal(ftz_expect_rows(x, FTZ_EXPECT_REGISTRATIONS_MONTHLY), 0); /* no row */
    static const char *const nan_weight[] = {"2026-11-01", "DALIAN", "EXPORT", "39", "JP",
                                             "SEA", "1", "1.00", "nan", "0", "0", "0", "1"};
    assert_int_equal(add(x, FTZ_EXPECT_CUSTOMS_DAILY, nan_weight), FTZ_ERR_INVALID_ARG);
    assert_int_equal(add(x, FTZ_EXPECT_REGISTRATIONS_MONTHLY, reg_a), FTZ_OK);
    assert_int_equal(ftz_expect_rows(x, FTZ_EXPECT_REGISTRATIONS_MONTHLY), 1);
    ftz_expect_destroy(x);
}

static void test_values_compare_by_value(void **state) {
    (void)state;
    ftz_expect_t *want = ftz_expect_new(), *got = ftz_expect_new();
    char text[2048];
    static const char *const w[] = {"2026-11-01", "DALIAN", "EXPORT", "39", "JP", "SEA",
                                    "2",          "1500.50", "24",    "1",  "0",  "7",
                                    "24.00"};
    static const char *const g[] = {"2026-11-01", "DALIAN", "EXPORT", "39", "JP", "SEA",
                                    "02",         "1500.5",  "24.0",  "1",  "0",  "7",
                                    "24"};
    assert_int_equal(add(want, FTZ_EXPECT_CUSTOMS_DAILY, w), FTZ_OK);
    assert_int_equal(add(got, FTZ_EXPECT_CUSTOMS_DAILY, g), FTZ_OK);
    assert_int_equal(diff_text(want, got, text, sizeof(text)), 0);
    ftz_expect_destroy(want);
    ftz_expect_destroy(got);
}

static void test_diff_names_each_row(void **state) {
    (void)state;
    ftz_expect_t *want = ftz_expect_new(), *got = ftz_expect_new();
    char text[4096];
    static const char *const a_other[] = {"2026-11-01", "DALIAN", "F", "DOMESTIC", "CN", "3",
                                          "1500.51"};
    static const char *const extra[] = {"2027-01-01", "DALIAN", "F", "DOMESTIC", "CN", "1",
                                        "1.00"};
    static const char *const dead[] = {"ftz.rail.events", "RULE_TEU", "2"};
    add(want, FTZ_EXPECT_REGISTRATIONS_MONTHLY, reg_a);
    add(want, FTZ_EXPECT_REGISTRATIONS_MONTHLY, reg_b);
    add(want, FTZ_EXPECT_DEAD_LETTERS, dead);
    add(got, FTZ_EXPECT_REGISTRATIONS_MONTHLY, extra);
    add(got, FTZ_EXPECT_REGISTRATIONS_MONTHLY, a_other);
    add(got, FTZ_EXPECT_DEAD_LETTERS, dead);
    assert_int_equal(diff_text(want, got, text, sizeof(text)), 3);
    assert_string_equal(
        text, "registrations_monthly: differs 2026-11-01|DALIAN|F|DOMESTIC|CN: "
              "registered_capital_cny expected 1500.50 found 1500.51\n"
              "registrations_monthly: missing 2026-12-01|YINGKOU|C|DOMESTIC|CN: companies=1 "
              "registered_capital_cny=10.00\n"
              "registrations_monthly: extra 2027-01-01|DALIAN|F|DOMESTIC|CN: companies=1 "
              "registered_capital_cny=1.00\n");
    ftz_expect_destroy(want);
    ftz_expect_destroy(got);
}

/* A file path of our own, removed at the end. */
static void temp_path(char *path, size_t size) {
    snprintf(path, size, "%s/ftz-test-expect-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

static void test_file_round_trip(void **state) {
    (void)state;
    ftz_expect_t *x = ftz_expect_new(), *back;
    char path[256], errstr[256], text[64];
    static const char *const customs[] = {"2026-11-01", "DALIAN", "EXPORT", "39", "J\"P\\", "SEA",
                                          "2", "1500.50", "0.1", "1", "0", "7", "0.10"};
    static const char *const dead[] = {"ftz.customs.declarations", "RULE_HS_CODE", "4"};
    add(x, FTZ_EXPECT_CUSTOMS_DAILY, customs);
    add(x, FTZ_EXPECT_REGISTRATIONS_MONTHLY, reg_b);
    add(x, FTZ_EXPECT_REGISTRATIONS_MONTHLY, reg_a);
    add(x, FTZ_EXPECT_DEAD_LETTERS, dead);
    temp_path(path, sizeof(path));
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(ftz_expect_write(x, f, "what it \"assumes\"", "{\"seed\": 1}", errstr,
                                      sizeof(errstr)),
                     FTZ_OK);
    fclose(f);
    back = ftz_expect_load(path, errstr, sizeof(errstr));
    if (!back)
        fail_msg("ftz_expect_load: %s", errstr);
    assert_int_equal(diff_text(x, back, text, sizeof(text)), 0);
    assert_int_equal(ftz_expect_rows(back, FTZ_EXPECT_REGISTRATIONS_MONTHLY), 2);
    assert_int_equal(ftz_expect_rows(back, FTZ_EXPECT_DEAD_LETTERS), 1);
    ftz_expect_destroy(back);
    ftz_expect_destroy(x);
    unlink(path);
}

static void test_bad_files_are_refused(void **state) {
    (void)state;
    static const struct {
        const char *text, *why;
    } cases[] = {
        {"{", "'}' expected"},
        {"{\"format\": \"other\", \"version\": 1}", "not an expectation file"},
        {"{\"format\": \"ftz-expect\", \"version\": 2}", "not an expectation file"},
        {"{\"format\": \"ftz-expect\", \"version\": 1}", "no array \"customs_daily\""},
        {"{\"format\": \"ftz-expect\", \"version\": 1, \"customs_daily\": [], \"rail_daily\": [],"
         " \"registrations_monthly\": [{\"month\": \"2026-11-01\", \"area\": \"DALIAN\","
         " \"industry\": \"F\", \"enterprise_type\": \"DOMESTIC\", \"investor_country\": \"CN\","
         " \"companies\": \"3\", \"registered_capital_cny\": \"1.00\"}], \"dead_letters\": []}",
         "companies: a whole number expected"},
        {"{\"format\": \"ftz-expect\", \"version\": 1, \"customs_daily\": [], \"rail_daily\": [],"
         " \"registrations_monthly\": [{\"month\": \"2026-11-01\", \"area\": \"DALIAN\","
         " \"industry\": \"F\", \"enterprise_type\": \"DOMESTIC\", \"investor_country\": \"CN\","
         " \"companies\": 3, \"registered_capital_cny\": 1.00}], \"dead_letters\": []}",
         "registered_capital_cny: a decimal string"},
        {"{\"format\": \"ftz-expect\", \"version\": 1, \"customs_daily\": [], \"rail_daily\": [],"
         " \"registrations_monthly\": [{\"month\": \"2026-11-01\", \"area\": \"DALIAN\","
         " \"industry\": \"F\", \"enterprise_type\": \"DOMESTIC\", \"investor_country\": \"CN\","
         " \"companies\": 3, \"registered_capital_cny\": \"1.00\", \"x\": 1}],"
         " \"dead_letters\": []}",
         "8 fields, the table has 7 columns"},
        {"{\"format\": \"ftz-expect\", \"version\": 1, \"customs_daily\": [], \"rail_daily\": [],"
         " \"registrations_monthly\": [{\"month\": \"2026-11-01\"}], \"dead_letters\": []}",
         "no area"},
    };
    char path[256], errstr[256];
    temp_path(path, sizeof(path));
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(cases[i].text, f);
        fclose(f);
        errstr[0] = '\0';
        ftz_expect_t *x = ftz_expect_load(path, errstr, sizeof(errstr));
        if (x || !strstr(errstr, cases[i].why))
            fail_msg("case %zu: %s, want an error with \"%s\"", i, x ? "loaded" : errstr,
                     cases[i].why);
    }
    unlink(path);
}

FTZ_TEST_MAIN(cmocka_unit_test(test_cells_are_checked),
              cmocka_unit_test(test_values_compare_by_value),
              cmocka_unit_test(test_diff_names_each_row), cmocka_unit_test(test_file_round_trip),
              cmocka_unit_test(test_bad_files_are_refused))
