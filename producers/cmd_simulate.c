/* ftz simulate: realistic records, deterministic by seed, as JSON lines,
 * CSV or straight to Kafka, with dirty records mixed in and the tables
 * they must produce (docs/simulate.md). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ftz/clock.h"
#include "cli.h"
#include "ftz/codec.h"
#include "ftz/csv_writer.h"
#include "ftz/json.h"
#include "ftz/log.h"
#include "ftz/producer.h"
#include "ftz/simulate.h"
#include "ftz/topics.h"
#include "ftz/value.h"

enum {
    OPT_SEED = FTZ_OPT__COMMON_END,
    OPT_START,
    OPT_DAYS,
    OPT_REVISION_RATE,
    OPT_RESEND_RATE,
    OPT_DIRTY,
    OPT_FORMAT,
    OPT_TO_KAFKA,
    OPT_PREFIX,
    OPT_RATE,
    OPT_EXPECT,
};

#define DEFAULT_COUNT 1000
#define SHORT_WINDOW_DAYS 31 /* up to a month: DEFAULT_COUNT records a type */
#define FLUSH_SECONDS 120

static void help(FILE *out) {
    fprintf(out,
            "Usage: ftz simulate -t TYPE [-n COUNT] [--seed N] [--start RFC3339]\n"
            "                    [--days N] [--revision-rate P] [--resend-rate P]\n"
            "                    [--dirty PCT] [--format json|csv] [-o PATH]\n"
            "                    [-b BROKERS | --to-kafka] [--topic-prefix P]\n"
            "                    [--rate N] [--expect FILE]\n"
            "\n"
            "Writes simulated records of one type, or of all three, as JSON lines (the\n"
            "format `ftz produce` reads), as CSV, or straight to Kafka. The records\n"
            "depend only on the options: the same options give the same records on any\n"
            "machine. Every record passes the rules of `ftz produce`, except the dirty\n"
            "ones --dirty mixes in.\n"
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
            "registration: new companies, about 1,750 a month across the three areas;\n"
            "registered_at in office hours over --days days, not in time order.\n"
            "Mostly DOMESTIC; foreign investors mainly Japan and Korea; mean capital\n"
            "about 14 million CNY with a long tail, mostly round sums; trade, business\n"
            "services, IT, manufacturing and transport lead; names in Chinese or\n"
            "English; valid, unique USCCs.\n"
            "\n"
            "all: the three types in one run, interleaved; each type's records are\n"
            "those -t TYPE gives with the same options.\n"
            "\n"
            "Options:\n"
            "  -t, --type TYPE          customs, rail, registration, or all\n"
            "  -n, --count COUNT        records to write, revisions, re-sends and dirty\n"
            "                           records included; with -t all the total, shared\n"
            "                           as the magnitudes below (about 20%% customs, 69%%\n"
            "                           rail, 11%% registrations). Default: %d a type for\n"
            "                           windows up to %d days; for longer windows the\n"
            "                           report's magnitudes: %.0f declarations, %.0f rail\n"
            "                           events and about %.1f registrations a day\n"
            "                           (1,750 a month)\n"
            "      --seed N             generator seed, 0 to 2^64-1 (default: 1)\n"
            "      --start RFC3339      start of the window: earliest filed_at,\n"
            "                           departure or registered_at (default:\n"
            "                           2026-11-01T00:00:00+08:00; the zone opened on\n"
            "                           2017-04-01T00:00:00+08:00)\n"
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
            "      --dirty PCT          mix in PCT%% (0 to 100) dirty records: records\n"
            "                           that break one rule each (one kind per RULE_*\n"
            "                           code the type can get), exact re-sends, stale\n"
            "                           and out-of-order revisions, revisions moving a\n"
            "                           declaration to another day, area or partner,\n"
            "                           registrations sent again with other fields,\n"
            "                           records (rail events) out of order. The clean\n"
            "                           records stay those without --dirty.\n"
            "      --format FMT         json (default: JSON lines) or csv (RFC 4180, a\n"
            "                           header row of field names; an empty cell is\n"
            "                           null, an empty string is \"\")\n"
            "  -o, --output PATH        write to PATH (default: standard output); with\n"
            "                           -t all, PATH is a prefix: PATH.customs.jsonl,\n"
            "                           PATH.rail.jsonl, PATH.registration.jsonl (.csv\n"
            "                           with --format csv)\n"
            "      --to-kafka           send to Kafka (the brokers of -b, else -X\n"
            "                           bootstrap.servers, else $FTZ_BROKERS, else\n"
            "                           127.0.0.1:9092) instead of\n"
            "                           writing: Avro single-object encoding, keyed by\n"
            "                           the record's id, through the producer of `ftz\n"
            "                           produce` (idempotent, acks=all), dirty records\n"
            "                           included as they are (as `ftz produce\n"
            "                           --skip-rules` would send them). -b implies it.\n"
            "      --topic-prefix P     with Kafka: send to P + the type's topic\n"
            "                           (default: $FTZ_TOPIC_PREFIX, else none)\n"
            "      --rate N             at most N records a second over all types\n"
            "                           (default: as fast as possible)\n"
            "      --expect FILE        write to FILE, as JSON, the exact rows the\n"
            "                           aggregate tables must hold (non-zero rows of\n"
            "                           customs_daily, rail_daily, registrations_monthly)\n"
            "                           and the dead letters by topic and code, once a\n"
            "                           consumer has read every record written, from an\n"
            "                           empty database; `ftz check --expect FILE`\n"
            "                           compares. Computed by the simulator from what it\n"
            "                           wrote (docs/simulate.md says what it assumes).\n"
            "\n" FTZ_CLI_COMMON_HELP
            "--pg is accepted and ignored.\n"
            "\n"
            "Example: ftz simulate -t customs -n 3000 | ftz produce -t customs\n"
            "         ftz simulate -t all --dirty 5 --expect expect.json -b 127.0.0.1:9092\n"
            "         ftz simulate -t all --start 2017-04-01T00:00:00+08:00 --days 3500 \\\n"
            "             --rate 2000 -b 127.0.0.1:9092\n"
            "\n"
            "Exit status: 0 every record written (or sent and acknowledged), or stopped\n"
            "by SIGINT/SIGTERM after the records so far; 1 failure (e.g. standard output\n"
            "closed, records not acknowledged: then no --expect file is written);\n"
            "2 usage error.\n",
            DEFAULT_COUNT, SHORT_WINDOW_DAYS, FTZ_SIM_CUSTOMS_PER_DAY,
            FTZ_SIM_RAIL_EVENTS_PER_DAY, FTZ_SIM_REGISTRATIONS_PER_DAY, FTZ_SIM_DAYS_MAX);
}

