/* cmd/settings.c: parsing of every setting type against its range or
 * values, the table checks, defaults, the parser over argv, and --help and
 * Markdown listing every row. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ftz/array.h"
#include "settings.h"

enum { OPT_BATCH = FTZ_OPT__COMMON_END, OPT_SIZE, OPT_WAIT, OPT_IDLE, OPT_MODE, OPT_NAME,
       OPT_DRY, OPT_LIST };

typedef struct opts_s {
    int batch;
    size_t size;
    int wait_ms;
    double idle_s;
    int mode;
    const char *name;
    int dry;
} opts_t;

static const char *const modes[] = {"fail", "skip", "retry", NULL};

#define AT(member) FTZ_SETTING_AT(opts_t, member)
static const ftz_setting_t rows[] = {
    {.id = OPT_BATCH, .name = "batch", .arg = "N", .type = FTZ_SETTING_INT, .def = 5000,
     .min = 1, .max = INT_MAX, .help = "most messages per batch", AT(batch)},
    {.id = OPT_SIZE, .name = "size", .arg = "B", .type = FTZ_SETTING_BYTES, .def = 1 << 20,
     .min = 16, .max = 1e12, .help = "largest record", AT(size)},
    {.id = OPT_WAIT, .name = "wait", .arg = "MS", .type = FTZ_SETTING_MS, .def = 500, .min = 0,
     .max = INT_MAX, .help = "longest wait", AT(wait_ms)},
    {.id = OPT_IDLE, .name = "idle", .arg = "SEC", .type = FTZ_SETTING_SECONDS, .def = 2.5,
     .min = 0.001, .max = 86400, .help = "idle time", AT(idle_s)},
    {.id = 'm', .name = "mode", .arg = "MODE", .type = FTZ_SETTING_ENUM, .def = 1,
     .values = modes, .help = "what to do", AT(mode)},
    {.id = OPT_NAME, .name = "name", .arg = "NAME", .type = FTZ_SETTING_STRING,
     .def_text = "ftz-test", .section = "Naming:",
     .help = "a name long enough to be wrapped over more than one line of the help text, "
             "which is seventy-nine columns wide",
     AT(name)},
    {.id = OPT_DRY, .name = "dry-run", .type = FTZ_SETTING_FLAG, .help = "send nothing",
     AT(dry)},
    {.id = OPT_LIST, .name = "list", .arg = "WHAT", .type = FTZ_SETTING_ENUM, .def = -1,
     .values = modes, .help = "handled by the command"},
};
#undef AT
#define N_ROWS (FTZ_ARRAY_SIZE(rows))

static const ftz_setting_t *row_named(const char *name) {
    for (size_t i = 0; i < N_ROWS; i++)
        if (strcmp(rows[i].name, name) == 0)
            return &rows[i];
    fail_msg("no row %s", name);
    return NULL;
}

/* A parse case: the value wanted, or the error's text. */
typedef struct parse_case_s {
    const char *row, *arg;
    double want; /* numbers and enum indexes */
    const char *err;
} parse_case_t;

