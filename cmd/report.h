/* ftz report, internal to the ftz command: the table of named reports and
 * of the dashboard's charts (report_defs.c), running a report into a
 * result (report_query.c), and the output formats (report_text.c,
 * report_csv.c, report_json.c, report_html.c). cmd_report.c parses the
 * options and ties them together. docs/reports.md describes the output.
 *
 * Every query takes the same three parameters: $1 the first day (date),
 * $2 the last day (date), $3 the area (text); NULL means no filter. They
 * are always bound as parameters, never written into the SQL. */
#ifndef FTZ_REPORT_H
#define FTZ_REPORT_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>

#include "ftz/err.h"

#define FTZ_REPORT_MAX_COLUMNS 12

/* What --area does to a report. */
typedef enum ftz_report_area_e {
    FTZ_REPORT_AREA_VIEW, /* the view has an area column: $3 filters it */
    FTZ_REPORT_AREA_BASE, /* the view has none: with --area the same sums
                           * come from the base table, which has one */
    FTZ_REPORT_AREA_NONE, /* no area at all: --area is refused */
} ftz_report_area_t;

typedef struct ftz_report_def_s {
    const char *name;   /* on the command line: `ftz report NAME` */
    const char *title;  /* one line, for --list, --help and headings */
    const char *source; /* the views (and tables) it reads, for --help */
    ftz_report_area_t area;
    const char *sql;    /* $1 from, $2 to, $3 area */
    const char *columns[FTZ_REPORT_MAX_COLUMNS + 1]; /* NULL-terminated */
} ftz_report_def_t;

/* The reports, in the order `ftz report` prints them. */
extern const ftz_report_def_t ftz_reports[];
extern const size_t ftz_reports_count;

/* The report called name, or NULL. */
const ftz_report_def_t *ftz_report_find(const char *name);

/* A chart of the HTML dashboard: its query returns long-format rows
 * (label text, series text, value numeric), ordered by label then series;
 * ftz_report_chart_data pivots them into labels and one dataset per
 * series. */
typedef struct ftz_report_chart_def_s {
    const char *id;      /* canvas id "chart-<id>" and #ftz-drawn's id */
    const char *type;    /* Chart.js type: "line" or "bar" */
    int stacked;         /* bars stacked */
    const char *title;
    const char *note;    /* a sentence under the title */
    const char *x_title, *y_title;
    int dashed_last;     /* the last series is a reference line: dashed */
    ftz_report_area_t area;
    const char *sql;
} ftz_report_chart_def_t;

extern const ftz_report_chart_def_t ftz_report_charts[];
extern const size_t ftz_report_charts_count;

/* The first and last day counted within the filter: one row, two dates
 * (NULL when nothing is counted). */
extern const char ftz_report_span_sql[];

/* The filter: borrowed strings, NULL for no filter. from and to are
 * validated YYYY-MM-DD dates, area one of the zone's areas. */
typedef struct ftz_report_filter_s {
    const char *from, *to, *area;
} ftz_report_filter_t;

/* How a column's values are written. */
typedef enum ftz_report_kind_e {
    FTZ_REPORT_TEXT,   /* text: left-aligned, JSON string */
    FTZ_REPORT_DATE,   /* date, YYYY-MM-DD: as text */
    FTZ_REPORT_NUMBER, /* integer or numeric: right-aligned, JSON number */
} ftz_report_kind_t;

/* One report's rows. */
typedef struct ftz_report_result_s {
    const ftz_report_def_t *def; /* borrowed from the table */
    PGresult *res;               /* owned: ftz_report_result_clear */
    int ncols;
    ftz_report_kind_t kinds[FTZ_REPORT_MAX_COLUMNS];
} ftz_report_result_t;

/* Runs def's query with the filter into *out (which the caller clears with
 * ftz_report_result_clear, also after a failure). conn is borrowed.
 * Fails if the query fails or returns other columns than the table says. */
ftz_err_t ftz_report_run(PGconn *conn, const ftz_report_def_t *def,
                         const ftz_report_filter_t *filter, ftz_report_result_t *out,
                         char *errstr, size_t errstr_size);
