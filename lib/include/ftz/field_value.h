/* A record's fields as read from text, before they are judged: what the
 * JSON reader (json.c) and the CSV reader (csv_record.c) both produce, and
 * the one place that turns them into a record, so both inputs mean the same
 * (docs/data-model.md: enums as names, timestamps as RFC 3339, money as a
 * decimal string or a number with at most two decimals, read from its text
 * and never through a double). Pure functions, any thread. */
#ifndef FTZ_FIELD_VALUE_H
#define FTZ_FIELD_VALUE_H

#include <stddef.h>

#include "ftz/record.h"
#include "ftz/verdict.h"

/* More than any record type has (record.c). */
#define FTZ_RECORD_MAX_FIELDS 32

typedef enum ftz_fv_kind_e {
    FTZ_FV_ABSENT = 0, /* not given (a CSV empty cell, a JSON key not present) */
    FTZ_FV_NULL,
    FTZ_FV_BOOL,
    FTZ_FV_INT,      /* a JSON number without fraction or exponent; text as written */
    FTZ_FV_REAL,     /* a JSON number with a fraction or an exponent; text as written */
    FTZ_FV_STRING,   /* text, decoded; may hold NUL bytes (len counts them) */
    FTZ_FV_COMPOUND, /* an array or an object */
} ftz_fv_kind_t;

/* One field's value. text is borrowed, NUL-terminated at text[len]. */
typedef struct ftz_field_value_s {
    ftz_fv_kind_t kind;
    const char *text;
    size_t len;
} ftz_field_value_t;

/* FTZ_FV_INT or FTZ_FV_REAL when s[0..len) is a JSON number (RFC 8259
 * grammar), else FTZ_FV_ABSENT. */
ftz_fv_kind_t ftz_json_number_kind(const char *s, size_t len);

/* Fills rec (rt->size bytes, zeroed first) from vals[i], the value of
 * rt->fields[i], judging fields in the table's order: the first that is
 * missing or wrong gives FTZ_ERR_POISON with verdict BAD_JSON (or the
 * field's length code) and a reason naming the field. */
ftz_err_t ftz_record_from_values(const ftz_record_type_t *rt, const ftz_field_value_t *vals,
                                 void *rec, ftz_verdict_t *verdict);

#endif
