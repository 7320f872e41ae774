/* The HTML dashboard: one self-contained page that works offline from
 * disk. Chart.js (Debian's libjs-chart.js) is read at run time and
 * embedded inline; the charts' data is inline JSON; every report's table
 * follows the charts. After drawing, the page writes what each chart drew
 * into <pre id="ftz-drawn"> (docs/reports.md), so that a test can check the
 * rendered page rather than its source. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "report.h"

/* Chart.js 3.9.1's chart.min.js is 200 KB, chart.js 550 KB. */
#define CHARTJS_MAX_BYTES (16u << 20)

static const char page_css[] =
    "body{margin:0;font:15px/1.45 'DejaVu Sans','Liberation Sans',Arial,sans-serif;"
    "color:#1d2733;background:#f3f5f8}\n"
    "header{background:#12355b;color:#fff;padding:18px 32px}\n"
    "header h1{margin:0 0 4px;font-size:24px;font-weight:600}\n"
    "header p{margin:0;color:#d5e1ef}\n"
    "main{padding:20px 32px 8px}\n"
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:20px}\n"
    ".card{background:#fff;border:1px solid #d8dee6;border-radius:6px;padding:16px 18px}\n"
    ".card h2{margin:0 0 4px;font-size:18px}\n"
    ".card p{margin:0 0 10px;color:#52606d;font-size:13px}\n"
    ".card p.empty{color:#9a4d00}\n"
    ".chart{position:relative;height:340px}\n"
    "h2.section{margin:28px 0 10px;font-size:18px}\n"
    "details{background:#fff;border:1px solid #d8dee6;border-radius:6px;margin:0 0 8px;"
    "padding:6px 12px}\n"
    "summary{cursor:pointer;font-weight:600}\n"
    "summary span{font-weight:400;color:#52606d}\n"
    "table{border-collapse:collapse;margin:8px 0;font-size:13px}\n"
    "th,td{padding:3px 10px;border-bottom:1px solid #e6eaef;text-align:left;white-space:nowrap}\n"
    "th{background:#eef2f6}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "footer{padding:8px 32px 24px;color:#52606d;font-size:12px}\n";

/* Draws every chart from #ftz-data, animation off so that drawing is
 * done when `new Chart` returns, then writes into #ftz-drawn, per chart,
 * the labels and per dataset the values, the number of elements drawn
 * (getDatasetMeta(i).data.length) and how many of them have finite pixel
 * coordinates inside the canvas. */
static const char page_js[] =
    "(function () {\n"
    "  'use strict';\n"
    "  var drawn = {charts: [], errors: []};\n"
    "  var palette = ['#1f5fa8', '#d1495b', '#2a9d8f', '#e9a03b', '#6c4f9e', '#8c6d46'];\n"
    "  function finite(v) { return typeof v === 'number' && isFinite(v); }\n"
    "  try {\n"
    "    var page = JSON.parse(document.getElementById('ftz-data').textContent);\n"
    "    Chart.defaults.animation = false;\n"
    "    Chart.defaults.font.family = \"'DejaVu Sans', 'Liberation Sans', Arial, sans-serif\";\n"
    "    page.charts.forEach(function (c) {\n"
    "      try {\n"
    "        var datasets = c.datasets.map(function (d, i) {\n"
    "          var colour = d.dashed ? '#7a8a99' : palette[i % palette.length];\n"
    "          var ds = {label: d.label, data: d.data, backgroundColor: colour,\n"
    "                    borderColor: colour, borderWidth: c.type === 'line' ? 2 : 1};\n"
    "          /* A reference series is a dashed line, also over bars. */\n"
    "          if (c.type === 'line' || d.dashed) {\n"
    "            ds.type = 'line'; ds.fill = false; ds.tension = 0;\n"
    "            ds.pointRadius = c.labels.length > 24 ? 1 : 3;\n"
    "            if (d.dashed) ds.borderDash = [6, 4];\n"
    "          }\n"
    "          return ds;\n"
    "        });\n"
    "        var chart = new Chart(document.getElementById('chart-' + c.id), {\n"
    "          type: c.type,\n"
    "          data: {labels: c.labels, datasets: datasets},\n"
    "          options: {\n"
    "            animation: false, responsive: true, maintainAspectRatio: false,\n"
    "            plugins: {legend: {position: 'bottom'}},\n"
    "            scales: {\n"
    "              x: {stacked: c.stacked, title: {display: true, text: c.x_title}},\n"
    "              y: {stacked: c.stacked, beginAtZero: true,\n"
    "                  title: {display: true, text: c.y_title}}\n"
    "            }\n"
    "          }\n"
    "        });\n"
    "        var entry = {id: c.id, type: chart.config.type, labels: chart.data.labels.slice(),\n"
    "                     width: chart.width, height: chart.height, datasets: []};\n"
    "        chart.data.datasets.forEach(function (ds, i) {\n"
    "          var els = chart.getDatasetMeta(i).data;\n"
    "          var ok = els.filter(function (el) { return finite(el.x) && finite(el.y); });\n"
    "          var inside = ok.filter(function (el) {\n"
    "            return el.x >= 0 && el.x <= chart.width && el.y >= 0 && el.y <= chart.height;\n"
    "          });\n"
    "          entry.datasets.push({label: ds.label, type: chart.getDatasetMeta(i).type,\n"
    "                               data: ds.data.slice(), drawn: els.length,\n"
    "                               finite: ok.length, inside: inside.length,\n"
    "                               visible: chart.isDatasetVisible(i)});\n"
    "        });\n"
    "        drawn.charts.push(entry);\n"
    "      } catch (e) {\n"
    "        drawn.errors.push(c.id + ': ' + e);\n"
    "      }\n"
    "    });\n"
    "  } catch (e) {\n"
    "    drawn.errors.push('page: ' + e);\n"
    "  }\n"
    "  document.getElementById('ftz-drawn').textContent = JSON.stringify(drawn);\n"
    "})();\n";

/* Text for an HTML text node or a quoted attribute value. */
static void put_escaped(FILE *out, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*s, out);
        }
    }
}

