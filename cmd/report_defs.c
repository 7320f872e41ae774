/* The table of named reports and of the dashboard's charts: what `ftz
 * report` prints, --help and --list show, and docs/reports.md describes.
 * Add a report here and it is everywhere.
 *
 * Every query takes $1 (first day, date), $2 (last day, date), $3 (area,
 * text), NULL meaning no filter. Averages are always sums of seconds over
 * sums of counts, never averages of averages. Monthly views keep the
 * months that overlap the range, whole. */
#include <string.h>

#include "report.h"

#include "ftz/array.h"

/* Range and area filters over a column. */
#define DAYS(col)                                                                                  \
    "($1::date IS NULL OR " col " >= $1::date) AND ($2::date IS NULL OR " col " <= $2::date)"
#define MONTHS(col)                                                                                \
    "($1::date IS NULL OR " col " >= date_trunc('month', $1::date::timestamp)::date)"              \
    " AND ($2::date IS NULL OR " col " <= $2::date)"
#define AREA(col) "($3::text IS NULL OR " col " = $3::text)"

#define AVG_HOURS "round(sum(clearance_seconds_sum)::numeric / nullif(sum(cleared), 0) / 3600, 1)"
#define AVG_DAYS "round(sum(transit_seconds_sum)::numeric / nullif(sum(arrivals), 0) / 86400, 1)"

/* Trade by partner and month: the view, or with --area the same sums from
 * ftz.customs_daily (the view has no area). */
#define PARTNER_ROWS                                                                               \
    "(SELECT month, partner_country, direction, declarations::numeric AS declarations,"            \
    "  declared_value_cny::numeric AS declared_value_cny,"                                         \
    "  gross_weight_kg::numeric AS gross_weight_kg"                                                \
    " FROM ftz.bi_trade_by_partner_monthly WHERE $3::text IS NULL"                                 \
    " UNION ALL"                                                                                   \
    " SELECT date_trunc('month', day::timestamp)::date, partner_country, direction,"               \
    "  declarations, declared_value_cny, gross_weight_kg_exact"                                    \
    " FROM ftz.customs_daily WHERE area = $3::text) AS p"                                          \
    " WHERE " MONTHS("p.month")

/* Registrations per month since the opening: the view, or with --area the
 * month's companies and the running total from ftz.registrations_monthly
 * (the view has no area); the months and the benchmark from the view. */
#define REGISTRATION_ROWS                                                                          \
    "(SELECT * FROM (SELECT v.month,"                                                              \
    "  (CASE WHEN $3::text IS NULL THEN v.companies"                                               \
    "   ELSE coalesce(a.companies, 0) END)::bigint AS companies,"                                  \
    "  (CASE WHEN $3::text IS NULL THEN v.registered_capital_cny"                                  \
    "   ELSE coalesce(a.registered_capital_cny, 0) END)::numeric AS registered_capital_cny,"       \
    "  (CASE WHEN $3::text IS NULL THEN v.companies_cumulative"                                    \
    "   ELSE sum(coalesce(a.companies, 0)) OVER (ORDER BY v.month) END)::bigint"                   \
    "   AS companies_cumulative,"                                                                  \
    "  v.months_since_opening, v.shanghai_benchmark_cumulative"                                    \
    " FROM ftz.bi_registrations_monthly v"                                                         \
    " LEFT JOIN (SELECT month, sum(companies) AS companies,"                                       \
    "   sum(registered_capital_cny) AS registered_capital_cny"                                     \
    "   FROM ftz.registrations_monthly WHERE area = $3::text GROUP BY month) a"                    \
    "  ON a.month = v.month) AS r0"                                                                \
    " WHERE " MONTHS("r0.month") ")"

/* Capital by area and investor country: the view (all time), or with
 * --from/--to the same sums from ftz.registrations_monthly (the view has
 * no month) with the view's investor group of each country. */
#define CAPITAL_ROWS                                                                               \
    "(SELECT area, investor_country, investor_group, companies::numeric AS companies,"             \
    "  registered_capital_cny::numeric AS registered_capital_cny"                                  \
    " FROM ftz.bi_capital_by_area_investor WHERE $1::date IS NULL AND $2::date IS NULL"            \
    " UNION ALL"                                                                                   \
    " SELECT r.area, r.investor_country, g.investor_group, r.companies, r.registered_capital_cny"  \
    " FROM ftz.registrations_monthly r"                                                            \
    " LEFT JOIN (SELECT investor_country, min(investor_group) AS investor_group"                   \
    "   FROM ftz.bi_capital_by_area_investor GROUP BY investor_country) g"                         \
    "  ON g.investor_country = r.investor_country"                                                 \
    " WHERE ($1::date IS NOT NULL OR $2::date IS NOT NULL) AND " MONTHS("r.month") ") AS c"

