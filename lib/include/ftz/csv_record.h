/* CSV rows to records. The header row names the columns, each a field of
 * the record type (in any order); every other row maps to the same record
 * the JSON path makes (ftz_json_to_record): the row becomes one JSON
 * object, typed by the field table (numbers for integer and double fields
 * when the cell is a JSON number, strings otherwise: money stays the
 * exact decimal text of the cell), an empty cell ("" too) being an absent
 * field, and that object goes through ftz_json_to_record. So both formats
 * obey one set of mapping rules and give the same verdicts. Pure; the
 * map is read-only once made, any thread. */
#ifndef FTZ_CSV_RECORD_H
#define FTZ_CSV_RECORD_H

#include "ftz/csv_reader.h"
#include "ftz/record.h"
#include "ftz/verdict.h"

typedef struct ftz_csv_map_s ftz_csv_map_t;

/* The columns of header (borrowed) for record type rt (static). NULL with
 * errstr naming the problem: a column that is not a field of rt, a column
 * twice, a column without a name, or a required field without a column. */
ftz_csv_map_t *ftz_csv_map_new(const ftz_record_type_t *rt, const ftz_csv_row_t *header,
                               char *errstr, size_t errstr_size);
void ftz_csv_map_destroy(ftz_csv_map_t *m);

/* Parses row (borrowed) into rec (rt->size bytes). FTZ_ERR_POISON with a
 * verdict: BAD_CSV when the row has more or fewer cells than the header,
 * else what ftz_json_to_record says (BAD_JSON: a required cell empty, a
 * bad number, an unknown enum name, ...); FTZ_ERR_NOMEM when out of memory. */
ftz_err_t ftz_csv_map_record(const ftz_csv_map_t *m, const ftz_csv_row_t *row, void *rec,
                             ftz_verdict_t *v);

#endif
