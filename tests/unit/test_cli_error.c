/* The diagnostics of every command (cmd/cli_error.c): "ftz CMD: MESSAGE"
 * and, with a hint, "ftz CMD: hint: HINT"; a usage error's hint names
 * `ftz CMD --help`; each on one line, cut when too long; info lines
 * silenced by -q; written to stderr unless a writer is set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "ftz/log.h"

static char got[16384];
static size_t writes;

static void capture(const char *text) {
    size_t n = strlen(got);
    snprintf(got + n, sizeof(got) - n, "%s", text);
    writes++;
}

static int setup(void **state) {
    (void)state;
    got[0] = '\0';
    writes = 0;
    ftz_log_set_level(FTZ_LOG_INFO);
    ftz_cli_set_writer(capture);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    ftz_cli_set_writer(NULL);
    return 0;
}

static void test_error(void **state) {
    (void)state;
    assert_int_equal(ftz_cli_error("produce", NULL, "%s: %s", "in.csv", "Is a directory"),
                     FTZ_EXIT_FAILURE);
    assert_string_equal(got, "ftz produce: in.csv: Is a directory\n");
    assert_int_equal(writes, 1);
}

static void test_error_with_hint(void **state) {
    (void)state;
    assert_int_equal(ftz_cli_error("offsets", "Run \"ftz db migrate\" first",
                                   "table %s does not exist", "ftz.consumer_offsets"),
                     FTZ_EXIT_FAILURE);
    assert_string_equal(got, "ftz offsets: table ftz.consumer_offsets does not exist\n"
                             "ftz offsets: hint: Run \"ftz db migrate\" first\n");
    assert_int_equal(writes, 1); /* both lines in one piece */
}

static void test_usage_error(void **state) {
    (void)state;
    assert_int_equal(ftz_cli_usage_error("report", "--format \"%s\": not one of text", "xml"),
                     FTZ_EXIT_USAGE);
    assert_string_equal(got, "ftz report: --format \"xml\": not one of text\n"
                             "ftz report: hint: Try \"ftz report --help\"\n");
    /* A subcommand is helped by its command's --help. */
    got[0] = '\0';
    ftz_cli_usage_error("offsets reset", "one topic at a time");
    assert_string_equal(got, "ftz offsets reset: one topic at a time\n"
                             "ftz offsets reset: hint: Try \"ftz offsets --help\"\n");
    /* No command: ftz itself. */
    got[0] = '\0';
    ftz_cli_usage_error(NULL, "unknown command \"%s\"", "nope");
    assert_string_equal(got, "ftz: unknown command \"nope\"\nftz: hint: Try \"ftz --help\"\n");
}

/* libpq's and the server's messages carry line breaks: one line each. */
static void test_one_line_each(void **state) {
    (void)state;
    ftz_cli_error("db", "check\nthe server\n",
                  "connection to server failed: Connection refused\n\tIs the server running?\n");
    assert_string_equal(got, "ftz db: connection to server failed: Connection refused \tIs the "
                             "server running?\n"
                             "ftz db: hint: check the server\n");
}

static void test_long_message_cut(void **state) {
    (void)state;
    char *big = malloc(20000);
    assert_non_null(big);
    memset(big, 'x', 19999);
    big[19999] = '\0';
    ftz_cli_error("produce", "a hint", "%s", big);
    free(big);
    size_t n = strlen(got);
    char *first_end = strchr(got, '\n');
    assert_non_null(first_end);
    assert_true(first_end - got > 1000);
    assert_memory_equal(first_end - 3, "...", 3);
    assert_string_equal(first_end + 1, "ftz produce: hint: a hint\n");
    assert_int_equal(got[n - 1], '\n');
}

static void test_info_and_quiet(void **state) {
    (void)state;
    ftz_cli_info("db migrate", "%d migration(s) applied", 2);
    assert_string_equal(got, "ftz db migrate: 2 migration(s) applied\n");
    got[0] = '\0';
    ftz_log_set_level(FTZ_LOG_ERROR); /* -q */
    ftz_cli_info("db migrate", "%d migration(s) applied", 2);
    assert_string_equal(got, "");
    ftz_cli_error("db migrate", NULL, "errors still show");
    assert_string_equal(got, "ftz db migrate: errors still show\n");
}

/* Without a writer the lines go to stderr (fd 2), nowhere else. */
static void test_stderr_by_default(void **state) {
    (void)state;
    ftz_cli_set_writer(NULL);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    int rc = ftz_cli_usage_error("consume", "option -c needs a value");
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    assert_int_equal(rc, FTZ_EXIT_USAGE);
    char text[256] = {0};
    rewind(tmp);
    size_t n = fread(text, 1, sizeof(text) - 1, tmp);
    fclose(tmp);
    assert_true(n > 0);
    assert_string_equal(text, "ftz consume: option -c needs a value\n"
                              "ftz consume: hint: Try \"ftz consume --help\"\n");
    assert_string_equal(got, ""); /* the writer of the other tests saw nothing */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_with_hint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_line_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_message_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_info_and_quiet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stderr_by_default, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
