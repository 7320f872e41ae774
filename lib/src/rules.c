#include "ftz/rules.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

size_t ftz_utf8_length(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

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

extern const ftz_rule_t ftz_rules_customs[];
extern const int ftz_rules_customs_count;

const ftz_rule_t *ftz_rules_table(ftz_rtype_t rt, int *count) {
    switch (rt) {
    case FTZ_REC_CUSTOMS:
        *count = ftz_rules_customs_count;
        return ftz_rules_customs;
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
