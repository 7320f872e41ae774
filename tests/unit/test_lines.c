/* The line reader (lib/src/lines.c): line ends (LF, CRLF, CR), a BOM at
 * the start, a last line without a line end, lines over the bound (given
 * once, skipped without being held), and waits on a quiet pipe. */
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
#include "ftz/lines.h"

/* Reads every line of text with bound max (0: the default) and renders
 * them as "L<line>|" and "T<first bytes>|" (too long), then "E". */
static void render(const char *text, size_t len, size_t max, char *out, size_t out_size) {
    FILE *f = ftz_test_file_of(text, len);
    ftz_lines_t r;
    const char *line;
    size_t n;
    char errstr[128];
    ftz_lines_result_t got;
    size_t o = 0;
    ftz_lines_init(&r, fileno(f));
    ftz_lines_set_max(&r, max);
    while ((got = ftz_lines_next(&r, &line, &n, -1, errstr, sizeof(errstr))) != FTZ_LINES_EOF) {
        assert_true(got == FTZ_LINES_LINE || got == FTZ_LINES_TOO_LONG);
        if (got == FTZ_LINES_TOO_LONG)
            assert_non_null(strstr(errstr, "longer than"));
        int k = snprintf(out + o, out_size - o, "%c%.*s|", got == FTZ_LINES_LINE ? 'L' : 'T',
                         (int)n, line);
        assert_true(k > 0 && (size_t)k < out_size - o);
        o += (size_t)k;
    }
    assert_true(o + 2 <= out_size);
    memcpy(out + o, "E", 2);
    ftz_lines_free(&r);
    fclose(f);
}

static void test_line_ends(void **state) {
    (void)state;
    static const struct { const char *in; size_t max; const char *want; } cases[] = {
        {"", 0, "E"},
        {"a\nb\n", 0, "La|Lb|E"},
        {"a\nb", 0, "La|Lb|E"},                 /* last line without a line end */
        {"a\r\nb\r\n", 0, "La|Lb|E"},           /* CRLF */
        {"a\rb\rc", 0, "La|Lb|Lc|E"},           /* CR only (old Mac) */
        {"a\r\rb\r", 0, "La|L|Lb|E"},           /* an empty line between two CRs */
        {"a\n\r\nb", 0, "La|L|Lb|E"},           /* LF then CRLF: an empty line */
        {"a\r\n\nb", 0, "La|L|Lb|E"},
        {"\n\n", 0, "L|L|E"},
        {"\xEF\xBB\xBF{}\n", 0, "L{}|E"},       /* BOM skipped */
        {"\xEF\xBB\xBF", 0, "E"},
        {"\xEF\xBB", 0, "L\xEF\xBB|E"},         /* not a whole BOM: kept */
        {"x\xEF\xBB\xBF\n", 0, "Lx\xEF\xBB\xBF|E"}, /* a BOM later is data */
        {"\xEF\xBB\xBF\xEF\xBB\xBF\n", 0, "L\xEF\xBB\xBF|E"}, /* only the first */
        {"abcd\nabcde\nab\n", 4, "Labcd|Tabcd|Lab|E"}, /* the bound: 4 is fine, 5 is not */
        {"abcdefgh", 4, "Tabcd|E"},
        {"abcdefgh\r\nx", 4, "Tabcd|Lx|E"},
        {"\xEF\xBB\xBF" "abcde\rx\r", 4, "Tabcd|Lx|E"},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        char out[256];
        render(cases[i].in, strlen(cases[i].in), cases[i].max, out, sizeof(out));
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, out, cases[i].want);
    }
}

/* A 50 MB line with a 1 MiB bound: reported once, skipped without being
 * held (the buffer stays near the bound), and the next line is read. */
