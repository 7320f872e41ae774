/* ftz report: the customs report, read from the aggregate tables. */
#include <string.h>

#include "cli.h"
#include "ftz/pg.h"

enum { OPT_FROM = FTZ_OPT__COMMON_END, OPT_TO };

static void help(FILE *out) {
    fprintf(out,
            "Usage: ftz report [--from DATE] [--to DATE] [--pg CONNINFO]\n"
            "\n"
            "Prints the FTZ report from the aggregate tables: customs declarations,\n"
            "value, weight and average clearance hours by area and direction and by\n"
            "transport mode; China-Europe rail transit days by corridor against the\n"
            "sea benchmark; company registrations and capital by area; the top\n"
            "partner countries. Days and months are Asia/Shanghai; DATE is\n"
            "YYYY-MM-DD, both ends included.\n"
            "\n" FTZ_CLI_COMMON_HELP);
}

/* Each section: a title, a query over $1 (from) and $2 (to), and the
 * widths of its columns (negative: left-aligned). */
static const struct {
    const char *title;
    const char *sql;
    int widths[8];
} sections[] = {
    {"Customs declarations by area and direction",
     "SELECT coalesce(area, 'ALL'), coalesce(direction, ''),"
     " sum(declarations), sum(cleared), sum(held),"
     " to_char(sum(declared_value_cny) / 1e6, 'FM999,999,990.00'),"
     " to_char(sum(gross_weight_kg) / 1e3, 'FM999,999,990.0'),"
     " coalesce(to_char(sum(clearance_seconds_sum)::numeric / nullif(sum(cleared), 0) / 3600,"
     "  'FM9990.0'), '-')"
     " FROM ftz.customs_daily WHERE ($1::date IS NULL OR day >= $1::date)"
     " AND ($2::date IS NULL OR day <= $2::date)"
     " GROUP BY ROLLUP (area, direction)"
     " HAVING GROUPING(direction) = 0 OR GROUPING(area) = 1"
     " ORDER BY GROUPING(area), area, direction",
     {-9, -7, 12, 9, 6, 14, 14, 10}},
    {"Clearance by transport mode",
     "SELECT transport_mode, sum(declarations), sum(cleared),"
     " to_char(sum(declared_value_cny) / 1e6, 'FM999,999,990.00'),"
     " coalesce(to_char(sum(clearance_seconds_sum)::numeric / nullif(sum(cleared), 0) / 3600,"
     "  'FM9990.0'), '-')"
     " FROM ftz.customs_daily WHERE ($1::date IS NULL OR day >= $1::date)"
     " AND ($2::date IS NULL OR day <= $2::date)"
     " GROUP BY transport_mode ORDER BY sum(declarations) DESC",
     {-9, 12, 9, 14, 10}},
    {"China-Europe rail: transit days by corridor (sea benchmark: 30+ days)",
     "SELECT corridor, direction, sum(departures), sum(arrivals), sum(teu_departed),"
     " coalesce(to_char(sum(transit_seconds_sum)::numeric / nullif(sum(arrivals), 0) / 86400,"
     "  'FM990.0'), '-'),"
     " (SELECT to_char(value, 'FM990') FROM ftz.reference_lines"
     "  WHERE name = 'sea_transit_days_japan_korea_to_europe')"
     " FROM ftz.rail_daily WHERE ($1::date IS NULL OR day >= $1::date)"
     " AND ($2::date IS NULL OR day <= $2::date)"
     " GROUP BY corridor, direction ORDER BY sum(departures) + sum(arrivals) DESC LIMIT 12",
     {-20, -9, 10, 9, 8, 12, 9}},
    {"Company registrations by area (capital per company from the sums)",
     "SELECT coalesce(area, 'ALL'), sum(companies),"
     " to_char(sum(registered_capital_cny) / 1e8, 'FM999,990.00'),"
     " to_char(sum(registered_capital_cny) / nullif(sum(companies), 0) / 1e4, 'FM999,990.0'),"
     " sum(companies) FILTER (WHERE enterprise_type <> 'DOMESTIC'),"
     " sum(companies) FILTER (WHERE investor_country IN ('JP', 'KR'))"
     " FROM ftz.registrations_monthly WHERE ($1::date IS NULL OR month >= date_trunc('month', $1::date))"
     " AND ($2::date IS NULL OR month <= $2::date)"
     " GROUP BY ROLLUP (area) ORDER BY GROUPING(area), area",
     {-9, 10, 16, 16, 10, 10}},
    {"Top partner countries by declared value",
     "SELECT partner_country, sum(declarations) FILTER (WHERE direction = 'IMPORT'),"
     " sum(declarations) FILTER (WHERE direction = 'EXPORT'),"
     " to_char(sum(declared_value_cny) / 1e6, 'FM999,999,990.00')"
     " FROM ftz.customs_daily WHERE ($1::date IS NULL OR day >= $1::date)"
     " AND ($2::date IS NULL OR day <= $2::date)"
     " GROUP BY partner_country ORDER BY sum(declared_value_cny) DESC LIMIT 10",
     {-9, 12, 12, 14}},
};

