/* Stored offsets against the log, and the moves refused before any
 * statement is sent. The moves themselves need PostgreSQL and Kafka:
 * tests/stack/test_offsets.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ftz/array.h"
#include "ftz/offsets.h"

static void test_classify(void **state) {
    (void)state;
    static const struct {
        int64_t stored, start, end;
        ftz_offset_range_t want;
    } cases[] = {
        {-1, 0, 0, FTZ_OFFSET_NONE},          {-1, 5, 9, FTZ_OFFSET_NONE},
        {0, 0, 0, FTZ_OFFSET_OK},             {0, 0, 10, FTZ_OFFSET_OK},
        {10, 0, 10, FTZ_OFFSET_OK},           {5, 5, 10, FTZ_OFFSET_OK},
        {7, 7, 7, FTZ_OFFSET_OK},             /* retention emptied a caught-up log */
        {4, 5, 10, FTZ_OFFSET_BEHIND_START},  {0, 1, 1, FTZ_OFFSET_BEHIND_START},
        {11, 0, 10, FTZ_OFFSET_PAST_END},     {500, 0, 0, FTZ_OFFSET_PAST_END},
        {INT64_MAX, 0, INT64_MAX - 1, FTZ_OFFSET_PAST_END},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        ftz_offset_range_t got =
            ftz_offsets_classify(cases[i].stored, cases[i].start, cases[i].end);
        if (got != cases[i].want)
            fail_msg("stored %lld in [%lld, %lld): %s, want %s", (long long)cases[i].stored,
                     (long long)cases[i].start, (long long)cases[i].end,
                     ftz_offsets_range_text(got), ftz_offsets_range_text(cases[i].want));
    }
}

static void test_range_text(void **state) {
    (void)state;
    /* Scripts and the operations guide match these words. */
    assert_string_equal(ftz_offsets_range_text(FTZ_OFFSET_OK), "ok");
    assert_non_null(strstr(ftz_offsets_range_text(FTZ_OFFSET_NONE), "no stored offset"));
    assert_non_null(strstr(ftz_offsets_range_text(FTZ_OFFSET_BEHIND_START), "behind log start"));
    assert_non_null(strstr(ftz_offsets_range_text(FTZ_OFFSET_PAST_END), "past log end"));
}

/* Bad moves are refused before the connection is touched (it is NULL). */
static void test_move_refused(void **state) {
    (void)state;
    const ftz_offset_move_t good = {.group = "g", .topic = "t", .partition = 0,
                                    .expected_from = -1, .to_offset = 0,
                                    .kind = FTZ_OFFSET_MOVE_RESET, .reason = "why",
                                    .log_start = -1, .log_end = -1};
    ftz_offset_move_t bad[9];
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(bad); i++)
        bad[i] = good;
    bad[0].group = "";
    bad[1].topic = NULL;
    bad[2].partition = -1;
    bad[3].to_offset = -5;
    bad[4].expected_from = -2;
    bad[5].kind = "rewind";
    bad[6].kind = NULL;
    bad[7].reason = "";
    bad[8].reason = " \t\n";
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(bad); i++) {
        char why[256] = "";
        assert_int_equal(ftz_offsets_move(NULL, &bad[i], why, sizeof(why)),
                         FTZ_ERR_INVALID_ARG);
        assert_true(why[0] != '\0');
    }
    char why[256] = "";
    assert_int_equal(ftz_offsets_move(NULL, NULL, why, sizeof(why)), FTZ_ERR_INVALID_ARG);
    /* A valid move on no connection: retriable, not a crash. */
    assert_int_equal(ftz_offsets_move(NULL, &good, why, sizeof(why)), FTZ_ERR_RETRIABLE);
}

FTZ_TEST_MAIN(cmocka_unit_test(test_classify), cmocka_unit_test(test_range_text),
              cmocka_unit_test(test_move_refused))
