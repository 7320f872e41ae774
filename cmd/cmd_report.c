/* ftz report: the named reports (report_defs.c) in text, CSV, JSON, or as
 * the HTML dashboard. This file parses and checks the options, runs the
 * reports and hands them to the chosen format. docs/reports.md. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "ftz/array.h"
#include "ftz/pg.h"
#include "report.h"

enum {
    OPT_FROM = FTZ_OPT__COMMON_END,
    OPT_TO,
    OPT_AREA,
    OPT_FORMAT,
    OPT_LIST,
    OPT_CHARTJS,
    OPT_MAX_ROWS
};

/* Text of every report (no NAME): rows per report unless --max-rows. */
#define DEFAULT_MAX_ROWS 15

#define CHARTJS_DIR "/usr/share/javascript/chart.js/"
#define CHARTJS_DEFAULT CHARTJS_DIR "chart.min.js"

static const char *const areas[] = {"SHENYANG", "YINGKOU", "DALIAN"};
static const char *const formats[] = {"text", "csv", "json", "html"};
enum { FORMAT_TEXT, FORMAT_CSV, FORMAT_JSON, FORMAT_HTML };

/* The names of the reports with that kind of area, comma-separated, into
 * buf. */
static const char *names_with(ftz_report_area_t area, char *buf, size_t size) {
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < ftz_reports_count && len < size; i++)
        if (ftz_reports[i].area == area)
            len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
                                    ftz_reports[i].name);
    return buf;
}

/* text in lines of at most width columns, each indented by indent; the
 * first one continues a line that has reached column `col` (0: a new
 * line). */
static void put_wrapped(FILE *out, int col, int indent, int width, const char *text) {
    while (*text) {
        size_t w = strcspn(text, " ");
        if (col > indent && col + 1 + (int)w > width) {
            fputc('\n', out);
            col = 0;
        }
        if (col == 0)
            col = fprintf(out, "%*s", indent, "");
        else if (col > indent)
            col += fprintf(out, " ");
        col += fprintf(out, "%.*s", (int)w, text);
        text += w;
        text += strspn(text, " ");
    }
    fputc('\n', out);
}

static void help(FILE *out) {
    char text[1024], base[256], none[256];
    fprintf(out,
            "Usage: ftz report [NAME] [--from DATE] [--to DATE] [--area AREA]\n"
            "                  [--format text|csv|json|html] [-o FILE] [--pg CONNINFO]\n"
            "       ftz report --list [--format text|csv|json]\n"
            "\n"
            "Prints the report NAME, or every report, from the aggregate tables and the\n"
            "BI views of schema ftz (docs/reports.md). Days are Asia/Shanghai; DATE is\n"
            "YYYY-MM-DD, both ends included; a report over a monthly view keeps the\n"
            "months that overlap the range, whole. Averages are sums of seconds over\n"
            "sums of counts.\n"
            "\n"
            "Reports:\n");
    for (size_t i = 0; i < ftz_reports_count; i++) {
        const ftz_report_def_t *d = &ftz_reports[i];
        size_t len = (size_t)snprintf(text, sizeof(text), "from %s%s; columns:", d->source,
                                      d->area == FTZ_REPORT_AREA_NONE ? ", no area" : "");
        for (int c = 0; d->columns[c] && len < sizeof(text); c++)
            len += (size_t)snprintf(text + len, sizeof(text) - len, " %s%s", d->columns[c],
                                    d->columns[c + 1] ? "," : "");
        put_wrapped(out, fprintf(out, "  %-18s ", d->name), 21, 79, d->title);
        put_wrapped(out, 0, 21, 79, text);
    }
    fprintf(out,
            "\n"
            "Options:\n"
            "      --from DATE        first day (default: the first one counted)\n"
            "      --to DATE          last day (default: the last one counted)\n"
            "      --area AREA        ");
    snprintf(text, sizeof(text),
             "only this area: SHENYANG, YINGKOU or DALIAN. Where the view has no area "
             "(%s) the same sums come from the base table. %s have no area: named, they "
             "refuse --area; without NAME they are left out (the dashboard draws rail for all "
             "areas and says so)",
             names_with(FTZ_REPORT_AREA_BASE, base, sizeof(base)),
             names_with(FTZ_REPORT_AREA_NONE, none, sizeof(none)));
    put_wrapped(out, 25, 25, 79, text);
    fprintf(out,
            "      --format FORMAT    text (default): aligned for a terminal;\n"
            "                         csv: RFC 4180 with a header row, one report (NAME);\n"
            "                         json: one object, every report's columns and rows;\n"
            "                         html: the dashboard, one self-contained page with\n"
            "                         charts and every report's table (no NAME)\n"
            "  -o, --output FILE      write to FILE instead of standard output (FILE is\n"
            "                         replaced once the output is complete)\n"
            "      --list             the reports' names and titles, one line each\n"
            "      --max-rows N       text: at most N rows per report, then how many\n"
            "                         more (default: 15 when printing every report,\n"
            "                         all rows of a named one; 0: all)\n"
            "      --chartjs FILE     html: the Chart.js file to embed (default:\n"
            "                         $FTZ_CHARTJS, else Debian's libjs-chart.js:\n"
            "                         " CHARTJS_DEFAULT "\n"
            "                         or chart.js beside it)\n"
            "\n" FTZ_CLI_COMMON_HELP
            "\n"
            "Exit status: 0 success; 1 failure (PostgreSQL, Chart.js missing, a write\n"
            "error); 2 usage error (unknown report, bad date, area or format).\n");
}

