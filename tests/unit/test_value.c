/* Decimal money and RFC 3339 timestamps, from tables of cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ftz/array.h"
#include "ftz/value.h"

static void test_decimal_parse(void **state) {
    (void)state;
    static const struct { const char *in; int ok; int64_t fen; } cases[] = {
        {"0", 1, 0},           {"12", 1, 1200},         {"12.5", 1, 1250},
        {"12.05", 1, 1205},    {"-3.10", 1, -310},      {"+7", 1, 700},
        {"9999999999999999.99", 1, 999999999999999999LL},
        {"12.345", 0, 0},      {"", 0, 0},              {"1e5", 0, 0},
        {".5", 0, 0},          {"5.", 0, 0},            {"abc", 0, 0},
        {"12 ", 0, 0},         {"99999999999999999", 0, 0}, {"-", 0, 0},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        int64_t fen = -42;
        char why[128] = "";
        ftz_err_t err = ftz_decimal_parse(cases[i].in, &fen, why, sizeof(why));
        if ((err == FTZ_OK) != cases[i].ok)
            fail_msg("\"%s\": ok=%d, want %d (%s)", cases[i].in, err == FTZ_OK, cases[i].ok, why);
        if (cases[i].ok)
            assert_int_equal(fen, cases[i].fen);
        else
            assert_true(why[0] != '\0');
    }
}

static void test_decimal_format(void **state) {
    (void)state;
    char out[32];
    ftz_decimal_format(0, out, sizeof(out));
    assert_string_equal(out, "0.00");
    ftz_decimal_format(-5, out, sizeof(out));
    assert_string_equal(out, "-0.05");
    ftz_decimal_format(123456, out, sizeof(out));
    assert_string_equal(out, "1234.56");
    ftz_decimal_format(INT64_MIN, out, sizeof(out));
    assert_string_equal(out, "-92233720368547758.08");
}

static void test_decimal_bytes(void **state) {
    (void)state;
    static const int64_t values[] = {0, 1, -1, 127, 128, -128, -129, 255, 256, 32767,
                                     -32768, 123456789, -123456789, 999999999999999999LL,
                                     -999999999999999999LL};
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(values); i++) {
        unsigned char b[8];
        int64_t back = 42;
        size_t n = ftz_decimal_to_bytes(values[i], b);
        assert_true(n >= 1 && n <= 8);
        assert_int_equal(ftz_decimal_from_bytes(b, n, &back, NULL, 0), FTZ_OK);
        assert_int_equal(back, values[i]);
    }
    /* Minimal two's complement, as Java's BigInteger.toByteArray. */
    unsigned char b[8];
    assert_int_equal(ftz_decimal_to_bytes(128, b), 2);
    assert_int_equal(b[0], 0x00);
    assert_int_equal(b[1], 0x80);
    assert_int_equal(ftz_decimal_to_bytes(-128, b), 1);
    assert_int_equal(b[0], 0x80);
    /* Sign-extended 16 bytes are fine; a real 9-byte value is not. */
    unsigned char wide[16];
    memset(wide, 0xFF, sizeof(wide));
    int64_t v;
    assert_int_equal(ftz_decimal_from_bytes(wide, 16, &v, NULL, 0), FTZ_OK);
    assert_int_equal(v, -1);
    unsigned char big[9] = {0x01, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(ftz_decimal_from_bytes(big, 9, &v, NULL, 0), FTZ_ERR_POISON);
    assert_int_equal(ftz_decimal_from_bytes(big, 0, &v, NULL, 0), FTZ_ERR_POISON);
    /* 10^18 exceeds precision 18. */
    size_t n = ftz_decimal_to_bytes(1000000000000000000LL, b);
    assert_int_equal(ftz_decimal_from_bytes(b, n, &v, NULL, 0), FTZ_ERR_POISON);
}

static void test_time(void **state) {
    (void)state;
    static const struct { const char *in; int ok; int64_t ms; } cases[] = {
        {"1970-01-01T00:00:00Z", 1, 0},
        {"2026-11-01T08:00:00Z", 1, 1793520000000LL},
        {"2026-11-01T16:00:00+08:00", 1, 1793520000000LL},
        {"2026-11-01T16:00:00.25+08:00", 1, 1793520000250LL},
        {"2026-11-01t08:00:00.123z", 1, 1793520000123LL},
        {"2024-02-29T00:00:00Z", 1, 1709164800000LL},
        {"1969-12-31T23:59:59.999Z", 1, -1},
        {"2026-11-01T08:00:00.1230000Z", 1, 1793520000123LL},
        {"2026-11-01T08:00:00.1234Z", 0, 0},
        {"2026-11-01T08:00:00", 0, 0},
        {"2025-02-29T00:00:00Z", 0, 0},
        {"2026-13-01T00:00:00Z", 0, 0},
        {"2026-11-01T24:00:00Z", 0, 0},
        {"2026-11-01", 0, 0},
        {"", 0, 0},
        {"2026-11-01T08:00:00Zjunk", 0, 0},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        int64_t ms = 42;
        char why[128] = "";
        ftz_err_t err = ftz_time_parse(cases[i].in, &ms, why, sizeof(why));
        if ((err == FTZ_OK) != cases[i].ok)
            fail_msg("\"%s\": ok=%d, want %d (%s)", cases[i].in, err == FTZ_OK, cases[i].ok, why);
        if (cases[i].ok && ms != cases[i].ms)
            fail_msg("\"%s\": %lld, want %lld", cases[i].in, (long long)ms,
                     (long long)cases[i].ms);
    }
    char out[40];
    ftz_time_format(1793520000000LL, out, sizeof(out));
    assert_string_equal(out, "2026-11-01T08:00:00Z");
    ftz_time_format(1793520000250LL, out, sizeof(out));
    assert_string_equal(out, "2026-11-01T08:00:00.250Z");
    ftz_time_format(-1, out, sizeof(out));
    assert_string_equal(out, "1969-12-31T23:59:59.999Z");
}

FTZ_TEST_MAIN(cmocka_unit_test(test_decimal_parse), cmocka_unit_test(test_decimal_format),
              cmocka_unit_test(test_decimal_bytes), cmocka_unit_test(test_time))