/* A whole number in [min, max], decimal digits only. */
static int parse_whole(const char *opt, const char *arg, uint64_t min, uint64_t max,
                       uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = isdigit((unsigned char)arg[0]) ? strtoull(arg, &end, 10) : 0;
    if (!isdigit((unsigned char)arg[0]) || *end || errno == ERANGE || v < min || v > max) {
        ftz_cli_usage_error("simulate",
                            "%s: \"%s\" is not a whole number from %" PRIu64 " to %" PRIu64, opt,
                            arg, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

/* Where the records go: one file per type, or Kafka. */
typedef struct sim_out_s {
    int kafka;
    int csv;
    FILE *files[FTZ_REC__COUNT];
    char *paths[FTZ_REC__COUNT]; /* NULL: standard output */
    ftz_catalog_t *cat;
    ftz_encoder_t *enc[FTZ_REC__COUNT];
    ftz_producer_t *prod;
    char topics[FTZ_REC__COUNT][FTZ_TOPIC_MAX + 1];
    ftz_buf_t buf;
} sim_out_t;

/* Waits until `at` (now_s), serving delivery reports meanwhile. */
static void wait_until(double at, ftz_producer_t *prod) {
    for (double left; !ftz_cli_stop && (left = at - ftz_clock_mono()) > 0;) {
        if (left > 0.1)
            left = 0.1;
        struct timespec ts = {0, (long)(left * 1e9)};
        nanosleep(&ts, NULL);
        if (prod)
            ftz_producer_poll(prod);
    }
}

/* Writes or sends one record. */
static ftz_err_t emit(sim_out_t *o, const ftz_record_type_t *rt, const void *rec, uint64_t nth,
                      char *errstr, size_t errstr_size) {
    ftz_err_t err;
    ftz_buf_reset(&o->buf);
    if (o->kafka) {
        char label[64];
        const char *key = ftz_record_key(rt, rec);
        snprintf(label, sizeof(label), "%s record %" PRIu64, rt->short_name, nth);
        if ((err = ftz_encoder_encode(o->enc[rt->id], rec, &o->buf, errstr, errstr_size)))
            return err;
        return ftz_producer_send(o->prod, o->topics[rt->id], key, strlen(key), o->buf.data,
                                 o->buf.len, label, errstr, errstr_size);
    }
    err = o->csv ? ftz_csv_from_record(rt, rec, &o->buf)
                 : ftz_json_from_record(rt, rec, &o->buf);
    if (!err && !o->csv)
        err = ftz_buf_putc(&o->buf, '\n');
    if (err)
        return ftz_seterr(err, errstr, errstr_size, "%s record %" PRIu64 ": %s", rt->short_name,
                          nth, ftz_err_name(err));
    FILE *f = o->files[rt->id];
    if (fwrite(o->buf.data, 1, o->buf.len, f) != o->buf.len)
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "write error on %s: %s",
                          o->paths[rt->id] ? o->paths[rt->id] : "standard output",
                          strerror(errno));
    return FTZ_OK;
}

/* The "generated" object of the expectation file: what was simulated. */
static char *generated_json(const ftz_sim_conf_t *conf, const int *types, int ntypes,
                            const uint64_t *written, uint64_t kinds[][FTZ_SIM__KINDS]) {
    ftz_buf_t b = FTZ_BUF_INIT;
    char start[40], rate[40];
    ftz_time_format(conf->start_ms, start, sizeof(start));
    for (int prec = 15; prec <= 17; prec++) { /* the shortest text of the double */
        snprintf(rate, sizeof(rate), "%.*g", prec, conf->dirty_rate);
        if (strtod(rate, NULL) == conf->dirty_rate)
            break;
    }
    ftz_buf_printf(&b,
                   "{\"seed\": %" PRIu64 ", \"start\": \"%s\", \"days\": %d, "
                   "\"dirty_rate\": %s, \"records\": {",
                   conf->seed, start, conf->days, rate);
    for (int i = 0; i < ntypes; i++)
        ftz_buf_printf(&b, "%s\"%s\": %" PRIu64, i ? ", " : "",
                       ftz_record_type(types[i])->short_name, written[types[i]]);
    ftz_buf_puts(&b, "}, \"kinds\": {");
    for (int i = 0; i < ntypes; i++) {
        ftz_buf_printf(&b, "%s\"%s\": {", i ? ", " : "", ftz_record_type(types[i])->short_name);
        for (int k = 0; k < FTZ_SIM__KINDS; k++)
            ftz_buf_printf(&b, "%s\"%s\": %" PRIu64, k ? ", " : "",
                           ftz_sim_kind_name((ftz_sim_kind_t)k), kinds[types[i]][k]);
        ftz_buf_putc(&b, '}');
    }
    if (ftz_buf_puts(&b, "}}") != FTZ_OK) {
        ftz_buf_free(&b);
        return NULL;
    }
    return (char *)b.data; /* NUL-terminated by ftz_buf */
}

static const char expect_assumes[] =
    "The rows the tables hold once one consumer group has read every record written, "
    "starting from an empty database, and read each key's records in the order they were "
    "written (Kafka keeps the order within a partition, and the records of one key, keyed by "
    "their id, share a partition). Broken records are dead letters only when they reach the "
    "consumer: sent by ftz simulate -b, or by ftz produce --skip-rules; ftz produce without it "
    "refuses them at the source. Dead letters are counted by the record type's topic, "
    "without the topic prefix.";

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
        {"dirty", required_argument, NULL, OPT_DIRTY},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"output", required_argument, NULL, 'o'},
        {"to-kafka", no_argument, NULL, OPT_TO_KAFKA},
        {"topic-prefix", required_argument, NULL, OPT_PREFIX},
        {"rate", required_argument, NULL, OPT_RATE},
        {"expect", required_argument, NULL, OPT_EXPECT},
        {NULL, 0, NULL, 0},
    };
    ftz_cli_t cli = {0};
    ftz_sim_conf_t conf;
    ftz_sim_t *sim = NULL;
    ftz_sim_expect_t *book = NULL;
    ftz_expect_t *expected = NULL;
    sim_out_t o;
    const char *type = NULL, *format = "json", *output = NULL, *prefix = NULL;
    const char *expect_path = NULL, *revision_opt = NULL, *resend_opt = NULL;
    char *generated = NULL;
    FILE *expect_file = NULL;
    double resend_rate = -1, rate = 0;
    uint64_t count = 0, v, want[FTZ_REC__COUNT] = {0}, written[FTZ_REC__COUNT] = {0};
    uint64_t kinds[FTZ_REC__COUNT][FTZ_SIM__KINDS];
    int types[FTZ_REC__COUNT], ntypes = 0, count_given = 0, to_kafka = 0;
    int opt, rc = FTZ_EXIT_FAILURE;
    char errstr[512];
    ftz_err_t err;

    memset(&o, 0, sizeof(o));
    memset(kinds, 0, sizeof(kinds));
    ftz_sim_conf_defaults(&conf);
    while ((opt = ftz_cli_next(&cli, argc, argv, FTZ_CLI_COMMON_SHORT "t:n:o:", longopts, help,
                               &rc)) >= 0) {
        switch (opt) {
        case 't':
            type = optarg;
            break;
        case 'n':
            if (parse_whole("--count", optarg, 0, UINT64_MAX, &count) != 0)
                goto usage;
            count_given = 1;
            break;
        case 'o':
            output = optarg;
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
                ftz_cli_usage_error("simulate", "--start: %s", errstr);
                goto usage;
            }
            break;
        case OPT_REVISION_RATE: {
            double p = ftz_cli_number("simulate", "--revision-rate", optarg);
            if (p < 0)
                goto usage;
            if (p > 1) {
                ftz_cli_usage_error("simulate", "--revision-rate: %s is above 1", optarg);
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
                ftz_cli_usage_error("simulate", "--resend-rate: %s is not from 0 to 1", optarg);
                goto usage;
            }
            resend_rate = p;
            resend_opt = optarg;
            break;
        }
        case OPT_DIRTY: {
            double p = ftz_cli_number("simulate", "--dirty", optarg);
            if (p < 0)
                goto usage;
            if (!(p <= 100)) {
                ftz_cli_usage_error("simulate", "--dirty: %s is not a percentage from 0 to 100",
                                    optarg);
                goto usage;
            }
            conf.dirty_rate = p / 100;
            break;
        }
        case OPT_FORMAT:
            format = optarg;
            break;
        case OPT_TO_KAFKA:
            to_kafka = 1;
            break;
        case OPT_PREFIX:
            prefix = optarg;
            break;
        case OPT_RATE:
            if ((rate = ftz_cli_number("simulate", "--rate", optarg)) < 0)
                goto usage;
            if (rate == 0) {
                ftz_cli_usage_error("simulate", "--rate: must be above 0 (leave it out for as "
                                    "fast as possible)");
                goto usage;
            }
            break;
        case OPT_EXPECT:
            expect_path = optarg;
            break;
        default: /* getopt_long has said which option */
            ftz_cli_usage_error("simulate", "unknown option");
            goto usage;
        }
    }
    if (opt == FTZ_CLI_STOP)
        goto cleanup;
    if (optind < argc) {
        ftz_cli_usage_error("simulate", "unexpected argument \"%s\"", argv[optind]);
        goto usage;
    }

    /* The types, and how many records of each. */
    if (type && strcmp(type, "all") == 0) {
        for (int t = 0; t < FTZ_REC__COUNT; t++)
            types[ntypes++] = t;
    } else {
        const ftz_record_type_t *rt = type ? ftz_record_type_by_name(type) : NULL;
        if (!rt) {
            if (type)
                ftz_cli_usage_error("simulate",
                                    "-t %s: no simulator for this type; types: customs, rail, "
                                    "registration, all",
                                    type);
            else
                ftz_cli_usage_error("simulate", "-t TYPE is required: customs, rail, "
                                    "registration or all");
            goto usage;
        }
        types[ntypes++] = rt->id;
    }
    int all = ntypes > 1;
    /* A rate that cannot apply is a mistake to report, not to ignore. */
    if (revision_opt && !all && types[0] != FTZ_REC_CUSTOMS) {
        ftz_cli_usage_error("simulate", "--revision-rate applies to -t customs (and all) only");
        goto usage;
    }
    if (resend_opt && !all && types[0] == FTZ_REC_CUSTOMS) {
        ftz_cli_usage_error("simulate", "--resend-rate applies to -t rail, registration and all");
        goto usage;
    }
    if (resend_opt) {
        conf.rail_resend_rate = resend_rate;
        conf.registration_resend_rate = resend_rate;
    }
    if (strcmp(format, "json") != 0 && strcmp(format, "csv") != 0) {
        ftz_cli_usage_error("simulate", "--format %s: json or csv", format);
        goto usage;
    }
    o.csv = strcmp(format, "csv") == 0;
    o.kafka = to_kafka || cli.brokers;
    if (o.kafka && (output || o.csv)) {
        ftz_cli_usage_error("simulate", "-o and --format write files; with -b or --to-kafka the "
                            "records go to Kafka");
        goto usage;
    }
    if (!o.kafka && prefix) {
        ftz_cli_usage_error("simulate", "--topic-prefix applies with -b or --to-kafka only");
        goto usage;
    }
    if (all && !o.kafka && !output) {
        ftz_cli_usage_error("simulate", "-t all writes one file per type: give -o PREFIX, or -b "
                            "to send to Kafka");
        goto usage;
    }
    for (int i = 0; i < ntypes; i++)
        want[types[i]] = conf.days <= SHORT_WINDOW_DAYS
                             ? DEFAULT_COUNT
                             : ftz_sim_magnitude((ftz_rtype_t)types[i], conf.days);
    if (count_given && !all) {
        want[types[0]] = count;
    } else if (count_given) { /* shared as the magnitudes */
        double total = 0, share[FTZ_REC__COUNT];
        for (int t = 0; t < FTZ_REC__COUNT; t++)
            total += share[t] = (double)ftz_sim_magnitude((ftz_rtype_t)t, 1000);
        want[FTZ_REC_CUSTOMS] = (uint64_t)llround((double)count * share[FTZ_REC_CUSTOMS] / total);
        want[FTZ_REC_REGISTRATION] =
            (uint64_t)llround((double)count * share[FTZ_REC_REGISTRATION] / total);
        want[FTZ_REC_RAIL] = count - want[FTZ_REC_CUSTOMS] - want[FTZ_REC_REGISTRATION];
    }

    if (!(sim = ftz_sim_new(&conf, errstr, sizeof(errstr)))) {
        ftz_cli_usage_error("simulate", "%s", errstr);
        goto usage; /* every bound it checks comes from an option */
    }
    if (expect_path && !(book = ftz_sim_expect_new())) {
        ftz_cli_error("simulate", NULL, "out of memory");
        goto cleanup;
    }

    /* The outputs. */
    if (o.kafka) {
        if (!(o.cat = ftz_catalog_new_embedded(errstr, sizeof(errstr))))
            goto fail_errstr;
        for (int i = 0; i < ntypes; i++) {
            const ftz_record_type_t *rt = ftz_record_type(types[i]);
            if (!(o.enc[rt->id] = ftz_encoder_new(o.cat, rt->id, 0, errstr, sizeof(errstr))))
                goto fail_errstr;
            ftz_topic_name(prefix, rt->topic, o.topics[rt->id], sizeof(o.topics[rt->id]));
        }
        if (!(o.prod = ftz_producer_new(cli.brokers, &cli.props, errstr, sizeof(errstr))))
            goto fail_errstr;
    } else {
        for (int i = 0; i < ntypes; i++) {
            const ftz_record_type_t *rt = ftz_record_type(types[i]);
            FILE *f = stdout;
            if (output && all) {
                size_t n = strlen(output) + strlen(rt->short_name) + 8;
                if (!(o.paths[rt->id] = malloc(n))) {
                    ftz_cli_error("simulate", NULL, "out of memory");
                    goto cleanup;
                }
                snprintf(o.paths[rt->id], n, "%s.%s.%s", output, rt->short_name, format);
                if (!o.csv) /* JSON lines: .jsonl */
                    snprintf(o.paths[rt->id], n, "%s.%s.jsonl", output, rt->short_name);
            } else if (output && !(o.paths[rt->id] = strdup(output))) {
                ftz_cli_error("simulate", NULL, "out of memory");
                goto cleanup;
            }
            if (o.paths[rt->id] && expect_path && strcmp(o.paths[rt->id], expect_path) == 0) {
                rc = ftz_cli_usage_error("simulate", "--expect %s is also where the %s records "
                                         "go: give it another name", expect_path,
                                         rt->short_name);
                goto cleanup;
            }
            if (o.paths[rt->id] && !(f = fopen(o.paths[rt->id], "w"))) {
                ftz_cli_error("simulate", NULL, "%s: %s", o.paths[rt->id], strerror(errno));
                goto cleanup;
            }
            o.files[rt->id] = f;
            if (o.csv) {
                ftz_buf_reset(&o.buf);
                if (ftz_csv_header(rt, &o.buf) != FTZ_OK ||
                    fwrite(o.buf.data, 1, o.buf.len, f) != o.buf.len) {
                    ftz_cli_error("simulate", NULL, "write error on %s: %s",
                                  o.paths[rt->id] ? o.paths[rt->id] : "standard output",
                                  strerror(errno));
                    goto cleanup;
                }
            }
        }
    }

    /* A closed pipe is an error to report (exit 1), not a signal to die of;
     * SIGINT and SIGTERM stop after the record being written. */
    signal(SIGPIPE, SIG_IGN);
    ftz_cli_catch_signals();
    uint64_t total = 0, done = 0;
    for (int i = 0; i < ntypes; i++)
        total += want[types[i]];
    double t0 = ftz_clock_mono();
    for (; done < total && !ftz_cli_stop; done++) {
        /* Interleaved: the type furthest behind its share goes next. */
        int t = -1;
        for (int i = 0; i < ntypes; i++) {
            int c = types[i];
            if (written[c] < want[c] &&
                (t < 0 || (double)(written[c] + 1) / (double)want[c] <
                              (double)(written[t] + 1) / (double)want[t]))
                t = c;
        }
        const ftz_record_type_t *rt = ftz_record_type((ftz_rtype_t)t);
        ftz_record_buf_t rec;
        ftz_sim_info_t info;
        if (rate > 0)
            wait_until(t0 + (double)done / rate, o.prod);
        if (ftz_cli_stop)
            break;
        if ((err = ftz_sim_next_info(sim, (ftz_rtype_t)t, &rec, &info)) != FTZ_OK) {
            ftz_cli_error("simulate", NULL, "%s record %" PRIu64 ": %s", rt->short_name,
                          written[t] + 1, ftz_err_name(err));
            goto cleanup;
        }
        if (book && ftz_sim_expect_add(book, (ftz_rtype_t)t, &rec, &info, errstr,
                                       sizeof(errstr)) != FTZ_OK)
            goto fail_errstr;
        if (emit(&o, rt, &rec, written[t] + 1, errstr, sizeof(errstr)) != FTZ_OK)
            goto fail_errstr;
        written[t]++;
        kinds[t][info.kind]++;
    }
    if (ftz_cli_stop)
        ftz_log(FTZ_LOG_WARNING, "SIM", "stopped by a signal after %" PRIu64 " of %" PRIu64
                " records", done, total);

    /* Every record out before the expectation. */
    if (o.kafka) {
        ftz_err_t ferr = FTZ_ERR_RETRIABLE;
        for (int waited = 0; ferr == FTZ_ERR_RETRIABLE && waited < FLUSH_SECONDS; waited++)
            ferr = ftz_producer_flush(o.prod, 1000, errstr, sizeof(errstr));
        if (ferr != FTZ_OK) {
            ftz_cli_error("simulate", NULL,
                          "%s; %" PRIu64 " of %" PRIu64 " records not acknowledged%s", errstr,
                          ftz_producer_failed(o.prod), done,
                          expect_path ? ", no expectation written" : "");
            goto cleanup;
        }
    }
    for (int t = 0; t < FTZ_REC__COUNT; t++) {
        FILE *f = o.files[t];
        o.files[t] = NULL;
        if (f && (f == stdout ? fflush(f) : fclose(f)) != 0) {
            ftz_cli_error("simulate", NULL, "write error on %s: %s",
                          o.paths[t] ? o.paths[t] : "standard output", strerror(errno));
            goto cleanup;
        }
    }
    if (book) {
        if (!(expected = ftz_sim_expect_result(book, errstr, sizeof(errstr))))
            goto fail_errstr;
        generated = generated_json(&conf, types, ntypes, written, kinds);
        if (!(expect_file = fopen(expect_path, "w"))) {
            ftz_cli_error("simulate", NULL, "%s: %s", expect_path, strerror(errno));
            goto cleanup;
        }
        err = ftz_expect_write(expected, expect_file, expect_assumes, generated, errstr,
                               sizeof(errstr));
        if (fclose(expect_file) != 0 && !err)
            err = ftz_seterr(FTZ_ERR_IO, errstr, sizeof(errstr), "%s", strerror(errno));
        expect_file = NULL;
        if (err) {
            ftz_cli_error("simulate", NULL, "%s: %s", expect_path, errstr);
            goto cleanup;
        }
    }
    double took = ftz_clock_mono() - t0;
    for (int i = 0; i < ntypes; i++) {
        int t = types[i];
        ftz_log(FTZ_LOG_INFO, "SIM",
                "%" PRIu64 " %s records %s (%" PRIu64 " %s, %" PRIu64 " dirty: %" PRIu64
                " broken), seed %" PRIu64,
                written[t], ftz_record_type(t)->short_name, o.kafka ? "sent" : "written",
                ftz_sim_repeats(sim, (ftz_rtype_t)t),
                t == FTZ_REC_CUSTOMS ? "revisions" : "re-sends",
                written[t] - kinds[t][FTZ_SIM_CLEAN], kinds[t][FTZ_SIM_BROKEN], conf.seed);
    }
    ftz_log(FTZ_LOG_INFO, "SIM", "%" PRIu64 " records in %.2f s (%.0f records/s)%s%s", done,
            took, took > 0 ? (double)done / took : 0.0, expect_path ? "; expectation in " : "",
            expect_path ? expect_path : "");
    rc = FTZ_EXIT_OK;
    goto cleanup;
fail_errstr:
    ftz_cli_error("simulate", NULL, "%s", errstr);
    goto cleanup;
usage:
    rc = FTZ_EXIT_USAGE;
cleanup:
    for (int t = 0; t < FTZ_REC__COUNT; t++) {
        if (o.files[t] && o.files[t] != stdout)
            fclose(o.files[t]);
        free(o.paths[t]);
        ftz_encoder_destroy(o.enc[t]);
    }
    ftz_producer_destroy(o.prod);
    ftz_catalog_destroy(o.cat);
    ftz_buf_free(&o.buf);
    if (expect_file)
        fclose(expect_file);
    free(generated);
    ftz_expect_destroy(expected);
    ftz_sim_expect_destroy(book);
    ftz_sim_destroy(sim);
    ftz_cli_free(&cli);
    return rc;
}
