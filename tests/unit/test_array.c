/* FTZ_ARRAY_SIZE and ftz_array_grow: growth by doubling, contents kept,
 * no move when there is room, refusal of sizes that overflow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ftz/array.h"

static void test_array_size(void **state) {
    (void)state;
    static const int three[3] = {1, 2, 3};
    const char *names[] = {"a", "b", "c", "d", "e"};
    assert_int_equal(FTZ_ARRAY_SIZE(three), 3);
    assert_int_equal(FTZ_ARRAY_SIZE(names), 5);
}

static void test_grow_keeps_contents(void **state) {
    (void)state;
    long *v = NULL;
    size_t n = 0, cap = 0, grows = 0;
    for (long i = 0; i < 1000; i++) {
        size_t before = cap;
        assert_int_equal(FTZ_ARRAY_GROW(v, cap, n + 1), FTZ_OK);
        assert_true(cap >= n + 1);
        if (cap != before) {
            /* Doubling from 16: 16, 32, 64, ... */
            assert_int_equal(cap, before ? before * 2 : 16);
            grows++;
        }
        v[n++] = i * 7;
    }
    assert_int_equal(cap, 1024);
    assert_int_equal(grows, 7);
    for (long i = 0; i < 1000; i++)
        assert_int_equal(v[i], i * 7);
    free(v);
}

static void test_grow_to_a_large_need(void **state) {
    (void)state;
    char *b = NULL;
    size_t cap = 0;
    assert_int_equal(ftz_array_grow(&b, &cap, 100000, 1), FTZ_OK);
    assert_int_equal(cap, 131072);
    b[99999] = 'x';
    char *kept = b;
    assert_int_equal(ftz_array_grow(&b, &cap, 131072, 1), FTZ_OK);
    assert_ptr_equal(b, kept);
    assert_int_equal(cap, 131072);
    free(b);
}

static void test_grow_refuses_overflow(void **state) {
    (void)state;
    uint64_t *v = NULL;
    size_t cap = 0;
    assert_int_equal(FTZ_ARRAY_GROW(v, cap, 4), FTZ_OK);
    v[0] = 42;
    uint64_t *kept = v;
    assert_int_equal(FTZ_ARRAY_GROW(v, cap, SIZE_MAX / sizeof(*v) + 1), FTZ_ERR_NOMEM);
    assert_int_equal(FTZ_ARRAY_GROW(v, cap, SIZE_MAX), FTZ_ERR_NOMEM);
    assert_int_equal(ftz_array_grow(&v, &cap, 32, 0), FTZ_ERR_NOMEM);
    assert_ptr_equal(v, kept);
    assert_int_equal(cap, 16);
    assert_int_equal(v[0], 42);
    free(v);
}

FTZ_TEST_MAIN(cmocka_unit_test(test_array_size), cmocka_unit_test(test_grow_keeps_contents),
              cmocka_unit_test(test_grow_to_a_large_need),
              cmocka_unit_test(test_grow_refuses_overflow))
