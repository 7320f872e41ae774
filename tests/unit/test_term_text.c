/* cmd/term_text.c: text from data as shown on a terminal (control
 * characters as \xNN, cut on a character boundary), its width, and
 * ftz_term_put, which shows the same text however long. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "term_text.h"

static const struct {
    const char *in;
    size_t size;
    const char *shown;
} cases[] = {
    {"plain", 64, "plain"},
    {"g\x1b[31mred\nx", 64, "g\\x1B[31mred\\x0Ax"},
    {"tab\there\r", 64, "tab\\x09here\\x0D"},
    {"del\x7f", 64, "del\\x7F"},
    {"c1 \xc2\x9b" "2J", 64, "c1 \\x9B2J"},             /* U+009B, CSI */
    {"n\xc2\xa0" "b", 64, "n\xc2\xa0" "b"},             /* U+00A0 is shown */
    {"\xe6\xb2\x88\xe9\x98\xb3", 64, "\xe6\xb2\x88\xe9\x98\xb3"}, /* 沈阳 */
    {"ab\xe6\xb2\x88", 5, "ab"},       /* cut before a character that does not fit */
    {"ab\x1b", 6, "ab"},               /* an escape is not cut either */
    {"abc", 1, ""},
};

static void test_printable(void **state) {
    (void)state;
    char buf[64];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_string_equal(ftz_term_printable(cases[i].in, buf, cases[i].size), cases[i].shown);
        assert_true(strlen(buf) < cases[i].size);
    }
}

static void test_put_matches_printable(void **state) {
    (void)state;
    char buf[64], out[64];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].size != 64)
            continue;
        FILE *f = fmemopen(out, sizeof(out), "w");
        assert_non_null(f);
        ftz_term_put(f, cases[i].in);
        fclose(f);
        assert_string_equal(out, ftz_term_printable(cases[i].in, buf, sizeof(buf)));
    }
}

static void test_width_and_cell(void **state) {
    (void)state;
    char out[64];
    assert_int_equal(ftz_term_width("\xe6\xb2\x88\xe9\x98\xb3"), 2);
    assert_int_equal(ftz_term_width("g\\x1B"), 5);
    FILE *f = fmemopen(out, sizeof(out), "w");
    assert_non_null(f);
    ftz_term_cell(f, "\xe6\xb2\x88", 3, 0, 1);
    ftz_term_cell(f, "7", 3, 1, 0);
    fclose(f);
    assert_string_equal(out, "\xe6\xb2\x88" "      7"); /* 2 + 2 + 2 blanks */
}

FTZ_TEST_MAIN(cmocka_unit_test(test_printable), cmocka_unit_test(test_put_matches_printable),
              cmocka_unit_test(test_width_and_cell))
