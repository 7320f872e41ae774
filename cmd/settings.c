#include "settings.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/array.h"
#include "ftz/err.h"

/* Where --help starts the descriptions, and its width. */
#define HELP_COL 27
#define HELP_WIDTH 79

static int is_number(ftz_setting_type_t t) {
    return t == FTZ_SETTING_INT || t == FTZ_SETTING_BYTES || t == FTZ_SETTING_MS ||
           t == FTZ_SETTING_SECONDS;
}

/* The size of the member a type stores into. */
static size_t type_size(ftz_setting_type_t t) {
    switch (t) {
    case FTZ_SETTING_BYTES: return sizeof(size_t);
    case FTZ_SETTING_SECONDS: return sizeof(double);
    case FTZ_SETTING_STRING: return sizeof(const char *);
    default: return sizeof(int);
    }
}

/* Numbers as a person writes them: whole ones without exponent. */
static const char *fmt_number(double v, char *buf, size_t size) {
    if (v == (double)(long long)v && v > -1e18 && v < 1e18)
        snprintf(buf, size, "%lld", (long long)v);
    else
        snprintf(buf, size, "%g", v);
    return buf;
}

static size_t count_values(const char *const *values) {
    size_t n = 0;
    while (values && values[n])
        n++;
    return n;
}

/* "a, b or c" */
static void list_values(const char *const *values, const char *last_sep, char *buf,
                        size_t size) {
    size_t n = count_values(values), len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && len < size; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? last_sep : ", ";
        int w = snprintf(buf + len, size - len, "%s%s", sep, values[i]);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

static const char *unit_noun(ftz_setting_type_t t) {
    switch (t) {
    case FTZ_SETTING_BYTES: return "a whole number of bytes";
    case FTZ_SETTING_MS: return "a whole number of milliseconds";
    case FTZ_SETTING_SECONDS: return "a number of seconds";
    default: return "a whole number";
    }
}

static const char *unit_short(ftz_setting_type_t t) {
    switch (t) {
    case FTZ_SETTING_BYTES: return " bytes";
    case FTZ_SETTING_MS: return " ms";
    case FTZ_SETTING_SECONDS: return " s";
    default: return "";
    }
}

ftz_err_t ftz_setting_parse(const ftz_setting_t *row, const char *arg, ftz_setting_value_t *out,
                            char *errstr, size_t errstr_size) {
    char lo[32], hi[32], allowed[256], shown[64 + sizeof("...")];
    /* The value as echoed: cut after 64 bytes on a UTF-8 boundary. */
    ftz_fmt(shown, sizeof(shown), "%s", arg ? arg : "");
    switch (row->type) {
    case FTZ_SETTING_FLAG:
        out->i = 1;
        return FTZ_OK;
    case FTZ_SETTING_STRING:
        out->s = arg;
        return FTZ_OK;
    case FTZ_SETTING_ENUM:
        for (size_t i = 0; row->values && row->values[i]; i++)
            if (strcmp(arg, row->values[i]) == 0) {
                out->i = (int)i;
                return FTZ_OK;
            }
        list_values(row->values, " or ", allowed, sizeof(allowed));
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "--%s \"%s\": must be %s",
                          row->name, shown, allowed);
    default:
        break;
    }
    char *end;
    double v = strtod(arg, &end);
    int whole = row->type != FTZ_SETTING_SECONDS;
    /* NaN fails both comparisons; the range keeps v within 2^53, where
     * the cast below is exact. */
    if (!ftz_cli_decimal(arg) || *end || !(v >= row->min && v <= row->max) ||
        (whole && v != (double)(long long)v))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "--%s \"%s\": must be %s from %s to %s", row->name, shown,
                          unit_noun(row->type), fmt_number(row->min, lo, sizeof(lo)),
                          fmt_number(row->max, hi, sizeof(hi)));
    switch (row->type) {
    case FTZ_SETTING_BYTES: out->bytes = (size_t)v; break;
    case FTZ_SETTING_SECONDS: out->seconds = v; break;
    default: out->i = (int)v; break;
    }
    return FTZ_OK;
}

