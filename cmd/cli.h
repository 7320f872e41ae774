/* What every `ftz` subcommand shares: the common options (-b, -X, -F,
 * --pg, -v, -q, -V, -h), exit statuses, and the command table. Options
 * follow kcat and the PostgreSQL tools where they agree. Each command lives
 * in its own file (producers/, consumers/, cmd/) as ftz_cmd_<name>(). */
#ifndef FTZ_CLI_H
#define FTZ_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "ftz/kafka.h"
#include "ftz/log.h"

/* Exit statuses of every command (docs/operations.md). */
#define FTZ_EXIT_OK 0
#define FTZ_EXIT_FAILURE 1
#define FTZ_EXIT_USAGE 2
#define FTZ_EXIT_REJECTED 3 /* produce: some input rejected, the rest sent */
#define FTZ_EXIT_OUT_OF_RANGE 3 /* offsets: a stored offset is outside its log */
#define FTZ_EXIT_UNREADABLE 4 /* offsets show: some partition's log could not be read */

typedef struct ftz_cli_s {
    const char *own;       /* short options the command takes over from the
                            * common set (none today) */
    int started;           /* ftz_cli_next has reset getopt */
    const char *cmd;       /* the command's name in diagnostics (argv[0]) */
    const char *brokers;   /* -b; NULL: $FTZ_BROKERS or 127.0.0.1:9092 */
    const char *pg;        /* --pg; NULL: libpq environment (PGHOST, ...) */
    ftz_props_t props;     /* -X and -F */
} ftz_cli_t;

/* Long-option ids of the common options, above any short option. */
enum { FTZ_OPT_PG = 1000, FTZ_OPT_HELP, FTZ_OPT__COMMON_END };

/* The short options and long options every command accepts; a command
 * appends its own. FTZ_CLI_COMMON_LONG ends without a terminator. */
#define FTZ_CLI_COMMON_SHORT "b:X:F:d:vqVh"
#define FTZ_CLI_COMMON_LONG                                                   \
    {"brokers", required_argument, NULL, 'b'},                                \
    {"property", required_argument, NULL, 'X'},                               \
    {"config", required_argument, NULL, 'F'},                                 \
    {"version", no_argument, NULL, 'V'},                                      \
    {"pg", required_argument, NULL, FTZ_OPT_PG},                              \
    {"verbose", no_argument, NULL, 'v'},                                      \
    {"debug", required_argument, NULL, 'd'},                                  \
    {"quiet", no_argument, NULL, 'q'},                                        \
    {"help", no_argument, NULL, 'h'}

#define FTZ_CLI_COMMON_HELP                                                    \
    "Common options:\n"                                                        \
    "  -b, --brokers LIST    Kafka bootstrap servers (default: -X\n"            \
    "                        bootstrap.servers, else $FTZ_BROKERS, else\n"     \
    "                        127.0.0.1:9092)\n"                                \
    "  -X PROP=VALUE         librdkafka property (repeatable; see\n"           \
    "                        docs/operations.md); -X list lists them all\n"    \
    "  -F, --config FILE     librdkafka properties file (PROP=VALUE lines)\n"  \
    "      --pg CONNINFO     PostgreSQL connection string or URI (default:\n"  \
    "                        libpq's PGHOST, PGPORT, PGDATABASE, PGUSER, ...)\n" \
    "  -v, --verbose         more log lines (debug)\n"                         \
    "  -d, --debug CONTEXTS  debug lines of these areas only, comma-separated:\n" \
    "                        " FTZ_LOG_CONTEXTS ",\n"            \
    "                        or all; kafka also turns on librdkafka's own\n"  \
    "                        debug (broker, topic, msg, cgrp)\n"              \
    "  -q, --quiet           errors only\n"                                    \
    "  -V, --version         print the version and exit\n"                     \
    "  -h, --help            this help\n"

/* Set by SIGINT and SIGTERM once ftz_cli_catch_signals has run: long
 * running commands stop cleanly when it is non-zero. */
extern volatile sig_atomic_t ftz_cli_stop;
void ftz_cli_catch_signals(void);

/* ftz_cli_next's "stop now, exit with *rc". */
#define FTZ_CLI_STOP (-2)

/* The next option of argv for the command to handle (argv[0] is the
 * command's name). Common options (-b, -X, -F, --pg, -v, -q) are handled
 * here; -h/--help prints help to stdout and -V/--version the version, and
 * -X list librdkafka's properties, each stopping with 0; an unknown option,
 * a missing argument or a bad common option is a usage error
 * (ftz_cli_usage_error) and stops with 2. Returns the option, -1 after the last option
 * (optind then indexes the first argument), or FTZ_CLI_STOP with *rc set. */
int ftz_cli_next(ftz_cli_t *cli, int argc, char **argv, const char *shortopts,
                 const struct option *longopts, void (*help)(FILE *out), int *rc);

/* Handles a common option. Returns 1 if opt was one (0 otherwise) and sets
 * *exit_code (>= 0) when the command must stop with that status; -1 else. */
int ftz_cli_common(ftz_cli_t *cli, int opt, const char *arg, int *exit_code);
void ftz_cli_free(ftz_cli_t *cli);

/* Diagnostics of every command, in one format (cmd/cli_error.c), as the
 * PostgreSQL tools print theirs:
 *     ftz CMD: MESSAGE
 *     ftz CMD: hint: HINT        (only when there is a hint)
 * on stderr, each on one line (line breaks in MESSAGE, say from libpq,
 * become spaces; very long ones are cut and end with "..."). cmd is the
 * command as the user typed it ("offsets", "db migrate"); NULL prints
 * "ftz: ". Data go to stdout, never through these. Main thread only. */

/* An error: the message and, when hint is not NULL, the hint line (what
 * to do about it). Returns FTZ_EXIT_FAILURE. */
int ftz_cli_error(const char *cmd, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A usage error: the message and the hint `Try "ftz CMD --help"` (the
 * first word of cmd). Returns FTZ_EXIT_USAGE. */
int ftz_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A line that is not an error (a summary, what was done), in the same
 * format; -q (a log level below info) silences it. */
void ftz_cli_info(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Where the lines above go: write(text) gets whole lines, each ending in
 * '\n' (ftz produce erases its progress line first). NULL: stderr. */
void ftz_cli_set_writer(void (*write)(const char *text));

/* Whether s is written as a decimal number (digits, '.', an exponent, a
 * sign) and nothing else: strtod also takes leading spaces, hexadecimal
 * ("0x10" is 16), "inf" and "nan", which an option's value must not be. */
int ftz_cli_decimal(const char *s);

/* Parses a non-negative number option; prints a usage error and returns -1
 * when it is not one. */
double ftz_cli_number(const char *cmd, const char *opt, const char *arg);

int ftz_cmd_produce(int argc, char **argv);
int ftz_cmd_simulate(int argc, char **argv);
int ftz_cmd_aggregate(int argc, char **argv);
int ftz_cmd_check(int argc, char **argv);
int ftz_cmd_consume(int argc, char **argv);
int ftz_cmd_db(int argc, char **argv);
int ftz_cmd_deadletters(int argc, char **argv);
int ftz_cmd_offsets(int argc, char **argv);
int ftz_cmd_report(int argc, char **argv);
int ftz_cmd_schema(int argc, char **argv);
int ftz_cmd_topics(int argc, char **argv);

#endif
