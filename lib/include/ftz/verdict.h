/* Why a record was rejected: a verdict code and a reason that names the
 * field and the offending value.
 *
 * Every verdict code is defined once, in FTZ_VERDICT_CODES below, with the
 * stage that gives it, where it can happen and its description. The rules,
 * the metrics' labels, `ftz deadletters codes` and docs/codes.md (checked
 * by the docs.verdict_codes test) all come from this table. Codes are
 * stable: they are stored in ftz.dead_letters and sent as the ftz.error.code
 * header, so a code is never renamed, only added. */
#ifndef FTZ_VERDICT_H
#define FTZ_VERDICT_H

#include <stddef.h>

#include "ftz/err.h"

/* Where a code can be given. */
#define FTZ_AT_PRODUCER 1u /* ftz produce: the line is refused at the source */
#define FTZ_AT_CONSUMER 2u /* ftz aggregate: the record becomes a dead letter */
#define FTZ_AT_BOTH (FTZ_AT_PRODUCER | FTZ_AT_CONSUMER)

/* X(NAME, stage, where, description) */
#define FTZ_VERDICT_CODES(X)                                                                     \
    X(BAD_FRAMING, "frame", FTZ_AT_CONSUMER,                                                     \
      "not single-object encoded: no C3 01 marker, shorter than 10 bytes, or an empty or NULL "  \
      "value")                                                                                   \
    X(UNKNOWN_SCHEMA, "schema", FTZ_AT_CONSUMER,                                                 \
      "the writer schema's fingerprint is not in the catalog, or the record is of another type " \
      "than the topic's")                                                                        \
    X(DECODE_ERROR, "decode", FTZ_AT_CONSUMER,                                                   \
      "the datum does not decode: negative or oversized lengths, block counts or varints, enum " \
      "or union index out of range, invalid UTF-8 or NUL in a string, truncated, trailing "      \
      "bytes, larger than --max-record-size, decimal beyond precision 18")                       \
    X(BAD_JSON, "parse", FTZ_AT_PRODUCER,                                                        \
      "the line is not JSON, or a field (a JSON member or a CSV cell) is missing, unknown, of "  \
      "the wrong type or an unknown enum name")                                                  \
    X(BAD_CSV, "parse", FTZ_AT_PRODUCER,                                                         \
      "a CSV record is not RFC 4180: a quote inside an unquoted cell, text after a closing "     \
      "quote, a quoted cell never closed, or more or fewer cells than the header")               \
    X(LINE_TOO_LONG, "parse", FTZ_AT_PRODUCER,                                                   \
      "a line (JSON lines) or record (CSV) longer than ftz produce --max-line-bytes; skipped "   \
      "without being read into memory")                                                          \
    X(RULE_KEY_MISMATCH, "rules", FTZ_AT_CONSUMER,                                               \
      "the Kafka key is not the record's id")                                                    \
    X(RULE_EMPTY_FIELD, "rules", FTZ_AT_BOTH,                                                    \
      "a text field (ids, codes, names, station, ...) is blank: empty, or only Unicode white "   \
      "space and invisible characters (U+00A0, U+3000, U+200B, ...)")                            \
    X(RULE_CONTROL_CHARACTER, "rules", FTZ_AT_BOTH,                                              \
      "a text field holds a control character (C0, DEL or C1: tabs, escapes, ...), which would " \
      "reach logs and terminals raw")                                                            \
    X(RULE_FIELD_LENGTH, "rules", FTZ_AT_BOTH,                                                   \
      "declaration_id over 40 characters, or a text longer than its field holds (in bytes) "     \
      "where no format rule governs the field")                                                  \
    X(RULE_REVISION, "rules", FTZ_AT_BOTH, "customs: revision < 1")                              \
    X(RULE_HS_CODE, "rules", FTZ_AT_BOTH,                                                        \
      "customs: hs_code not 6, 8 or 10 digits, or chapter outside 01-97, or 77")                 \
    X(RULE_COUNTRY_CODE, "rules", FTZ_AT_BOTH,                                                   \
      "a country is not one of the 249 ISO 3166-1 alpha-2 codes")                                \
    X(RULE_NEGATIVE_AMOUNT, "rules", FTZ_AT_BOTH,                                                \
      "declared_value_cny or cargo_value_cny < 0, gross_weight_kg negative or not finite, "      \
      "registered_capital_cny <= 0")                                                             \
    X(RULE_AMOUNT_RANGE, "rules", FTZ_AT_BOTH,                                                   \
      "customs: gross_weight_kg above 10^12 kg (sums must stay finite)")                         \
    X(RULE_CLEARED_AT, "rules", FTZ_AT_BOTH,                                                     \
      "customs: CLEARED without cleared_at, or cleared_at before filed_at")                      \
    X(RULE_TIMESTAMP_RANGE, "rules", FTZ_AT_BOTH,                                                \
      "a timestamp outside 1900-01-01 .. 3000-01-01")                                            \
    X(RULE_CONTAINER_ID, "rules", FTZ_AT_BOTH,                                                   \
      "rail: container_id not an ISO 6346 code (owner code, category U/J/Z, six digits, valid "  \
      "check digit)")                                                                            \
    X(RULE_CORRIDOR, "rules", FTZ_AT_BOTH,                                                       \
      "rail: corridor not ORIGIN-DEST in capital letters, or the same city twice")               \
    X(RULE_TEU, "rules", FTZ_AT_BOTH, "rail: teu outside 1..4")                                  \
    X(RULE_DEPARTED_AT, "rules", FTZ_AT_BOTH,                                                    \
      "rail: ARRIVED without departed_at, or departed_at after event_time")                      \
    X(RULE_USCC_CHECKSUM, "rules", FTZ_AT_BOTH,                                                  \
      "registration: uscc not 18 characters of the GB 32100-2015 set with a valid check "        \
      "character")                                                                               \
    X(RULE_INDUSTRY, "rules", FTZ_AT_BOTH,                                                       \
      "registration: industry not a GB/T 4754 section letter A-T")                               \
    X(SINK_REJECTED, "sink", FTZ_AT_CONSUMER,                                                    \
      "passed every rule, but PostgreSQL refused it (a data exception, or a constraint an "      \
      "operator added); the reason carries the server's message")

