/* ftz: one binary, one subcommand per job. Only this file and the
 * commands' front ends exit; the library returns errors. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#include "ftz/array.h"

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *what;
} commands[] = {
    {"produce", ftz_cmd_produce, "read JSON lines, validate, encode to Avro, send to Kafka"},
    {"simulate", ftz_cmd_simulate, "realistic FTZ records to JSON, CSV or Kafka, expected tables"},
    {"aggregate", ftz_cmd_aggregate, "consume, validate and aggregate into PostgreSQL, exactly once"},
    {"check", ftz_cmd_check, "compare the tables with an expectation (ftz simulate --expect)"},
    {"consume", ftz_cmd_consume, "print a topic's records as JSON lines (operators)"},
    {"db", ftz_cmd_db, "database tasks: migrate, status, grant-reader"},
    {"deadletters", ftz_cmd_deadletters, "rejected records: summary, list, export to fix and resend"},
    {"offsets", ftz_cmd_offsets, "consumer groups' stored offsets: show, reset, history"},
    {"report", ftz_cmd_report, "named reports (text, CSV, JSON) and the HTML dashboard"},
    {"schema", ftz_cmd_schema, "schemas: list, canonical form, fingerprint"},
    {"topics", ftz_cmd_topics, "create the pipeline's Kafka topics"},
};

static void usage(FILE *out) {
    fprintf(out,
            "Usage: ftz <command> [options]\n"
            "\n"
            "The Liaoning FTZ trade-event pipeline: customs, rail and registration\n"
            "events through Kafka (Avro single-object encoding) into PostgreSQL.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(commands); i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].what);
    fprintf(out,
            "\n"
            "`ftz <command> --help` describes a command. Exit statuses: 0 success,\n"
            "1 failure, 2 usage error, 3 (produce) some input rejected, (offsets)\n"
            "some stored offset outside its partition's log.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return FTZ_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return FTZ_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("ftz %s\n", FTZ_VERSION);
        return FTZ_EXIT_OK;
    }
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(commands); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    return ftz_cli_usage_error(NULL, "unknown command \"%s\"", argv[1]);
}