#define CLEARANCE_MEASURES                                                                         \
    " sum(declarations)::bigint AS declarations, sum(cleared)::bigint AS cleared,"                 \
    " sum(held)::bigint AS held, " AVG_HOURS " AS avg_clearance_hours"
#define RAIL_MEASURES                                                                              \
    " sum(departures)::bigint AS departures, sum(arrivals)::bigint AS arrivals,"                   \
    " " AVG_DAYS " AS avg_transit_days, max(sea_days)::numeric AS sea_days,"                       \
    " max(sea_days)::numeric - " AVG_DAYS " AS days_saved"

const ftz_report_def_t ftz_reports[] = {
    {"customs", "Customs declarations by area and direction, with totals (ALL)",
     "ftz.customs_daily", FTZ_REPORT_AREA_VIEW,
     "SELECT coalesce(area, 'ALL') AS area, coalesce(direction, 'ALL') AS direction,"
     " coalesce(sum(declarations), 0)::bigint AS declarations,"
     " coalesce(sum(cleared), 0)::bigint AS cleared, coalesce(sum(held), 0)::bigint AS held,"
     " coalesce(sum(declared_value_cny), 0) AS declared_value_cny,"
     " round(coalesce(sum(gross_weight_kg_exact), 0), 3) AS gross_weight_kg,"
     " " AVG_HOURS " AS avg_clearance_hours"
     " FROM ftz.customs_daily WHERE " DAYS("day") " AND " AREA("area")
     " GROUP BY ROLLUP (area, direction) HAVING sum(declarations) <> 0 OR GROUPING(area) = 1"
     " ORDER BY GROUPING(area), area, GROUPING(direction), direction",
     {"area", "direction", "declarations", "cleared", "held", "declared_value_cny",
      "gross_weight_kg", "avg_clearance_hours"}},
    {"clearance", "Customs clearance by area, direction and transport mode",
     "ftz.bi_customs_clearance_daily", FTZ_REPORT_AREA_VIEW,
     "SELECT area, direction, transport_mode," CLEARANCE_MEASURES
     " FROM ftz.bi_customs_clearance_daily WHERE " DAYS("day") " AND " AREA("area")
     " GROUP BY area, direction, transport_mode ORDER BY area, direction, transport_mode",
     {"area", "direction", "transport_mode", "declarations", "cleared", "held",
      "avg_clearance_hours"}},
    {"clearance_daily", "Customs clearance per day and area", "ftz.bi_customs_clearance_daily",
     FTZ_REPORT_AREA_VIEW,
     "SELECT day, area," CLEARANCE_MEASURES
     " FROM ftz.bi_customs_clearance_daily WHERE " DAYS("day") " AND " AREA("area")
     " GROUP BY day, area ORDER BY day, area",
     {"day", "area", "declarations", "cleared", "held", "avg_clearance_hours"}},
    {"clearance_monthly", "Customs clearance per month and area",
     "ftz.bi_customs_clearance_monthly", FTZ_REPORT_AREA_VIEW,
     "SELECT month, area," CLEARANCE_MEASURES
     " FROM ftz.bi_customs_clearance_monthly WHERE " MONTHS("month") " AND " AREA("area")
     " GROUP BY month, area ORDER BY month, area",
     {"month", "area", "declarations", "cleared", "held", "avg_clearance_hours"}},
    {"offices", "Customs declarations and clearance by customs office",
     "ftz.bi_customs_by_office_daily", FTZ_REPORT_AREA_VIEW,
     "SELECT customs_office, area, sum(declarations)::bigint AS declarations,"
     " sum(cleared)::bigint AS cleared, sum(held)::bigint AS held,"
     " sum(declared_value_cny) AS declared_value_cny,"
     " " AVG_HOURS " AS avg_clearance_hours"
     " FROM ftz.bi_customs_by_office_daily WHERE " DAYS("day") " AND " AREA("area")
     " GROUP BY customs_office, area ORDER BY customs_office NULLS LAST, area",
     {"customs_office", "area", "declarations", "cleared", "held", "declared_value_cny",
      "avg_clearance_hours"}},
    {"partners", "Trade by partner country, largest declared value first",
     "ftz.bi_trade_by_partner_monthly", FTZ_REPORT_AREA_BASE,
     "SELECT partner_country,"
     " coalesce(sum(declarations) FILTER (WHERE direction = 'IMPORT'), 0)::bigint AS imports,"
     " coalesce(sum(declarations) FILTER (WHERE direction = 'EXPORT'), 0)::bigint AS exports,"
     " sum(declarations)::bigint AS declarations,"
     " coalesce(sum(declared_value_cny) FILTER (WHERE direction = 'IMPORT'), 0)"
     "  AS import_value_cny,"
     " coalesce(sum(declared_value_cny) FILTER (WHERE direction = 'EXPORT'), 0)"
     "  AS export_value_cny,"
     " sum(declared_value_cny) AS declared_value_cny,"
     " round(sum(gross_weight_kg), 3) AS gross_weight_kg"
     " FROM " PARTNER_ROWS " GROUP BY partner_country HAVING sum(declarations) <> 0"
     " ORDER BY sum(declared_value_cny) DESC, partner_country",
     {"partner_country", "imports", "exports", "declarations", "import_value_cny",
      "export_value_cny", "declared_value_cny", "gross_weight_kg"}},
    {"partners_monthly", "Trade by month, partner country and direction",
     "ftz.bi_trade_by_partner_monthly", FTZ_REPORT_AREA_BASE,
     "SELECT month, partner_country, direction, sum(declarations)::bigint AS declarations,"
     " sum(declared_value_cny) AS declared_value_cny,"
     " round(sum(gross_weight_kg), 3) AS gross_weight_kg"
     " FROM " PARTNER_ROWS " GROUP BY month, partner_country, direction"
     " HAVING sum(declarations) <> 0"
     " ORDER BY month, partner_country, direction",
     {"month", "partner_country", "direction", "declarations", "declared_value_cny",
      "gross_weight_kg"}},
    {"rail", "China-Europe rail: transit days by corridor against the sea", "ftz.bi_rail_vs_sea",
     FTZ_REPORT_AREA_NONE,
     "SELECT corridor," RAIL_MEASURES " FROM ftz.bi_rail_vs_sea WHERE " MONTHS("month")
     " GROUP BY corridor ORDER BY corridor",
     {"corridor", "departures", "arrivals", "avg_transit_days", "sea_days", "days_saved"}},
    {"rail_cargo", "China-Europe rail: transit days by corridor and cargo category",
     "ftz.bi_rail_vs_sea", FTZ_REPORT_AREA_NONE,
     "SELECT corridor, cargo_category," RAIL_MEASURES " FROM ftz.bi_rail_vs_sea WHERE " MONTHS(
         "month") " GROUP BY corridor, cargo_category ORDER BY corridor, cargo_category",
     {"corridor", "cargo_category", "departures", "arrivals", "avg_transit_days", "sea_days",
      "days_saved"}},
    {"registrations", "Company registrations per month, cumulative since the opening",
     "ftz.bi_registrations_monthly", FTZ_REPORT_AREA_BASE,
     "SELECT month, companies, registered_capital_cny, companies_cumulative,"
     " months_since_opening, shanghai_benchmark_cumulative"
     " FROM " REGISTRATION_ROWS " AS r WHERE companies_cumulative <> 0 ORDER BY month",
     {"month", "companies", "registered_capital_cny", "companies_cumulative",
      "months_since_opening", "shanghai_benchmark_cumulative"}},
    {"capital", "Registered capital by area and investor country",
     "ftz.bi_capital_by_area_investor", FTZ_REPORT_AREA_VIEW,
     "SELECT area, investor_country, investor_group, sum(companies)::bigint AS companies,"
     " sum(registered_capital_cny) AS registered_capital_cny,"
     " round(sum(registered_capital_cny) / nullif(sum(companies), 0), 2)"
     "  AS avg_capital_per_company_cny"
     " FROM " CAPITAL_ROWS " WHERE " AREA("area")
     " GROUP BY area, investor_country, investor_group HAVING sum(companies) <> 0"
     " ORDER BY area, sum(companies) DESC, investor_country",
     {"area", "investor_country", "investor_group", "companies", "registered_capital_cny",
      "avg_capital_per_company_cny"}},
    {"dead_letters", "Rejected records per day and code", "ftz.bi_dead_letters_daily",
     FTZ_REPORT_AREA_NONE,
     "SELECT day, code, sum(dead_letters)::bigint AS dead_letters"
     " FROM ftz.bi_dead_letters_daily WHERE " DAYS("day") " GROUP BY day, code"
     " ORDER BY day, code",
     {"day", "code", "dead_letters"}},
};
const size_t ftz_reports_count = FTZ_ARRAY_SIZE(ftz_reports);

