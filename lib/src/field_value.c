#include "ftz/field_value.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/rules.h"
#include "ftz/utf8.h"
#include "ftz/value.h"

ftz_fv_kind_t ftz_json_number_kind(const char *s, size_t len) {
    size_t i = 0;
    int real = 0;
    if (i < len && s[i] == '-')
        i++;
    if (i < len && s[i] == '0')
        i++;
    else if (i < len && s[i] >= '1' && s[i] <= '9')
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
    else
        return FTZ_FV_ABSENT;
    if (i < len && s[i] == '.') {
        size_t d = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return FTZ_FV_ABSENT;
        real = 1;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return FTZ_FV_ABSENT;
        real = 1;
    }
    if (i != len)
        return FTZ_FV_ABSENT;
    return real ? FTZ_FV_REAL : FTZ_FV_INT;
}

static int is_number(const ftz_field_value_t *x) {
    return x->kind == FTZ_FV_INT || x->kind == FTZ_FV_REAL;
}

/* The verdict on text read by a parser that stops at a NUL byte: the
 * parser's (err, why) unless the text holds a NUL, which it would not
 * have seen. */
static ftz_err_t parsed(const ftz_field_t *f, const ftz_field_value_t *x, ftz_err_t err,
                        const char *why, ftz_verdict_t *v) {
    if (strlen(x->text) != x->len)
        return ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: contains a NUL byte", f->name);
    if (err != FTZ_OK)
        return ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: %s", f->name, why);
    return FTZ_OK;
}

/* Money: a decimal string, or a number read from its text (never through
 * a double: 1234567890123456.78 stays exact, 1.999999999999999999 is
 * refused, not rounded to 2.00). */
static ftz_err_t money(const ftz_field_t *f, const ftz_field_value_t *x, int64_t *fen,
                       ftz_verdict_t *v) {
    char why[160];
    if (x->kind != FTZ_FV_STRING && !is_number(x))
        return ftz_verdict_set(v, FTZ_V_BAD_JSON,
                               "field %s: expected a decimal string or number", f->name);
    if (is_number(x) && strpbrk(x->text, "eE"))
        return ftz_verdict_set(v, FTZ_V_BAD_JSON,
                               "field %s: %.40s: write amounts without an exponent, e.g. as "
                               "the decimal string \"1250.50\"", f->name, x->text);
    return parsed(f, x, ftz_decimal_parse(x->text, fen, why, sizeof(why)), why, v);
}

static ftz_err_t string_field(const ftz_field_t *f, const ftz_field_value_t *x, char *dst,
                              ftz_verdict_t *v) {
    if (x->kind != FTZ_FV_STRING)
        return ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: expected a string", f->name);
    if (!ftz_utf8_valid(x->text, x->len))
        return ftz_verdict_set(v, FTZ_V_BAD_JSON,
                               "field %s: not valid UTF-8, or contains a NUL byte", f->name);
    if (x->len >= f->cap)
        return ftz_verdict_set(v, ftz_rules_length_code(f),
                               "field %s: %zu bytes, at most %zu allowed", f->name, x->len,
                               f->cap - 1);
    memcpy(dst, x->text, x->len + 1);
    return FTZ_OK;
}

static ftz_err_t enum_field(const ftz_field_t *f, const ftz_field_value_t *x, int32_t *dst,
                            ftz_verdict_t *v) {
    char allowed[200] = "", shown[64];
    if (x->kind == FTZ_FV_STRING)
        for (int k = 0; k < f->nsymbols; k++)
            if (strlen(f->symbols[k]) == x->len && memcmp(x->text, f->symbols[k], x->len) == 0) {
                *dst = k;
                return FTZ_OK;
            }
    for (int k = 0; k < f->nsymbols; k++) {
        strncat(allowed, k ? ", " : "", sizeof(allowed) - strlen(allowed) - 1);
        strncat(allowed, f->symbols[k], sizeof(allowed) - strlen(allowed) - 1);
    }
    if (x->kind == FTZ_FV_STRING)
        ftz_utf8_sanitize(shown, sizeof(shown), x->text, x->len);
    else
        strcpy(shown, "?");
    return ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: \"%s\" is not one of %s", f->name,
                           shown, allowed);
}

static ftz_err_t int_field(const ftz_field_t *f, const ftz_field_value_t *x, int32_t *dst,
                           ftz_verdict_t *v) {
    if (x->kind == FTZ_FV_INT) {
        errno = 0;
        char *end;
        long long n = strtoll(x->text, &end, 10);
        if (errno == 0 && *end == '\0' && n >= INT32_MIN && n <= INT32_MAX) {
            *dst = (int32_t)n;
            return FTZ_OK;
        }
    }
    return ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: expected a 32-bit integer", f->name);
}

static ftz_err_t double_field(const ftz_field_t *f, const ftz_field_value_t *x, double *dst,
                              ftz_verdict_t *v) {
    if (!is_number(x))
        return ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: expected a number", f->name);
    double d = strtod(x->text, NULL);
    if (!isfinite(d))
        return ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: %.40s is out of range", f->name,
                               x->text);
    *dst = d;
    return FTZ_OK;
}

static ftz_err_t time_field(const ftz_field_t *f, const ftz_field_value_t *x, int64_t *dst,
                            ftz_verdict_t *v) {
    char why[160];
    if (x->kind != FTZ_FV_STRING)
        return ftz_verdict_set(v, FTZ_V_BAD_JSON,
                               "field %s: expected an RFC 3339 timestamp string", f->name);
    return parsed(f, x, ftz_time_parse(x->text, dst, why, sizeof(why)), why, v);
}

static ftz_err_t one_field(const ftz_field_t *f, const ftz_field_value_t *x, char *base,
                           ftz_verdict_t *v) {
    void *at = base + f->off;
    switch (f->type) {
    case FTZ_FT_OPT_STRING:
        if (x->kind == FTZ_FV_NULL)
            return FTZ_OK;
        *(bool *)(base + f->has_off) = true;
        /* fall through */
    case FTZ_FT_STRING:
        return string_field(f, x, at, v);
    case FTZ_FT_INT:
        return int_field(f, x, at, v);
    case FTZ_FT_ENUM:
        return enum_field(f, x, at, v);
    case FTZ_FT_DOUBLE:
        return double_field(f, x, at, v);
    case FTZ_FT_DECIMAL2:
        return money(f, x, at, v);
    case FTZ_FT_OPT_TIMESTAMP:
        if (x->kind == FTZ_FV_NULL)
            return FTZ_OK;
        *(bool *)(base + f->has_off) = true;
        /* fall through */
    case FTZ_FT_TIMESTAMP:
        return time_field(f, x, at, v);
    }
    return ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: unsupported type", f->name);
}

ftz_err_t ftz_record_from_values(const ftz_record_type_t *rt, const ftz_field_value_t *vals,
                                 void *rec, ftz_verdict_t *v) {
    ftz_verdict_clear(v);
    memset(rec, 0, rt->size);
    for (int i = 0; i < rt->nfields; i++) {
        const ftz_field_t *f = &rt->fields[i];
        if (vals[i].kind == FTZ_FV_ABSENT) {
            if (f->type == FTZ_FT_OPT_TIMESTAMP || f->type == FTZ_FT_OPT_STRING)
                continue;
            return ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: missing", f->name);
        }
        ftz_err_t err = one_field(f, &vals[i], rec, v);
        if (err != FTZ_OK)
            return err;
    }
    return FTZ_OK;
}
