#include "ftz/rules.h"
#include "ftz/json.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/utf8.h"
#include "ftz/value.h"

/* The text of the number that is the value of top-level key `key` in the
 * JSON object text[0..len) (already parsed by jansson, so well-formed),
 * copied into out; 0 when there is none (the key written with escapes,
 * say). Money given as a JSON number is read from this text, never
 * through a double: 1234567890123456.78 must stay exact, and
 * 1.999999999999999999 must be refused, not rounded to 2.00. */
static int raw_number(const char *text, size_t len, const char *key, char *out, size_t out_size) {
    size_t i = 0, klen = strlen(key);
    int depth = 0;
    while (i < len) {
        char c = text[i];
        if (c == '"') { /* a string: a key of the top-level object, or a value */
            size_t start = ++i;
            while (i < len && text[i] != '"')
                i += text[i] == '\\' ? 2 : 1;
            size_t end = i++;
            if (depth != 1 || end - start != klen || memcmp(text + start, key, klen) != 0)
                continue;
            while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
                               text[i] == '\n'))
                i++;
            if (i >= len || text[i] != ':')
                continue; /* a value that happens to equal the key */
            i++;
            while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
                               text[i] == '\n'))
                i++;
            size_t n = strspn(text + i, "+-0123456789.eE");
            if (n == 0 || n >= out_size || i + n > len)
                return 0;
            memcpy(out, text + i, n);
            out[n] = '\0';
            return 1;
        }
        depth += c == '{' || c == '[';
        depth -= c == '}' || c == ']';
        i++;
    }
    return 0;
}

static ftz_err_t money_from_json(json_t *j, const ftz_field_t *f, const char *text, size_t len,
                                 int64_t *fen, ftz_verdict_t *v) {
    char why[160];
    if (json_is_string(j)) {
        if (ftz_decimal_parse(json_string_value(j), fen, why, sizeof(why)) != FTZ_OK)
            return ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: %s", f->name, why);
        return FTZ_OK;
    }
    if (json_is_integer(j)) {
        json_int_t n = json_integer_value(j);
        if (n > FTZ_DECIMAL18_MAX / 100 || n < -FTZ_DECIMAL18_MAX / 100)
            return ftz_verdict_set(v, FTZ_V_BAD_JSON,
                                   "field %s: %lld does not fit decimal(18,2)", f->name,
                                   (long long)n);
        *fen = (int64_t)n * 100;
        return FTZ_OK;
    }
    if (json_is_real(j)) {
        /* The number as written, read as a decimal: exact, or refused. */
        char num[64];
        if (!raw_number(text, len, f->name, num, sizeof(num)))
            return ftz_verdict_set(v, FTZ_V_BAD_JSON,
                                   "field %s: write the amount as a decimal string, e.g. "
                                   "\"1250.50\"", f->name);
        if (strpbrk(num, "eE"))
            return ftz_verdict_set(v, FTZ_V_BAD_JSON,
                                   "field %s: %s: write amounts without an exponent, e.g. as "
                                   "the decimal string \"1250.50\"", f->name, num);
        if (ftz_decimal_parse(num, fen, why, sizeof(why)) != FTZ_OK)
            return ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: %s", f->name, why);
        return FTZ_OK;
    }
    return ftz_verdict_set(v, FTZ_V_BAD_JSON,
                           "field %s: expected a decimal string or number", f->name);
}

static ftz_err_t field_from_json(const ftz_field_t *f, json_t *j, const char *text,
                                 size_t len, char *base, ftz_verdict_t *v) {
    char why[160];
    switch (f->type) {
    case FTZ_FT_OPT_STRING:
        if (json_is_null(j))
            return FTZ_OK;
        *(bool *)(base + f->has_off) = true;
        /* fall through */
    case FTZ_FT_STRING: {
        if (!json_is_string(j))
            return ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: expected a string",
                                   f->name);
        size_t n = json_string_length(j);
        if (!ftz_utf8_valid(json_string_value(j), n))
            return ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: contains a NUL byte",
                                   f->name);
        if (n >= f->cap)
            return ftz_verdict_set(v, ftz_rules_length_code(f),
                                   "field %s: %zu bytes, at most %zu allowed", f->name, n,
                                   f->cap - 1);
        memcpy(base + f->off, json_string_value(j), n + 1);
        return FTZ_OK;
    }
    case FTZ_FT_INT: {
        if (!json_is_integer(j) || json_integer_value(j) < INT32_MIN ||
            json_integer_value(j) > INT32_MAX)
            return ftz_verdict_set(v, FTZ_V_BAD_JSON,
                                   "field %s: expected a 32-bit integer", f->name);
        *(int32_t *)(void *)(base + f->off) = (int32_t)json_integer_value(j);
        return FTZ_OK;
    }
    case FTZ_FT_ENUM: {
        if (json_is_string(j))
            for (int k = 0; k < f->nsymbols; k++)
                if (strcmp(json_string_value(j), f->symbols[k]) == 0) {
                    *(int32_t *)(void *)(base + f->off) = k;
                    return FTZ_OK;
                }
        char allowed[200] = "";
        for (int k = 0; k < f->nsymbols; k++) {
            strncat(allowed, k ? ", " : "", sizeof(allowed) - strlen(allowed) - 1);
            strncat(allowed, f->symbols[k], sizeof(allowed) - strlen(allowed) - 1);
        }
        return ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: \"%s\" is not one of %s",
                               f->name, json_is_string(j) ? json_string_value(j) : "?",
                               allowed);
    }
    case FTZ_FT_DOUBLE:
        if (!json_is_number(j))
            return ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: expected a number",
                                   f->name);
        *(double *)(void *)(base + f->off) = json_number_value(j);
        return FTZ_OK;
    case FTZ_FT_DECIMAL2:
        return money_from_json(j, f, text, len, (int64_t *)(void *)(base + f->off), v);
    case FTZ_FT_OPT_TIMESTAMP:
        if (json_is_null(j))
            return FTZ_OK;
        *(bool *)(base + f->has_off) = true;
        /* fall through */
    case FTZ_FT_TIMESTAMP:
        if (!json_is_string(j))
            return ftz_verdict_set(v, FTZ_V_BAD_JSON,
                                   "field %s: expected an RFC 3339 timestamp string",
                                   f->name);
        if (ftz_time_parse(json_string_value(j), (int64_t *)(void *)(base + f->off), why,
                           sizeof(why)) != FTZ_OK)
            return ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: %s", f->name, why);
        return FTZ_OK;
    }
    return ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: unsupported type", f->name);
}