static const char *const headers[][8] = {
    {"area", "dir", "declarations", "cleared", "held", "value M CNY", "weight t",
     "avg clr h"},
    {"mode", "declarations", "cleared", "value M CNY", "avg clr h"},
    {"corridor", "dir", "departures", "arrivals", "TEU out", "avg transit d", "sea d"},
    {"area", "companies", "capital 100M CNY", "per company 10k", "foreign", "JP/KR"},
    {"partner", "imports", "exports", "value M CNY"},
};

static void print_row(const int *widths, int ncols, const char *const *cells) {
    for (int c = 0; c < ncols; c++)
        printf(c ? "  %*s" : "%*s", widths[c], cells[c] ? cells[c] : "");
    printf("\n");
}

int ftz_cmd_report(int argc, char **argv) {
    static const struct option longopts[] = {
        FTZ_CLI_COMMON_LONG,
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {NULL, 0, NULL, 0},
    };
    ftz_cli_t cli = {0};
    int opt, rc = FTZ_EXIT_FAILURE;
    const char *params[2] = {NULL, NULL};
    PGconn *conn = NULL;
    char errstr[512];

    while ((opt = ftz_cli_next(&cli, argc, argv, FTZ_CLI_COMMON_SHORT, longopts, help, &rc)) >= 0) {
        switch (opt) {
        case OPT_FROM: params[0] = optarg; break;
        case OPT_TO: params[1] = optarg; break;
        }
    }
    if (opt == FTZ_CLI_STOP)
        goto cleanup;
    if (!(conn = ftz_pg_connect(cli.pg, errstr, sizeof(errstr)))) {
        fprintf(stderr, "ftz report: %s\n", errstr);
        goto cleanup;
    }
    for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
        PGresult *res = PQexecParams(conn, sections[s].sql, 2, NULL, params, NULL, NULL, 0);
        if (ftz_pg_check(conn, res, PGRES_TUPLES_OK, sections[s].title, errstr,
                         sizeof(errstr)) != FTZ_OK) {
            PQclear(res);
            fprintf(stderr, "ftz report: %s\n", errstr);
            goto cleanup;
        }
        int ncols = PQnfields(res);
        printf("%s%s\n", s ? "\n" : "", sections[s].title);
        print_row(sections[s].widths, ncols, headers[s]);
        for (int r = 0; r < PQntuples(res); r++) {
            const char *cells[8];
            for (int c = 0; c < ncols && c < 8; c++)
                cells[c] = PQgetvalue(res, r, c);
            print_row(sections[s].widths, ncols, cells);
        }
        if (PQntuples(res) == 0)
            printf("(nothing counted yet)\n");
        PQclear(res);
    }
    rc = FTZ_EXIT_OK;
cleanup:
    if (conn)
        PQfinish(conn);
    ftz_cli_free(&cli);
    return rc;
}
