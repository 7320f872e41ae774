/* Avro Parsing Canonical Form and CRC-64-AVRO fingerprints, as the Avro
 * specification defines them ("Schema Resolution" > "Parsing Canonical Form
 * for Schemas" and "Schema Fingerprints"). Avro-C 1.11.1 has neither. Works
 * on any valid schema, not only the project's. Pure functions: any thread. */
#ifndef FTZ_CANONICAL_H
#define FTZ_CANONICAL_H

#include <stddef.h>
#include <stdint.h>

#include "ftz/err.h"

/* CRC-64-AVRO (Rabin) of len bytes. */
uint64_t ftz_crc64_avro(const void *data, size_t len);

/* The Parsing Canonical Form of the schema in `json` (len bytes).
 * Returns a malloc'd NUL-terminated string the caller frees, or NULL with
 * errstr filled when the text is not a valid schema. */
char *ftz_canonical_form(const char *json, size_t len, char *errstr,
                         size_t errstr_size);

/* Fingerprint = CRC-64-AVRO of the canonical form. */
ftz_err_t ftz_schema_fingerprint(const char *json, size_t len, uint64_t *fp,
                                 char *errstr, size_t errstr_size);

#endif