static void test_parse_table(void **state) {
    (void)state;
    static const parse_case_t cases[] = {
        /* INT */
        {"batch", "1", 1, NULL},
        {"batch", "2147483647", INT_MAX, NULL},
        {"batch", "1e3", 1000, NULL},
        {"batch", "0", 0, "--batch \"0\": must be a whole number from 1 to 2147483647"},
        {"batch", "2147483648", 0, "from 1 to 2147483647"},
        {"batch", "12x", 0, "--batch \"12x\": must be"},
        {"batch", "", 0, "--batch \"\": must be"},
        {"batch", "-1", 0, "--batch \"-1\": must be"},
        {"batch", "1.5", 0, "a whole number"},
        {"batch", "99999999999999999999999", 0, "must be"},
        {"batch", "1e999", 0, "must be"},
        {"batch", "nan", 0, "must be"},
        {"batch", "inf", 0, "must be"},
        {"batch", "0x10", 0, "--batch \"0x10\": must be"},
        {"batch", " 5", 0, "--batch \" 5\": must be"},
        {"batch", "5 ", 0, "--batch \"5 \": must be"},
        {"batch", "+5", 5, NULL},
        {"batch", "-0", 0, "must be"},
        /* BYTES */
        {"size", "16", 16, NULL},
        {"size", "1000000000000", 1e12, NULL},
        {"size", "15", 0, "--size \"15\": must be a whole number of bytes from 16 to 1000000000000"},
        {"size", "1000000000001", 0, "whole number of bytes"},
        {"size", "64k", 0, "--size \"64k\""},
        /* MS */
        {"wait", "0", 0, NULL},
        {"wait", "1.5", 0, "--wait \"1.5\": must be a whole number of milliseconds from 0"},
        /* SECONDS: fractions allowed */
        {"idle", "0.5", 0.5, NULL},
        {"idle", "0.001", 0.001, NULL},
        {"idle", "86400", 86400, NULL},
        {"idle", "0", 0, "--idle \"0\": must be a number of seconds from 0.001 to 86400"},
        {"idle", "86400.5", 0, "from 0.001 to 86400"},
        {"idle", "5s", 0, "--idle \"5s\""},
        {"idle", "0x1p-2", 0, "--idle \"0x1p-2\""},
        {"idle", "\t1", 0, "must be"},
        /* ENUM: the index; case matters */
        {"mode", "fail", 0, NULL},
        {"mode", "retry", 2, NULL},
        {"mode", "Fail", 0, "--mode \"Fail\": must be fail, skip or retry"},
        {"mode", "", 0, "must be fail, skip or retry"},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        const parse_case_t *c = &cases[i];
        const ftz_setting_t *row = row_named(c->row);
        ftz_setting_value_t v;
        char err[256] = "";
        ftz_err_t e = ftz_setting_parse(row, c->arg, &v, err, sizeof(err));
        if (c->err) {
            if (e != FTZ_ERR_INVALID_ARG || !strstr(err, c->err))
                fail_msg("case %zu --%s %s: want error [%s], got %d [%s]", i, c->row, c->arg,
                         c->err, e, err);
            continue;
        }
        if (e != FTZ_OK)
            fail_msg("case %zu --%s %s: %s", i, c->row, c->arg, err);
        double got = row->type == FTZ_SETTING_BYTES     ? (double)v.bytes
                     : row->type == FTZ_SETTING_SECONDS ? v.seconds
                                                        : (double)v.i;
        if (got != c->want)
            fail_msg("case %zu --%s %s: got %g, want %g", i, c->row, c->arg, got, c->want);
    }
}

static void test_parse_long_value_is_cut(void **state) {
    (void)state;
    char arg[300], err[512];
    ftz_setting_value_t v;
    memset(arg, '7', sizeof(arg) - 1);
    arg[sizeof(arg) - 1] = '\0';
    assert_int_equal(ftz_setting_parse(row_named("mode"), arg, &v, err, sizeof(err)),
                     FTZ_ERR_INVALID_ARG);
    assert_non_null(strstr(err, "...\": must be"));
    assert_true(strlen(err) < 150);
}

/* A value cut inside a UTF-8 character would make the message invalid
 * UTF-8: the cut goes before it. */
static void test_parse_long_value_cut_on_char(void **state) {
    (void)state;
    char arg[300], err[512];
    ftz_setting_value_t v;
    memset(arg, 'a', 63);
    strcpy(arg + 63, "\xc3\xa9\xc3\xa9\xc3\xa9");
    assert_int_equal(ftz_setting_parse(row_named("batch"), arg, &v, err, sizeof(err)),
                     FTZ_ERR_INVALID_ARG);
    assert_non_null(strstr(err, "aaa...\": must be"));
    assert_null(strstr(err, "\xc3"));
    assert_int_equal(ftz_setting_parse(row_named("mode"), arg, &v, err, sizeof(err)),
                     FTZ_ERR_INVALID_ARG);
    assert_non_null(strstr(err, "aaa...\": must be"));
    assert_null(strstr(err, "\xc3"));
}

