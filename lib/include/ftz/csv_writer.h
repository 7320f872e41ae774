/* Records as CSV (RFC 4180), the form `ftz produce --format csv` reads: a
 * header row of the record type's field names, then one row per record,
 * each value written as in the JSON lines (json.h: enums by name,
 * timestamps in RFC 3339, money as decimals, numbers as the shortest text
 * that reads back). An absent optional value is an empty cell; an empty
 * string is written "" (quoted), so that a reader that tells the two apart
 * can. A cell is quoted when it holds a comma, a quote, a line end or
 * starts or ends with a space; quotes inside are doubled. Rows end with
 * CRLF. Pure functions. */
#ifndef FTZ_CSV_WRITER_H
#define FTZ_CSV_WRITER_H

#include "ftz/buf.h"
#include "ftz/record.h"

/* Appends the header row of rt (field names) to out. */
ftz_err_t ftz_csv_header(const ftz_record_type_t *rt, ftz_buf_t *out);

/* Appends rec (borrowed, of type rt) as one row to out. */
ftz_err_t ftz_csv_from_record(const ftz_record_type_t *rt, const void *rec, ftz_buf_t *out);

#endif
