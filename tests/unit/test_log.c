/* ftz_log_set_debug: the contexts -d takes, and the message naming a bad
 * one (a long one cut on a UTF-8 boundary: the message stays valid UTF-8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ftz/log.h"
#include "ftz/utf8.h"

static void test_contexts(void **state) {
    (void)state;
    char err[256] = "";
    assert_int_equal(ftz_log_set_debug("kafka,PG", err, sizeof(err)), 0);
    assert_int_equal(ftz_log_get_level(), FTZ_LOG_DEBUG);
    assert_int_equal(ftz_log_set_debug("all", err, sizeof(err)), 0);
    assert_int_equal(ftz_log_set_debug("kafka,nope", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "-d: unknown context \"nope\" ("));
    assert_int_equal(ftz_log_set_debug("", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "-d: no context given"));
    ftz_log_set_level(FTZ_LOG_INFO);
}

static void test_long_context_cut_on_char(void **state) {
    (void)state;
    char arg[128] = "a", err[256] = "";
    for (int i = 0; i < 40; i++)
        strcat(arg, "\xc3\xa9"); /* é: the 20-byte cut falls inside one */
    assert_int_equal(ftz_log_set_debug(arg, err, sizeof(err)), -1);
    assert_true(ftz_utf8_valid(err, strlen(err)));
    assert_non_null(strstr(err, "-d: unknown context \"a\xc3\xa9"));
    assert_non_null(strstr(err, "...\" ("));
}

FTZ_TEST_MAIN(cmocka_unit_test(test_contexts), cmocka_unit_test(test_long_context_cut_on_char))