/* JSON inside a <script> element: '<' only occurs in strings there, and
 * written as \u003c no "</script" or "<!--" can end or confuse the
 * element. */
static void put_script_json(FILE *out, const char *json) {
    for (; *json; json++) {
        if (*json == '<')
            fputs("\\u003c", out);
        else
            fputc(*json, out);
    }
}

/* Chart.js, read whole (malloc'd, NUL-terminated), or NULL with errstr. */
static char *read_chartjs(const char *path, char *errstr, size_t errstr_size) {
    struct stat st;
    char *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f || fstat(fileno(f), &st) != 0) {
        ftz_seterr(FTZ_ERR_IO, errstr, errstr_size,
                   "cannot read Chart.js at %s: %s (install Debian's libjs-chart.js, or name "
                   "the file with --chartjs or FTZ_CHARTJS)",
                   path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (unsigned long long)st.st_size > CHARTJS_MAX_BYTES) {
        ftz_seterr(FTZ_ERR_IO, errstr, errstr_size,
                   "Chart.js at %s: not a regular file of 1 byte to %u MiB", path,
                   CHARTJS_MAX_BYTES >> 20);
        goto fail;
    }
    if (!(text = malloc((size_t)st.st_size + 1))) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory reading %s", path);
        goto fail;
    }
    if (fread(text, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "cannot read Chart.js at %s: short read",
                   path);
        goto fail;
    }
    text[st.st_size] = '\0';
    if (strlen(text) != (size_t)st.st_size || !strstr(text, "Chart")) {
        ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s does not look like Chart.js", path);
        goto fail;
    }
    /* Either would end the inline <script> element early or change how it
     * is parsed. */
    for (const char *p = text; (p = strchr(p, '<')); p++)
        if (strncasecmp(p, "</script", 8) == 0 || strncmp(p, "<!--", 4) == 0) {
            ftz_seterr(FTZ_ERR_IO, errstr, errstr_size,
                       "%s contains \"%.8s\": it cannot be embedded inline", path, p);
            goto fail;
        }
    fclose(f);
    return text;
fail:
    free(text);
    if (f)
        fclose(f);
    return NULL;
}

