/* The one formatter of error and log text (err.c): ftz_vfmt never writes
 * past its buffer, always terminates it, cuts on a UTF-8 character
 * boundary and marks a cut with "..."; NULL and size 0 write nothing;
 * ftz_seterr goes through it; ftz_fmt_one_line flattens line breaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "ftz/array.h"
#include "ftz/err.h"
#include "ftz/utf8.h"

/* Bytes past the buffer a call is given: they must stay as they are. */
#define GUARD 8
#define GUARD_BYTE 0x5A

static void test_fits(void **state) {
    (void)state;
    char buf[16];
    assert_int_equal(ftz_fmt(buf, sizeof(buf), "%s=%d", "n", 42), 4);
    assert_string_equal(buf, "n=42");
    /* Exactly full (15 bytes and the NUL): not cut. */
    assert_int_equal(ftz_fmt(buf, sizeof(buf), "%s", "123456789012345"), 15);
    assert_string_equal(buf, "123456789012345");
    assert_int_equal(ftz_fmt(buf, sizeof(buf), "%s", ""), 0);
    assert_string_equal(buf, "");
}

/* Table: size given -> what the buffer holds for "0123456789". */
static void test_cut_and_marked(void **state) {
    (void)state;
    static const struct {
        size_t size;
        const char *want;
    } cases[] = {
        {1, ""},         /* only the NUL fits */
        {2, "0"},        /* no room for the mark: plain cut */
        {3, "01"},       /* still none */
        {4, "..."},      /* the mark alone */
        {5, "0..."},     /* the mark after what fits */
        {10, "012345..."}, /* one byte short */
        {11, "0123456789"}, /* fits */
        {64, "0123456789"},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        unsigned char mem[64 + GUARD];
        memset(mem, GUARD_BYTE, sizeof(mem));
        size_t n = ftz_fmt((char *)mem, cases[i].size, "%s%d", "01234", 56789);
        if (strcmp((char *)mem, cases[i].want) != 0 || n != strlen(cases[i].want))
            fail_msg("size %zu: got \"%s\" (%zu), want \"%s\"", cases[i].size, (char *)mem, n,
                     cases[i].want);
        for (size_t k = cases[i].size; k < sizeof(mem); k++)
            if (mem[k] != GUARD_BYTE)
                fail_msg("size %zu: byte %zu past the buffer written", cases[i].size, k);
    }
}

/* Every size for a text of 1-, 2-, 3- and 4-byte characters: never past
 * the buffer, always terminated, valid UTF-8, the start of the text, and
 * either all of it or marked. */
static void test_utf8_boundary(void **state) {
    (void)state;
    const char *text = "a\xC3\xA9" "b\xE2\x82\xAC" "c\xF0\x9F\x9A\x82" "d\xC3\xA9\xC3\xA9";
    size_t len = strlen(text);
    for (size_t size = 1; size <= len + 2; size++) {
        unsigned char mem[64 + GUARD];
        memset(mem, GUARD_BYTE, sizeof(mem));
        char *buf = (char *)mem;
        size_t n = ftz_fmt(buf, size, "%s", text);
        for (size_t k = size; k < sizeof(mem); k++)
            if (mem[k] != GUARD_BYTE)
                fail_msg("size %zu: byte %zu past the buffer written", size, k);
        assert_true(n < size);
        assert_int_equal(strlen(buf), n);
        if (!ftz_utf8_valid(buf, n))
            fail_msg("size %zu: \"%s\" is not valid UTF-8", size, buf);
        if (size > len) {
            assert_string_equal(buf, text);
            continue;
        }
        size_t kept = n;
        if (size >= 4) {
            assert_true(n >= 3);
            assert_memory_equal(buf + n - 3, "...", 3);
            kept = n - 3;
            /* Besides the room for the mark, only a partial character
             * is dropped: at most 3 bytes of it. */
            assert_true(n + 3 >= size - 1);
        }
        assert_memory_equal(buf, text, kept);
    }
}

/* Bytes that are not UTF-8 are cut anywhere, never read or written past
 * the buffer. */
