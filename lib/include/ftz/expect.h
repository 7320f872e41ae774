/* Expected contents of the aggregate tables: what `ftz simulate --expect`
 * writes and `ftz check --expect` compares with the database.
 *
 * Four tables of rows, each row one text cell per column, in the columns
 * and units of lib/sql (ftz.customs_daily, ftz.rail_daily,
 * ftz.registrations_monthly) plus the dead letters counted by source topic
 * (without the topic prefix) and code. A row whose measures are all zero
 * is no row: the consumer may keep such rows (a declaration moved
 * elsewhere), the expectation never lists them.
 *
 * The file is JSON (docs/simulate.md): {"format": "ftz-expect", "version":
 * 1, "assumes": "...", "generated": {...}, "customs_daily": [{"day":
 * "2026-11-01", ..., "declarations": 3, "declared_value_cny": "1250.50",
 * ...}, ...], "rail_daily": [...], "registrations_monthly": [...],
 * "dead_letters": [{"topic": "ftz.customs.declarations", "code":
 * "RULE_HS_CODE", "count": 2}, ...]}. Counts are JSON integers, money and
 * exact weights decimal strings, gross_weight_kg a JSON number.
 *
 * One thread at a time per object. */
#ifndef FTZ_EXPECT_H
#define FTZ_EXPECT_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>

#include "ftz/err.h"

typedef enum ftz_expect_table_e {
    FTZ_EXPECT_CUSTOMS_DAILY,
    FTZ_EXPECT_RAIL_DAILY,
    FTZ_EXPECT_REGISTRATIONS_MONTHLY,
    FTZ_EXPECT_DEAD_LETTERS,
    FTZ_EXPECT__TABLES
} ftz_expect_table_t;

typedef enum ftz_expect_ctype_e {
    FTZ_EXPECT_TEXT,    /* compared byte for byte */
    FTZ_EXPECT_INT,     /* a whole number (bigint) */
    FTZ_EXPECT_NUMERIC, /* an exact decimal: 1.50 equals 1.5 */
    FTZ_EXPECT_DOUBLE,  /* double precision: equal as doubles */
} ftz_expect_ctype_t;

typedef struct ftz_expect_col_s {
    const char *name;
    ftz_expect_ctype_t type;
} ftz_expect_col_t;

typedef struct ftz_expect_table_info_s {
    const char *name;              /* "customs_daily": the file's key */
    const ftz_expect_col_t *cols;  /* key columns first */
    int ncols, nkeys;
} ftz_expect_table_info_t;

/* The static description of a table. */
const ftz_expect_table_info_t *ftz_expect_table_info(ftz_expect_table_t t);

typedef struct ftz_expect_s ftz_expect_t;

/* An empty expectation; NULL when out of memory. */
ftz_expect_t *ftz_expect_new(void);
void ftz_expect_destroy(ftz_expect_t *x);

/* Adds a row: cells[0..ncols) (borrowed, copied) in the table's column
 * order, each the text of its value (integers in decimal, numerics as
 * decimals, doubles as any text strtod reads). A row whose measures are
 * all zero is dropped. FTZ_ERR_NOMEM; FTZ_ERR_INVALID_ARG for a cell that
 * is not of its column's type. */
ftz_err_t ftz_expect_add_row(ftz_expect_t *x, ftz_expect_table_t t, const char *const *cells,
                             char *errstr, size_t errstr_size);

/* Rows of table t so far. */
size_t ftz_expect_rows(const ftz_expect_t *x, ftz_expect_table_t t);

/* Writes x as the JSON file above to out (borrowed), rows sorted by key.
 * assumes (may be NULL) is a sentence saying what the expectation
 * assumes; generated_json (may be NULL) a JSON object text written as is
 * under "generated". FTZ_ERR_IO on a write error. */
ftz_err_t ftz_expect_write(ftz_expect_t *x, FILE *out, const char *assumes,
                           const char *generated_json, char *errstr, size_t errstr_size);

/* Reads the JSON file at path. NULL with errstr when it cannot be read or
 * is not such a file (a missing column, a value of the wrong type). */
ftz_expect_t *ftz_expect_load(const char *path, char *errstr, size_t errstr_size);

/* The database's rows (expect_pg.c): the three aggregate tables and the
 * dead letters counted by source topic and code, read in one read-only
 * snapshot by parameter-free SELECTs over conn (borrowed). A source topic
 * named topic_prefix (NULL: $FTZ_TOPIC_PREFIX, else "") + a record type's
 * topic is given as that topic; any other keeps its whole name (and so
 * differs from every expected row). NULL with errstr on failure. */
ftz_expect_t *ftz_expect_from_db(PGconn *conn, const char *topic_prefix, char *errstr,
                                 size_t errstr_size);

/* Compares `want` with `got` table by table (both sorted here) and prints
 * one line per differing row to out: a row missing from got, a row extra
 * in got, or a row whose measures differ (naming each column, want then
 * got). Returns the number of differing rows. */
size_t ftz_expect_diff(ftz_expect_t *want, ftz_expect_t *got, FILE *out);

#endif