static void put_table(FILE *out, const ftz_report_result_t *r, int open) {
    char buf[128];
    int nrows = ftz_report_rows(r);

    fputs(open ? "<details open><summary>" : "<details><summary>", out);
    put_escaped(out, r->def->title);
    fprintf(out, " <span>(%s, %d row%s)</span></summary>\n<table>\n<tr>", r->def->name, nrows,
            nrows == 1 ? "" : "s");
    for (int c = 0; c < r->ncols; c++) {
        fprintf(out, "<th%s>", r->kinds[c] == FTZ_REPORT_NUMBER ? " class=\"num\"" : "");
        put_escaped(out, r->def->columns[c]);
        fputs("</th>", out);
    }
    fputs("</tr>\n", out);
    for (int row = 0; row < nrows; row++) {
        fputs("<tr>", out);
        for (int c = 0; c < r->ncols; c++) {
            const char *v = ftz_report_cell(r, row, c);
            int num = r->kinds[c] == FTZ_REPORT_NUMBER;
            fprintf(out, "<td%s>", num ? " class=\"num\"" : "");
            if (v && num)
                ftz_report_group_digits(v, buf, sizeof(buf));
            put_escaped(out, !v ? "-" : num ? buf : v);
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</table>\n</details>\n", out);
}

ftz_err_t ftz_report_write_html(FILE *out, PGconn *conn, const ftz_report_result_t *results,
                                size_t n, const ftz_report_filter_t *filter,
                                const char *chartjs_path, char *errstr, size_t errstr_size) {
    char now[32], first[16], last[16];
    char *chartjs = NULL, *data_text = NULL;
    json_t *charts = NULL, *data = NULL;
    ftz_err_t err;

    if (!(chartjs = read_chartjs(chartjs_path, errstr, errstr_size))) {
        err = FTZ_ERR_IO;
        goto cleanup;
    }
    if ((err = ftz_report_span(conn, filter, first, last, sizeof(first), errstr,
                               errstr_size)) != FTZ_OK)
        goto cleanup;
    ftz_report_now(now, sizeof(now));
    err = FTZ_ERR_NOMEM;
    if (!(charts = json_array()))
        goto cleanup;
    for (size_t i = 0; i < ftz_report_charts_count; i++) {
        const ftz_report_chart_def_t *chart = &ftz_report_charts[i];
        /* Rail has no area: with --area it is drawn for all of them (its
         * note says so). */
        ftz_report_filter_t f = *filter;
        if (chart->area == FTZ_REPORT_AREA_NONE)
            f.area = NULL;
        json_t *c = ftz_report_chart_data(conn, chart, &f, errstr, errstr_size);
        if (!c) {
            err = FTZ_ERR_FATAL;
            goto cleanup;
        }
        if (json_array_append_new(charts, c))
            goto cleanup;
    }
    data = json_pack("{s:s, s:s?, s:s?, s:s?, s:O}", "generated_at", now, "from", filter->from,
                     "to", filter->to, "area", filter->area, "charts", charts);
    if (!data || !(data_text = ftz_report_json_dump(data, 0)))
        goto cleanup;

    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>Liaoning FTZ dashboard</title>\n<style>\n",
          out);
    fputs(page_css, out);
    fputs("</style>\n</head>\n<body>\n<header>\n<h1>Liaoning Pilot Free Trade Zone</h1>\n<p>",
          out);
    fputs("Days ", out);
    put_escaped(out, filter->from ? filter->from : *first ? first : "-");
    fputs(" to ", out);
    put_escaped(out, filter->to ? filter->to : *last ? last : "-");
    fputs(" (Asia/Shanghai; monthly figures cover whole months) &middot; ", out);
    if (filter->area) {
        fputs("area ", out);
        put_escaped(out, filter->area);
    } else {
        fputs("all areas", out);
    }
    fputs(" &middot; generated ", out);
    put_escaped(out, now);
    fputs(" by ftz report</p>\n</header>\n<main>\n<div class=\"charts\">\n", out);
    for (size_t i = 0; i < ftz_report_charts_count; i++) {
        const ftz_report_chart_def_t *chart = &ftz_report_charts[i];
        json_t *labels = json_object_get(json_array_get(charts, i), "labels");
        fprintf(out, "<section class=\"card\" id=\"card-%s\">\n<h2>", chart->id);
        put_escaped(out, chart->title);
        fputs("</h2>\n<p>", out);
        put_escaped(out, chart->note);
        if (filter->area && chart->area == FTZ_REPORT_AREA_NONE)
            fputs(" All areas: rail corridors have no area.", out);
        fputs("</p>\n", out);
        if (json_array_size(labels) == 0)
            fputs("<p class=\"empty\">Nothing counted in this range.</p>\n", out);
        fprintf(out, "<div class=\"chart\"><canvas id=\"chart-%s\"></canvas></div>\n</section>\n",
                chart->id);
    }
    fputs("</div>\n<h2 class=\"section\">Reports</h2>\n", out);
    for (size_t i = 0; i < n; i++)
        put_table(out, &results[i], i == 0);
    fputs("</main>\n<footer>Made by <code>ftz report --format html</code> from the tables and "
          "views of schema ftz. Charts by Chart.js (MIT licence), embedded from ",
          out);
    put_escaped(out, chartjs_path);
    fputs(".</footer>\n<pre id=\"ftz-drawn\" hidden></pre>\n"
          "<script type=\"application/json\" id=\"ftz-data\">",
          out);
    put_script_json(out, data_text);
    fputs("</script>\n<script id=\"ftz-chartjs\">", out);
    fputs(chartjs, out);
    fputs("</script>\n<script>\n", out);
    fputs(page_js, out);
    fputs("</script>\n</body>\n</html>\n", out);
    if (fflush(out) != 0 || ferror(out)) {
        err = ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "write failed");
        goto cleanup;
    }
    err = FTZ_OK;
cleanup:
    if (err == FTZ_ERR_NOMEM)
        ftz_seterr(err, errstr, errstr_size, "out of memory building the dashboard");
    free(chartjs);
    free(data_text);
    json_decref(data);
    json_decref(charts);
    return err;
}
