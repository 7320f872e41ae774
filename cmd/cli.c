#include "cli.h"

#include <stdlib.h>

#include "ftz/log.h"

int ftz_cli_common(ftz_cli_t *cli, int opt, const char *arg, int *exit_code) {
    char why[512];
    *exit_code = -1;
    switch (opt) {
    case 'b':
        cli->brokers = arg;
        return 1;
    case 'X':
        if (ftz_props_add(&cli->props, arg, why, sizeof(why)) != FTZ_OK) {
            fprintf(stderr, "ftz: -X %s\n", why);
            *exit_code = FTZ_EXIT_USAGE;
        }
        return 1;
    case 'c':
        if (ftz_props_load_file(&cli->props, arg, why, sizeof(why)) != FTZ_OK) {
            fprintf(stderr, "ftz: -c %s\n", why);
            *exit_code = FTZ_EXIT_USAGE;
        }
        return 1;
    case FTZ_OPT_PG:
        cli->pg = arg;
        return 1;
    case 'v':
        ftz_log_set_level(FTZ_LOG_DEBUG);
        return 1;
    case 'q':
        ftz_log_set_level(FTZ_LOG_ERROR);
        return 1;
    }
    return 0;
}

void ftz_cli_free(ftz_cli_t *cli) { ftz_props_free(&cli->props); }

double ftz_cli_number(const char *cmd, const char *opt, const char *arg) {
    char *end;
    double v = strtod(arg, &end);
    if (!*arg || *end || v < 0) {
        fprintf(stderr, "ftz %s: %s: \"%s\" is not a non-negative number\n", cmd, opt, arg);
        return -1;
    }
    return v;
}