static void test_string_and_flag(void **state) {
    (void)state;
    ftz_setting_value_t v;
    char err[128];
    assert_int_equal(ftz_setting_parse(row_named("name"), "", &v, err, sizeof(err)), FTZ_OK);
    assert_string_equal(v.s, "");
    assert_int_equal(ftz_setting_parse(row_named("dry-run"), NULL, &v, err, sizeof(err)), FTZ_OK);
    assert_int_equal(v.i, 1);
}

static void test_defaults_stored(void **state) {
    (void)state;
    ftz_settings_t s;
    opts_t o;
    char err[256];
    memset(&o, 0xff, sizeof(o));
    assert_int_equal(ftz_settings_init(&s, "test", rows, N_ROWS, &o, err, sizeof(err)), FTZ_OK);
    assert_int_equal(o.batch, 5000);
    assert_int_equal(o.size, 1 << 20);
    assert_int_equal(o.wait_ms, 500);
    assert_true(o.idle_s == 2.5);
    assert_int_equal(o.mode, 1);
    assert_null(o.name); /* strings: the command applies its default */
    assert_int_equal(o.dry, 0);
}

/* Tables with a mistake are refused, naming the row. */
static void test_bad_tables(void **state) {
    (void)state;
    static const ftz_setting_t bad[][2] = {
        /* an int row storing into a double */
        {{.id = OPT_BATCH, .name = "x", .arg = "N", .type = FTZ_SETTING_INT, .def = 1, .min = 0,
          .max = 9, .help = "h", FTZ_SETTING_AT(opts_t, idle_s)}},
        /* a default outside the range */
        {{.id = OPT_BATCH, .name = "x", .arg = "N", .type = FTZ_SETTING_INT, .def = 10,
          .min = 0, .max = 9, .help = "h"}},
        /* an int range past INT_MAX */
        {{.id = OPT_BATCH, .name = "x", .arg = "N", .type = FTZ_SETTING_MS, .def = 1, .min = 0,
          .max = 1e10, .help = "h"}},
        /* an enum default past its values */
        {{.id = OPT_BATCH, .name = "x", .arg = "M", .type = FTZ_SETTING_ENUM, .def = 3,
          .values = modes, .help = "h"}},
        /* two rows of one name */
        {{.id = OPT_BATCH, .name = "x", .type = FTZ_SETTING_FLAG, .help = "h"},
         {.id = OPT_SIZE, .name = "x", .type = FTZ_SETTING_FLAG, .help = "h"}},
        /* a common option's letter */
        {{.id = 'b', .name = "x", .type = FTZ_SETTING_FLAG, .help = "h"}},
        /* a common option's name */
        {{.id = OPT_BATCH, .name = "help", .type = FTZ_SETTING_FLAG, .help = "h"}},
        /* no argument name */
        {{.id = OPT_BATCH, .name = "x", .type = FTZ_SETTING_STRING, .help = "h"}},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(bad); i++) {
        ftz_settings_t s;
        opts_t o;
        char err[256] = "";
        size_t n = bad[i][1].name ? 2 : 1;
        if (ftz_settings_init(&s, "test", bad[i], n, &o, err, sizeof(err)) != FTZ_ERR_INVALID_ARG)
            fail_msg("bad table %zu accepted", i);
        if (!strstr(err, "test: setting --"))
            fail_msg("bad table %zu: %s", i, err);
    }
}

/* Runs the parser over argv: the last option returned, or -1. */
static int run(ftz_settings_t *s, opts_t *o, int *rc, int argc, char **argv, int *returned) {
    ftz_cli_t cli = {0};
    char err[256];
    int opt;
    *returned = 0;
    assert_int_equal(ftz_settings_init(s, "test", rows, N_ROWS, o, err, sizeof(err)), FTZ_OK);
    while ((opt = ftz_settings_next(s, &cli, argc, argv, NULL, rc)) >= 0)
        *returned = opt;
    ftz_cli_free(&cli);
    return opt;
}

