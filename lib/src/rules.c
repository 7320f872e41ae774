#include "ftz/rules.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ftz/array.h"
#include "ftz/utf8.h"

bool ftz_rules_hs_code_valid(const char *code, char *why, size_t why_size) {
    size_t n = strlen(code);
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)code[i])) {
            snprintf(why, why_size, "\"%s\" is not all digits", code);
            return false;
        }
    if (n != 6 && n != 8 && n != 10) {
        snprintf(why, why_size, "\"%s\" has %zu digits, expected 6, 8 or 10", code, n);
        return false;
    }
    int chapter = (code[0] - '0') * 10 + (code[1] - '0');
    if (chapter < 1 || chapter > 97 || chapter == 77) {
        snprintf(why, why_size, "\"%s\" is in chapter %02d, expected 01-97 except 77",
                 code, chapter);
        return false;
    }
    return true;
}

ftz_err_t ftz_rules_time_range(const char *field, int64_t ms, ftz_verdict_t *v) {
    if (ms >= FTZ_TIME_MIN_MS && ms < FTZ_TIME_MAX_MS)
        return FTZ_OK;
    return ftz_verdict_set(v, FTZ_V_RULE_TIMESTAMP_RANGE,
                           "%s: %lld ms since 1970 is outside 1900-01-01 to 3000-01-01", field,
                           (long long)ms);
}

/* ISO 6346: letters count 10..38 skipping multiples of 11; each of the
 * first ten characters is weighted by 2^position; check = sum mod 11 mod 10. */
bool ftz_rules_container_id_valid(const char *id, char *why, size_t why_size) {
    static const int letter_value[26] = {10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24,
                                         25, 26, 27, 28, 29, 30, 31, 32, 34, 35, 36, 37, 38};
    size_t n = strlen(id);
    long sum = 0;
    if (n != 11) {
        snprintf(why, why_size,
                 "\"%s\" has %zu characters (%zu bytes), expected 11 ASCII characters (e.g. "
                 "CSQU3054383)",
                 id, ftz_utf8_length(id), n);
        return false;
    }
    for (int i = 0; i < 4; i++)
        if (id[i] < 'A' || id[i] > 'Z') {
            snprintf(why, why_size, "\"%s\": the first four characters must be capital letters", id);
            return false;
        }
    if (id[3] != 'U' && id[3] != 'J' && id[3] != 'Z') {
        snprintf(why, why_size, "\"%s\": category '%c' is not U, J or Z", id, id[3]);
        return false;
    }
    for (int i = 4; i < 11; i++)
        if (!isdigit((unsigned char)id[i])) {
            snprintf(why, why_size, "\"%s\": serial and check digit must be 7 digits", id);
            return false;
        }
    for (int i = 0; i < 10; i++) {
        int v = i < 4 ? letter_value[id[i] - 'A'] : id[i] - '0';
        sum += (long)v << i;
    }
    int check = (int)(sum % 11 % 10);
    if (check != id[10] - '0') {
        snprintf(why, why_size, "\"%s\": check digit %c, expected %d", id, id[10], check);
        return false;
    }
    return true;
}

/* GB 32100-2015: 18 characters of the 31-symbol set (no I, O, S, V, Z);
 * the first 17 weighted 3^i mod 31; check = 31 - sum mod 31 (31 -> 0). */
bool ftz_rules_uscc_valid(const char *uscc, char *why, size_t why_size) {
    static const char charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    size_t n = ftz_utf8_length(uscc), len = strlen(uscc);
    int sum = 0, value[18];
    if (n != 18) {
        snprintf(why, why_size, "\"%s\" has %zu characters, expected 18", uscc, n);
        return false;
    }
    /* By character, not byte: a full-width digit is one character of
     * three bytes, and the reason must quote it whole. */
    for (size_t i = 0, pos = 0; i < len; pos++) {
        size_t clen = ftz_utf8_char_len(uscc + i, len - i);
        const char *p = clen == 1 ? strchr(charset, uscc[i]) : NULL;
        if (!p) {
            snprintf(why, why_size, "\"%s\": character %zu '%.*s' is not allowed", uscc,
                     pos + 1, (int)(clen ? clen : 1), uscc + i);
            return false;
        }
        value[pos] = (int)(p - charset);
        i += clen;
    }
    for (int i = 0; i < 17; i++)
        sum += value[i] * weights[i];
    int check = 31 - sum % 31;
    if (check == 31)
        check = 0;
    if (check != value[17]) {
        snprintf(why, why_size, "\"%s\": check character %c, expected %c", uscc, uscc[17],
                 charset[check]);
        return false;
    }
    return true;
}

