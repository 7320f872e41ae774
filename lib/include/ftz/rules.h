/* Business rules of docs/domain.md, shared by producers (reject at the
 * source) and consumers (dead-letter). Each rule has a stable code
 * (RULE_...) and a message naming the field and the offending value.
 * Rules are tables of checks per record type (rules_<record>.c). Pure
 * functions, any thread. */
#ifndef FTZ_RULES_H
#define FTZ_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftz/record.h"
#include "ftz/utf8.h"
#include "ftz/verdict.h"

/* One rule: returns FTZ_OK or FTZ_ERR_POISON with the verdict filled. */
typedef ftz_err_t (*ftz_rule_fn)(const void *rec, ftz_verdict_t *v);

typedef struct ftz_rule_s {
    ftz_code_t code;   /* FTZ_V_RULE_HS_CODE */
    const char *what;  /* one line for docs and --help */
    ftz_rule_fn check;
} ftz_rule_t;

/* The rule table of a record type, in the order the rules run. */
const ftz_rule_t *ftz_rules_table(ftz_rtype_t rt, int *count);

/* Runs every rule of rt on rec (borrowed) and stops at the first failure:
 * FTZ_OK, or FTZ_ERR_POISON with the verdict of the failing rule. */
ftz_err_t ftz_rules_check(const ftz_record_type_t *rt, const void *rec, ftz_verdict_t *v);

/* Building blocks, exposed for tests and for other record types. */
bool ftz_rules_country_valid(const char *code); /* ISO 3166-1 alpha-2 */
bool ftz_rules_hs_code_valid(const char *code, char *why, size_t why_size);
/* ISO 6346 container code with a valid check digit. */
bool ftz_rules_container_id_valid(const char *id, char *why, size_t why_size);
/* GB 32100-2015 Unified Social Credit Code with a valid check character. */
bool ftz_rules_uscc_valid(const char *uscc, char *why, size_t why_size);

/* Timestamps must lie in [FTZ_TIME_MIN_MS, FTZ_TIME_MAX_MS): 1900-01-01 to
 * 3000-01-01 UTC. Beyond, they are garbage, and PostgreSQL's date
 * arithmetic would fail on the extremes of int64 (a poison batch). */
#define FTZ_TIME_MIN_MS (-2208988800000LL)
#define FTZ_TIME_MAX_MS (32503680000000LL)
/* Largest weight a record may carry, in kg: a sum of a few of them must
 * stay a finite double. */
#define FTZ_WEIGHT_MAX_KG 1e12

/* The rules every text field of every type obeys, driven by the record
 * type's field table: RULE_EMPTY_FIELD when a required text (or an
 * optional one that is present) is blank (ftz_utf8_blank), and
 * RULE_CONTROL_CHARACTER when any text holds a control character. */
ftz_err_t ftz_rules_not_blank(const ftz_record_type_t *rt, const void *rec, ftz_verdict_t *v);
ftz_err_t ftz_rules_no_control(const ftz_record_type_t *rt, const void *rec, ftz_verdict_t *v);

/* The code for a text longer than its field holds: the format rule that
 * governs the field (an hs_code of 17 digits is an RULE_HS_CODE fault,
 * like one of 11), else RULE_FIELD_LENGTH. One code per fault. */
ftz_code_t ftz_rules_length_code(const ftz_field_t *f);

/* RULE_TIMESTAMP_RANGE for `field` when ms is outside the range above. */
ftz_err_t ftz_rules_time_range(const char *field, int64_t ms, ftz_verdict_t *v);

#endif
