#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ftz/err.h"
#include "ftz/log.h"

/* Whether the comma list names `word` or "all" (any case). */
static int has_word(const char *list, const char *word) {
    size_t wn = strlen(word);
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        if ((n == wn && strncasecmp(p, word, n) == 0) || (n == 3 && strncasecmp(p, "all", 3) == 0))
            return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

int ftz_cli_common(ftz_cli_t *cli, int opt, const char *arg, int *exit_code) {
    char why[512];
    *exit_code = -1;
    switch (opt) {
    case 'b':
        cli->brokers = arg;
        return 1;
    case 'X':
        if (strcmp(arg, "list") == 0) { /* kcat's -X list */
            rd_kafka_conf_properties_show(stdout);
            *exit_code = FTZ_EXIT_OK;
            return 1;
        }
        if (ftz_props_add(&cli->props, arg, why, sizeof(why)) != FTZ_OK)
            *exit_code = ftz_cli_usage_error(cli->cmd, "-X %s", why);
        else if (ftz_props_is_secret(cli->props.keys[cli->props.n - 1]))
            ftz_log(FTZ_LOG_WARNING, "KAFKA",
                    "-X %s on the command line: any user of this host can read it (ps, "
                    "/proc/PID/cmdline, shell history); put it in a -F file of mode 0600",
                    cli->props.keys[cli->props.n - 1]);
        return 1;
    case 'F':
        if (ftz_props_load_file(&cli->props, arg, why, sizeof(why)) != FTZ_OK)
            *exit_code = ftz_cli_usage_error(cli->cmd, "-F %s", why);
        return 1;
    case FTZ_OPT_PG:
        cli->pg = arg;
        return 1;
    case 'v':
        ftz_log_set_level(FTZ_LOG_DEBUG);
        return 1;
    case 'd':
        if (ftz_log_set_debug(arg, why, sizeof(why)) != 0) {
            *exit_code = ftz_cli_usage_error(cli->cmd, "%s", why);
            return 1;
        }
        /* librdkafka's own debug lines come through the KAFKA facility;
         * -X debug=... (later) chooses other contexts of its own. */
        if (has_word(arg, "kafka") &&
            ftz_props_set(&cli->props, "debug", "broker,topic,msg,cgrp") != FTZ_OK)
            *exit_code = ftz_cli_error(cli->cmd, NULL, "out of memory");
        return 1;
    case 'q':
        ftz_log_set_level(FTZ_LOG_ERROR);
        return 1;
    case 'V':
        printf("ftz %s\n", FTZ_VERSION);
        *exit_code = FTZ_EXIT_OK;
        return 1;
    }
    return 0;
}

volatile sig_atomic_t ftz_cli_stop;

static void on_signal(int sig) {
    (void)sig;
    ftz_cli_stop = 1;
}

void ftz_cli_catch_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* How many long options start with prefix[0..len), listed as "--a, --b"
 * in out. */
static int long_matches(const struct option *longopts, const char *prefix, size_t len,
                        char *out, size_t size) {
    int n = 0;
    size_t used = 0;
    out[0] = '\0';
    for (const struct option *o = longopts; o->name; o++) {
        if (strncmp(o->name, prefix, len) != 0)
            continue;
        if (used < size)
            used += ftz_fmt(out + used, size - used, "%s--%s", n ? ", " : "", o->name);
        n++;
    }
    return n;
}

int ftz_cli_next(ftz_cli_t *cli, int argc, char **argv, const char *shortopts,
                 const struct option *longopts, void (*help)(FILE *out), int *rc) {
    int opt, code;
    if (!cli->started) {
        optind = 0; /* glibc: start over, for each command */
        cli->started = 1;
        cli->cmd = argv[0];
    }
    opterr = 0; /* the messages below name the command */
    while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (opt == 'h') {
            help(stdout);
            *rc = FTZ_EXIT_OK;
            return FTZ_CLI_STOP;
        }
        if (opt == '?' || opt == ':') {
            const char *bad = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
            char shortname[4] = {'-', (char)optopt, '\0', '\0'}, matches[256];
            const char *name = !strncmp(bad, "--", 2) ? bad : shortname;
            int len = (int)strcspn(bad, "="), n = 0;
            if (name == bad)
                n = long_matches(longopts, bad + 2, (size_t)len - 2, matches, sizeof(matches));
            if (optopt == 0 && n > 1) /* getopt_long takes unique prefixes only */
                *rc = ftz_cli_usage_error(argv[0], "option %.*s is ambiguous: %s", len, bad,
                                          matches);
            else if (optopt == 0) /* an unknown long option */
                *rc = ftz_cli_usage_error(argv[0], "unknown option %s", bad);
            else if (name == bad && bad[len] == '=')
                *rc = ftz_cli_usage_error(argv[0], "option %.*s takes no value", len, bad);
            else if (optopt >= 256 || strchr(shortopts, optopt))
                *rc = ftz_cli_usage_error(argv[0], "option %s needs a value", name);
            else
                *rc = ftz_cli_usage_error(argv[0], "unknown option -%c", optopt);
            (void)help;
            return FTZ_CLI_STOP;
        }
        if (opt < 256 && cli->own && strchr(cli->own, opt))
            return opt;
        if (!ftz_cli_common(cli, opt, optarg, &code))
            return opt;
        if (code >= 0) {
            *rc = code;
            return FTZ_CLI_STOP;
        }
    }
    return -1;
}

void ftz_cli_free(ftz_cli_t *cli) { ftz_props_free(&cli->props); }

int ftz_cli_decimal(const char *s) {
    return *s && s[strspn(s, "0123456789.eE+-")] == '\0';
}

double ftz_cli_number(const char *cmd, const char *opt, const char *arg) {
    char *end;
    double v = strtod(arg, &end);
    /* NaN and infinity are not numbers an option can take. */
    if (!ftz_cli_decimal(arg) || *end || !(v >= 0) || v > 1e300) {
        ftz_cli_usage_error(cmd, "%s: \"%s\" is not a non-negative number", opt, arg);
        return -1;
    }
    return v;
}