static void test_long_line_bounded(void **state) {
    (void)state;
    size_t big = 50u << 20, max = 1u << 20;
    char *text = malloc(big + 16);
    assert_non_null(text);
    memcpy(text, "first\n", 6);
    memset(text + 6, '[', big);
    memcpy(text + 6 + big, "\nlast\n", 6);
    FILE *f = ftz_test_file_of(text, big + 12);
    free(text);

    ftz_lines_t r;
    const char *line;
    size_t n;
    char errstr[128];
    ftz_lines_init(&r, fileno(f));
    ftz_lines_set_max(&r, max);
    assert_int_equal(ftz_lines_next(&r, &line, &n, -1, errstr, sizeof(errstr)), FTZ_LINES_LINE);
    assert_int_equal(n, 5);
    assert_int_equal(ftz_lines_next(&r, &line, &n, -1, errstr, sizeof(errstr)),
                     FTZ_LINES_TOO_LONG);
    assert_int_equal(n, max);
    assert_non_null(strstr(errstr, "1048576"));
    assert_int_equal(ftz_lines_next(&r, &line, &n, -1, errstr, sizeof(errstr)), FTZ_LINES_LINE);
    assert_int_equal(n, 4);
    assert_memory_equal(line, "last", 4);
    assert_int_equal(ftz_lines_next(&r, &line, &n, -1, errstr, sizeof(errstr)), FTZ_LINES_EOF);
    if (r.cap > 4 * max)
        fail_msg("the reader's buffer grew to %zu bytes for a bound of %zu", r.cap, max);
    ftz_lines_free(&r);
    fclose(f);
}

/* A reader of the read end of a pipe, and what its last call gave. */
typedef struct piped_s {
    int fds[2];
    ftz_lines_t r;
    const char *line;
    size_t n;
    char errstr[128];
} piped_t;

static void piped_open(piped_t *p, size_t max) {
    assert_int_equal(pipe(p->fds), 0);
    ftz_lines_init(&p->r, p->fds[0]);
    if (max)
        ftz_lines_set_max(&p->r, max);
}

static void piped_close(piped_t *p) {
    ftz_lines_free(&p->r);
    close(p->fds[0]);
}

/* The next line, waiting at most 20 ms. */
static ftz_lines_result_t next(piped_t *p) {
    return ftz_lines_next(&p->r, &p->line, &p->n, 20, p->errstr, sizeof(p->errstr));
}

static void put(piped_t *p, const char *s) {
    assert_int_equal(write(p->fds[1], s, strlen(s)), (ssize_t)strlen(s));
}

/* A pipe that is quiet gives WAIT; a line end split across writes (CR,
 * then LF), a BOM split across writes and a line that ends only at EOF. */
static void test_pipe_waits(void **state) {
    (void)state;
    piped_t p;
    piped_open(&p, 0);

    assert_int_equal(next(&p), FTZ_LINES_WAIT);
    put(&p, "\xEF");
    assert_int_equal(next(&p), FTZ_LINES_WAIT);
    put(&p, "\xBB\xBF" "abc");
    assert_int_equal(next(&p), FTZ_LINES_WAIT);
    put(&p, "\r");
    /* The CR ends the line at once, without waiting for what follows. */
    assert_int_equal(next(&p), FTZ_LINES_LINE);
    assert_int_equal(p.n, 3);
    assert_memory_equal(p.line, "abc", 3);
    assert_int_equal(next(&p), FTZ_LINES_WAIT);
    /* The LF that follows belongs to that CR: no empty line. */
    put(&p, "\nd");
    assert_int_equal(next(&p), FTZ_LINES_WAIT);
    close(p.fds[1]);
    assert_int_equal(next(&p), FTZ_LINES_LINE);
    assert_int_equal(p.n, 1);
    assert_memory_equal(p.line, "d", 1);
    assert_int_equal(next(&p), FTZ_LINES_EOF);
    piped_close(&p);
}

/* A too-long line that arrives slowly through a pipe is given once, and
 * its rest is dropped as it comes. */
static void test_pipe_long_line(void **state) {
    (void)state;
    piped_t p;
    piped_open(&p, 8);
    put(&p, "0123456789");
    assert_int_equal(next(&p), FTZ_LINES_TOO_LONG);
    assert_int_equal(p.n, 8);
    assert_int_equal(next(&p), FTZ_LINES_WAIT);
    put(&p, "more of the same line");
    assert_int_equal(next(&p), FTZ_LINES_WAIT);
    put(&p, "\r\nok\n");
    assert_int_equal(next(&p), FTZ_LINES_LINE);
    assert_int_equal(p.n, 2);
    assert_memory_equal(p.line, "ok", 2);
    close(p.fds[1]);
    assert_int_equal(next(&p), FTZ_LINES_EOF);
    piped_close(&p);
}

FTZ_TEST_MAIN(cmocka_unit_test(test_line_ends), cmocka_unit_test(test_long_line_bounded),
              cmocka_unit_test(test_pipe_waits), cmocka_unit_test(test_pipe_long_line))
