/* The records the pipeline carries, as C structs, and a table describing
 * each field. The field tables drive the Avro codec (codec.c), the JSON
 * mapping (json.c) and the rules' messages, so a field is described once.
 * See ../shared/domain.md for the contract and docs/data-model.md. */
#ifndef FTZ_RECORD_H
#define FTZ_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest string a field may hold, in bytes (UTF-8), per field class.
 * A longer value is a rule failure, never a silent truncation. */
#define FTZ_ID_MAX 160     /* declaration_id: 40 characters of up to 4 bytes */
#define FTZ_CODE_MAX 16    /* hs_code, country codes */

typedef enum ftz_area_e { FTZ_AREA_SHENYANG, FTZ_AREA_YINGKOU, FTZ_AREA_DALIAN } ftz_area_t;
typedef enum ftz_direction_e { FTZ_DIR_IMPORT, FTZ_DIR_EXPORT } ftz_direction_t;
typedef enum ftz_customs_status_e {
    FTZ_STATUS_FILED, FTZ_STATUS_CLEARED, FTZ_STATUS_HELD, FTZ_STATUS_CANCELLED
} ftz_customs_status_t;
typedef enum ftz_transport_mode_e {
    FTZ_MODE_SEA, FTZ_MODE_RAIL, FTZ_MODE_ROAD, FTZ_MODE_AIR
} ftz_transport_mode_t;

extern const char *const ftz_area_symbols[];      /* 3 */
extern const char *const ftz_direction_symbols[]; /* 2 */
extern const char *const ftz_status_symbols[];    /* 4 */
extern const char *const ftz_mode_symbols[];      /* 4 */

/* ftz.customs.CustomsDeclaration. Money is in fen (CNY cents, scale 2),
 * timestamps in milliseconds since the epoch (UTC). */
typedef struct ftz_customs_s {
    char declaration_id[FTZ_ID_MAX + 1];
    int32_t revision;
    int32_t area;           /* ftz_area_t */
    int32_t direction;      /* ftz_direction_t */
    int32_t status;         /* ftz_customs_status_t */
    char hs_code[FTZ_CODE_MAX + 1];
    char origin_country[FTZ_CODE_MAX + 1];
    char destination_country[FTZ_CODE_MAX + 1];
    int32_t transport_mode; /* ftz_transport_mode_t */
    int64_t declared_value_fen;
    double gross_weight_kg;
    int64_t filed_at_ms;
    bool has_cleared_at;
    int64_t cleared_at_ms;
    int64_t event_time_ms;
} ftz_customs_t;

typedef enum ftz_ftype_e {
    FTZ_FT_STRING,     /* char[cap] */
    FTZ_FT_INT,        /* int32_t */
    FTZ_FT_ENUM,       /* int32_t index into symbols */
    FTZ_FT_DOUBLE,     /* double */
    FTZ_FT_DECIMAL2,   /* int64_t, Avro bytes decimal(18,2) */
    FTZ_FT_TIMESTAMP,  /* int64_t ms, Avro long timestamp-millis */
    FTZ_FT_OPT_TIMESTAMP, /* bool at has_off + int64_t ms; union [null, long] */
} ftz_ftype_t;

typedef struct ftz_field_s {
    const char *name;
    ftz_ftype_t type;
    size_t off;       /* offset of the value in the struct */
    size_t cap;       /* FTZ_FT_STRING: buffer size including the NUL */
    const char *const *symbols; /* FTZ_FT_ENUM */
    int nsymbols;
    size_t has_off;   /* FTZ_FT_OPT_TIMESTAMP: offset of the bool */
} ftz_field_t;

typedef enum ftz_rtype_e { FTZ_REC_CUSTOMS = 0, FTZ_REC__COUNT } ftz_rtype_t;

typedef struct ftz_record_type_s {
    ftz_rtype_t id;
    const char *short_name; /* "customs": the -t name on the command line */
    const char *fullname;   /* "ftz.customs.CustomsDeclaration" */
    const char *topic;      /* "ftz.customs.declarations" */
    size_t size;            /* sizeof the struct */
    const ftz_field_t *fields;
    int nfields;
    int key_field;          /* index of the field that is the Kafka key */
} ftz_record_type_t;

/* Static descriptor of a record type; NULL when unknown. */
const ftz_record_type_t *ftz_record_type(ftz_rtype_t id);
const ftz_record_type_t *ftz_record_type_by_name(const char *short_name);
const ftz_record_type_t *ftz_record_type_by_fullname(const char *fullname);
const ftz_record_type_t *ftz_record_type_by_topic(const char *topic);

/* The key of a record (a pointer into rec; borrowed). */
const char *ftz_record_key(const ftz_record_type_t *rt, const void *rec);

#endif
