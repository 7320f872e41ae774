/* The fields of a record as text, one call per field in table order: the
 * walk behind both writers of records, JSON (json.c) and CSV
 * (csv_writer.c), so the two always write a value alike: enums by symbol,
 * money as a decimal, timestamps in RFC 3339, numbers as the shortest text
 * that reads back. Pure functions: any thread. */
#ifndef FTZ_RECORD_TEXT_H
#define FTZ_RECORD_TEXT_H

#include "ftz/err.h"
#include "ftz/record.h"

typedef enum ftz_text_kind_e {
    FTZ_TEXT_NULL,   /* no value: an absent optional, an enum index out of range,
                      * a double that is NaN or infinite */
    FTZ_TEXT_STRING, /* strings, enum symbols, decimals, timestamps */
    FTZ_TEXT_NUMBER, /* ints and doubles: text that needs no quoting */
} ftz_text_kind_t;

/* Called for field i (f, borrowed) with its text (borrowed for the call;
 * NULL for FTZ_TEXT_NULL). A non-FTZ_OK return ends the walk with it. */
typedef ftz_err_t (*ftz_record_text_fn)(void *ctx, int i, const ftz_field_t *f,
                                        ftz_text_kind_t kind, const char *text);

/* Calls emit for every field of rec (borrowed, of type rt), in order.
 * Returns FTZ_OK or the first error emit returned. */
ftz_err_t ftz_record_text_walk(const ftz_record_type_t *rt, const void *rec,
                               ftz_record_text_fn emit, void *ctx);

#endif