void ftz_report_result_clear(ftz_report_result_t *r);

/* The cell's text, or NULL when it is SQL NULL. */
const char *ftz_report_cell(const ftz_report_result_t *r, int row, int col);
int ftz_report_rows(const ftz_report_result_t *r);

/* The first and last day counted within the filter (ftz_report_span_sql)
 * into first and last (each size bytes; "" when nothing is counted). */
ftz_err_t ftz_report_span(PGconn *conn, const ftz_report_filter_t *filter, char *first,
                          char *last, size_t size, char *errstr, size_t errstr_size);

/* Runs a chart's query and returns its data as a JSON object
 * {"id","type","stacked","title","note","x_title","y_title","labels",
 * "datasets":[{"label","data","dashed"}]} (a jansson json_t *, new
 * reference, returned as void * so that this header needs no jansson), or
 * NULL with errstr. */
void *ftz_report_chart_data(PGconn *conn, const ftz_report_chart_def_t *chart,
                            const ftz_report_filter_t *filter, char *errstr,
                            size_t errstr_size);

/* Output formats. out is borrowed; results are borrowed; n is their
 * count. Each returns FTZ_ERR_IO when writing fails. */

/* Aligned text for a terminal: each report's title, a heading row and the
 * rows; column widths from the data, numbers right-aligned with thousands
 * separators, NULL as "-". max_rows > 0: at most that many rows per
 * report, then a line saying how many more and how to see them. */
ftz_err_t ftz_report_write_text(FILE *out, const ftz_report_result_t *results, size_t n,
                                const ftz_report_filter_t *filter, int max_rows, char *errstr,
                                size_t errstr_size);

/* RFC 4180: a header row of the column names, then the rows; CRLF line
 * ends; a field is quoted when it holds a comma, a quote, CR or LF; NULL is
 * an empty field. One report. */
ftz_err_t ftz_report_write_csv(FILE *out, const ftz_report_result_t *result, char *errstr,
                               size_t errstr_size);

/* One JSON object: {"generated_at","from","to","area","reports":[{"report",
 * "title","columns","types","rows"}]} (docs/reports.md). */
ftz_err_t ftz_report_write_json(FILE *out, const ftz_report_result_t *results, size_t n,
                                const ftz_report_filter_t *filter, char *errstr,
                                size_t errstr_size);

/* The report as a jansson object {"report","title","columns","types",
 * "rows"}: integers as JSON integers, decimals as JSON numbers when they
 * have at most 15 significant digits (a double holds them exactly; written
 * with ftz_report_json_dump), else as strings holding the exact value; NULL
 * as null. Returned as void * (json_t *, new reference), NULL when out of
 * memory. */
void *ftz_report_result_json(const ftz_report_result_t *result);

/* json_dumps with the flags every JSON output uses (15 significant
 * digits for reals, keys in insertion order), on one line when indent is
 * 0; malloc'd, or NULL. */
char *ftz_report_json_dump(const void *json, int indent);

/* A number in PostgreSQL's text form with thousands separators in its
 * integer part ("-1234567.50" -> "-1,234,567.50") into out; anything else
 * (NaN, exponents, too long for out) as it is. */
void ftz_report_group_digits(const char *in, char *out, size_t size);

/* The current time as "YYYY-MM-DDTHH:MM:SSZ" into buf. */
void ftz_report_now(char *buf, size_t size);

/* The dashboard: one self-contained HTML page with the charts (Chart.js
 * read from chartjs_path and embedded inline, the data inline as JSON)
 * and every report's table. conn is borrowed (the charts' queries run on
 * it). Fails with FTZ_ERR_IO naming the path when Chart.js cannot be
 * read. */
ftz_err_t ftz_report_write_html(FILE *out, PGconn *conn, const ftz_report_result_t *results,
                                size_t n, const ftz_report_filter_t *filter,
                                const char *chartjs_path, char *errstr, size_t errstr_size);

#endif