static void store(void *base, const ftz_setting_t *row, const ftz_setting_value_t *v) {
    char *at = (char *)base + row->offset;
    switch (row->type) {
    case FTZ_SETTING_BYTES: memcpy(at, &v->bytes, sizeof(v->bytes)); break;
    case FTZ_SETTING_SECONDS: memcpy(at, &v->seconds, sizeof(v->seconds)); break;
    case FTZ_SETTING_STRING: memcpy(at, &v->s, sizeof(v->s)); break;
    default: memcpy(at, &v->i, sizeof(v->i)); break;
    }
}

/* The row's default as a value (strings: NULL; the command applies the
 * default it shows). */
static ftz_setting_value_t default_value(const ftz_setting_t *row) {
    ftz_setting_value_t v;
    memset(&v, 0, sizeof(v));
    switch (row->type) {
    case FTZ_SETTING_BYTES: v.bytes = (size_t)row->def; break;
    case FTZ_SETTING_SECONDS: v.seconds = row->def; break;
    case FTZ_SETTING_STRING: v.s = NULL; break;
    default: v.i = (int)row->def; break;
    }
    return v;
}

/* One row's table errors, or NULL. */
static const char *check_row(const ftz_setting_t *row) {
    if (!row->name || !row->help)
        return "no name or description";
    if (row->type != FTZ_SETTING_FLAG && !row->arg)
        return "no argument name";
    if (row->size && row->size != type_size(row->type))
        return "its type does not match the size of the member it stores into";
    if (is_number(row->type)) {
        double top = row->type == FTZ_SETTING_BYTES ? 9007199254740992.0 /* 2^53 */
                                                    : (double)INT_MAX;
        if (!(row->min <= row->max) || row->min < 0 || row->max > top)
            return "a bad range";
        if (!row->def_text && !(row->def >= row->min && row->def <= row->max))
            return "a default outside its range";
    }
    if (row->type == FTZ_SETTING_ENUM &&
        (count_values(row->values) == 0 || row->def < -1 ||
         row->def >= (double)count_values(row->values)))
        return "no values, or a default that is none of them";
    return NULL;
}

ftz_err_t ftz_settings_init(ftz_settings_t *s, const char *cmd, const ftz_setting_t *rows,
                            size_t n, void *base, char *errstr, size_t errstr_size) {
    static const struct option common[] = {FTZ_CLI_COMMON_LONG};
    const size_t ncommon = FTZ_ARRAY_SIZE(common);
    memset(s, 0, sizeof(*s));
    s->cmd = cmd;
    s->rows = rows;
    s->n = n;
    s->base = base;
    if (n > FTZ_SETTINGS_MAX || ncommon + n + 1 > FTZ_ARRAY_SIZE(s->longopts))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "%s: more than %d settings", cmd, FTZ_SETTINGS_MAX);
    memcpy(s->longopts, common, sizeof(common));
    strcpy(s->shortopts, FTZ_CLI_COMMON_SHORT);
    size_t ns = strlen(s->shortopts);
    for (size_t i = 0; i < n; i++) {
        const ftz_setting_t *row = &rows[i];
        const char *why = check_row(row);
        for (size_t j = 0; !why && j < ncommon + i; j++)
            if (strcmp(s->longopts[j].name, row->name) == 0 || s->longopts[j].val == row->id)
                why = "its name or id is taken";
        if (!why && row->id < 256 && strchr(FTZ_CLI_COMMON_SHORT, row->id))
            why = "its letter is a common option's";
        if (!why && row->id >= 256 && row->id < FTZ_OPT__COMMON_END)
            why = "its id is a common option's";
        if (why)
            return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                              "%s: setting --%s: %s", cmd, row->name ? row->name : "?", why);
        s->longopts[ncommon + i] = (struct option){
            row->name, row->type == FTZ_SETTING_FLAG ? no_argument : required_argument, NULL,
            row->id};
        if (row->id < 256) {
            s->shortopts[ns++] = (char)row->id;
            if (row->type != FTZ_SETTING_FLAG)
                s->shortopts[ns++] = ':';
            s->shortopts[ns] = '\0';
        }
        if (base && row->size) {
            ftz_setting_value_t v = default_value(row);
            store(base, row, &v);
        }
    }
    s->longopts[ncommon + n] = (struct option){NULL, 0, NULL, 0};
    return FTZ_OK;
}