/* A YYYY-MM-DD calendar date. */
static int valid_date(const char *s) {
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

static int list_reports(FILE *out, int format) {
    if (format == FORMAT_TEXT) {
        for (size_t i = 0; i < ftz_reports_count; i++)
            fprintf(out, "%-18s %s\n", ftz_reports[i].name, ftz_reports[i].title);
    } else if (format == FORMAT_CSV) {
        fputs("name,title,source,area,columns\r\n", out);
        for (size_t i = 0; i < ftz_reports_count; i++) {
            const ftz_report_def_t *d = &ftz_reports[i];
            fprintf(out, "%s,\"%s\",%s,%s,", d->name, d->title, d->source,
                    d->area == FTZ_REPORT_AREA_NONE ? "no" : "yes");
            for (int c = 0; d->columns[c]; c++)
                fprintf(out, "%s%s", c ? " " : "", d->columns[c]);
            fputs("\r\n", out);
        }
    } else {
        json_t *list = json_array();
        char *text = NULL;
        for (size_t i = 0; list && i < ftz_reports_count; i++) {
            const ftz_report_def_t *d = &ftz_reports[i];
            json_t *cols = json_array();
            for (int c = 0; cols && d->columns[c]; c++)
                json_array_append_new(cols, json_string(d->columns[c]));
            json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:b, s:o}", "name", d->name,
                                                  "title", d->title, "source", d->source,
                                                  "area", d->area != FTZ_REPORT_AREA_NONE,
                                                  "columns", cols));
        }
        if (!list || !(text = ftz_report_json_dump(list, 2))) {
            json_decref(list);
            ftz_cli_error("report", NULL, "out of memory");
            return FTZ_EXIT_FAILURE;
        }
        fprintf(out, "%s\n", text);
        free(text);
        json_decref(list);
    }
    if (fflush(out) != 0 || ferror(out)) {
        return ftz_cli_error("report", NULL, "write failed: %s", strerror(errno));
    }
    return FTZ_EXIT_OK;
}

/* The Chart.js to embed: --chartjs, $FTZ_CHARTJS, Debian's chart.min.js,
 * or its chart.js when only that one is there. */
static const char *chartjs_path(const char *opt) {
    const char *env = getenv("FTZ_CHARTJS");
    if (opt)
        return opt;
    if (env && *env)
        return env;
    if (access(CHARTJS_DEFAULT, R_OK) != 0 && access(CHARTJS_DIR "chart.js", R_OK) == 0)
        return CHARTJS_DIR "chart.js";
    return CHARTJS_DEFAULT;
}

