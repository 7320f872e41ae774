/* Files embedded into the library at build time (cmake/embed.cmake):
 * the Avro schemas under schemas/ and the SQL migrations under lib/sql/.
 * Each table ends with an entry whose path is NULL. */
#ifndef FTZ_EMBEDDED_H
#define FTZ_EMBEDDED_H

typedef struct ftz_embedded_file_s {
    const char *path; /* relative to schemas/ or lib/sql/ */
    const char *text; /* NUL-terminated contents */
} ftz_embedded_file_t;

extern const ftz_embedded_file_t ftz_embedded_schemas[];
extern const ftz_embedded_file_t ftz_embedded_migrations[];

#endif