static const ftz_setting_t *find_row(const ftz_setting_t *rows, size_t n, int id) {
    for (size_t i = 0; i < n; i++)
        if (rows[i].id == id)
            return &rows[i];
    return NULL;
}

int ftz_settings_next(ftz_settings_t *s, ftz_cli_t *cli, int argc, char **argv,
                      void (*help)(FILE *out), int *rc) {
    char why[512];
    for (;;) {
        int opt = ftz_cli_next(cli, argc, argv, s->shortopts, s->longopts, help, rc);
        const ftz_setting_t *row = opt >= 0 ? find_row(s->rows, s->n, opt) : NULL;
        if (!row)
            return opt;
        if (ftz_setting_parse(row, optarg, &s->value, why, sizeof(why)) != FTZ_OK) {
            *rc = ftz_cli_usage_error(s->cmd, "%s", why);
            return FTZ_CLI_STOP;
        }
        s->given[row - s->rows] = 1;
        if (!row->size || !s->base)
            return opt;
        store(s->base, row, &s->value);
    }
}

int ftz_settings_given(const ftz_settings_t *s, int id) {
    const ftz_setting_t *row = find_row(s->rows, s->n, id);
    return row && s->given[row - s->rows];
}

/* The default of row as shown; unit_sep between a size and its binary
 * unit. */
static const char *default_text(const ftz_setting_t *row, const char *unit_sep, char *buf,
                                size_t size) {
    buf[0] = '\0';
    if (row->def_text) {
        snprintf(buf, size, "%s", row->def_text);
    } else if (row->type == FTZ_SETTING_ENUM) {
        if (row->def >= 0)
            snprintf(buf, size, "%s", row->values[(int)row->def]);
    } else if (is_number(row->type)) {
        char num[32];
        fmt_number(row->def, num, sizeof(num));
        /* Sizes also in binary units when they are a whole number of them. */
        static const char *const units[] = {"KiB", "MiB", "GiB"};
        double whole = 0;
        const char *unit = NULL;
        for (int u = 0; row->type == FTZ_SETTING_BYTES && u < 3; u++) {
            double scale = (double)(1ull << (10 * (u + 1)));
            if (row->def >= scale && row->def == scale * (double)(long long)(row->def / scale)) {
                whole = row->def / scale;
                unit = units[u];
            }
        }
        if (unit)
            snprintf(buf, size, "%s, %.0f%s%s", num, whole, unit_sep, unit);
        else
            snprintf(buf, size, "%s", num);
    }
    return buf;
}

const char *ftz_setting_default_text(const ftz_setting_t *row, char *buf, size_t size) {
    return default_text(row, " ", buf, size);
}

/* Words of text from column col, wrapped at HELP_WIDTH, continued at
 * HELP_COL. NBSP joins two words (printed as a space). */
#define NBSP "\x1f"
static void wrap(FILE *out, const char *text, size_t col) {
    int first = 1;
    while (*text) {
        size_t w = strcspn(text, " ");
        if (!first && col + 1 + w > HELP_WIDTH) {
            fprintf(out, "\n%*s", HELP_COL, "");
            col = HELP_COL;
        } else if (!first) {
            fputc(' ', out);
            col++;
        }
        for (size_t k = 0; k < w; k++)
            fputc(text[k] == NBSP[0] ? ' ' : text[k], out);
        col += w;
        first = 0;
        text += w;
        while (*text == ' ')
            text++;
    }
    fputc('\n', out);
}