int ftz_cmd_report(int argc, char **argv) {
    static const struct option longopts[] = {
        FTZ_CLI_COMMON_LONG,
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"area", required_argument, NULL, OPT_AREA},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"output", required_argument, NULL, 'o'},
        {"list", no_argument, NULL, OPT_LIST},
        {"max-rows", required_argument, NULL, OPT_MAX_ROWS},
        {"chartjs", required_argument, NULL, OPT_CHARTJS},
        {NULL, 0, NULL, 0},
    };
    ftz_cli_t cli = {0};
    int opt, rc = FTZ_EXIT_FAILURE, format = FORMAT_TEXT, list = 0, max_rows = -1;
    const char *format_arg = "text", *output = NULL, *chartjs_opt = NULL, *chartjs = NULL;
    const ftz_report_def_t *named = NULL;
    ftz_report_filter_t filter = {NULL, NULL, NULL};
    ftz_report_result_t *results = NULL;
    size_t n = 0;
    PGconn *conn = NULL;
    FILE *out = stdout;
    char *tmp = NULL;
    char errstr[512];
    ftz_err_t err = FTZ_OK;

    while ((opt = ftz_cli_next(&cli, argc, argv, FTZ_CLI_COMMON_SHORT "o:", longopts, help,
                               &rc)) >= 0) {
        switch (opt) {
        case OPT_FROM: filter.from = optarg; break;
        case OPT_TO: filter.to = optarg; break;
        case OPT_AREA: filter.area = optarg; break;
        case OPT_FORMAT: format_arg = optarg; break;
        case 'o': output = optarg; break;
        case OPT_LIST: list = 1; break;
        case OPT_CHARTJS: chartjs_opt = optarg; break;
        case OPT_MAX_ROWS: {
            double v = ftz_cli_number("report", "--max-rows", optarg);
            if (v < 0) { /* ftz_cli_number said why */
                rc = FTZ_EXIT_USAGE;
                goto cleanup;
            }
            if (!(v <= 1e9) || v != (double)(long long)v) {
                rc = ftz_cli_usage_error("report", "--max-rows \"%s\": a whole number from 0 "
                                                   "to 1000000000", optarg);
                goto cleanup;
            }
            max_rows = (int)v;
            break;
        }
        }
    }
    if (opt == FTZ_CLI_STOP)
        goto cleanup;

    /* Every usage error before connecting. */
    for (format = 0; format < (int)FTZ_ARRAY_SIZE(formats); format++)
        if (strcmp(format_arg, formats[format]) == 0)
            break;
    if (format == (int)FTZ_ARRAY_SIZE(formats)) {
        rc = ftz_cli_usage_error("report", "--format \"%s\": not one of text, csv, json, html",
                                 format_arg);
        goto cleanup;
    }
    if (optind + 1 < argc) {
        rc = ftz_cli_usage_error("report", "one report at most, got \"%s\" and \"%s\"",
                                 argv[optind], argv[optind + 1]);
        goto cleanup;
    }
    if (optind < argc && !(named = ftz_report_find(argv[optind]))) {
        rc = ftz_cli_usage_error("report", "no report \"%s\" (ftz report --list shows them)",
                                 argv[optind]);
        goto cleanup;
    }
    if (list) {
        if (named || format == FORMAT_HTML) {
            rc = ftz_cli_usage_error("report", "--list takes no NAME, and text, csv or json");
            goto cleanup;
        }
        rc = list_reports(stdout, format);
        goto cleanup;
    }
    if (filter.from && !valid_date(filter.from)) {
        rc = ftz_cli_usage_error("report", "--from \"%s\": not a date (YYYY-MM-DD)", filter.from);
        goto cleanup;
    }
    if (filter.to && !valid_date(filter.to)) {
        rc = ftz_cli_usage_error("report", "--to \"%s\": not a date (YYYY-MM-DD)", filter.to);
        goto cleanup;
    }
    if (filter.from && filter.to && strcmp(filter.from, filter.to) > 0) {
        rc = ftz_cli_usage_error("report", "--from %s is after --to %s", filter.from, filter.to);
        goto cleanup;
    }
    if (filter.area) {
        size_t a;
        for (a = 0; a < FTZ_ARRAY_SIZE(areas); a++)
            if (strcasecmp(filter.area, areas[a]) == 0)
                break;
        if (a == FTZ_ARRAY_SIZE(areas)) {
            rc = ftz_cli_usage_error("report",
                                     "--area \"%s\": not an area of the zone (SHENYANG, "
                                     "YINGKOU or DALIAN)",
                                     filter.area);
            goto cleanup;
        }
        filter.area = areas[a];
    }
    if (named && filter.area && named->area == FTZ_REPORT_AREA_NONE) {
        rc = ftz_cli_usage_error("report", "report %s has no area: --area does not apply",
                                 named->name);
        goto cleanup;
    }
    if (format == FORMAT_CSV && !named) {
        rc = ftz_cli_usage_error("report", "--format csv holds one report: name it (ftz report "
                                           "--list shows them)");
        goto cleanup;
    }
    if (format == FORMAT_HTML && named) {
        rc = ftz_cli_usage_error("report", "--format html is the dashboard of every report: "
                                           "no NAME");
        goto cleanup;
    }
    if (format == FORMAT_HTML) {
        chartjs = chartjs_path(chartjs_opt);
        if (access(chartjs, R_OK) != 0) {
            ftz_cli_error("report",
                          "Install Debian's libjs-chart.js, or name the file with --chartjs or "
                          "FTZ_CHARTJS",
                          "cannot read Chart.js at %s: %s", chartjs, strerror(errno));
            goto cleanup;
        }
    }

    if (!(results = calloc(ftz_reports_count, sizeof(*results)))) {
        ftz_cli_error("report", NULL, "out of memory");
        goto cleanup;
    }
    if (!(conn = ftz_pg_connect(cli.pg, errstr, sizeof(errstr)))) {
        ftz_cli_error("report", NULL, "%s", errstr);
        goto cleanup;
    }
    for (size_t i = 0; i < ftz_reports_count; i++) {
        const ftz_report_def_t *d = &ftz_reports[i];
        if ((named && d != named) || (filter.area && d->area == FTZ_REPORT_AREA_NONE))
            continue;
        if ((err = ftz_report_run(conn, d, &filter, &results[n++], errstr, sizeof(errstr))) !=
            FTZ_OK) {
            ftz_cli_error("report", NULL, "%s", errstr);
            goto cleanup;
        }
    }
    if (!named && filter.area && format != FORMAT_HTML) {
        char none[256];
        ftz_cli_info("report", "area %s: left out %s (no area)", filter.area,
                     names_with(FTZ_REPORT_AREA_NONE, none, sizeof(none)));
    }

    /* -o: a file beside FILE, renamed over it once complete. */
    if (output) {
        size_t len = strlen(output) + 32;
        if (!(tmp = malloc(len))) {
            ftz_cli_error("report", NULL, "out of memory");
            goto cleanup;
        }
        snprintf(tmp, len, "%s.tmp.%ld", output, (long)getpid());
        if (!(out = fopen(tmp, "w"))) {
            ftz_cli_error("report", NULL, "cannot write %s: %s", tmp, strerror(errno));
            out = stdout;
            free(tmp);
            tmp = NULL;
            goto cleanup;
        }
    }
    switch (format) {
    case FORMAT_TEXT:
        err = ftz_report_write_text(out, results, n, &filter,
                                    max_rows >= 0 ? max_rows : named ? 0 : DEFAULT_MAX_ROWS,
                                    errstr, sizeof(errstr));
        break;
    case FORMAT_CSV: err = ftz_report_write_csv(out, &results[0], errstr, sizeof(errstr)); break;
    case FORMAT_JSON:
        err = ftz_report_write_json(out, results, n, &filter, errstr, sizeof(errstr));
        break;
    default:
        err = ftz_report_write_html(out, conn, results, n, &filter, chartjs, errstr,
                                    sizeof(errstr));
        break;
    }
    if (err != FTZ_OK) {
        if (ferror(out))
            ftz_cli_error("report", NULL, "cannot write %s: %s",
                          output ? output : "standard output", strerror(errno));
        else
            ftz_cli_error("report", NULL, "%s", errstr);
        goto cleanup;
    }
    if (output) {
        FILE *f = out;
        out = stdout;
        if (fclose(f) != 0 || rename(tmp, output) != 0) {
            ftz_cli_error("report", NULL, "cannot write %s: %s", output, strerror(errno));
            goto cleanup;
        }
        free(tmp);
        tmp = NULL;
    }
    rc = FTZ_EXIT_OK;
cleanup:
    if (out != stdout)
        fclose(out);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    for (size_t i = 0; i < n; i++)
        ftz_report_result_clear(&results[i]);
    free(results);
    if (conn)
        PQfinish(conn);
    ftz_cli_free(&cli);
    return rc;
}
