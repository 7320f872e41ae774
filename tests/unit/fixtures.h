/* Fixtures shared by the unit tests (linked into every one of them as the
 * library ftz_test_fixtures). Each fails the running cmocka test when it
 * cannot do what it says. */
#ifndef FTZ_TEST_FIXTURES_H
#define FTZ_TEST_FIXTURES_H

#include <stddef.h>
#include <stdio.h>

#include "ftz/record.h"

/* The main of a unit test file: runs the cmocka tests given, as in
 * FTZ_TEST_MAIN(cmocka_unit_test(test_a), cmocka_unit_test(test_b)). */
#define FTZ_TEST_MAIN(...)                                                                         \
    int main(void) {                                                                               \
        const struct CMUnitTest tests[] = {__VA_ARGS__};                                           \
        return cmocka_run_group_tests(tests, NULL, NULL);                                          \
    }

/* A temporary file holding `len` bytes of `text` (borrowed), positioned
 * at its start; the caller fcloses it (which removes it). */
FILE *ftz_test_file_of(const char *text, size_t len);

/* A copy of JSON text `s` (borrowed) written with ' for " (easier to read
 * in C strings), with every ' turned into "; the caller frees it. */
char *ftz_test_unquote(const char *s);

/* A declaration that passes every rule: `id` (borrowed, copied),
 * `revision`, CLEARED, a Dalian sea export of plastic bags (HS 392321)
 * from China to Japan. Its numbers (value, weight, times) are 0 except
 * has_cleared_at: each test sets those it needs. */
ftz_customs_t ftz_test_customs(const char *id, int revision);

/* A rail event that passes every rule: `event_id` (borrowed, copied) of
 * shipment SH1 on train X8001, container CSQU3054383, an OUTBOUND
 * DALIAN-DUISBURG journey of 2 TEU of Japanese electronics, ARRIVED at
 * Duisburg (DE). Value and times are 0. */
ftz_rail_t ftz_test_rail(const char *event_id);

/* A registration that passes every rule: `uscc` and `name` (borrowed,
 * copied), a foreign-invested Dalian company in industry F with a
 * Japanese investor. Capital and times are 0. */
ftz_registration_t ftz_test_registration(const char *uscc, const char *name);

#endif