void ftz_settings_help(FILE *out, const ftz_setting_t *rows, size_t n) {
    char left[128], def[128];
    for (size_t i = 0; i < n; i++) {
        const ftz_setting_t *row = &rows[i];
        if (row->section)
            fprintf(out, "%s%s\n", i ? "\n" : "", row->section);
        else if (i == 0)
            fprintf(out, "Options:\n");
        char shortname[8] = "    ";
        if (row->id < 256)
            snprintf(shortname, sizeof(shortname), "-%c, ", row->id);
        int len = snprintf(left, sizeof(left), "  %s--%s%s%s", shortname, row->name,
                           row->arg ? " " : "", row->arg ? row->arg : "");
        size_t col = len <= HELP_COL - 2 ? HELP_COL : (size_t)len + 2;
        fprintf(out, "%-*s", (int)col, left);
        default_text(row, NBSP, def, sizeof(def));
        size_t need = strlen(row->help) + strlen(def) + 16;
        char *text = malloc(need);
        if (!text) { /* only --help: the description without its default */
            wrap(out, row->help, col);
            continue;
        }
        snprintf(text, need, def[0] ? "%s (default: %s)" : "%s", row->help, def);
        wrap(out, text, col);
        free(text);
    }
}

/* A Markdown table cell: '|' escaped, line ends as spaces. */
static void md_cell(FILE *out, const char *text) {
    fputc(' ', out);
    for (const char *p = text; *p; p++) {
        if (*p == '|')
            fputs("\\|", out);
        else
            fputc(*p == '\n' ? ' ' : *p, out);
    }
    fputs(" |", out);
}

void ftz_settings_markdown(FILE *out, const ftz_setting_t *rows, size_t n) {
    char buf[256], lo[32], hi[32];
    fputs("| option | default | allowed | description |\n", out);
    fputs("| --- | --- | --- | --- |\n", out);
    for (size_t i = 0; i < n; i++) {
        const ftz_setting_t *row = &rows[i];
        if (row->id < 256)
            snprintf(buf, sizeof(buf), "`-%c`, `--%s%s%s`", row->id, row->name,
                     row->arg ? " " : "", row->arg ? row->arg : "");
        else
            snprintf(buf, sizeof(buf), "`--%s%s%s`", row->name, row->arg ? " " : "",
                     row->arg ? row->arg : "");
        fputc('|', out);
        md_cell(out, buf);
        md_cell(out, ftz_setting_default_text(row, buf, sizeof(buf)));
        buf[0] = '\0';
        if (is_number(row->type))
            snprintf(buf, sizeof(buf), "%s to %s%s", fmt_number(row->min, lo, sizeof(lo)),
                     fmt_number(row->max, hi, sizeof(hi)), unit_short(row->type));
        else if (row->type == FTZ_SETTING_ENUM)
            list_values(row->values, ", ", buf, sizeof(buf));
        md_cell(out, buf);
        md_cell(out, row->help);
        fputc('\n', out);
    }
}

void ftz_settings_kafka_markdown(FILE *out, ftz_kafka_role_t role) {
    size_t n;
    const ftz_kafka_default_t *d = ftz_kafka_defaults(role, &n);
    fputs("| property | value | why |\n", out);
    fputs("| --- | --- | --- |\n", out);
    for (size_t i = 0; i < n; i++) {
        char name[128];
        snprintf(name, sizeof(name), "`%s`", d[i].name);
        fputc('|', out);
        md_cell(out, name);
        md_cell(out, d[i].value);
        md_cell(out, d[i].why);
        fputc('\n', out);
    }
}

void ftz_settings_list(FILE *out, const ftz_setting_t *rows, size_t n, ftz_kafka_role_t role) {
    ftz_settings_markdown(out, rows, n);
    fprintf(out, "\nlibrdkafka properties set before `-X` and `-F` (%s):\n\n",
            role == FTZ_KAFKA_PRODUCER ? "producer" : "consumer");
    ftz_settings_kafka_markdown(out, role);
}