ftz_err_t ftz_json_to_record(const ftz_record_type_t *rt, const char *text, size_t len,
                             void *rec, ftz_verdict_t *v) {
    json_error_t jerr;
    ftz_err_t err = FTZ_OK;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

    ftz_verdict_clear(v);
    memset(rec, 0, rt->size);
    if (!root)
        return ftz_verdict_set(v, FTZ_V_BAD_JSON, "column %d: %s", jerr.column,
                               jerr.text);
    if (!json_is_object(root)) {
        err = ftz_verdict_set(v, FTZ_V_BAD_JSON, "expected a JSON object");
        goto cleanup;
    }
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val) {
        int known = 0;
        for (int i = 0; i < rt->nfields && !known; i++)
            known = strcmp(rt->fields[i].name, key) == 0;
        if (!known) {
            err = ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: not a field of %s", key,
                                  rt->fullname);
            goto cleanup;
        }
    }
    for (int i = 0; i < rt->nfields; i++) {
        const ftz_field_t *f = &rt->fields[i];
        json_t *j = json_object_get(root, f->name);
        if (!j) {
            if (f->type == FTZ_FT_OPT_TIMESTAMP || f->type == FTZ_FT_OPT_STRING)
                continue;
            err = ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: missing", f->name);
            goto cleanup;
        }
        if ((err = field_from_json(f, j, text, len, rec, v)) != FTZ_OK)
            goto cleanup;
    }
cleanup:
    json_decref(root);
    return err;
}

/* A JSON string, UTF-8 kept as is. */
static ftz_err_t put_json_string(ftz_buf_t *out, const char *s) {
    ftz_err_t err = ftz_buf_putc(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; !err && *p; p++) {
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            err = ftz_buf_append(out, esc, 2);
        } else if (*p < 0x20) {
            err = ftz_buf_printf(out, "\\u%04x", *p);
        } else {
            err = ftz_buf_putc(out, (char)*p);
        }
    }
    return err ? err : ftz_buf_putc(out, '"');
}

/* The shortest text that reads back as the same double ("1520.5", not
 * 1520.5000000000000); null for what JSON cannot carry (NaN, infinities). */
static ftz_err_t put_json_double(ftz_buf_t *out, double x) {
    char text[40];
    if (!isfinite(x))
        return ftz_buf_puts(out, "null");
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(text, sizeof(text), "%.*g", prec, x);
        if (strtod(text, NULL) == x)
            break;
    }
    return ftz_buf_puts(out, text);
}

ftz_err_t ftz_json_from_record(const ftz_record_type_t *rt, const void *rec,
                               ftz_buf_t *out) {
    const char *base = rec;
    char tmp[64];
    ftz_err_t err = ftz_buf_putc(out, '{');

    for (int i = 0; !err && i < rt->nfields; i++) {
        const ftz_field_t *f = &rt->fields[i];
        const void *at = base + f->off;
        if ((i && (err = ftz_buf_putc(out, ','))) || (err = put_json_string(out, f->name)) ||
            (err = ftz_buf_putc(out, ':')))
            break;
        switch (f->type) {
        case FTZ_FT_OPT_STRING:
            if (!*(const bool *)(base + f->has_off)) {
                err = ftz_buf_puts(out, "null");
                break;
            }
            /* fall through */
        case FTZ_FT_STRING:
            err = put_json_string(out, at);
            break;
        case FTZ_FT_INT:
            err = ftz_buf_printf(out, "%d", (int)*(const int32_t *)at);
            break;
        case FTZ_FT_ENUM: {
            int32_t k = *(const int32_t *)at;
            err = k >= 0 && k < f->nsymbols ? put_json_string(out, f->symbols[k])
                                            : ftz_buf_puts(out, "null");
            break;
        }
        case FTZ_FT_DOUBLE:
            err = put_json_double(out, *(const double *)at);
            break;
        case FTZ_FT_DECIMAL2:
            ftz_decimal_format(*(const int64_t *)at, tmp, sizeof(tmp));
            err = put_json_string(out, tmp);
            break;
        case FTZ_FT_OPT_TIMESTAMP:
            if (!*(const bool *)(base + f->has_off)) {
                err = ftz_buf_puts(out, "null");
                break;
            }
            /* fall through */
        case FTZ_FT_TIMESTAMP:
            ftz_time_format(*(const int64_t *)at, tmp, sizeof(tmp));
            err = put_json_string(out, tmp);
            break;
        }
    }
    return err ? err : ftz_buf_putc(out, '}');
}
