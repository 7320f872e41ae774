/* The plain JSON mapping of records, both ways (docs/data-model.md):
 * enums as their names, timestamps as RFC 3339 strings, money as decimal
 * strings ("1250.50") or JSON numbers with at most two decimals, optional
 * fields as null or absent. Unknown fields are refused so that a typo in a
 * field name is an error, not a silent default. Pure functions. */
#ifndef FTZ_JSON_H
#define FTZ_JSON_H

#include <stddef.h>

#include "ftz/buf.h"
#include "ftz/record.h"
#include "ftz/verdict.h"

/* Code of a verdict from ftz_json_to_record. */

/* Parses one JSON object (text[0..len), borrowed) into rec (rt->size bytes).
 * FTZ_ERR_POISON with verdict code BAD_JSON and a reason naming the field. */
ftz_err_t ftz_json_to_record(const ftz_record_type_t *rt, const char *text, size_t len,
                             void *rec, ftz_verdict_t *verdict);

/* Appends s (borrowed, NUL-terminated) to out as a JSON string: UTF-8 kept
 * as is, only what JSON requires escaped ('"', '\\', controls as \\u00XX). */
ftz_err_t ftz_json_put_string(ftz_buf_t *out, const char *s);

/* Appends rec as one JSON object (no newline) to out. */
ftz_err_t ftz_json_from_record(const ftz_record_type_t *rt, const void *rec,
                               ftz_buf_t *out);

#endif