static void test_next_stores_values(void **state) {
    (void)state;
    char *argv[] = {"test", "--batch", "7", "-m", "retry", "--idle=0.25", "--name", "x",
                    "--dry-run", "--list", "skip", "arg", NULL};
    ftz_settings_t s;
    opts_t o;
    int rc = -1, returned;
    assert_int_equal(run(&s, &o, &rc, 12, argv, &returned), -1);
    assert_int_equal(o.batch, 7);
    assert_int_equal(o.mode, 2);
    assert_true(o.idle_s == 0.25);
    assert_string_equal(o.name, "x");
    assert_int_equal(o.dry, 1);
    assert_int_equal(o.size, 1 << 20);
    /* --list stores nothing: its id came back, its value in s.value */
    assert_int_equal(returned, OPT_LIST);
    assert_int_equal(s.value.i, 1);
    assert_true(ftz_settings_given(&s, OPT_BATCH));
    assert_true(ftz_settings_given(&s, 'm'));
    assert_false(ftz_settings_given(&s, OPT_WAIT));
    assert_int_equal(optind, 11); /* "arg" */
}

static void test_next_refuses_bad_value(void **state) {
    (void)state;
    char *argv[] = {"test", "--batch", "7", "--wait", "-5", "--size", "64", NULL};
    ftz_settings_t s;
    opts_t o;
    int rc = -1, returned;
    assert_int_equal(run(&s, &o, &rc, 7, argv, &returned), FTZ_CLI_STOP);
    assert_int_equal(rc, FTZ_EXIT_USAGE);
    assert_int_equal(o.batch, 7);
    assert_int_equal(o.wait_ms, 500); /* not stored */
    assert_int_equal(o.size, 1 << 20); /* not reached */
}

static char said[512];
static void keep_said(const char *text) {
    size_t len = strlen(said);
    snprintf(said + len, sizeof(said) - len, "%s", text);
}

/* getopt_long's refusals named for what they are: a prefix of two options
 * is ambiguous (not unknown), and a flag given "=VALUE" takes no value
 * (it does not need one). */
static void test_next_names_getopt_refusals(void **state) {
    (void)state;
    static const struct {
        const char *arg, *want;
    } cases[] = {
        {"--d", "ftz test: option --d is ambiguous: --debug, --dry-run\n"},
        {"--d=x", "ftz test: option --d is ambiguous: --debug, --dry-run\n"},
        {"--dry-run=yes", "ftz test: option --dry-run takes no value\n"},
        {"--dry=1", "ftz test: option --dry takes no value\n"},
        {"--nope", "ftz test: unknown option --nope\n"},
        {"--batch", "ftz test: option --batch needs a value\n"},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        char *argv[] = {"test", (char *)cases[i].arg, NULL};
        ftz_settings_t s;
        opts_t o;
        int rc = -1, returned;
        said[0] = '\0';
        ftz_cli_set_writer(keep_said);
        int opt = run(&s, &o, &rc, 2, argv, &returned);
        ftz_cli_set_writer(NULL);
        if (opt != FTZ_CLI_STOP || rc != FTZ_EXIT_USAGE || strncmp(said, cases[i].want,
                                                                    strlen(cases[i].want)))
            fail_msg("%s: got %d rc %d [%s], want [%s]", cases[i].arg, opt, rc, said,
                     cases[i].want);
    }
}

static char *capture(void (*fn)(FILE *)) {
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    fn(out);
    fclose(out);
    return text;
}