static void test_not_utf8(void **state) {
    (void)state;
    const char *junk = "\x80\x80\x80\x80\x80\x80\xFF\xFE\xC3";
    for (size_t size = 1; size <= 12; size++) {
        char buf[16];
        size_t n = ftz_fmt(buf, size, "%s", junk);
        assert_true(n < size);
        assert_int_equal(strlen(buf), n);
    }
}

static void test_null_and_zero(void **state) {
    (void)state;
    char c = 'x';
    assert_int_equal(ftz_fmt(NULL, 0, "%s", "anything"), 0);
    assert_int_equal(ftz_fmt(NULL, 16, "%s", "anything"), 0);
    assert_int_equal(ftz_fmt(&c, 0, "%s", "anything"), 0);
    assert_int_equal(c, 'x'); /* size 0: not even the NUL */
    assert_int_equal(ftz_seterr(FTZ_ERR_IO, NULL, 0, "%s", "x"), FTZ_ERR_IO);
    assert_int_equal(ftz_seterr(FTZ_ERR_POISON, &c, 0, "%s", "x"), FTZ_ERR_POISON);
    assert_int_equal(c, 'x');
}

static void test_seterr(void **state) {
    (void)state;
    char errstr[12];
    assert_int_equal(ftz_seterr(FTZ_ERR_FATAL, errstr, sizeof(errstr), "table %s is gone",
                                "ftz.offsets"),
                     FTZ_ERR_FATAL);
    assert_string_equal(errstr, "table ft...");
    assert_int_equal(ftz_seterr(FTZ_OK, errstr, sizeof(errstr), "ok"), FTZ_OK);
    assert_string_equal(errstr, "ok");
}

/* A format that cannot be carried out (a wide character the C locale
 * cannot convert) leaves an empty, terminated buffer. */
static void test_format_failure(void **state) {
    (void)state;
    char buf[16];
    memset(buf, 'x', sizeof(buf));
    static const wchar_t bad[] = {0x263A, 0};
    assert_int_equal(ftz_fmt(buf, sizeof(buf), "%ls", bad), 0);
    assert_string_equal(buf, "");
}

/* Helpers that add a prefix write the rest after it: the idiom compat.c
 * uses. A cut in the prefix leaves no room for the rest. */
static void test_prefix_then_rest(void **state) {
    (void)state;
    char buf[16];
    size_t n = ftz_fmt(buf, sizeof(buf), "%s: ", "writer");
    n += ftz_fmt(buf + n, sizeof(buf) - n, "%s", "long is not int");
    assert_string_equal(buf, "writer: long...");
    assert_int_equal(n, strlen(buf));
    n = ftz_fmt(buf, 6, "%s: ", "writer");
    assert_string_equal(buf, "wr...");
    assert_int_equal(ftz_fmt(buf + n, 6 - n, "%s", "more"), 0);
    assert_string_equal(buf, "wr...");
}

static void test_one_line(void **state) {
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"", ""},
        {"plain", "plain"},
        {"connection lost\n", "connection lost"},
        {"server closed the connection\n\tThis probably means\r\n",
         "server closed the connection \tThis probably means"},
        {"a\r\nb", "a  b"},
        {"trailing   ", "trailing"},
        {"\n\n", ""},
        {"a\x1b[2Jb\x1b]0;t\a", "a?[2Jb?]0;t?"},
        {"v\vf\fd\x7f", "v?f?d?"},
        {"csi\xc2\x9b" "2J nel\xc2\x85 nbsp\xc2\xa0 \xc2", "csi??2J nel?? nbsp\xc2\xa0 \xc2"},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        char buf[128];
        snprintf(buf, sizeof(buf), "%s", cases[i].in);
        size_t n = ftz_fmt_one_line(buf);
        if (strcmp(buf, cases[i].want) != 0 || n != strlen(cases[i].want))
            fail_msg("case %zu: got \"%s\" (%zu), want \"%s\"", i, buf, n, cases[i].want);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fits),
        cmocka_unit_test(test_cut_and_marked),
        cmocka_unit_test(test_utf8_boundary),
        cmocka_unit_test(test_not_utf8),
        cmocka_unit_test(test_null_and_zero),
        cmocka_unit_test(test_seterr),
        cmocka_unit_test(test_format_failure),
        cmocka_unit_test(test_prefix_then_rest),
        cmocka_unit_test(test_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