const ftz_report_def_t *ftz_report_find(const char *name) {
    for (size_t i = 0; i < ftz_reports_count; i++)
        if (strcmp(ftz_reports[i].name, name) == 0)
            return &ftz_reports[i];
    return NULL;
}

/* The dashboard's charts: long-format rows (label, series, value). */
const ftz_report_chart_def_t ftz_report_charts[] = {
    {"registrations", "line", 0, "Company registrations since the opening",
     "Liaoning FTZ companies registered since April 2017, running total per month, against "
     "the Shanghai FTZ's 18,000 in its first four years.",
     "month", "companies", 1, FTZ_REPORT_AREA_BASE,
     "SELECT to_char(r.month, 'YYYY-MM'), s.series, s.value FROM " REGISTRATION_ROWS " AS r"
     " CROSS JOIN LATERAL (VALUES"
     "  (1, 'Liaoning FTZ, cumulative', r.companies_cumulative::numeric),"
     "  (2, 'Shanghai FTZ benchmark', r.shanghai_benchmark_cumulative::numeric))"
     "  AS s(ord, series, value)"
     " ORDER BY r.month, s.ord"},
    {"rail", "bar", 0, "China-Europe rail against the sea",
     "Average transit days per corridor (departure to arrival) against more than 30 days by "
     "sea through the Strait of Malacca.",
     "corridor", "days", 1, FTZ_REPORT_AREA_NONE,
     "SELECT r.corridor, s.series, s.value FROM (SELECT corridor, " AVG_DAYS " AS rail_days,"
     "  max(sea_days)::numeric AS sea_days"
     "  FROM ftz.bi_rail_vs_sea WHERE " MONTHS("month")
     "  GROUP BY corridor HAVING sum(arrivals) > 0) AS r"
     " CROSS JOIN LATERAL (VALUES (1, 'Rail, average transit days', r.rail_days),"
     "  (2, 'Sea, days', r.sea_days)) AS s(ord, series, value)"
     " ORDER BY r.corridor, s.ord"},
    {"clearance", "bar", 0, "Customs clearance hours by area",
     "Average hours from filing to clearance over the cleared declarations, imports and "
     "exports.",
     "area", "hours", 0, FTZ_REPORT_AREA_VIEW,
     "SELECT area, direction, " AVG_HOURS " FROM ftz.bi_customs_clearance_daily"
     " WHERE " DAYS("day") " AND " AREA("area")
     " GROUP BY area, direction HAVING sum(cleared) > 0 ORDER BY area, direction"},
    {"partners", "bar", 1, "Top partner countries by month",
     "Declared value of imports and exports, million CNY, of the five partner countries with "
     "the largest value in the range.",
     "month", "million CNY", 0, FTZ_REPORT_AREA_BASE,
     "WITH t AS (SELECT month, partner_country, declared_value_cny FROM " PARTNER_ROWS "),"
     " top AS (SELECT partner_country, sum(declared_value_cny) AS v FROM t"
     "  GROUP BY partner_country ORDER BY v DESC, partner_country LIMIT 5),"
     " months AS (SELECT DISTINCT month FROM t)"
     " SELECT to_char(m.month, 'YYYY-MM'), top.partner_country,"
     "  round(coalesce(sum(t.declared_value_cny), 0) / 1000000, 2)"
     " FROM months m CROSS JOIN top"
     " LEFT JOIN t ON t.month = m.month AND t.partner_country = top.partner_country"
     " GROUP BY m.month, top.partner_country, top.v"
     " ORDER BY m.month, top.v DESC, top.partner_country"},
};
const size_t ftz_report_charts_count = FTZ_ARRAY_SIZE(ftz_report_charts);

/* The first and last day counted within the filter (the dashboard's
 * heading when --from or --to is not given): days of customs and rail,
 * else the registrations' first and last months, whole. */
const char ftz_report_span_sql[] =
    "WITH d AS ("
    " SELECT day FROM ftz.customs_daily WHERE declarations <> 0 AND " DAYS("day")
    "  AND " AREA("area")
    " UNION ALL SELECT day FROM ftz.rail_daily WHERE " DAYS("day") "),"
    " m AS (SELECT month FROM ftz.registrations_monthly WHERE companies <> 0 AND "
    MONTHS("month") " AND " AREA("area") ")"
    " SELECT coalesce((SELECT min(day) FROM d), (SELECT min(month) FROM m)),"
    "  coalesce((SELECT max(day) FROM d),"
    "   (SELECT (max(month) + interval '1 month' - interval '1 day')::date FROM m))";
