/* The schema catalog: every version of every record schema, indexed by the
 * CRC-64-AVRO fingerprint of its canonical form. Built once at start-up and
 * read-only afterwards, so any thread may look things up. */
#ifndef FTZ_CATALOG_H
#define FTZ_CATALOG_H

#include <avro.h>
#include <stdint.h>

#include "ftz/err.h"
#include "ftz/record.h"

typedef struct ftz_catalog_s ftz_catalog_t;

typedef struct ftz_schema_entry_s {
    const ftz_record_type_t *rt;
    int version;          /* from the file name: Name.vN.avsc */
    uint64_t fingerprint;
    char *canonical;      /* Parsing Canonical Form (owned by the catalog) */
    char *path;           /* where it came from (owned by the catalog) */
    char *text;           /* the schema file's text (owned by the catalog) */
    avro_schema_t schema; /* owned by the catalog */
} ftz_schema_entry_t;

/* Catalog of the schemas embedded at build time (schemas/ of the source
 * tree). NULL with errstr on failure. */
ftz_catalog_t *ftz_catalog_new_embedded(char *errstr, size_t errstr_size);
/* Catalog of every NAME.vN.avsc under dir (borrowed), searched to a depth
 * of 4 directories. Each record type known to the code needs at least one
 * version. NULL with errstr naming the file on failure. */
ftz_catalog_t *ftz_catalog_new_dir(const char *dir, char *errstr, size_t errstr_size);
/* dir NULL or "": the embedded catalog; else ftz_catalog_new_dir. */
ftz_catalog_t *ftz_catalog_new(const char *dir, char *errstr, size_t errstr_size);
void ftz_catalog_destroy(ftz_catalog_t *cat);

/* Borrowed pointers into the catalog; NULL when absent. */
const ftz_schema_entry_t *ftz_catalog_lookup(const ftz_catalog_t *cat, uint64_t fp);
const ftz_schema_entry_t *ftz_catalog_current(const ftz_catalog_t *cat, ftz_rtype_t rt);
const ftz_schema_entry_t *ftz_catalog_version(const ftz_catalog_t *cat, ftz_rtype_t rt,
                                              int version);
int ftz_catalog_count(const ftz_catalog_t *cat);
const ftz_schema_entry_t *ftz_catalog_entry(const ftz_catalog_t *cat, int i);

#endif