typedef enum ftz_code_e {
#define FTZ_VERDICT_ENUM_(name, stage, where, what) FTZ_V_##name,
    FTZ_VERDICT_CODES(FTZ_VERDICT_ENUM_)
#undef FTZ_VERDICT_ENUM_
    FTZ_V__COUNT
} ftz_code_t;

typedef struct ftz_code_info_s {
    const char *code;  /* "RULE_HS_CODE" */
    const char *stage; /* frame, schema, decode, parse, rules, sink */
    unsigned where;    /* FTZ_AT_* */
    const char *what;  /* one line for docs, --help and ftz deadletters */
} ftz_code_info_t;

/* The table, indexed by ftz_code_t; static. */
const ftz_code_info_t *ftz_code_info(ftz_code_t c);
/* The code's name ("RULE_HS_CODE"), static. */
const char *ftz_code_name(ftz_code_t c);
/* By name; -1 when there is no such code. */
int ftz_code_find(const char *name);

typedef struct ftz_verdict_s {
    const char *code; /* static string from the table; NULL when the record is good */
    ftz_code_t id;    /* the code, when code is not NULL */
    char reason[320];
} ftz_verdict_t;

/* Fills the verdict and returns FTZ_ERR_POISON. The reason is made valid
 * UTF-8 (ftz_utf8_sanitize) and cut on a character boundary. */
ftz_err_t ftz_verdict_set(ftz_verdict_t *v, ftz_code_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ftz_verdict_clear(ftz_verdict_t *v);

#endif