extern const ftz_rule_t ftz_rules_customs[];
extern const int ftz_rules_customs_count;
extern const ftz_rule_t ftz_rules_rail[];
extern const int ftz_rules_rail_count;
extern const ftz_rule_t ftz_rules_registration[];
extern const int ftz_rules_registration_count;

const ftz_rule_t *ftz_rules_table(ftz_rtype_t rt, int *count) {
    switch (rt) {
    case FTZ_REC_CUSTOMS:
        *count = ftz_rules_customs_count;
        return ftz_rules_customs;
    case FTZ_REC_RAIL:
        *count = ftz_rules_rail_count;
        return ftz_rules_rail;
    case FTZ_REC_REGISTRATION:
        *count = ftz_rules_registration_count;
        return ftz_rules_registration;
    case FTZ_REC__COUNT:
        break;
    }
    *count = 0;
    return NULL;
}

ftz_err_t ftz_rules_check(const ftz_record_type_t *rt, const void *rec, ftz_verdict_t *v) {
    int n;
    const ftz_rule_t *rules = ftz_rules_table(rt->id, &n);
    ftz_verdict_clear(v);
    for (int i = 0; i < n; i++)
        if (rules[i].check(rec, v) != FTZ_OK)
            return FTZ_ERR_POISON;
    return FTZ_OK;
}

/* The text fields of rec that are present: calls fn(field, text) until it
 * returns non-zero. */
static ftz_err_t each_text(const ftz_record_type_t *rt, const void *rec, ftz_verdict_t *v,
                           ftz_err_t (*fn)(const ftz_field_t *, const char *, ftz_verdict_t *)) {
    const char *base = rec;
    for (int i = 0; i < rt->nfields; i++) {
        const ftz_field_t *f = &rt->fields[i];
        if (f->type != FTZ_FT_STRING &&
            !(f->type == FTZ_FT_OPT_STRING && *(const bool *)(base + f->has_off)))
            continue;
        ftz_err_t err = fn(f, base + f->off, v);
        if (err)
            return err;
    }
    return FTZ_OK;
}

static ftz_err_t blank(const ftz_field_t *f, const char *text, ftz_verdict_t *v) {
    if (!text[0])
        return ftz_verdict_set(v, FTZ_V_RULE_EMPTY_FIELD, "%s: empty string", f->name);
    if (ftz_utf8_blank(text))
        return ftz_verdict_set(v, FTZ_V_RULE_EMPTY_FIELD,
                               "%s: blank (only white space or invisible characters)", f->name);
    return FTZ_OK;
}

static ftz_err_t control(const ftz_field_t *f, const char *text, ftz_verdict_t *v) {
    long cp = ftz_utf8_first_control(text);
    if (cp >= 0)
        return ftz_verdict_set(v, FTZ_V_RULE_CONTROL_CHARACTER, "%s: control character U+%04lX",
                               f->name, (unsigned long)cp);
    return FTZ_OK;
}

ftz_err_t ftz_rules_not_blank(const ftz_record_type_t *rt, const void *rec, ftz_verdict_t *v) {
    return each_text(rt, rec, v, blank);
}

ftz_err_t ftz_rules_no_control(const ftz_record_type_t *rt, const void *rec, ftz_verdict_t *v) {
    return each_text(rt, rec, v, control);
}

ftz_code_t ftz_rules_length_code(const ftz_field_t *f) {
    static const struct {
        const char *field;
        ftz_code_t code;
    } governed[] = {
        {"hs_code", FTZ_V_RULE_HS_CODE},
        {"origin_country", FTZ_V_RULE_COUNTRY_CODE},
        {"destination_country", FTZ_V_RULE_COUNTRY_CODE},
        {"country", FTZ_V_RULE_COUNTRY_CODE},
        {"goods_origin_country", FTZ_V_RULE_COUNTRY_CODE},
        {"investor_country", FTZ_V_RULE_COUNTRY_CODE},
        {"container_id", FTZ_V_RULE_CONTAINER_ID},
        {"corridor", FTZ_V_RULE_CORRIDOR},
        {"uscc", FTZ_V_RULE_USCC_CHECKSUM},
        {"industry", FTZ_V_RULE_INDUSTRY},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(governed); i++)
        if (strcmp(governed[i].field, f->name) == 0)
            return governed[i].code;
    return FTZ_V_RULE_FIELD_LENGTH;
}