/* text with every run of spaces and line ends as one space (caller frees). */
static char *flatten(const char *text) {
    char *flat = malloc(strlen(text) + 1), *q = flat;
    assert_non_null(flat);
    for (const char *p = text; *p; p++) {
        char c = *p == '\n' ? ' ' : *p;
        if (!(c == ' ' && q > flat && q[-1] == ' '))
            *q++ = c;
    }
    *q = '\0';
    return flat;
}

static void help_of_rows(FILE *out) { ftz_settings_help(out, rows, N_ROWS); }
static void markdown_of_rows(FILE *out) { ftz_settings_markdown(out, rows, N_ROWS); }
static void kafka_markdown(FILE *out) { ftz_settings_kafka_markdown(out, FTZ_KAFKA_CONSUMER); }

static void test_help_lists_every_row(void **state) {
    (void)state;
    char *text = capture(help_of_rows), def[128], want[256];
    for (size_t i = 0; i < N_ROWS; i++) {
        snprintf(want, sizeof(want), "--%s%s%s", rows[i].name, rows[i].arg ? " " : "",
                 rows[i].arg ? rows[i].arg : "");
        if (!strstr(text, want))
            fail_msg("--help lacks %s:\n%s", want, text);
        if (ftz_setting_default_text(&rows[i], def, sizeof(def))[0]) {
            snprintf(want, sizeof(want), "(default: %s)", def);
            /* defaults may be wrapped: compare with line ends and indents as one space */
            char *flat = flatten(text);
            if (!strstr(flat, want))
                fail_msg("--help lacks %s:\n%s", want, text);
            free(flat);
        }
    }
    assert_non_null(strstr(text, "Options:\n      --batch N            most messages"));
    assert_non_null(strstr(text, "  -m, --mode MODE"));
    assert_non_null(strstr(text, "\n\nNaming:\n      --name NAME"));
    assert_non_null(strstr(text, "(default: 1048576, 1 MiB)"));
    for (char *line = text; *line;) {
        size_t n = strcspn(line, "\n");
        if (n > 79)
            fail_msg("line wider than 79 columns: %.*s", (int)n, line);
        line += n + (line[n] == '\n');
    }
    free(text);
}

static void test_markdown_lists_every_row(void **state) {
    (void)state;
    char *text = capture(markdown_of_rows), want[256];
    size_t lines = 0;
    for (char *p = text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, N_ROWS + 2);
    for (size_t i = 0; i < N_ROWS; i++) {
        snprintf(want, sizeof(want), "--%s", rows[i].name);
        assert_non_null(strstr(text, want));
    }
    assert_non_null(strstr(text, "| `--batch N` | 5000 | 1 to 2147483647 | most messages"));
    assert_non_null(strstr(text, "| `-m`, `--mode MODE` | skip | fail, skip, retry | what"));
    assert_non_null(strstr(text, "| 0.001 to 86400 s |"));
    free(text);
}

static void test_kafka_defaults_listed(void **state) {
    (void)state;
    size_t n;
    const ftz_kafka_default_t *d = ftz_kafka_defaults(FTZ_KAFKA_CONSUMER, &n);
    char *text = capture(kafka_markdown), want[256];
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(d[i].why);
        snprintf(want, sizeof(want), "| `%s` | %s | ", d[i].name, d[i].value);
        if (!strstr(text, want))
            fail_msg("no %s in:\n%s", want, text);
    }
    assert_non_null(strstr(text, "| `enable.auto.commit` | false |"));
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_long_value_is_cut),
        cmocka_unit_test(test_parse_long_value_cut_on_char),
        cmocka_unit_test(test_next_names_getopt_refusals),
        cmocka_unit_test(test_string_and_flag),
        cmocka_unit_test(test_defaults_stored),
        cmocka_unit_test(test_bad_tables),
        cmocka_unit_test(test_next_stores_values),
        cmocka_unit_test(test_next_refuses_bad_value),
        cmocka_unit_test(test_help_lists_every_row),
        cmocka_unit_test(test_markdown_lists_every_row),
        cmocka_unit_test(test_kafka_defaults_listed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
