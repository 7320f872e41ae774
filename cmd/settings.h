/* A command's settings as one table, as librdkafka's property table: each
 * row is one option (name, short letter, argument, type, default, range or
 * allowed values, description, where the value goes). From the table come
 * the option list of `--help`, getopt's options, parsing with range checks
 * (one usage error naming the option, the value and what is allowed), the
 * defaults, and `--list-settings` (Markdown: docs/configuration.md). Used by
 * `ftz aggregate` and `ftz produce`. */
#ifndef FTZ_SETTINGS_H
#define FTZ_SETTINGS_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"

typedef enum ftz_setting_type_e {
    FTZ_SETTING_FLAG,    /* no value; stores int 1 */
    FTZ_SETTING_STRING,  /* stores const char * (borrowed from argv) */
    FTZ_SETTING_INT,     /* a whole number; stores int */
    FTZ_SETTING_BYTES,   /* a whole number of bytes; stores size_t */
    FTZ_SETTING_MS,      /* a whole number of milliseconds; stores int */
    FTZ_SETTING_SECONDS, /* seconds, fractions allowed; stores double */
    FTZ_SETTING_ENUM,    /* one of `values`; stores its index as int */
} ftz_setting_type_t;

/* Rows hold at most this many settings. */
#define FTZ_SETTINGS_MAX 48

typedef struct ftz_setting_s {
    int id;                    /* what getopt returns: the short letter
                                * (< 256), else a long-only id >=
                                * FTZ_OPT__COMMON_END */
    const char *name;          /* long option, without "--" */
    const char *arg;           /* the value's name in --help ("N", "SEC") */
    ftz_setting_type_t type;
    double def;                /* default: numbers; ENUM: index (-1: none) */
    const char *def_text;      /* shown as the default instead of `def`
                                * (STRING: the only default shown; the
                                * command applies it); NULL: def, or none */
    double min, max;           /* numbers: the range, inclusive */
    const char *const *values; /* ENUM: the allowed values, NULL-terminated */
    const char *help;          /* description (wrapped by --help) */
    const char *section;       /* non-NULL: starts a --help section */
    size_t offset, size;       /* where the value goes in the command's
                                * struct: FTZ_SETTING_AT; size 0: the command
                                * takes the option itself (ftz_settings_next
                                * returns its id) */
} ftz_setting_t;

/* The row of --list-settings, which every command with a table has: the
 * command prints its table (ftz_settings_list) when opt_id comes back. */
#define FTZ_SETTINGS_LIST_ROW(opt_id)                                          \
    {.id = (opt_id), .name = "list-settings", .type = FTZ_SETTING_FLAG,        \
     .help = "print these settings and the librdkafka properties ftz sets, as " \
             "Markdown (docs/configuration.md), and exit"}

/* .offset and .size of a row storing into member of struct type. */
#define FTZ_SETTING_AT(type, member)                                          \
    .offset = offsetof(type, member), .size = sizeof(((type *)0)->member)

/* A parsed value. */
typedef union ftz_setting_value_u {
    int i;          /* FLAG, INT, MS, ENUM (the index) */
    size_t bytes;   /* BYTES */
    double seconds; /* SECONDS */
    const char *s;  /* STRING */
} ftz_setting_value_t;

/* The parser of one command: its table and the getopt options made from
 * it (with the common options of cli.h first). */
typedef struct ftz_settings_s {
    const char *cmd;  /* "aggregate": messages say "ftz aggregate: ..." */
    const ftz_setting_t *rows;
    size_t n;
    void *base;       /* the struct rows store into (borrowed) */
    char shortopts[sizeof(FTZ_CLI_COMMON_SHORT) + 2 * FTZ_SETTINGS_MAX];
    struct option longopts[16 + FTZ_SETTINGS_MAX];
    unsigned char given[FTZ_SETTINGS_MAX];
    ftz_setting_value_t value; /* the value of the option last returned */
} ftz_settings_t;

/* Checks the table (types against the sizes of the members they store
 * into, ranges, defaults inside their ranges, ids and names unique),
 * builds getopt's options, and stores every default into base (borrowed;
 * kept by s). FTZ_ERR_INVALID_ARG with errstr naming the row on a table
 * error, which is a programming error. rows are kept (static tables). */
ftz_err_t ftz_settings_init(ftz_settings_t *s, const char *cmd, const ftz_setting_t *rows,
                            size_t n, void *base, char *errstr, size_t errstr_size);

/* Parses arg as a value of row (arg: NULL for a FLAG). FTZ_OK with *out
 * set, or FTZ_ERR_INVALID_ARG with errstr saying "--NAME "ARG": must be
 * ..." (the allowed range or values). Pure; any thread. */
ftz_err_t ftz_setting_parse(const ftz_setting_t *row, const char *arg, ftz_setting_value_t *out,
                            char *errstr, size_t errstr_size);

/* The next option of argv the command must handle itself, as ftz_cli_next
 * (FTZ_CLI_STOP with *rc, or -1 after the last option). Rows that store
 * into base are parsed, range-checked and stored here; a bad value is a
 * usage error (ftz_cli_usage_error: one line and the hint, *rc 2). For a
 * row of size 0 the value is checked and left in s->value, and its id
 * returned; options of no row (the command's own) are returned as they
 * are. */
int ftz_settings_next(ftz_settings_t *s, ftz_cli_t *cli, int argc, char **argv,
                      void (*help)(FILE *out), int *rc);

/* Whether the option of row `id` was given on the command line. */
int ftz_settings_given(const ftz_settings_t *s, int id);

/* The option list of --help: each row as "  -x, --name ARG  description
 * (default: D)", wrapped at 79 columns, sections as their rows say (the
 * first "Options:" unless its row names one). */
void ftz_settings_help(FILE *out, const ftz_setting_t *rows, size_t n);

/* The default of row as shown (def_text, the ENUM value, the number;
 * "" when none), into buf. */
const char *ftz_setting_default_text(const ftz_setting_t *row, char *buf, size_t size);

/* The table as Markdown: option, default, allowed, description. */
void ftz_settings_markdown(FILE *out, const ftz_setting_t *rows, size_t n);

/* The librdkafka properties ftz sets for role (ftz_kafka_defaults), as a
 * Markdown table: property, value, why. */
void ftz_settings_kafka_markdown(FILE *out, ftz_kafka_role_t role);

/* What --list-settings prints: the table (ftz_settings_markdown), then the
 * librdkafka properties of role (ftz_settings_kafka_markdown) under a line
 * naming them. */
void ftz_settings_list(FILE *out, const ftz_setting_t *rows, size_t n, ftz_kafka_role_t role);

#endif
