/* ftz simulate: realistic records as JSON lines, deterministic by seed. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ftz/json.h"
#include "ftz/log.h"
#include "ftz/simulate.h"
#include "ftz/value.h"

enum { OPT_SEED = FTZ_OPT__COMMON_END, OPT_START, OPT_DAYS, OPT_REVISION_RATE, OPT_RESEND_RATE };

#define DEFAULT_COUNT 1000

static void help(FILE *out) {
    fprintf(out,
            "Usage: ftz simulate -t TYPE [-n COUNT] [--seed N] [--start RFC3339]\n"
            "                    [--days N] [--revision-rate P] [--resend-rate P]\n"
            "\n"
            "Prints COUNT simulated records as JSON lines on standard output, in the\n"
            "format `ftz produce` reads. The output depends only on the options: the\n"
            "same options give the same lines on any machine. Every line passes the\n"
            "rules of `ftz produce`.\n"
            "\n"
            "customs: declarations. Dalian about 60%% of them, Yingkou 25%%, Shenyang\n"
            "15%%; imports and exports about even; Japan and Korea the main partners,\n"
            "then Germany, Russia, the US, ...; sea, China-Europe rail, road and air;\n"
            "plastic bags, electronics, car parts, timber, machinery, frozen fish,\n"
            "steel and chemicals; 75%% cleared (in hours), 12%% filed, 8%% held, 5%%\n"
            "cancelled. filed_at falls in Shanghai office hours over --days days,\n"
            "more on weekdays; lines are not in time order. A share of declarations\n"
            "is revised later in the stream (same declaration_id, revision 2 or 3, a\n"
            "full snapshot).\n"
            "\n"
            "rail: container journeys on China-Europe trains, about two departures a\n"
            "day over --days days: Dalian about 63%% of the trains, Shenyang 20%%,\n"
            "Yingkou 17%%, to Duisburg, Hamburg, Warsaw, Lodz and Moscow; two thirds\n"
            "OUTBOUND (mostly electronics and car parts, made in China, Japan or\n"
            "Korea), one third INBOUND (mostly timber). Each shipment is DEPARTED,\n"
            "one to three BORDER_CROSSED (Zabaikalsk/Manzhouli, Malaszewicze/Brest,\n"
            "Frankfurt (Oder)/Kunowice), then ARRIVED 10 to 18 days later. Lines are\n"
            "in time order; when departures reach the end of the window, the trains\n"
            "under way arrive, then a new pass over the window begins.\n"
            "\n"
            "registration: new companies, about 1,750 a month across the three areas\n"
            "(so -n 1750 for the default 30 days); registered_at in office hours over\n"
            "--days days, not in time order. Mostly DOMESTIC; foreign investors mainly\n"
            "Japan and Korea; mean capital about 14 million CNY with a long tail,\n"
            "mostly round sums; trade, business services, IT, manufacturing and\n"
            "transport lead; names in Chinese or English; valid, unique USCCs.\n"
            "\n"
            "Options:\n"
            "  -t, --type TYPE          record type: customs, rail or registration\n"
            "  -n, --count COUNT        number of lines, revisions and re-sends\n"
            "                           included (default: %d)\n"
            "      --seed N             generator seed, 0 to 2^64-1 (default: 1)\n"
            "      --start RFC3339      start of the window: earliest filed_at,\n"
            "                           departure or registered_at (default:\n"
            "                           2026-11-01T00:00:00+08:00)\n"
            "      --days N             length of the window in days, 1 to %d\n"
            "                           (default: 30)\n"
            "      --revision-rate P    customs: probability that a declaration is\n"
            "                           revised later, 0 to 1 (default: 0.1)\n"
            "      --resend-rate P      rail, registration: probability that a record\n"
            "                           is sent a second time later in the stream, to\n"
            "                           exercise de-duplication, 0 to 1 (default:\n"
            "                           0.02). A rail event comes again byte for byte\n"
            "                           (same event_id); a registration with the same\n"
            "                           uscc and fields and a later event_time (the\n"
            "                           first counts).\n"
            "  -v, --verbose            a summary line on standard error at the end\n"
            "  -q, --quiet              errors only\n"
            "  -h, --help               this help\n"
            "\n"
            "The common options -b, -X, -c and --pg are accepted and ignored: simulate\n"
            "needs neither Kafka nor PostgreSQL.\n"
            "\n"
            "Example: ftz simulate -t customs -n 3000 | ftz produce -t customs\n"
            "         ftz simulate -t rail -n 10000 | ftz produce -t rail\n"
            "\n"
            "Exit status: 0 every line written; 1 failure (e.g. standard output closed,\n"
            "a broken pipe); 2 usage error.\n",
            DEFAULT_COUNT, FTZ_SIM_DAYS_MAX);
}

/* A whole number in [min, max], decimal digits only. */
static int parse_whole(const char *opt, const char *arg, uint64_t min, uint64_t max,
                       uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = isdigit((unsigned char)arg[0]) ? strtoull(arg, &end, 10) : 0;
    if (!isdigit((unsigned char)arg[0]) || *end || errno == ERANGE || v < min || v > max) {
        fprintf(stderr,
                "ftz simulate: %s: \"%s\" is not a whole number from %" PRIu64 " to %" PRIu64
                "\n",
                opt, arg, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int ftz_cmd_simulate(int argc, char **argv) {
    static const struct option longopts[] = {
        FTZ_CLI_COMMON_LONG,
        {"type", required_argument, NULL, 't'},
        {"count", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, OPT_SEED},
        {"start", required_argument, NULL, OPT_START},
        {"days", required_argument, NULL, OPT_DAYS},
        {"revision-rate", required_argument, NULL, OPT_REVISION_RATE},
        {"resend-rate", required_argument, NULL, OPT_RESEND_RATE},
        {NULL, 0, NULL, 0},
    };
    ftz_cli_t cli = {0};
    ftz_sim_conf_t conf;
    ftz_sim_t *sim = NULL;
    ftz_buf_t out = FTZ_BUF_INIT;
    const char *type = NULL;
    const char *revision_opt = NULL, *resend_opt = NULL; /* given, to check against -t */
    double resend_rate = -1;
    uint64_t count = DEFAULT_COUNT, v;
    int opt, rc = FTZ_EXIT_FAILURE;
    char errstr[512];
    ftz_err_t err;

    ftz_sim_conf_defaults(&conf);
    while ((opt = ftz_cli_next(&cli, argc, argv, FTZ_CLI_COMMON_SHORT "t:n:", longopts, help, &rc)) >= 0) {
        switch (opt) {
        case 't':
            type = optarg;
            break;
        case 'n':
            if (parse_whole("--count", optarg, 0, UINT64_MAX, &count) != 0)
                goto usage;
            break;
        case OPT_SEED:
            if (parse_whole("--seed", optarg, 0, UINT64_MAX, &v) != 0)
                goto usage;
            conf.seed = v;
            break;
        case OPT_DAYS:
            if (parse_whole("--days", optarg, 1, FTZ_SIM_DAYS_MAX, &v) != 0)
                goto usage;
            conf.days = (int)v;
            break;
        case OPT_START:
            if (ftz_time_parse(optarg, &conf.start_ms, errstr, sizeof(errstr)) != FTZ_OK) {
                fprintf(stderr, "ftz simulate: --start: %s\n", errstr);
                goto usage;
            }
            break;
        case OPT_REVISION_RATE: {
            double p = ftz_cli_number("simulate", "--revision-rate", optarg);
            if (p < 0)
                goto usage;
            if (p > 1) {
                fprintf(stderr, "ftz simulate: --revision-rate: %s is above 1\n", optarg);
                goto usage;
            }
            conf.revision_rate = p;
            revision_opt = optarg;
            break;
        }
        case OPT_RESEND_RATE: {
            double p = ftz_cli_number("simulate", "--resend-rate", optarg);
            if (p < 0)
                goto usage;
            if (!(p <= 1)) {
                fprintf(stderr, "ftz simulate: --resend-rate: %s is not from 0 to 1\n", optarg);
                goto usage;
            }
            resend_rate = p;
            resend_opt = optarg;
            break;
        }
        default: /* getopt_long has said which option */
            fprintf(stderr, "ftz simulate: `ftz simulate --help` lists the options\n");
            goto usage;
        }
    }
    if (opt == FTZ_CLI_STOP)
        goto cleanup;
    if (optind < argc) {
        fprintf(stderr, "ftz simulate: unexpected argument \"%s\"\n", argv[optind]);
        goto usage;
    }
    const ftz_record_type_t *rt = type ? ftz_record_type_by_name(type) : NULL;
    if (!rt) {
        if (type)
            fprintf(stderr,
                    "ftz simulate: -t %s: no simulator for this type; types: customs, rail, "
                    "registration\n",
                    type);
        else
            fprintf(stderr, "ftz simulate: -t TYPE is required: customs, rail or registration\n");
        goto usage;
    }
    /* A rate that cannot apply is a mistake to report, not to ignore. */
    if (revision_opt && rt->id != FTZ_REC_CUSTOMS) {
        fprintf(stderr, "ftz simulate: --revision-rate applies to -t customs only\n");
        goto usage;
    }
    if (resend_opt && rt->id == FTZ_REC_CUSTOMS) {
        fprintf(stderr, "ftz simulate: --resend-rate applies to -t rail and -t registration\n");
        goto usage;
    }
    if (resend_opt && rt->id == FTZ_REC_RAIL)
        conf.rail_resend_rate = resend_rate;
    if (resend_opt && rt->id == FTZ_REC_REGISTRATION)
        conf.registration_resend_rate = resend_rate;
    if (!(sim = ftz_sim_new(&conf, errstr, sizeof(errstr)))) {
        fprintf(stderr, "ftz simulate: %s\n", errstr);
        goto usage; /* every bound it checks comes from an option */
    }

    /* A closed pipe is an error to report (exit 1), not a signal to die of. */
    signal(SIGPIPE, SIG_IGN);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint64_t i = 0; i < count; i++) {
        union {
            ftz_customs_t customs;
            ftz_rail_t rail;
            ftz_registration_t registration;
        } rec;
        if ((err = ftz_sim_next(sim, rt->id, &rec)) != FTZ_OK) {
            fprintf(stderr, "ftz simulate: record %" PRIu64 ": %s\n", i + 1, ftz_err_name(err));
            goto cleanup;
        }
        ftz_buf_reset(&out);
        if ((err = ftz_json_from_record(rt, &rec, &out)) != FTZ_OK ||
            (err = ftz_buf_putc(&out, '\n')) != FTZ_OK) {
            fprintf(stderr, "ftz simulate: record %" PRIu64 ": %s\n", i + 1, ftz_err_name(err));
            goto cleanup;
        }
        if (fwrite(out.data, 1, out.len, stdout) != out.len) {
            fprintf(stderr, "ftz simulate: write error on standard output: %s\n",
                    strerror(errno));
            goto cleanup;
        }
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "ftz simulate: write error on standard output: %s\n", strerror(errno));
        goto cleanup;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double took = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    ftz_log(FTZ_LOG_INFO, "SIM", "%" PRIu64 " %s records written (%" PRIu64 " %s), seed %" PRIu64
            ", in %.2f s (%.0f records/s)",
            count, rt->short_name, ftz_sim_repeats(sim, rt->id),
            rt->id == FTZ_REC_CUSTOMS ? "revisions" : "re-sends", conf.seed, took,
            took > 0 ? (double)count / took : 0.0);
    rc = FTZ_EXIT_OK;
    goto cleanup;
usage:
    rc = FTZ_EXIT_USAGE;
cleanup:
    ftz_sim_destroy(sim);
    ftz_buf_free(&out);
    ftz_cli_free(&cli);
    return rc;
}
